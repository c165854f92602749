package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.HandshakeType;

/**
 * qsock's engine against the JDK's SunJSSE over loopback TCP, both ways round: handshakes for every cipher
 * suite, group and certificate type, application data both ways, ALPN, and the alerts each side must see.
 */
@Timeout(30)
class JsseInteropTest extends PeerTestBase {

    /** What a JSSE peer saw, or how it failed. */
    private record JsseRun(SSLSession session, String applicationProtocol, byte[] received, int afterData,
                           Exception failure) {
        static JsseRun failed(Exception e) {
            return new JsseRun(null, null, null, 0, e);
        }
    }

    // ---- qsock client, JSSE server ---------------------------------------------------------------

    /**
     * Runs a JSSE server for one connection: handshake, read {@code readLength} bytes, answer, then read
     * once more, which must be the end of the stream (the client's close_notify).
     */
    private Future<JsseRun> jsseServer(SSLServerSocket listener, int readLength, byte[] answer) {
        return peers.submit(() -> {
            try (SSLSocket socket = (SSLSocket) listener.accept()) {
                socket.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
                socket.startHandshake();
                byte[] received = socket.getInputStream().readNBytes(readLength);
                socket.getOutputStream().write(answer);
                socket.getOutputStream().flush();
                int after = socket.getInputStream().read();
                return new JsseRun(socket.getSession(), socket.getApplicationProtocol(), received, after, null);
            } catch (IOException e) {
                return JsseRun.failed(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qsock.tls.interop.InteropCase#matrix")
    void qsockClientWithJsseServer(InteropCase c) throws Exception {
        SSLContext context = Jsse.context(c.pki());
        byte[] up = Payloads.of(c.seed(), Payloads.LENGTH);
        byte[] down = Payloads.of(~c.seed(), Payloads.LENGTH);
        try (SSLServerSocket listener = Jsse.listen(context,
                Jsse.parameters(context, Jsse.TLS13, c.suite(), c.group(), "h3"))) {
            Future<JsseRun> serverRun = jsseServer(listener, up.length, down);
            // qsock offers every suite and group, with a key share for the one the server is pinned to (so no
            // HelloRetryRequest; JsseHelloRetryTest has that): the server's choice is what gets checked.
            TlsClientConfig config = QsockEndpoints.client(c.pki()).groups(NamedGroup.X25519, NamedGroup.SECP256R1,
                    NamedGroup.SECP384R1).keyShareGroups(c.group()).applicationProtocols("h3", "hq-interop").build();
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), config, c.seed());
            try (client) {
                client.handshake();
                client.write(up);
                assertArrayEquals(down, client.read(down.length));
            }
            JsseRun server = serverRun.get(20, TimeUnit.SECONDS);
            assertNull(server.failure(), () -> "JSSE server: " + server.failure());
            assertEquals(c.suite(), client.completion().cipherSuite());
            assertEquals("h3", client.completion().applicationProtocol());
            assertEquals(c.group(), Hellos.keyExchangeGroup(client.serverHello()));
            assertEquals(TestPki.leaf(c.pki()), client.completion().peerCertificates().getFirst());
            assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.CERTIFICATE,
                    HandshakeType.CERTIFICATE_VERIFY, HandshakeType.FINISHED),
                    Hellos.types(client.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
            assertEquals(List.of(HandshakeType.FINISHED), Hellos.types(client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            assertEquals(Jsse.TLS13, server.session().getProtocol());
            assertEquals(c.suite().name(), server.session().getCipherSuite());
            assertEquals("h3", server.applicationProtocol());
            assertArrayEquals(up, server.received());
            assertEquals(-1, server.afterData(), "the client's close_notify ends the server's input");
            assertEquals(7, client.applicationRecordsSent());
        }
    }

    // ---- JSSE client, qsock server ---------------------------------------------------------------

    /**
     * Runs a JSSE client: handshake, send {@code data}, read {@code readLength} bytes, then read once more,
     * which must be the end of the stream (the server's close_notify).
     */
    private Future<JsseRun> jsseClient(SSLContext context, int port, javax.net.ssl.SSLParameters parameters,
                                       byte[] data, int readLength) {
        return peers.submit(() -> {
            try (SSLSocket socket = Jsse.connect(context, port, parameters)) {
                socket.startHandshake();
                socket.getOutputStream().write(data);
                socket.getOutputStream().flush();
                byte[] received = socket.getInputStream().readNBytes(readLength);
                int after = socket.getInputStream().read();
                return new JsseRun(socket.getSession(), socket.getApplicationProtocol(), received, after, null);
            } catch (IOException e) {
                return JsseRun.failed(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qsock.tls.interop.InteropCase#matrix")
    void jsseClientWithQsockServer(InteropCase c) throws Exception {
        SSLContext context = Jsse.context(c.pki());
        byte[] up = Payloads.of(c.seed(), Payloads.LENGTH);
        byte[] down = Payloads.of(~c.seed(), Payloads.LENGTH);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<JsseRun> clientRun = jsseClient(context, listener.getLocalPort(),
                    Jsse.parameters(context, Jsse.TLS13, c.suite(), c.group(), "h3", "hq-interop"), up, down.length);
            // The server accepts every suite and group: the client's pins decide.
            TlsServerConfig config = QsockEndpoints.server(c.pki()).applicationProtocols("h3").build();
            TlsRecordLayer server = QsockEndpoints.accept(listener, config, c.seed());
            try (server) {
                server.handshake();
                assertArrayEquals(up, server.read(up.length));
                server.write(down);
            }
            JsseRun client = clientRun.get(20, TimeUnit.SECONDS);
            assertNull(client.failure(), () -> "JSSE client: " + client.failure());
            assertEquals(c.suite(), server.completion().cipherSuite());
            assertEquals("h3", server.completion().applicationProtocol());
            assertEquals(c.group(), Hellos.keyExchangeGroup(server.serverHello()));
            assertEquals("localhost", server.engine().serverName());
            assertEquals(Jsse.TLS13, client.session().getProtocol());
            assertEquals(c.suite().name(), client.session().getCipherSuite());
            assertEquals("h3", client.applicationProtocol());
            Certificate[] chain = client.session().getPeerCertificates();
            assertEquals(TestPki.leaf(c.pki()), chain[0]);
            assertArrayEquals(down, client.received());
            assertEquals(-1, client.afterData(), "the server's close_notify ends the client's input");
            assertEquals(7, server.applicationRecordsSent());
        }
    }

    // ---- ALPN --------------------------------------------------------------------------------------

    @Test
    void qsockClientGetsTheProtocolTheJsseServerPrefers() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        // JSSE picks by its own order among what the client offers: "hq-interop", the client's second choice.
        try (SSLServerSocket listener = Jsse.listen(context,
                Jsse.parameters(context, Jsse.TLS13, null, null, "hq-interop", "h3"))) {
            Future<JsseRun> serverRun = jsseServer(listener, 1, new byte[] {2});
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(),
                    QsockEndpoints.client("ecdsa-p256").applicationProtocols("h3", "hq-interop").build(), 5);
            try (client) {
                client.handshake();
                client.write(new byte[] {1});
                assertArrayEquals(new byte[] {2}, client.read(1));
            }
            JsseRun server = serverRun.get(20, TimeUnit.SECONDS);
            assertNull(server.failure(), () -> "JSSE server: " + server.failure());
            assertEquals("hq-interop", client.completion().applicationProtocol());
            assertEquals("hq-interop", server.applicationProtocol());
        }
    }

    @Test
    void jsseClientGetsTheProtocolTheQsockServerPrefers() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<JsseRun> clientRun = jsseClient(context, listener.getLocalPort(),
                    Jsse.parameters(context, Jsse.TLS13, null, null, "h3", "hq-interop"), new byte[] {1}, 1);
            TlsRecordLayer server = QsockEndpoints.accept(listener,
                    QsockEndpoints.server("ecdsa-p256").applicationProtocols("hq-interop", "h3").build(), 6);
            try (server) {
                server.handshake();
                assertArrayEquals(new byte[] {1}, server.read(1));
                server.write(new byte[] {2});
            }
            JsseRun client = clientRun.get(20, TimeUnit.SECONDS);
            assertNull(client.failure(), () -> "JSSE client: " + client.failure());
            assertEquals("hq-interop", server.completion().applicationProtocol());
            assertEquals("hq-interop", client.applicationProtocol());
        }
    }

    @Test
    void qsockServerWithoutACommonProtocolSendsNoApplicationProtocolToTheJsseClient() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<JsseRun> clientRun = jsseClient(context, listener.getLocalPort(),
                    Jsse.parameters(context, Jsse.TLS13, null, null, "hq-interop"), new byte[] {1}, 1);
            TlsAlertException sent;
            try (TlsRecordLayer server = QsockEndpoints.accept(listener,
                    QsockEndpoints.server("ecdsa-p256").applicationProtocols("h3").build(), 7)) {
                sent = assertThrows(TlsAlertException.class, server::handshake);
            }
            assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL, sent.alert());
            assertReceivedAlert("no_application_protocol", clientRun.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void jsseServerWithoutACommonProtocolSendsNoApplicationProtocolToTheQsockClient() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (SSLServerSocket listener = Jsse.listen(context,
                Jsse.parameters(context, Jsse.TLS13, null, null, "smtp"))) {
            Future<JsseRun> serverRun = jsseServer(listener, 1, new byte[0]);
            try (TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(),
                    QsockEndpoints.client("ecdsa-p256").applicationProtocols("h3", "hq-interop").build(), 8)) {
                PeerAlertException alert = assertThrows(PeerAlertException.class, client::handshake);
                assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL.code(), alert.description());
            }
            assertInstanceOf(SSLHandshakeException.class, serverRun.get(20, TimeUnit.SECONDS).failure());
        }
    }

    // ---- certificates and versions -----------------------------------------------------------------

    @Test
    void qsockClientTrustingOnlyTheSystemStoreSendsUnknownCaToTheJsseServer() throws Exception {
        assertQsockClientAlert(QsockEndpoints.client("ecdsa-p256").certificateValidator(CertificateValidator.system()),
                TlsAlert.UNKNOWN_CA, "unknown_ca");
    }

    @Test
    void qsockClientTrustingAnotherCaSendsUnknownCaToTheJsseServer() throws Exception {
        assertQsockClientAlert(QsockEndpoints.client("rsa"), TlsAlert.UNKNOWN_CA, "unknown_ca");
    }

    @Test
    void qsockClientForAnotherHostSendsBadCertificateToTheJsseServer() throws Exception {
        assertQsockClientAlert(QsockEndpoints.client("ecdsa-p256").serverName("example.com"),
                TlsAlert.BAD_CERTIFICATE, "bad_certificate");
    }

    /** A qsock client refuses the JSSE server's ECDSA P-256 chain with {@code expected}, which JSSE receives. */
    private void assertQsockClientAlert(TlsClientConfig.Builder client, TlsAlert expected, String jsseName)
            throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (SSLServerSocket listener = Jsse.listen(context, Jsse.parameters(context, Jsse.TLS13, null, null))) {
            Future<JsseRun> serverRun = jsseServer(listener, 1, new byte[0]);
            try (TlsRecordLayer layer = QsockEndpoints.connect(listener.getLocalPort(), client.build(), 9)) {
                TlsAlertException sent = assertThrows(TlsAlertException.class, layer::handshake);
                assertEquals(expected, sent.alert(), sent::toString);
            }
            assertReceivedAlert(jsseName, serverRun.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void jsseClientOfferingOnlyTls12GetsProtocolVersionFromTheQsockServer() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<JsseRun> clientRun = jsseClient(context, listener.getLocalPort(),
                    Jsse.parameters(context, Jsse.TLS12, null, null), new byte[] {1}, 1);
            TlsAlertException sent;
            try (TlsRecordLayer server = QsockEndpoints.accept(listener, QsockEndpoints.server("ecdsa-p256").build(), 10)) {
                sent = assertThrows(TlsAlertException.class, server::handshake);
            }
            assertEquals(TlsAlert.PROTOCOL_VERSION, sent.alert());
            assertReceivedAlert("protocol_version", clientRun.get(20, TimeUnit.SECONDS));
        }
    }

    /**
     * JSSE reports a received alert as an SSLException whose message ends "Received fatal alert: NAME"
     * (JDK 25 puts "(NAME) " before it).
     */
    private static void assertReceivedAlert(String name, JsseRun run) {
        assertInstanceOf(javax.net.ssl.SSLException.class, run.failure(), () -> "JSSE peer: " + run.failure());
        String message = run.failure().getMessage();
        assertTrue(message != null && message.endsWith("Received fatal alert: " + name),
                () -> "JSSE peer did not receive " + name + ": " + run.failure());
    }
}
