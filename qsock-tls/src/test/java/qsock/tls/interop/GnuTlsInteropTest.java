package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.AssertionFailedError;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.Certificate;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeType;

/**
 * qsock's engine against GnuTLS's gnutls-serv and gnutls-cli over loopback TCP, both ways round: handshakes
 * for every cipher suite, group and certificate type, application data both ways, ALPN, and the alerts each
 * side must see. gnutls-serv asks for a client certificate (optionally), so the client runs also answer a
 * CertificateRequest with an empty Certificate; gnutls-cli uses middlebox compatibility mode (a session ID
 * and a change_cipher_spec record), which the qsock server accepts over TCP.
 */
@Timeout(30)
class GnuTlsInteropTest extends PeerTestBase {

    /**
     * Application data per write to the echo server: three records, little enough in flight both ways, and
     * a whole number of lines (the server echoes line by line).
     */
    private static final int ECHO_CHUNK = 500 * Payloads.LINE;

    @Test
    void aMissingGnuTlsToolFailsTheTestAndSaysHowToInstallIt() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> GnuTls.executable("gnutls-qsock-no-such-tool"));
        assertTrue(e.getMessage().contains("apt-get install gnutls-bin"), e.getMessage());
    }

    // ---- qsock client, gnutls-serv -----------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("qsock.tls.interop.InteropCase#matrix")
    void qsockClientWithGnuTlsEchoServer(InteropCase c) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, c.pki());
        byte[] data = Payloads.of(c.seed(), Payloads.LENGTH);
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, GnuTls.priority(c.suite(), c.group()), "--echo",
                "--alpn=h3")) {
            withTranscript(server::toString, () -> {
                TlsClientConfig config = QsockEndpoints.client(c.pki()).groups(NamedGroup.X25519,
                        NamedGroup.SECP256R1, NamedGroup.SECP384R1).keyShareGroups(c.group())
                        .applicationProtocols("h3", "hq-interop").build();
                TlsRecordLayer client = QsockEndpoints.connect(server.port(), config, c.seed());
                try (client) {
                    client.handshake();
                    // The server echoes what it reads, line by line: write a chunk of whole lines, read it back.
                    for (int offset = 0; offset < data.length; offset += ECHO_CHUNK) {
                        byte[] chunk = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + ECHO_CHUNK));
                        client.write(chunk);
                        assertArrayEquals(chunk, client.read(chunk.length), "echo of the chunk at " + offset);
                    }
                }
                assertEquals(c.suite(), client.completion().cipherSuite());
                assertEquals("h3", client.completion().applicationProtocol());
                assertEquals(c.group(), Hellos.keyExchangeGroup(client.serverHello()));
                assertEquals(TestPki.leaf(c.pki()), client.completion().peerCertificates().getFirst());
                // gnutls-serv asks for a client certificate; the client answers with an empty one.
                assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.CERTIFICATE_REQUEST,
                        HandshakeType.CERTIFICATE, HandshakeType.CERTIFICATE_VERIFY, HandshakeType.FINISHED),
                        Hellos.types(client.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
                List<FramedMessage> sent = client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE);
                assertEquals(List.of(HandshakeType.CERTIFICATE, HandshakeType.FINISHED), Hellos.types(sent));
                assertEquals(0, ((Certificate) HandshakeCodec.decode(sent.getFirst(), 0)).certificateList().size());
                // After the handshake gnutls-serv sends session tickets although the client offered no
                // psk_key_exchange_modes (RFC 8446 §4.2.9: SHOULD NOT, but allowed); the client decodes and drops them.
                List<HandshakeType> after = Hellos.types(client.handshakeMessagesReceived(EncryptionLevel.APPLICATION));
                assertTrue(!after.isEmpty() && after.stream().allMatch(t -> t == HandshakeType.NEW_SESSION_TICKET),
                        after::toString);
                // 40 000 + 40 000 + 20 000 bytes: 3 + 3 + 2 records of at most 2^14 bytes.
                assertEquals(8, client.applicationRecordsSent());
                String out = server.awaitStdout("- Application protocol: h3");
                assertDescribes(c, GnuTls.description(out));
                assertTrue(out.contains("- Given server name[1]: localhost"), "SNI reached the server");
            });
        }
    }

    /** Checks a GnuTLS session description: "(TLS1.3-X.509)-(ECDHE-GROUP)-(SIGNATURE)-(CIPHER)". */
    private static void assertDescribes(InteropCase c, String description) {
        assertNotNull(description, "no session description");
        assertTrue(description.startsWith("- Description: (TLS1.3-X.509)-(ECDHE-" + GnuTls.groupName(c.group()) + ")-"),
                description);
        assertTrue(description.endsWith("-(" + GnuTls.cipherName(c.suite()) + ")"), description);
    }

    // ---- gnutls-cli, qsock server ------------------------------------------------------------------

    /** What the qsock server saw, or how it failed. */
    private record ServerRun(TlsRecordLayer layer, Exception failure, byte[] received) {}

    /** Accepts one connection: handshake, read, answer, await close_notify (its own close_notify follows). */
    private Future<ServerRun> qsockServer(ServerSocket listener, TlsServerConfig config, long seed, int readLength,
                                          byte[] answer) {
        return peers.submit(() -> {
            TlsRecordLayer server = QsockEndpoints.accept(listener, config, seed);
            try (server) {
                server.handshake();
                byte[] received = server.read(readLength);
                server.write(answer);
                server.awaitCloseNotify();
                return new ServerRun(server, null, received);
            } catch (Exception e) {
                return new ServerRun(server, e, null);
            }
        });
    }

    private static String transcript(PeerProcess cli, Path log) {
        try {
            return cli + "\n--- log:\n" + GnuTls.log(log);
        } catch (IOException e) {
            return cli + "\n--- log unreadable: " + e;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qsock.tls.interop.InteropCase#matrix")
    void gnutlsClientWithQsockServer(InteropCase c) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, c.pki());
        Path log = dir.resolve("gnutls-cli.log");
        byte[] up = Payloads.of(c.seed(), Payloads.LENGTH);
        byte[] down = Payloads.of(~c.seed(), Payloads.LENGTH);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = qsockServer(listener,
                    QsockEndpoints.server(c.pki()).applicationProtocols("h3").build(), c.seed(), up.length, down);
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(),
                    GnuTls.priority(c.suite(), c.group()), log, "--alpn=h3", "--alpn=hq-interop")) {
                withTranscript(() -> transcript(cli, log), () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached gnutls-cli");
                    // End of input: gnutls-cli sends close_notify (which the server awaits) and exits.
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertArrayEquals(down, cli.stdout().bytes());
                    ServerRun server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertNull(server.failure(), () -> "qsock server: " + server.failure());
                    assertArrayEquals(up, server.received());
                    assertEquals(c.suite(), server.layer().completion().cipherSuite());
                    assertEquals("h3", server.layer().completion().applicationProtocol());
                    assertEquals(c.group(), Hellos.keyExchangeGroup(server.layer().serverHello()));
                    assertEquals("localhost", server.layer().engine().serverName());
                    assertEquals(7, server.layer().applicationRecordsSent());
                    // Middlebox compatibility mode (RFC 8446 §D.4): a session ID to echo, one change_cipher_spec.
                    assertEquals(32, server.layer().clientHello().legacySessionId().length());
                    assertEquals(server.layer().clientHello().legacySessionId(),
                            server.layer().serverHello().legacySessionIdEcho());
                    assertEquals(1, server.layer().changeCipherSpecsDropped());
                    String text = GnuTls.log(log);
                    assertDescribes(c, GnuTls.description(text));
                    assertTrue(text.contains("- Application protocol: h3"), "ALPN as gnutls-cli saw it");
                    assertTrue(text.contains("- Status: The certificate is trusted."), "gnutls-cli trusted the chain");
                });
            }
        }
    }

    // ---- ALPN --------------------------------------------------------------------------------------

    @Test
    void qsockClientGetsTheProtocolGnuTlsServes() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--echo",
                "--alpn=hq-interop")) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer client = QsockEndpoints.connect(server.port(),
                        QsockEndpoints.client("ecdsa-p256").applicationProtocols("h3", "hq-interop").build(), 11);
                try (client) {
                    client.handshake();
                    client.write(new byte[] {'a', '\n'});
                    assertArrayEquals(new byte[] {'a', '\n'}, client.read(2));
                }
                // "hq-interop" is the client's second choice and the only one the server has.
                assertEquals("hq-interop", client.completion().applicationProtocol());
                server.awaitStdout("- Application protocol: hq-interop");
            });
        }
    }

    @Test
    void gnutlsClientGetsTheProtocolTheQsockServerPrefers() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        Path log = dir.resolve("gnutls-cli.log");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = qsockServer(listener,
                    QsockEndpoints.server("ecdsa-p256").applicationProtocols("hq-interop", "h3").build(), 12, 1,
                    new byte[] {'b'});
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), "NORMAL:-VERS-ALL:+VERS-TLS1.3",
                    log, "--alpn=h3", "--alpn=hq-interop")) {
                withTranscript(() -> transcript(cli, log), () -> {
                    cli.stdin().write('a');
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(1, PEER_TIMEOUT));
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT));
                    ServerRun server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertNull(server.failure(), () -> "qsock server: " + server.failure());
                    assertEquals("hq-interop", server.layer().completion().applicationProtocol());
                    assertTrue(GnuTls.log(log).contains("- Application protocol: hq-interop"));
                });
            }
        }
    }

    @Test
    void qsockServerWithoutACommonProtocolSendsNoApplicationProtocolToGnutlsCli() throws Exception {
        assertGnutlsCliReceives(QsockEndpoints.server("ecdsa-p256").applicationProtocols("h3").build(),
                "NORMAL:-VERS-ALL:+VERS-TLS1.3", TlsAlert.NO_APPLICATION_PROTOCOL, "--alpn=hq-interop");
    }

    @Test
    void gnutlsServerWithoutACommonProtocolSendsNoApplicationProtocolToTheQsockClient() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--echo",
                "--alpn=smtp", "--alpn-fatal")) {
            withTranscript(server::toString, () -> {
                try (TlsRecordLayer client = QsockEndpoints.connect(server.port(),
                        QsockEndpoints.client("ecdsa-p256").applicationProtocols("h3", "hq-interop").build(), 13)) {
                    PeerAlertException alert = assertThrows(PeerAlertException.class, client::handshake);
                    assertEquals(TlsAlert.NO_APPLICATION_PROTOCOL.code(), alert.description());
                }
            });
        }
    }

    // ---- certificates and versions -----------------------------------------------------------------

    @Test
    void qsockClientTrustingOnlyTheSystemStoreSendsUnknownCaToGnutlsServ() throws Exception {
        assertGnutlsServReceives(QsockEndpoints.client("ecdsa-p256").certificateValidator(CertificateValidator.system()),
                TlsAlert.UNKNOWN_CA);
    }

    @Test
    void qsockClientTrustingAnotherCaSendsUnknownCaToGnutlsServ() throws Exception {
        assertGnutlsServReceives(QsockEndpoints.client("ed25519"), TlsAlert.UNKNOWN_CA);
    }

    @Test
    void qsockClientForAnotherHostSendsBadCertificateToGnutlsServ() throws Exception {
        assertGnutlsServReceives(QsockEndpoints.client("ecdsa-p256").serverName("example.com"), TlsAlert.BAD_CERTIFICATE);
    }

    /** A qsock client refuses gnutls-serv's ECDSA P-256 chain with {@code expected}, which gnutls-serv receives. */
    private void assertGnutlsServReceives(TlsClientConfig.Builder client, TlsAlert expected) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, "NORMAL:-VERS-ALL:+VERS-TLS1.3", "--echo")) {
            withTranscript(server::toString, () -> {
                try (TlsRecordLayer layer = QsockEndpoints.connect(server.port(), client.build(), 14)) {
                    TlsAlertException sent = assertThrows(TlsAlertException.class, layer::handshake);
                    assertEquals(expected, sent.alert(), sent::toString);
                }
                // gnutls-serv prints "* Received alert '48': Unknown CA." for each alert it receives.
                server.awaitStdout("* Received alert '" + expected.code() + "'");
            });
        }
    }

    @Test
    void gnutlsClientOfferingOnlyTls12GetsProtocolVersionFromTheQsockServer() throws Exception {
        assertGnutlsCliReceives(QsockEndpoints.server("ecdsa-p256").build(), GnuTls.TLS12_ONLY,
                TlsAlert.PROTOCOL_VERSION);
    }

    /** The qsock server fails on gnutls-cli's ClientHello with {@code expected}, which gnutls-cli receives. */
    private void assertGnutlsCliReceives(TlsServerConfig config, String priority, TlsAlert expected, String... options)
            throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        Path log = dir.resolve("gnutls-cli.log");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<ServerRun> serverRun = qsockServer(listener, config, 15, 1, new byte[0]);
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), priority, log, options)) {
                withTranscript(() -> transcript(cli, log), () -> {
                    ServerRun server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    TlsAlertException sent = assertInstanceOf(TlsAlertException.class, server.failure());
                    assertEquals(expected, sent.alert(), sent::toString);
                    assertNotEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    // gnutls-cli logs "*** Received alert [120]: No supported application protocol ...".
                    String text = GnuTls.log(log);
                    assertTrue(text.contains("*** Received alert [" + expected.code() + "]"), text);
                });
            }
        }
    }
}
