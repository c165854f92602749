package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.message.HandshakeType;

/**
 * Client certificates (RFC 8446 §4.3.2, §4.4.2) against GnuTLS over loopback TCP, both ways round:
 * {@code gnutls-serv --require-client-cert --verify-client-cert --x509cafile} authenticates the qsock client,
 * and {@code gnutls-cli --x509certfile --x509keyfile} answers the qsock server's CertificateRequest.
 */
@Timeout(30)
class GnuTlsClientAuthTest extends PeerTestBase {

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"})
    void gnutlsServerRequiringACertificateAcceptsTheQsockClients(String name) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, name);
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, GnuTls.TLS13, "--echo", "--require-client-cert",
                "--verify-client-cert", "--x509cafile=" + pki.ca())) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer client = QsockEndpoints.connect(server.port(),
                        QsockEndpoints.client(name).credential(credential(name)).build(), 61);
                try (client) {
                    client.handshake();
                    byte[] line = {'m', 't', 'l', 's', '\n'};
                    client.write(line);
                    assertArrayEquals(line, client.read(line.length));
                }
                assertEquals(List.of(HandshakeType.CERTIFICATE, HandshakeType.CERTIFICATE_VERIFY,
                        HandshakeType.FINISHED), OpenSslClientAuthTest.types(
                        client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
                // gnutls-serv describes the session once the handshake (its check of our chain) succeeded.
                assertTrue(GnuTls.description(server.awaitStdout("- Description: ")) != null);
            });
        }
    }

    @Test
    void gnutlsServerRequiringACertificateRefusesAQsockClientWithoutOne() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, GnuTls.TLS13, "--echo", "--require-client-cert",
                "--verify-client-cert", "--x509cafile=" + pki.ca())) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("ecdsa-p256").build(), 62);
                try (client) {
                    // The client completes on sending its Finished; the server's alert comes after. Writing
                    // nothing: a write could meet the closed connection before the alert is read.
                    client.handshake();
                    PeerAlertException e = assertThrows(PeerAlertException.class, () -> client.read(1));
                    assertEquals(TlsAlert.CERTIFICATE_REQUIRED.code(), e.description());
                }
            });
        }
    }

    private TlsServerConfig requiring(String name) {
        return QsockEndpoints.server(name).clientAuthentication(ClientAuth.REQUIRE,
                CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(name)))).build();
    }

    private static String transcript(PeerProcess cli, Path log) {
        try {
            return cli + "\n--- log:\n" + GnuTls.log(log);
        } catch (IOException e) {
            return cli + "\n--- log unreadable: " + e;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"})
    void gnutlsClientWithACertificateIsAuthenticatedByTheQsockServer(String name) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, name);
        Path log = dir.resolve("gnutls-cli.log");
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, requiring(name), 63);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                    server.awaitCloseNotify();
                }
                return server;
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), GnuTls.TLS13, log,
                    "--x509certfile=" + pki.chain(), "--x509keyfile=" + pki.key())) {
                withTranscript(() -> transcript(cli, log), () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached gnutls-cli");
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(TestPki.chain(name), server.engine().peerCertificates());
                });
            }
        }
    }

    @Test
    void gnutlsClientWithoutACertificateGetsCertificateRequiredFromTheQsockServer() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "rsa");
        Path log = dir.resolve("gnutls-cli.log");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, requiring("rsa"), 64);
                try (server) {
                    server.handshake();
                }
                return server;
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), GnuTls.TLS13, log)) {
                withTranscript(() -> transcript(cli, log), () -> {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                    assertEquals(TlsAlert.CERTIFICATE_REQUIRED, ((TlsAlertException) e.getCause()).alert());
                    cli.stdin().close();
                    cli.awaitExit(PEER_TIMEOUT);
                    String text = GnuTls.log(log) + cli.stderr().text() + cli.stdout().text();
                    assertTrue(text.contains("Certificate is required"), text);
                });
            }
        }
    }

    /**
     * RFC 8446 §4.2.4: gnutls-serv with {@code --x509cafile} names that CA in its CertificateRequest; the qsock
     * client, holding an RSA credential first and an ECDSA one from the named CA second, answers with the second.
     */
    @Test
    void gnutlsServerNamingItsCaGetsTheQsockClientsCredentialFromThatCa() throws Exception {
        GnuTls.PkiFiles serverPki = GnuTls.write(dir, "rsa");
        GnuTls.PkiFiles clientPki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, serverPki, GnuTls.TLS13, "--echo", "--require-client-cert",
                "--verify-client-cert", "--x509cafile=" + clientPki.ca())) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("rsa")
                        .credential(credential("rsa")).credential(credential("ecdsa-p256")).build(), 65);
                try (client) {
                    client.handshake();
                    byte[] line = {'c', 'a', '\n'};
                    client.write(line);
                    assertArrayEquals(line, client.read(line.length));
                }
                assertEquals(List.of(TestPki.ca("ecdsa-p256").getSubjectX500Principal()),
                        OpenSslClientAuthTest.requestedAuthorities(
                                client.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
                assertEquals(TestPki.leaf("ecdsa-p256"), OpenSslClientAuthTest.leafOf(
                        client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            });
        }
    }

    /**
     * The qsock server trusting two CAs names both in certificate_authorities; gnutls-cli decodes them (its
     * {@code --verbose} log lists the server's trusted authorities) and answers with its certificate from one of them.
     */
    @Test
    void gnutlsClientReadsTheQsockServersCertificateAuthorities() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p384");
        Path log = dir.resolve("gnutls-cli.log");
        byte[] up = {'u', 'p', '\n'};
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p384").clientAuthentication(ClientAuth.REQUIRE,
                CertificateValidator.forTrustedCertificates(List.of(TestPki.ca("rsa"), TestPki.ca("ecdsa-p384"))))
                .build();
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, config, 66);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(up);
                    server.awaitCloseNotify();
                }
                return server;
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), GnuTls.TLS13, log,
                    "--x509certfile=" + pki.chain(), "--x509keyfile=" + pki.key(), "--verbose")) {
                withTranscript(() -> transcript(cli, log), () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(up.length, PEER_TIMEOUT), "the server's data reached gnutls-cli");
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(TestPki.chain("ecdsa-p384"), server.engine().peerCertificates());
                    String text = GnuTls.log(log);
                    assertTrue(text.contains("- Server's trusted authorities:"), text);
                    for (String ca : List.of("rsa", "ecdsa-p384")) {
                        String cn = TestPki.ca(ca).getSubjectX500Principal().getName().replaceFirst("^CN=", "");
                        assertTrue(text.contains(cn), cn + " in " + text);
                    }
                });
            }
        }
    }
}
