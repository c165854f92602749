package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.tls.ServerTickets;
import qsock.tls.TlsServerConfig;
import qsock.tls.extension.Extensions;
import qsock.tls.extension.PreSharedKeyClientHello;

/**
 * 0-RTT (RFC 8446 §4.2.10, §2.3) against OpenSSL 3.0 over loopback TCP with the qsock server: {@code s_client
 * -sess_out} keeps the qsock server's ticket (which allows early data, max_early_data_size 16384), then
 * {@code s_client -sess_in -early_data FILE} sends FILE as 0-RTT data. The server accepts it (reading exactly
 * FILE's bytes under the client early traffic key, then EndOfEarlyData), or rejects it: by its
 * {@link ServerTickets.EarlyDataPolicy}, with early data turned off, or because the same ticket was used
 * before (anti-replay, RFC 8446 §8.1). A rejecting server skips the records it cannot decrypt and completes
 * the resumed handshake; s_client prints whether its early data was accepted.
 *
 * <p>What s_client does after a rejection (OpenSSL 3.0, apps/s_client.c): it prints "Early data was
 * rejected" and sends nothing again by itself; RFC 8446 §4.2.10 leaves resending to the application, and
 * s_client's application is its stdin. The tests check this: after a rejection the server's first
 * application data is the line written to s_client's stdin, and close_notify follows it.
 */
@Timeout(90)
class OpenSslZeroRttServerTest extends PeerTestBase {

    /** Larger than one record's 2^14 bytes would be too much (max_early_data_size); several lines is enough. */
    private static final byte[] EARLY_DATA = ("GET /zero-rtt HTTP/1.0\n" + "x".repeat(3000) + "\nend of early data\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** s_client without -quiet, so that it prints whether the session was reused and the early data status. */
    private PeerProcess sClient(int port, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(GnuTls.executable("openssl"), "s_client", "-connect",
                "127.0.0.1:" + port, "-tls1_3", "-CAfile", GnuTls.write(dir, "ecdsa-p256").ca().toString(),
                "-servername", "localhost", "-verify_hostname", "localhost", "-verify_return_error"));
        command.addAll(List.of(options));
        return PeerProcess.start("openssl-s_client", command, dir);
    }

    /**
     * Serves one connection: the handshake (early data included), one line of 3 bytes answered with its
     * first two bytes swapped, then close_notify from the client, with no other application data before it.
     */
    private Future<TlsRecordLayer> serve(ServerSocket listener, TlsServerConfig config, long seed) {
        return peers.submit(() -> {
            TlsRecordLayer server = QsockEndpoints.accept(listener, config, seed);
            try (server) {
                server.handshake();
                byte[] up = server.read(3);
                server.write(new byte[] {up[1], up[0], '\n'});
                server.awaitCloseNotify();
            }
            return server;
        });
    }

    /**
     * Runs one s_client connection that writes "cd\n" and expects "dc" back, then closes its stdin;
     * {@return s_client's stdout}
     */
    private String converse(PeerProcess cli, Future<TlsRecordLayer> run) throws Exception {
        try {
            cli.stdin().write("cd\n".getBytes(StandardCharsets.US_ASCII));
            cli.stdin().flush();
            assertTrue(cli.stdout().awaitText(t -> t.contains("dc"), PEER_TIMEOUT), "answer reached s_client");
            cli.stdin().close();
            run.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            cli.awaitExit(PEER_TIMEOUT);
            return cli.stdout().text();
        } catch (Throwable t) {
            throw new AssertionError(t + "\n--- peer:\n" + cli, t);
        }
    }

    /** The first, full handshake: s_client keeps the ticket in {@code session}. */
    private TlsRecordLayer fullHandshake(ServerSocket listener, TlsServerConfig config, Path session)
            throws Exception {
        Future<TlsRecordLayer> run = serve(listener, config, 101);
        try (PeerProcess cli = sClient(listener.getLocalPort(), "-sess_out", session.toString())) {
            // The ticket comes right after the handshake, before the answer: once s_client printed "dc",
            // it has written the session with the ticket.
            String out = converse(cli, run);
            assertTrue(out.contains("New, TLSv1.3"), out);
            assertTrue(Files.size(session) > 0, "s_client kept our ticket");
            TlsRecordLayer first = run.get();
            assertFalse(first.engine().resumed());
            return first;
        }
    }

    /** A resumed connection with {@code -early_data}; {@return the server's record layer and s_client's stdout} */
    private Resumed earlyDataHandshake(ServerSocket listener, TlsServerConfig config, Path session, long seed)
            throws Exception {
        Path early = Files.write(dir.resolve("early.txt"), EARLY_DATA);
        Future<TlsRecordLayer> run = serve(listener, config, seed);
        try (PeerProcess cli = sClient(listener.getLocalPort(), "-sess_in", session.toString(),
                "-early_data", early.toString())) {
            String out = converse(cli, run);
            TlsRecordLayer server = run.get();
            assertTrue(out.contains("Reused, TLSv1.3"), "s_client resumed:\n" + out);
            assertTrue(server.engine().resumed());
            assertTrue(server.completion().resumed());
            return new Resumed(server, out);
        }
    }

    /** {@return the first PSK identity of the ClientHello the server received} */
    private static byte[] ticketOffered(TlsRecordLayer server) throws Exception {
        return Extensions.find(server.clientHello().extensions(), PreSharedKeyClientHello.class).orElseThrow()
                .identities().get(0).identity().toByteArray();
    }

    private record Resumed(TlsRecordLayer server, String clientOut) {}

    private static TlsServerConfig config(ServerTickets tickets) {
        return QsockEndpoints.server("ecdsa-p256").tickets(tickets).build();
    }

    @Test
    void opensslClientsEarlyDataAcceptedByQsockServer() throws Exception {
        TlsServerConfig config = config(ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT));
        Path session = dir.resolve("session.pem");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            fullHandshake(listener, config, session);
            Resumed second = earlyDataHandshake(listener, config, session, 102);
            assertEquals(Boolean.TRUE, second.server().earlyDataAccepted(), "EarlyDataStatus");
            // Exactly FILE's bytes, under the early traffic key, before EndOfEarlyData (RFC 8446 §4.5).
            assertArrayEquals(EARLY_DATA, second.server().earlyDataReceived());
            assertEquals(0, second.server().earlyDataSkipped());
            assertTrue(second.clientOut().contains("Early data was accepted"), second.clientOut());
        }
    }

    /** The rejecting server's first application data is s_client's stdin line: the early data is not resent. */
    private static void assertRejected(Resumed second) {
        assertEquals(Boolean.FALSE, second.server().earlyDataAccepted(), "EarlyDataStatus");
        assertEquals(0, second.server().earlyDataReceived().length, "no early data delivered");
        // RFC 8446 §4.2.10: the records under the early traffic key were skipped, not failed on: at least the
        // plaintext, plus each record's content type and tag.
        assertTrue(second.server().earlyDataSkipped() >= EARLY_DATA.length + 17, "skipped "
                + second.server().earlyDataSkipped());
        assertTrue(second.clientOut().contains("Early data was rejected"), second.clientOut());
    }

    @Test
    void opensslClientsEarlyDataRejectedByQsockServersPolicy() throws Exception {
        List<String> asked = new ArrayList<>();
        ServerTickets.EarlyDataPolicy refuse = (alpn, serverName, parameters) -> {
            synchronized (asked) {
                asked.add(serverName);
            }
            return false;
        };
        TlsServerConfig config = config(ServerTickets.defaults().withEarlyData(true, refuse));
        Path session = dir.resolve("session.pem");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            fullHandshake(listener, config, session);
            assertRejected(earlyDataHandshake(listener, config, session, 103));
            synchronized (asked) {
                assertEquals(List.of("localhost"), asked, "the policy was asked once, about the ticket's SNI");
            }
        }
    }

    @Test
    void opensslClientsEarlyDataRejectedWhenQsockServerTurnedEarlyDataOff() throws Exception {
        // The ticket allows early data (issued by a server that had it on); the server that resumes shares
        // the ticket keys but no longer accepts 0-RTT.
        ServerTickets on = ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT);
        ServerTickets off = on.withEarlyData(false, ServerTickets.EarlyDataPolicy.ACCEPT);
        Path session = dir.resolve("session.pem");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            fullHandshake(listener, config(on), session);
            assertRejected(earlyDataHandshake(listener, config(off), session, 104));
        }
    }

    /**
     * RFC 8446 §8.1: the same session file twice. s_client does not mark a session read with -sess_in as used
     * (it writes no file back without -sess_out), so the second run offers the same ticket and the same early
     * data: the server's single-use record rejects that early data, and the handshake still resumes.
     */
    @Test
    void replayedOpensslEarlyDataRejectedByQsockServersAntiReplay() throws Exception {
        TlsServerConfig config = config(ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT));
        Path session = dir.resolve("session.pem");
        try (ServerSocket listener = QsockEndpoints.listen()) {
            fullHandshake(listener, config, session);
            byte[] ticketFile = Files.readAllBytes(session);
            Resumed first = earlyDataHandshake(listener, config, session, 105);
            assertEquals(Boolean.TRUE, first.server().earlyDataAccepted());
            assertArrayEquals(EARLY_DATA, first.server().earlyDataReceived());
            assertTrue(first.clientOut().contains("Early data was accepted"), first.clientOut());
            assertArrayEquals(ticketFile, Files.readAllBytes(session), "s_client -sess_in left the file as it was");

            Resumed replay = earlyDataHandshake(listener, config, session, 106);
            assertRejected(replay);
            // The same ticket both times (RFC 8446 §4.2.11: identities[0]), and early data offered again.
            assertArrayEquals(ticketOffered(first.server()), ticketOffered(replay.server()));
            assertEquals(Boolean.FALSE, replay.server().earlyDataAccepted());
        }
    }
}
