package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.tls.ClientTickets;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * 0-RTT (RFC 8446 §4.2.10, §2.3) against GnuTLS 3.7 over loopback TCP, in both roles: the qsock client's
 * early data to {@code gnutls-serv --earlydata}, and {@code gnutls-cli --resume --earlydata=FILE} to the qsock
 * server, accepted and rejected.
 *
 * <p>What the GnuTLS 3.7 tools show (neither prints an early data status in its normal output, so the tests run
 * them with {@code -d}, whose debug log goes to stderr):
 * <ul>
 * <li>gnutls-serv logs "early data accepted" when it accepts and "decrypted early data with length: N" for each
 *     early record (debug level 5). It does not echo early data with {@code --echo}: its loop reads early data
 *     with gnutls_record_recv_early_data and then overwrites it with gnutls_record_recv (GnuTLS src/serv.c);
 *     the test checks the logged length instead.
 * <li>gnutls-cli {@code --earlydata} takes a file (3.7: "Send early data on resumption from the specified
 *     file"); it sends it on the resumed connection only, and logs "Parsing extension 'Early Data/42'" when the
 *     server's EncryptedExtensions accepts it (debug level 4). It does not resend rejected early data (RFC 8446
 *     §4.2.10 leaves that to the application): after a rejection the qsock server's first application data is
 *     gnutls-cli's stdin.
 * </ul>
 */
@Timeout(90)
class GnuTlsZeroRttTest extends PeerTestBase {

    private static final byte[] EARLY_DATA = ("zero-rtt " + "y".repeat(2000) + "\n").getBytes(StandardCharsets.US_ASCII);
    /** GnuTLS's debug line for an EncryptedExtensions (or ClientHello) early_data extension it parsed. */
    private static final String PARSED_EARLY_DATA = "Parsing extension 'Early Data/42'";

    @Test
    void qsockClientSendsEarlyDataThatGnutlsServerAccepts() throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        // The system clock: GnuTLS (lib/tls13/anti_replay.c) rejects early data when the client reports an older
        // ticket than it sees, which a whole-millisecond age could do on loopback before ClientTicket.obfuscatedAge
        // reported a millisecond less (this test failed about one run in three then).
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
        try (GnuTlsServer server = GnuTlsServer.start(dir, GnuTls.write(dir, "ecdsa-p256"), GnuTls.TLS13, "--echo",
                "--earlydata", "-d", "5")) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer first = QsockEndpoints.connect(server.port(), config, 111);
                try (first) {
                    first.handshake();
                    first.write(new byte[] {'a', 'b', '\n'});
                    // The ticket comes before the echo: reading takes it.
                    assertArrayEquals(new byte[] {'a', 'b', '\n'}, first.read(3));
                }
                assertNull(first.earlyDataAttempt(), "no ticket yet");
                assertTrue(store.size("localhost") >= 1, "gnutls-serv's ticket was kept");

                TlsRecordLayer second = QsockEndpoints.connect(server.port(), config, 112);
                try (second) {
                    second.sendEarlyData(EARLY_DATA);
                    second.handshake();
                    second.write(new byte[] {'c', 'd', '\n'});
                    assertArrayEquals(new byte[] {'c', 'd', '\n'}, second.read(3));
                }
                assertNotNull(second.earlyDataAttempt(), "gnutls-serv's ticket allows early data");
                assertEquals(Boolean.TRUE, second.earlyDataAccepted(), "gnutls-serv accepted the early data");
                assertTrue(second.engine().resumed());
                server.awaitStdout("This is a resumed session");
                assertTrue(server.process().stderr().awaitText(t -> t.contains("early data accepted")
                        && t.contains("decrypted early data with length: " + EARLY_DATA.length), PEER_TIMEOUT),
                        "gnutls-serv decrypted our early data");
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

    /**
     * gnutls-cli --resume --earlydata=FILE against the qsock server: the first connection gives it the ticket
     * (it drops that connection once it has one), the second resumes with FILE as early data, then sends its
     * stdin "cd\n", which the server answers with "dc\n" before gnutls-cli's close_notify (stdin closed).
     * {@return the second connection's server}
     */
    private TlsRecordLayer gnutlsClientResumesWithEarlyData(TlsServerConfig config, String gnutlsCliOut)
            throws Exception {
        Path log = dir.resolve("gnutls-cli.log");
        Path early = Files.write(dir.resolve("early.txt"), EARLY_DATA);
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<List<TlsRecordLayer>> serverRun = peers.submit(() -> {
                TlsRecordLayer first = QsockEndpoints.accept(listener, config, 113);
                try (first) {
                    first.handshake();
                }
                TlsRecordLayer second = QsockEndpoints.accept(listener, config, 114);
                try (second) {
                    second.handshake();
                    byte[] up = second.read(3);
                    second.write(new byte[] {up[1], up[0], '\n'});
                    second.awaitCloseNotify();
                }
                return List.of(first, second);
            });
            try (PeerProcess cli = GnuTls.client(dir, listener.getLocalPort(), GnuTls.write(dir, "ecdsa-p256").ca(),
                    GnuTls.TLS13, log, "--resume", "--earlydata=" + early, "-d", "4")) {
                try {
                    cli.stdin().write("cd\n".getBytes(StandardCharsets.US_ASCII));
                    cli.stdin().flush();
                    assertTrue(cli.stdout().awaitText(t -> t.contains("dc"), PEER_TIMEOUT), "answer reached gnutls-cli");
                    cli.stdin().close();
                    List<TlsRecordLayer> servers = serverRun.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(0, cli.awaitExit(PEER_TIMEOUT), "gnutls-cli exit status");
                    assertFalse(servers.get(0).engine().resumed());
                    assertNull(servers.get(0).earlyDataAccepted(), "no early data on the first connection");
                    TlsRecordLayer second = servers.get(1);
                    assertTrue(second.engine().resumed());
                    assertTrue((cli.stdout().text() + GnuTls.log(log)).contains("This is a resumed session"));
                    String debug = cli.stderr().text();
                    // The ClientHello offered early data (the server parsed it); the client's own log tells
                    // whether the EncryptedExtensions accepted it.
                    assertTrue(second.clientHello().extensions().stream()
                            .anyMatch(e -> e instanceof qsock.tls.extension.EarlyDataIndication), "early_data offered");
                    assertEquals(gnutlsCliOut.equals("accepted"), debug.contains(PARSED_EARLY_DATA),
                            "gnutls-cli parsed an early_data extension in EncryptedExtensions");
                    return second;
                } catch (Throwable t) {
                    throw new AssertionError(t + "\n--- peer:\n" + transcript(cli, log), t);
                }
            }
        }
    }

    @Test
    void gnutlsClientsEarlyDataAcceptedByQsockServer() throws Exception {
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()
                .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)).build();
        TlsRecordLayer second = gnutlsClientResumesWithEarlyData(config, "accepted");
        assertEquals(Boolean.TRUE, second.earlyDataAccepted(), "EarlyDataStatus");
        assertArrayEquals(EARLY_DATA, second.earlyDataReceived(), "exactly the file, as early data");
        assertEquals(0, second.earlyDataSkipped());
    }

    @Test
    void gnutlsClientsEarlyDataRejectedByQsockServersPolicy() throws Exception {
        TlsServerConfig config = QsockEndpoints.server("ecdsa-p256").tickets(ServerTickets.defaults()
                .withEarlyData(true, (alpn, serverName, parameters) -> false)).build();
        TlsRecordLayer second = gnutlsClientResumesWithEarlyData(config, "rejected");
        assertEquals(Boolean.FALSE, second.earlyDataAccepted(), "EarlyDataStatus");
        assertEquals(0, second.earlyDataReceived().length, "no early data delivered");
        // RFC 8446 §4.2.10: skipped, not failed on: the file plus each record's content type and tag.
        assertTrue(second.earlyDataSkipped() >= EARLY_DATA.length + 17, "skipped " + second.earlyDataSkipped());
    }
}
