package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.ExternalPsk;
import qsock.tls.PskKeyring;
import qsock.tls.PskMode;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;
import qsock.tls.extension.KeyShareServerHello;

/**
 * External pre-shared keys (RFC 8446 §4.2.11) against OpenSSL 3.0 ({@code -psk}, {@code -psk_identity},
 * {@code -nocert}, {@code -allow_no_dhe_kex}) and GnuTLS ({@code --pskpasswd}, {@code --pskusername},
 * {@code --pskkey}, priority +ECDHE-PSK for psk_dhe_ke and +PSK for psk_ke) over loopback TCP, in both roles
 * and both modes. Both tools use SHA-256 for a TLS 1.3 external PSK, hence TLS_AES_128_GCM_SHA256.
 */
@Timeout(30)
class PskInteropTest extends PeerTestBase {

    private static final String IDENTITY = "nfs-client-1";
    private static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static final ExternalPsk PSK = new ExternalPsk(IDENTITY, HexFormat.of().parseHex(HEX));
    private static final String GNUTLS_DHE = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+DHE-PSK";
    private static final String GNUTLS_PSK_KE = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+PSK";

    private static TlsClientConfig client(PskMode mode, ExternalPsk psk) {
        return QsockEndpoints.client("ecdsa-p256").externalPsk(psk).pskModes(mode).build();
    }

    private static TlsServerConfig server(PskMode mode) {
        return TlsServerConfig.builder(PskKeyring.of(PSK)).forTlsOverTcpTesting().delegateTasks(true)
                .pskModes(mode).build();
    }

    /** Checks a completed qsock client: the PSK was used, no certificate, a key share exactly for psk_dhe_ke. */
    private static void assertPskClient(TlsRecordLayer client, PskMode mode) throws TlsAlertException {
        assertEquals(IDENTITY, client.completion().pskIdentity());
        assertTrue(client.completion().peerCertificates().isEmpty());
        assertEquals(CipherSuite.TLS_AES_128_GCM_SHA256, client.completion().cipherSuite());
        assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                OpenSslClientAuthTest.types(client.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
        assertEquals(mode == PskMode.PSK_DHE_KE, client.engine().keyExchangeGroup() != null);
    }

    private static void assertPskServer(TlsRecordLayer server, PskMode mode) throws TlsAlertException {
        assertEquals(IDENTITY, server.completion().pskIdentity());
        assertEquals(mode == PskMode.PSK_DHE_KE, server.engine().keyExchangeGroup() != null);
        assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                OpenSslClientAuthTest.types(server.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
    }

    // ---- OpenSSL -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(PskMode.class)
    void opensslServerWithoutCertificateAcceptsTheQsockClientsPsk(PskMode mode) throws Exception {
        // -allow_no_dhe_kex lets s_server take psk_ke, which our client then offers alone.
        String[] options = mode == PskMode.PSK_KE
                ? new String[] {"-psk", HEX, "-psk_identity", IDENTITY, "-rev", "-allow_no_dhe_kex"}
                : new String[] {"-psk", HEX, "-psk_identity", IDENTITY, "-rev"};
        try (OpenSsl.Server server = OpenSsl.serverWithoutCertificate(dir, options)) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), client(mode, PSK), 71);
            withTranscript(server::toString, () -> {
                try (client) {
                    client.handshake();
                    client.write(new byte[] {'p', 's', 'k', '\n'});
                    assertArrayEquals(new byte[] {'k', 's', 'p', '\n'}, client.read(4));
                }
                assertPskClient(client, mode);
            });
        }
    }

    @Test
    void opensslServerRefusesAWrongKey() throws Exception {
        ExternalPsk wrong = new ExternalPsk(IDENTITY, HexFormat.of().parseHex(HEX.replace('0', '1')));
        try (OpenSsl.Server server = OpenSsl.serverWithoutCertificate(dir, "-psk", HEX, "-psk_identity", IDENTITY)) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), client(PskMode.PSK_DHE_KE, wrong), 72);
            withTranscript(server::toString, () -> {
                try (client) {
                    PeerAlertException e = assertThrows(PeerAlertException.class, client::handshake);
                    // The binder does not verify. RFC 8446 §4.2.11 names decrypt_error; OpenSSL 3.0 sends
                    // illegal_parameter (tls_psk_do_binder, ssl/statem/extensions.c).
                    assertEquals(TlsAlert.ILLEGAL_PARAMETER.code(), e.description());
                }
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(PskMode.class)
    void opensslClientWithAPskIsAcceptedByTheQsockServerWithoutCertificate(PskMode mode) throws Exception {
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, server(mode), 73);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                }
                return server;
            });
            // -allow_no_dhe_kex: s_client offers psk_ke as well as psk_dhe_ke; the server then picks its mode.
            String[] options = mode == PskMode.PSK_KE
                    ? new String[] {"-psk", HEX, "-psk_identity", IDENTITY, "-allow_no_dhe_kex"}
                    : new String[] {"-psk", HEX, "-psk_identity", IDENTITY};
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), GnuTls.write(dir, "ecdsa-p256").ca(), options)) {
                withTranscript(cli::toString, () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached s_client");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                    assertPskServer(server, mode);
                });
            }
        }
    }

    @Test
    void opensslClientWithAnUnknownIdentityGetsUnknownPskIdentity() throws Exception {
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, server(PskMode.PSK_DHE_KE), 74);
                try (server) {
                    server.handshake();
                }
                return server;
            });
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), GnuTls.write(dir, "ecdsa-p256").ca(),
                    "-psk", HEX, "-psk_identity", "stranger")) {
                withTranscript(cli::toString, () -> {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                    TlsAlertException alert = (TlsAlertException) e.getCause();
                    assertEquals(TlsAlert.UNKNOWN_PSK_IDENTITY, alert.alert());
                    assertTrue(!alert.getMessage().contains("stranger"), alert.getMessage());
                    cli.stdin().close();
                    assertNotEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                    String text = cli.stderr().text() + cli.stdout().text();
                    assertTrue(text.contains("unknown psk identity"), text);
                });
            }
        }
    }

    // ---- GnuTLS ------------------------------------------------------------------------------------

    private Path passwordFile() throws IOException {
        return Files.writeString(dir.resolve("psk.passwd"), IDENTITY + ":" + HEX + "\n");
    }

    private static String transcript(PeerProcess cli, Path log) {
        try {
            return cli + "\n--- log:\n" + GnuTls.log(log);
        } catch (IOException e) {
            return cli + "\n--- log unreadable: " + e;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(PskMode.class)
    void gnutlsServerAcceptsTheQsockClientsPsk(PskMode mode) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        String priority = mode == PskMode.PSK_KE ? GNUTLS_PSK_KE : GNUTLS_DHE;
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, priority, "--echo",
                "--pskpasswd=" + passwordFile())) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer client = QsockEndpoints.connect(server.port(), client(mode, PSK), 75);
                try (client) {
                    client.handshake();
                    byte[] line = {'p', 's', 'k', '\n'};
                    client.write(line);
                    assertArrayEquals(line, client.read(line.length));
                }
                assertPskClient(client, mode);
                String out = server.awaitStdout("- PSK authentication. Connected as '" + IDENTITY + "'");
                assertNotNull(GnuTls.description(out));
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(PskMode.class)
    void gnutlsClientWithAPskIsAcceptedByTheQsockServer(PskMode mode) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        Path log = dir.resolve("gnutls-cli.log");
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, server(mode), 76);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                    server.awaitCloseNotify();
                }
                return server;
            });
            String priority = mode == PskMode.PSK_KE ? GNUTLS_PSK_KE : GNUTLS_DHE;
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), priority, log,
                    "--pskusername=" + IDENTITY, "--pskkey=" + HEX)) {
                withTranscript(() -> transcript(cli, log), () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached gnutls-cli");
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertPskServer(server, mode);
                });
            }
        }
    }

    @Test
    void gnutlsClientWithAWrongKeyGetsDecryptErrorFromTheQsockServer() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        Path log = dir.resolve("gnutls-cli.log");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, server(PskMode.PSK_DHE_KE), 77);
                try (server) {
                    server.handshake();
                }
                return server;
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(), GNUTLS_DHE, log,
                    "--pskusername=" + IDENTITY, "--pskkey=" + HEX.replace('0', '1'))) {
                withTranscript(() -> transcript(cli, log), () -> {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                    assertEquals(TlsAlert.DECRYPT_ERROR, ((TlsAlertException) e.getCause()).alert());
                    cli.stdin().close();
                    assertNotEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                });
            }
        }
    }
}
