package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
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
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeType;

/**
 * Client certificates (RFC 8446 §4.3.2, §4.4.2) against OpenSSL 3.0 over loopback TCP, both ways round:
 * {@code s_server -Verify 1 -CAfile} requires a certificate of the qsock client, and {@code s_client -cert
 * -key} answers the qsock server's CertificateRequest.
 */
@Timeout(30)
class OpenSslClientAuthTest extends PeerTestBase {

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p256", "ed25519"})
    void opensslServerRequiringACertificateAcceptsTheQsockClients(String name) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, name);
        try (OpenSsl.Server server = OpenSsl.server(dir, pki, "-Verify", "1", "-verify_return_error",
                "-CAfile", pki.ca().toString(), "-rev")) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(),
                    QsockEndpoints.client(name).credential(credential(name)).build(), 51);
            withTranscript(server::toString, () -> {
                try (client) {
                    client.handshake();
                    client.write(new byte[] {'a', 'b', 'c', '\n'});
                    // Only an authenticated client gets data back: s_server answers each line reversed.
                    assertArrayEquals(new byte[] {'c', 'b', 'a', '\n'}, client.read(4));
                }
                assertEquals(List.of(HandshakeType.CERTIFICATE, HandshakeType.CERTIFICATE_VERIFY,
                        HandshakeType.FINISHED), types(client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            });
        }
    }

    @Test
    void opensslServerRequiringACertificateRefusesAQsockClientWithoutOne() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (OpenSsl.Server server = OpenSsl.server(dir, pki, "-Verify", "1", "-verify_return_error",
                "-CAfile", pki.ca().toString(), "-rev")) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("ecdsa-p256").build(), 52);
            withTranscript(server::toString, () -> {
                try (client) {
                    // The client completes on sending its Finished; the server's alert comes after.
                    // Writing nothing: a write could meet the closed connection before the alert is read.
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa", "ecdsa-p384", "ed25519"})
    void opensslClientWithACertificateIsAuthenticatedByTheQsockServer(String name) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, name);
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, requiring(name), 53);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                }
                return server;
            });
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), pki.ca(),
                    "-cert", pki.chain().toString(), "-key", pki.key().toString())) {
                withTranscript(cli::toString, () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached s_client");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                    assertEquals(TestPki.leaf(name), server.engine().peerCertificates().get(0));
                    assertEquals(TestPki.leaf(name), server.completion().peerCertificates().get(0));
                });
            }
        }
    }

    @Test
    void opensslClientWithoutACertificateGetsCertificateRequiredFromTheQsockServer() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, requiring("ecdsa-p256"), 54);
                try (server) {
                    server.handshake();
                }
                return server;
            });
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), pki.ca())) {
                withTranscript(cli::toString, () -> {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                    TlsAlertException alert = (TlsAlertException) e.getCause();
                    assertEquals(TlsAlert.CERTIFICATE_REQUIRED, alert.alert());
                    cli.stdin().close();
                    assertNotEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                    assertTrue(cli.stderr().awaitText(t -> t.contains("certificate required"), PEER_TIMEOUT),
                            "s_client reports the alert");
                });
            }
        }
    }

    /** {@return the end-entity certificate of the Certificate among these messages, or null if it is empty} */
    static java.security.cert.X509Certificate leafOf(List<FramedMessage> messages) throws TlsAlertException {
        for (FramedMessage m : messages) {
            if (m.handshakeType() == HandshakeType.CERTIFICATE) {
                var certificate = (qsock.tls.message.Certificate) qsock.tls.message.HandshakeCodec.decode(m, 32);
                if (certificate.certificateList().isEmpty()) {
                    return null;
                }
                return CertificateValidator.parseChain(
                        List.of(certificate.certificateList().get(0).certData().toByteArray())).get(0);
            }
        }
        throw new AssertionError("no Certificate among " + types(messages));
    }

    /** {@return the certificate_authorities of the CertificateRequest among these messages, as subject names} */
    static List<javax.security.auth.x500.X500Principal> requestedAuthorities(List<FramedMessage> messages)
            throws TlsAlertException {
        for (FramedMessage m : messages) {
            if (m.handshakeType() == HandshakeType.CERTIFICATE_REQUEST) {
                var request = (qsock.tls.message.CertificateRequest) qsock.tls.message.HandshakeCodec.decode(m, 32);
                return request.extension(qsock.tls.extension.CertificateAuthorities.class)
                        .map(qsock.tls.extension.CertificateAuthorities::authorities).orElse(List.of());
            }
        }
        throw new AssertionError("no CertificateRequest among " + types(messages));
    }

    /**
     * RFC 8446 §4.2.4: s_server with {@code -CAfile} names that CA in certificate_authorities; the qsock client,
     * holding an RSA credential first and an ECDSA one from the named CA second, answers with the second.
     */
    @Test
    void opensslServerNamingItsCaGetsTheQsockClientsCredentialFromThatCa() throws Exception {
        GnuTls.PkiFiles serverPki = GnuTls.write(dir, "rsa");
        GnuTls.PkiFiles clientPki = GnuTls.write(dir, "ecdsa-p256");
        try (OpenSsl.Server server = OpenSsl.server(dir, serverPki, "-Verify", "1", "-verify_return_error",
                "-CAfile", clientPki.ca().toString(), "-rev")) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("rsa")
                    .credential(credential("rsa")).credential(credential("ecdsa-p256")).build(), 55);
            withTranscript(server::toString, () -> {
                try (client) {
                    client.handshake();
                    client.write(new byte[] {'x', 'y', '\n'});
                    assertArrayEquals(new byte[] {'y', 'x', '\n'}, client.read(3));
                }
                assertEquals(List.of(TestPki.ca("ecdsa-p256").getSubjectX500Principal()),
                        requestedAuthorities(client.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
                assertEquals(TestPki.leaf("ecdsa-p256"), leafOf(client.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
            });
        }
    }

    /**
     * The qsock server trusting the ECDSA P-256 and ECDSA P-384 CAs names both in certificate_authorities (RFC
     * 8446 §4.2.4). s_client, given a chain with {@code -xcert}, checks it against the CertificateRequest and
     * prints what it found: its "Issuer Name" flag is OK for the ECDSA P-384 chain, whose CA our extension
     * names, and NOT OK for the RSA chain, whose CA it does not (then the qsock server refuses the chain with
     * unknown_ca: s_client sends it anyway, as it only enforces CA names under {@code -strict}, which OpenSSL
     * 3.0 cannot satisfy in TLS 1.3, where it also demands certificate_types).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ecdsa-p384", "rsa"})
    void opensslClientReadsTheQsockServersCertificateAuthorities(String name) throws Exception {
        GnuTls.PkiFiles clientPki = GnuTls.write(dir, name);
        GnuTls.PkiFiles serverPki = GnuTls.write(dir, "ecdsa-p256");
        boolean listed = name.equals("ecdsa-p384");
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").clientAuthentication(ClientAuth.REQUIRE,
                CertificateValidator.forTrustedCertificates(List.of(TestPki.ca("ecdsa-p256"), TestPki.ca("ecdsa-p384"))))
                .build();
        byte[] up = {'u', 'p', '\n'};
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, config, 56);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(up);
                }
                return server;
            });
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), serverPki.ca(),
                    "-xcert", clientPki.chain().toString(), "-xkey", clientPki.key().toString(),
                    "-xchain", clientPki.chain().toString())) {
                withTranscript(cli::toString, () -> {
                    assertTrue(cli.stderr().awaitText(t -> t.contains("Issuer Name:"), PEER_TIMEOUT),
                            "s_client checked its chain against the request");
                    assertTrue(cli.stderr().text().contains(listed ? "Issuer Name: OK" : "Issuer Name: NOT OK"),
                            "s_client's verdict on the CA names");
                    if (listed) {
                        cli.stdin().write(up);
                        cli.stdin().flush();
                        assertTrue(cli.stdout().awaitSize(up.length, PEER_TIMEOUT), "the server's data reached s_client");
                        TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        cli.stdin().close();
                        assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                        assertEquals(TestPki.leaf(name), server.engine().peerCertificates().get(0));
                        assertEquals(java.util.Set.of(TestPki.ca("ecdsa-p256").getSubjectX500Principal(),
                                TestPki.ca("ecdsa-p384").getSubjectX500Principal()), java.util.Set.copyOf(
                                requestedAuthorities(server.handshakeMessagesSent(EncryptionLevel.HANDSHAKE))));
                    } else {
                        ExecutionException e = assertThrows(ExecutionException.class,
                                () -> serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                        assertEquals(TlsAlert.UNKNOWN_CA, ((TlsAlertException) e.getCause()).alert());
                        cli.stdin().close();
                    }
                });
            }
        }
    }

    static List<HandshakeType> types(List<FramedMessage> messages) {
        return messages.stream().map(FramedMessage::handshakeType).toList();
    }
}
