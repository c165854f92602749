package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;
import qsock.socket.HandshakeService;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.TlsHandshakeService;

/**
 * qsock-tls's handshake service over real sockets, used as a consumer uses it: through {@link HandshakeService}
 * and {@link HandshakeRequest} alone, with the certificates, keys and PSKs in its configuration file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeServiceSocketTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private HandshakeService service(String extraClient, String extraServer) throws IOException {
        return new TlsHandshakeService(HandshakeServiceFiles.write(dir, extraClient, extraServer));
    }

    @Test
    void serviceLoaderFindsQsockTlsProvider() throws Exception {
        assertInstanceOf(TlsHandshakeService.class, HandshakeService.load());
    }

    @Test
    void x509HandshakeThroughTheServiceCarriesData() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.anyPeer()));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                assertEquals(client, service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT));
                assertEquals("echo", client.getOption(QuicSocketOptions.ALPN).getFirst());
                assertEquals("hello", ask(client, "hello"));
            }
            server.get().close();
        }
    }

    @Test
    void serverRequiringClientNameAcceptsClientCertificateNamingIt() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.x509("localhost")));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                assertEquals("mutual", ask(client, "mutual"));
            }
            server.get().close();
        }
    }

    @Test
    void serverRequiringAnotherClientNameRefusesWithAuthenticationFailed() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> {
                QuicSocket s = loop.listener.accept();
                return service.serverHandshake(s, HandshakeRequest.x509("smb.example"), TIMEOUT);
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                ExecutionException e = assertThrows(ExecutionException.class, server::get);
                assertEquals(HandshakeFailure.AUTHENTICATION_FAILED,
                        assertInstanceOf(HandshakeFailedException.class, e.getCause()).reason());
            }
        }
    }

    @Test
    void clientRejectsServerNotCertifiedForPeerNameAndServerSeesPeerRejected() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> service.serverHandshake(loop.listener.accept(),
                    HandshakeRequest.anyPeer(), TIMEOUT));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                        () -> service.clientHandshake(client, HandshakeRequest.x509("nfs.example"), TIMEOUT));
                assertEquals(HandshakeFailure.AUTHENTICATION_FAILED, e.reason());
            }
            ExecutionException e = assertThrows(ExecutionException.class, server::get);
            assertEquals(HandshakeFailure.PEER_REJECTED,
                    assertInstanceOf(HandshakeFailedException.class, e.getCause()).reason());
        }
    }

    @Test
    void sessionTicketWaitReturnsWithTheServersTicket() throws Exception {
        HandshakeService service = service("session_ticket_wait = 20000", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.anyPeer()));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                // The ticket arrives after the handshake (RFC 8446 §4.6.1); the service waited for it.
                assertTrue(client.getOption(QuicSocketOptions.SESSION_TICKET) != null,
                        "the server's session ticket arrived before clientHandshake returned");
                assertEquals("ticket", ask(client, "ticket"));
            }
            server.get().close();
        }
    }

    @Test
    void pskHandshakeThroughTheService() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            // The server checks that the client proved this very key (TlsEngine.pskIdentity), not a certificate.
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.psk(HandshakeServiceFiles.PSK_IDENTITY)));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.psk(HandshakeServiceFiles.PSK_IDENTITY), TIMEOUT);
                assertEquals("psk", ask(client, "psk"));
            }
            server.get().close();
        }
    }

    @Test
    void serverExpectingPskRefusesCertificateClient() throws Exception {
        HandshakeService service = service("", "");
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> service.serverHandshake(loop.listener.accept(),
                    HandshakeRequest.psk(HandshakeServiceFiles.PSK_IDENTITY), TIMEOUT));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                ExecutionException e = assertThrows(ExecutionException.class, server::get);
                assertEquals(HandshakeFailure.AUTHENTICATION_FAILED,
                        assertInstanceOf(HandshakeFailedException.class, e.getCause()).reason());
            }
        }
    }

    @Test
    void unknownPskIdentityIsLocalConfiguration() throws Exception {
        HandshakeService service = service("", "");
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.psk("nobody"), TIMEOUT));
            assertEquals(HandshakeFailure.LOCAL_CONFIGURATION, e.reason());
        }
    }

    @Test
    void silentServerGivesTimeout() throws Exception {
        HandshakeService service = service("", "");
        // A UDP socket that never answers: the client's Initials go nowhere.
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             QuicSocket client = QuicSocket.open()) {
            client.connect(silent.getLocalSocketAddress());
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"),
                            Duration.ofMillis(300)));
            assertEquals(HandshakeFailure.TIMEOUT, e.reason());
            assertTrue(client.state().isClosingOrClosed(), "the timed-out connection is closed: " + client.state());
        }
    }

    @Test
    void malformedConfigurationFailsHandshakeNamingTheLine() throws Exception {
        HandshakeService service = service("x509.private-key = client.key", "");
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT));
            assertEquals(HandshakeFailure.LOCAL_CONFIGURATION, e.reason());
            // Line 10 of HandshakeServiceFiles' file is the extra client line: a key tlshd spells with '_'.
            assertTrue(e.getMessage().contains("line 10: unknown key 'x509.private-key'"), e.getMessage());
        }
    }

    @Test
    void changedConfigurationFileIsReadAgain() throws Exception {
        Path conf = HandshakeServiceFiles.write(dir, "", "");
        String good = java.nio.file.Files.readString(conf);
        // The client offers "nfs" only, which the server does not accept (RFC 7301 §3.2: no_application_protocol).
        java.nio.file.Files.writeString(conf, good.replaceFirst("alpn = echo", "alpn = nfs"));
        HandshakeService service = new TlsHandshakeService(conf);
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> refused = loop.background(() -> service.serverHandshake(loop.listener.accept(),
                    HandshakeRequest.anyPeer(), TIMEOUT));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                        () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT));
                assertEquals(HandshakeFailure.PEER_REJECTED, e.reason());
            }
            assertThrows(ExecutionException.class, refused::get);
            java.nio.file.Files.writeString(conf, good);
            java.nio.file.Files.setLastModifiedTime(conf,
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.anyPeer()));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                assertEquals("fixed", ask(client, "fixed"));
            }
            server.get().close();
        }
    }

    @Test
    void hundredConcurrentHandshakesAgainstOneServer() throws Exception {
        HandshakeService service = service("", "");
        int clients = 100;
        try (Loopback loop = Loopback.listen("127.0.0.1", ConnectionConfig.defaults(), clients);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<QuicSocket>> served = new java.util.concurrent.CopyOnWriteArrayList<>();
            Future<?> acceptor = threads.submit(() -> {
                for (int i = 0; i < clients; i++) {
                    QuicSocket s = loop.listener.accept();
                    served.add(threads.submit(() -> echoOnce(service, s, HandshakeRequest.anyPeer())));
                }
                return null;
            });
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String question = "client " + i;
                answers.add(threads.submit(() -> {
                    try (QuicSocket client = QuicSocket.open()) {
                        client.connect(loop.address);
                        service.clientHandshake(client, HandshakeRequest.x509("localhost"), Duration.ofSeconds(40));
                        return ask(client, question);
                    }
                }));
            }
            for (int i = 0; i < clients; i++) {
                assertEquals("client " + i, answers.get(i).get());
            }
            acceptor.get();
            for (Future<QuicSocket> s : served) {
                s.get().close();
            }
        }
    }

    /** Runs the server handshake through the service, echoes one stream, and returns the socket. */
    private static QuicSocket echoOnce(HandshakeService service, QuicSocket socket, HandshakeRequest request)
            throws IOException {
        service.serverHandshake(socket, request, Duration.ofSeconds(40));
        ByteBuffer buf = ByteBuffer.allocate(1024);
        for (int i = 0; i < 100; i++) {
            QuicMessage m = socket.receive(buf, 0);
            if (m.isEvent()) {
                continue;
            }
            if (m.fin()) {
                socket.send(buf.flip(), m.streamId(), StreamFlags.FIN);
                return socket;
            }
        }
        throw new IOException("no FIN in 100 messages");
    }

    /** Sends {@code question} on a new stream with FIN and returns the echo. */
    private static String ask(QuicSocket client, String question) throws IOException {
        long id = client.openStream(-1, 0);
        client.send(ByteBuffer.wrap(question.getBytes(StandardCharsets.UTF_8)), id, StreamFlags.FIN);
        ByteBuffer buf = ByteBuffer.allocate(1024);
        for (int i = 0; i < 100; i++) {
            QuicMessage m = client.receive(buf, 0);
            if (!m.isEvent() && m.fin()) {
                return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            }
        }
        throw new IOException("no FIN in 100 messages");
    }
}
