package qsock.interop.agent15;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.HqInterop;
import qsock.interop.support.TestPki;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.cert.CertificateValidator;
import tech.kwik.agent15.engine.TlsServerEngineFactory;

/**
 * Kwik's TLS engine, agent15, drives qsock connections through the handshake channel in place of qsock-tls:
 * as a client against a qsock server that handshakes with qsock-tls, and as a server for a qsock-tls client.
 * An echo on a stream afterwards proves both sides derived the same 1-RTT keys.
 */
class Agent15HandshakeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] MESSAGE = "keys agree when this comes back".repeat(100).getBytes(StandardCharsets.US_ASCII);
    private static final String KEY_ALIAS = "qsock-test";
    private static final char[] KEY_PASSWORD = "secret".toCharArray();

    @TempDir
    Path root;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void agent15ClientWithoutQsockTlsHandshakesWithQsockServerAndEchoes() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             URLClassLoader isolated = WithoutQsockTls.classLoader()) {
            // The client side cannot reach qsock-tls: what handshakes there is agent15 through the adapter.
            assertThrows(ClassNotFoundException.class, () -> isolated.loadClass(QuicHandshake.class.getName()));
            Callable<?> client = (Callable<?>) isolated.loadClass(IsolatedEchoClient.class.getName())
                    .getConstructor(InetSocketAddress.class, String.class, byte[].class, Duration.class)
                    .newInstance(server.address(), HqInterop.ECHO_ALPN, MESSAGE, TIMEOUT);

            Map<?, ?> result = (Map<?, ?>) client.call();

            ClassLoader socketLoader = (ClassLoader) result.get(IsolatedEchoClient.SOCKET_LOADER);
            assertSame(isolated, socketLoader, "the client's QuicSocket comes from the loader without qsock-tls");
            assertNotSame(QuicSocket.class.getClassLoader(), socketLoader);
            assertEquals(HqInterop.ECHO_ALPN, result.get(IsolatedEchoClient.ALPN));
            assertNotNull(result.get(IsolatedEchoClient.CIPHER_SUITE));
            assertEquals(TestPki.chain()[0], result.get(IsolatedEchoClient.SERVER_CERTIFICATE));
            assertArrayEquals(MESSAGE, (byte[]) result.get(IsolatedEchoClient.ECHO));
            assertEquals(List.of(), server.failures());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void agent15ClientRejectsAnUntrustedServerWithItsAlert() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             QuicSocket socket = QuicSocket.open()) {
            socket.setOption(QuicSocketOptions.TIMEOUT, TIMEOUT);
            socket.connect(server.address());

            IOException e = assertThrows(IOException.class, () -> Agent15ClientHandshake.run(socket, "localhost",
                    List.of(HqInterop.ECHO_ALPN), trustingNothing(), TIMEOUT));

            // agent15 3.1 answers a chain its trust manager refuses with bad_certificate (RFC 8446 §6.2: 42).
            assertCryptoError(socket.closeError(), 42, false);
            assertTrue(e.getMessage().contains("sent TLS alert 42"), e.getMessage());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void agent15ClientHearsQsockServersNoApplicationProtocol() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             QuicSocket socket = QuicSocket.open()) {
            socket.setOption(QuicSocketOptions.TIMEOUT, TIMEOUT);
            socket.connect(server.address());

            assertThrows(IOException.class, () -> Agent15ClientHandshake.run(socket, "localhost", List.of("h3"),
                    TestPki.trustManager(), TIMEOUT));

            // RFC 9001 §8.1: no_application_protocol (120) from the server.
            assertCryptoError(socket.closeError(), 120, true);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void agent15ServerHandshakesWithQsockTlsClientAndEchoes() throws Exception {
        try (QuicSocket listener = listener();
             QuicSocket client = QuicSocket.open()) {
            CompletableFuture<String> served = serveOneEcho(listener, List.of("h3", HqInterop.ECHO_ALPN));
            client.setOption(QuicSocketOptions.TIMEOUT, TIMEOUT);
            client.connect(listener.localAddress());

            QuicHandshake.clientHandshake(client, clientTls(HqInterop.ECHO_ALPN), TIMEOUT);
            byte[] echo = echo(client, MESSAGE);

            assertEquals(HqInterop.ECHO_ALPN, client.applicationProtocol());
            assertEquals(HqInterop.ECHO_ALPN, served.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertArrayEquals(MESSAGE, echo);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void agent15ServerRefusesAClientWithoutACommonProtocol() throws Exception {
        try (QuicSocket listener = listener();
             QuicSocket client = QuicSocket.open()) {
            CompletableFuture<String> served = serveOneEcho(listener, List.of(HqInterop.ECHO_ALPN));
            client.setOption(QuicSocketOptions.TIMEOUT, TIMEOUT);
            client.connect(listener.localAddress());

            IOException e = assertThrows(IOException.class,
                    () -> QuicHandshake.clientHandshake(client, clientTls("h3"), TIMEOUT));

            assertCryptoError(client.closeError(), 120, true);
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> served.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(failed.getCause().getMessage().contains("sent TLS alert 120"), failed.getCause().getMessage());
            assertTrue(e.getMessage().contains("alert"), e.getMessage());
        }
    }

    private static void assertCryptoError(ConnectionError error, int alert, boolean byPeer) {
        assertNotNull(error, "the connection closed with an error");
        assertEquals(ConnectionError.Kind.TRANSPORT, error.kind(), error.toString());
        assertEquals(TransportErrorCode.cryptoError(alert), error.transportCode(), error.toString());
        assertEquals(byPeer, error.byPeer(), error.toString());
    }

    private static QuicSocket listener() throws IOException {
        QuicSocket listener = QuicSocket.open();
        try {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.listen(1);
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /**
     * Accepts one connection on a virtual thread, handshakes with agent15 offering {@code alpn}, and echoes one
     * stream up to its FIN; completes with the agreed protocol, or with what failed.
     */
    private static CompletableFuture<String> serveOneEcho(QuicSocket listener, List<String> alpn) {
        CompletableFuture<String> served = new CompletableFuture<>();
        Thread.ofVirtual().name("agent15-server").start(() -> {
            try (QuicSocket s = listener.accept()) {
                s.setOption(QuicSocketOptions.TIMEOUT, TIMEOUT);
                TlsServerEngineFactory credentials = new TlsServerEngineFactory(
                        TestPki.keyStore(KEY_ALIAS, KEY_PASSWORD), KEY_ALIAS, KEY_PASSWORD);
                Agent15ServerHandshake handshake = Agent15ServerHandshake.run(s, credentials, alpn, TIMEOUT);
                ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
                while (true) {
                    buf.clear();
                    StreamMessage m = s.receive(buf);
                    s.send(buf.flip(), m.streamId(), m.fin() ? StreamFlags.FIN : 0);
                    if (m.fin()) {
                        break;
                    }
                }
                served.complete(handshake.applicationProtocol());
                // Wait for the client to close once it has the echo: closing first could cut the echo short.
                s.receive(buf.clear());
            } catch (Throwable t) {
                served.completeExceptionally(t);
            }
        });
        return served;
    }

    private static TlsClientConfig clientTls(String alpn) {
        return TlsClientConfig.builder()
                .serverName("localhost")
                .applicationProtocols(alpn)
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca())))
                .build();
    }

    private static byte[] echo(QuicSocket socket, byte[] message) throws IOException {
        long stream = socket.openStream(0);
        socket.send(ByteBuffer.wrap(message), stream, StreamFlags.FIN);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            out.write(buf.array(), 0, buf.position());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }

    private static X509TrustManager trustingNothing() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("this test trusts no one");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("this test trusts no one");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
