package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
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
 * HelloRetryRequest (RFC 8446 §4.1.4) against OpenSSL 3.0 over loopback TCP, forced by group preferences:
 * the qsock client shares x25519 first while {@code s_server -groups P-256} accepts secp256r1 only, and
 * {@code s_client -groups P-384:P-256} shares secp384r1 first while the qsock server accepts secp256r1 only.
 */
@Timeout(30)
class OpenSslHelloRetryTest extends PeerTestBase {

    @Test
    void qsockClientRetriesWithTheGroupOpensslServerAccepts() throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        try (OpenSsl.Server server = OpenSsl.server(dir, pki, "-groups", "P-256", "-rev")) {
            TlsRecordLayer client = QsockEndpoints.connect(server.port(), QsockEndpoints.client("ecdsa-p256")
                    .groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519).build(), 41);
            withTranscript(server::toString, () -> {
                try (client) {
                    client.handshake();
                    client.write(new byte[] {'a', 'b', 'c', '\n'});
                    // -rev answers each line reversed.
                    assertArrayEquals(new byte[] {'c', 'b', 'a', '\n'}, client.read(4));
                }
                List<FramedMessage> received = client.handshakeMessagesReceived(EncryptionLevel.INITIAL);
                assertEquals(List.of(HandshakeType.SERVER_HELLO, HandshakeType.SERVER_HELLO), Hellos.types(received));
                ServerHello retry = (ServerHello) HandshakeCodec.decode(received.get(0), 0);
                assertTrue(retry.isHelloRetryRequest());
                assertEquals(NamedGroup.SECP256R1.code(),
                        retry.extension(KeyShareHelloRetryRequest.class).orElseThrow().selectedGroup());
                List<FramedMessage> sent = client.handshakeMessagesSent(EncryptionLevel.INITIAL);
                assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.CLIENT_HELLO), Hellos.types(sent));
                ClientHello second = (ClientHello) HandshakeCodec.decode(sent.get(1), 0);
                assertEquals(retry.extension(Cookie.class), second.extension(Cookie.class));
                assertEquals(NamedGroup.SECP256R1, client.engine().keyExchangeGroup());
            });
        }
    }

    @ParameterizedTest(name = "cookie {0}")
    @ValueSource(booleans = {false, true})
    void opensslClientRetriesWithTheGroupTheQsockServerAccepts(boolean cookie) throws Exception {
        GnuTls.PkiFiles pki = GnuTls.write(dir, "ecdsa-p256");
        byte[] up = {'u', 'p', '\n'};
        byte[] down = {'d', 'o', 'w', 'n', '\n'};
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").groups(NamedGroup.SECP256R1)
                .helloRetryCookie(cookie).build();
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> serverRun = peers.submit(() -> {
                TlsRecordLayer server = QsockEndpoints.accept(listener, config, 42);
                // Closing sends close_notify, after which s_client (which ignores the end of its input) exits.
                try (server) {
                    server.handshake();
                    assertArrayEquals(up, server.read(up.length));
                    server.write(down);
                }
                return server;
            });
            try (PeerProcess cli = OpenSsl.client(dir, listener.getLocalPort(), pki.ca(), "-groups", "P-384:P-256")) {
                withTranscript(cli::toString, () -> {
                    cli.stdin().write(up);
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitSize(down.length, PEER_TIMEOUT), "the server's data reached s_client");
                    assertArrayEquals(down, cli.stdout().bytes());
                    TlsRecordLayer server = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "s_client exit status");
                    List<FramedMessage> hellos = server.handshakeMessagesReceived(EncryptionLevel.INITIAL);
                    assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.CLIENT_HELLO), Hellos.types(hellos));
                    ClientHello first = (ClientHello) HandshakeCodec.decode(hellos.get(0), 0);
                    assertEquals(List.of(NamedGroup.SECP384R1.code()), first.extension(KeyShareClientHello.class)
                            .orElseThrow().clientShares().stream().map(s -> s.group()).toList());
                    ClientHello second = (ClientHello) HandshakeCodec.decode(hellos.get(1), 0);
                    assertEquals(cookie, second.extension(Cookie.class).isPresent());
                    assertTrue(((ServerHello) HandshakeCodec.decode(
                            server.handshakeMessagesSent(EncryptionLevel.INITIAL).get(0), 0)).isHelloRetryRequest());
                    assertEquals(NamedGroup.SECP256R1, server.engine().keyExchangeGroup());
                });
            }
        }
    }
}
