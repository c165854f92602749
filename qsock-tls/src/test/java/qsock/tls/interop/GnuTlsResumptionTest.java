package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.ClientTickets;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.message.HandshakeType;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * Session resumption (RFC 8446 §4.6.1, §2.2) against GnuTLS over loopback TCP, with a ticket from the
 * previous connection, in both roles: {@code gnutls-serv} (tickets by default) resumed by the qsock client
 * connecting twice; the qsock server resumed by {@code gnutls-cli --resume}, which connects, waits for the
 * ticket, disconnects and connects again with it, printing "This is a resumed session".
 */
@Timeout(60)
class GnuTlsResumptionTest extends PeerTestBase {

    @Test
    void qsockClientResumesWithGnutlsServersTicket() throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store)).build();
        try (GnuTlsServer server = GnuTlsServer.start(dir, GnuTls.write(dir, "ecdsa-p256"), GnuTls.TLS13, "--echo")) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer first = QsockEndpoints.connect(server.port(), config, 91);
                try (first) {
                    first.handshake();
                    first.write(new byte[] {'a', 'b', '\n'});
                    assertArrayEquals(new byte[] {'a', 'b', '\n'}, first.read(3));
                }
                assertFalse(first.engine().resumed());
                assertTrue(store.size("localhost") >= 1, "gnutls-serv's ticket was kept");

                TlsRecordLayer second = QsockEndpoints.connect(server.port(), config, 92);
                try (second) {
                    second.handshake();
                    second.write(new byte[] {'c', 'd', '\n'});
                    assertArrayEquals(new byte[] {'c', 'd', '\n'}, second.read(3));
                }
                assertTrue(second.engine().resumed());
                assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                        OpenSslClientAuthTest.types(second.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
                server.awaitStdout("This is a resumed session");
            });
        }
    }

    private static String transcript(PeerProcess cli, Path log) {
        try {
            return cli + "\n--- log:\n" + GnuTls.log(log);
        } catch (IOException e) {
            return cli + "\n--- log unreadable: " + e;
        }
    }

    @Test
    void gnutlsClientResumesWithQsockServersTicket() throws Exception {
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()).build();
        Path log = dir.resolve("gnutls-cli.log");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<List<TlsRecordLayer>> serverRun = peers.submit(() -> {
                TlsRecordLayer first = QsockEndpoints.accept(listener, config, 93);
                // gnutls-cli drops the first connection once it has the ticket (which this server sends with its
                // handshake's last flight), without close_notify; the second it ends when its stdin closes.
                try (first) {
                    first.handshake();
                }
                TlsRecordLayer second = QsockEndpoints.accept(listener, config, 94);
                try (second) {
                    second.handshake();
                }
                return List.of(first, second);
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), GnuTls.write(dir, "ecdsa-p256").ca(),
                    GnuTls.TLS13, log, "--resume")) {
                withTranscript(() -> transcript(cli, log), () -> {
                    List<TlsRecordLayer> servers = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertFalse(servers.get(0).engine().resumed());
                    assertTrue(servers.get(1).engine().resumed());
                    String text = cli.stdout().text() + GnuTls.log(log);
                    assertTrue(text.contains("This is a resumed session"), "gnutls-cli resumed");
                });
            }
        }
    }
}
