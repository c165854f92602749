package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Session resumption (RFC 8446 §4.6.1, §2.2) against OpenSSL 3.0 over loopback TCP, with a ticket from the
 * previous connection, in both roles: {@code s_server} (which sends two tickets by default) resumed by the
 * qsock client connecting twice; the qsock server resumed by {@code s_client -sess_out} then {@code -sess_in}.
 */
@Timeout(60)
class OpenSslResumptionTest extends PeerTestBase {

    @Test
    void qsockClientResumesWithOpensslServersTicket() throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store)).build();
        // -naccept 2 (after the helper's 1): both connections reach the same SSL_CTX and its ticket key.
        try (OpenSsl.Server server = OpenSsl.server(dir, GnuTls.write(dir, "ecdsa-p256"), "-rev", "-naccept", "2")) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer first = QsockEndpoints.connect(server.port(), config, 81);
                try (first) {
                    first.handshake();
                    first.write(new byte[] {'a', 'b', '\n'});
                    // The tickets come after the handshake, before the answer: reading takes them.
                    assertArrayEquals(new byte[] {'b', 'a', '\n'}, first.read(3));
                }
                assertFalse(first.engine().resumed());
                assertTrue(store.size("localhost") >= 1, "s_server's tickets were kept");

                TlsRecordLayer second = QsockEndpoints.connect(server.port(), config, 82);
                try (second) {
                    second.handshake();
                    second.write(new byte[] {'c', 'd', '\n'});
                    assertArrayEquals(new byte[] {'d', 'c', '\n'}, second.read(3));
                }
                assertTrue(second.engine().resumed());
                assertTrue(second.completion().resumed());
                // RFC 8446 §2.2: no Certificate or CertificateVerify when resuming.
                assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                        OpenSslClientAuthTest.types(second.handshakeMessagesReceived(EncryptionLevel.HANDSHAKE)));
            });
        }
    }

    /** s_client without -quiet, so that it prints whether the session was reused. */
    private PeerProcess sClient(int port, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(GnuTls.executable("openssl"), "s_client", "-connect",
                "127.0.0.1:" + port, "-tls1_3", "-CAfile", GnuTls.write(dir, "ecdsa-p256").ca().toString(),
                "-servername", "localhost", "-verify_hostname", "localhost", "-verify_return_error"));
        command.addAll(List.of(options));
        return PeerProcess.start("openssl-s_client", command, dir);
    }

    private Future<TlsRecordLayer> serve(ServerSocket listener, TlsServerConfig config, long seed) {
        return peers.submit(() -> {
            TlsRecordLayer server = QsockEndpoints.accept(listener, config, seed);
            try (server) {
                server.handshake();
                byte[] up = server.read(3);
                server.write(new byte[] {up[1], up[0], '\n'});
            }
            return server;
        });
    }

    @Test
    void opensslClientResumesWithQsockServersTicket() throws Exception {
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()).build();
        Path session = dir.resolve("session.pem");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<TlsRecordLayer> firstRun = serve(listener, config, 83);
            try (PeerProcess cli = sClient(listener.getLocalPort(), "-sess_out", session.toString())) {
                withTranscript(cli::toString, () -> {
                    cli.stdin().write(new byte[] {'a', 'b', '\n'});
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitText(t -> t.contains("ba"), PEER_TIMEOUT), "answer reached s_client");
                    TlsRecordLayer first = firstRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    cli.awaitExit(PEER_TIMEOUT);
                    assertFalse(first.engine().resumed());
                    assertTrue(cli.stdout().text().contains("New, TLSv1.3"), "a full handshake first");
                    assertTrue(Files.size(session) > 0, "s_client kept our ticket");
                });
            }
            Future<TlsRecordLayer> secondRun = serve(listener, config, 84);
            try (PeerProcess cli = sClient(listener.getLocalPort(), "-sess_in", session.toString())) {
                withTranscript(cli::toString, () -> {
                    cli.stdin().write(new byte[] {'c', 'd', '\n'});
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitText(t -> t.contains("dc"), PEER_TIMEOUT), "answer reached s_client");
                    TlsRecordLayer second = secondRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    cli.stdin().close();
                    cli.awaitExit(PEER_TIMEOUT);
                    assertTrue(cli.stdout().text().contains("Reused, TLSv1.3"), "s_client resumed");
                    assertTrue(second.engine().resumed());
                    assertEquals(List.of(HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED),
                            OpenSslClientAuthTest.types(second.handshakeMessagesSent(EncryptionLevel.HANDSHAKE)));
                });
            }
        }
    }
}
