package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsServerConfig;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;

/**
 * HelloRetryRequest (RFC 8446 §4.1.4) against GnuTLS over loopback TCP, forced by group preferences: the
 * qsock client shares x25519 first while gnutls-serv accepts secp256r1 only, and gnutls-cli shares
 * secp384r1 first while the qsock server accepts secp256r1 only.
 */
@Timeout(30)
class GnuTlsHelloRetryTest extends PeerTestBase {

    /** {@return the Initial-level messages decoded: the hellos} */
    private static List<Object> decoded(List<FramedMessage> messages) throws TlsAlertException {
        List<Object> out = new java.util.ArrayList<>();
        for (FramedMessage m : messages) {
            out.add(HandshakeCodec.decode(m, 0));
        }
        return out;
    }

    @Test
    void qsockClientRetriesWithTheGroupGnutlsServAccepts() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (GnuTlsServer server = GnuTlsServer.start(dir, pki, GnuTls.TLS13 + ":-GROUP-ALL:+GROUP-SECP256R1",
                "--echo")) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("ecdsa-p256")
                    .groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519).build(), 31);
            try (client) {
                withTranscript(server::toString, () -> {
                    client.handshake();
                    byte[] line = {'h', 'r', 'r', '\n'};
                    client.write(line);
                    assertArrayEquals(line, client.read(line.length));
                });
            }
            List<Object> received = decoded(client.handshakeMessagesReceived(EncryptionLevel.INITIAL));
            assertEquals(2, received.size(), received::toString);
            ServerHello retry = (ServerHello) received.get(0);
            assertTrue(retry.isHelloRetryRequest());
            assertEquals(NamedGroup.SECP256R1.code(),
                    retry.extension(KeyShareHelloRetryRequest.class).orElseThrow().selectedGroup());
            assertEquals(NamedGroup.SECP256R1, Hellos.keyExchangeGroup((ServerHello) received.get(1)));
            List<FramedMessage> sent = client.handshakeMessagesSent(EncryptionLevel.INITIAL);
            assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.CLIENT_HELLO), Hellos.types(sent));
            // Whatever cookie gnutls-serv put in its HelloRetryRequest (if any), the second ClientHello echoes.
            ClientHello second = (ClientHello) HandshakeCodec.decode(sent.get(1), 0);
            assertEquals(retry.extension(Cookie.class), second.extension(Cookie.class));
            assertEquals(NamedGroup.SECP256R1, client.engine().keyExchangeGroup());
        }
    }

    @ParameterizedTest(name = "cookie {0}")
    @ValueSource(booleans = {false, true})
    void gnutlsCliRetriesWithTheGroupTheQsockServerAccepts(boolean cookie) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        Path log = dir.resolve("gnutls-cli.log");
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").groups(NamedGroup.SECP256R1)
                .helloRetryCookie(cookie).build();
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, config, 32);
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                    server.awaitCloseNotify();
                }
                return server;
            });
            // Both groups are of GnuTLS's EC type, so it shares only the first, secp384r1.
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), pki.ca(),
                    GnuTls.TLS13 + ":-GROUP-ALL:+GROUP-SECP384R1:+GROUP-SECP256R1", log)) {
                withTranscript(() -> cli + "\n--- log:\n" + logText(log), () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached gnutls-cli");
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    List<FramedMessage> hellos = server.handshakeMessagesReceived(EncryptionLevel.INITIAL);
                    assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.CLIENT_HELLO), Hellos.types(hellos));
                    ClientHello first = (ClientHello) HandshakeCodec.decode(hellos.get(0), 0);
                    assertEquals(List.of(NamedGroup.SECP384R1.code()), first.extension(KeyShareClientHello.class)
                            .orElseThrow().clientShares().stream().map(s -> s.group()).toList());
                    ClientHello second = (ClientHello) HandshakeCodec.decode(hellos.get(1), 0);
                    assertEquals(cookie, second.extension(Cookie.class).isPresent());
                    ServerHello retry = (ServerHello) HandshakeCodec.decode(
                            server.handshakeMessagesSent(EncryptionLevel.INITIAL).get(0), 0);
                    assertTrue(retry.isHelloRetryRequest());
                    assertEquals(NamedGroup.SECP256R1, server.engine().keyExchangeGroup());
                    assertTrue(GnuTls.description(GnuTls.log(log)).contains("(ECDHE-SECP256R1)"),
                            GnuTls.description(GnuTls.log(log)));
                });
            }
        }
    }

    private static String logText(Path log) {
        try {
            return GnuTls.log(log);
        } catch (IOException e) {
            return "log unreadable: " + e;
        }
    }
}
