package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.interop.peer.KwikClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.HqInterop;
import qsock.interop.support.PacketLog.Direction;
import qsock.interop.support.UdpRelay;
import qsock.socket.QuicSocket;
import qsock.socket.QuicStatistics;

/**
 * A peer's client that moves its connection to a new local address of its own accord (RFC 9000 §9.2: active
 * migration, with a new connection ID on the new path, §9.5) in the middle of a 5 MB download from a qsock server:
 * the server must follow it (§9.3: on the highest-numbered non-probing packet, validating the new path with a
 * PATH_CHALLENGE) for the download to complete with the right SHA-256, and the server must have seen the client at
 * each new address, validated. The client retires the connection ID it leaves (§5.1.2) once the new one is on the
 * wire; the second of two moves takes the ID the server issued in its place.
 *
 * <p>Kwik's client (0.10.8) moves through {@code QuicClientConnectionImpl.nextDestinationConnectionId()} and
 * {@code changeAddress()} ({@link KwikClient#migrate}); it does not probe the new path first, since it never sends a
 * PATH_CHALLENGE, so this shows the server's side of a migration without probing (§9.2 allows it: "An endpoint can
 * migrate a connection to a new local address by sending packets containing non-probing frames from that address").
 * quiche's client through Netty (netty-codec-native-quic 4.2.18.Final) cannot migrate: neither {@code QuicChannel}
 * nor the JNI class {@code Quiche} offers quiche's {@code quiche_conn_probe_path} or {@code quiche_conn_migrate}, which
 * the native library holds as local symbols only, and its channel owns a single UDP socket.
 */
class ClientMigrationInteropTest {

    private static final long SIZE = 5_000_000;
    /** Datagrams to the client after the handshake before it moves, and between moves: some 1 MB of the download. */
    private static final long MIGRATE_AFTER_DATAGRAMS = 700;

    @TempDir
    Path root;

    /**
     * Where the client's new sockets are bound, one move each: the same loopback address (a new port), another one,
     * or two others one after the other (the second needs a connection ID the server issued after the client retired
     * the one it used first: Kwik's active_connection_id_limit is 2, RFC 9000 §5.1.1).
     */
    enum Moves {
        PORT("127.0.0.1"), ADDRESS("127.0.0.2"), TWO_ADDRESSES("127.0.0.2", "127.0.0.3");

        final List<String> addresses;

        Moves(String... addresses) {
            this.addresses = List.of(addresses);
        }
    }

    @ParameterizedTest(name = "Kwik client moves to a new {0}")
    @EnumSource(Moves.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDownloadSurvivesKwiksClientMigratingMidTransfer(Moves moves) throws Exception {
        Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        try (QsockServer server = QsockServer.start(root); UdpRelay relay = UdpRelay.start(server.address())) {
            List<Path> logs = new ArrayList<>();
            AtomicReference<QuicSocket> accepted = new AtomicReference<>();
            Evidence.keep("KWIK client vs qsock server, migrating to a new " + moves, relay, logs,
                    () -> sideNotes(server, accepted.get()), () -> {
                        try (KwikClient c = KwikClient.connectMovable(relay.address(), HqInterop.ALPN,
                                Scenarios.TIMEOUT)) {
                            logs.add(c.log());
                            Scenarios.handshake(c, HqInterop.ALPN);
                            List<QsockServer.Handshake> handshakes = server.awaitHandshakes(1, Scenarios.TIMEOUT);
                            assertEquals(1, handshakes.size(), "connections the qsock server accepted");
                            QuicSocket serverSide = handshakes.get(0).socket();
                            accepted.set(serverSide);
                            relay.countShortHeaderDcids(serverSide.localConnectionId().length);
                            long before = relay.log().datagrams(Direction.TO_CLIENT);

                            FutureTask<Void> download = new FutureTask<>(() -> {
                                Scenarios.bulk(c, SIZE);
                                return null;
                            });
                            Thread.ofVirtual().name("kwik-download").start(download);
                            List<KwikClient.Migration> done = new ArrayList<>();
                            for (String address : moves.addresses) {
                                awaitDatagramsToClient(relay,
                                        before + (done.size() + 1) * MIGRATE_AFTER_DATAGRAMS, download);
                                KwikClient.Migration m = c.migrate(InetAddress.getByName(address));
                                relay.log().note("Kwik moved from " + m.from() + " to " + m.to() + ", connection ID "
                                        + hex(m.oldDcid()) + " -> " + hex(m.newDcid()) + " (sequence number "
                                        + m.newSequenceNumber() + ")");
                                // RFC 9000 §5.1.2: the ID left behind is retired, once the new one is on the wire.
                                awaitDcidFrom(relay, m);
                                c.retire(m);
                                done.add(m);
                            }
                            download.get(Scenarios.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

                            // The server's side, while the connection is still open. A download that outran the
                            // move (its last bytes left before the client moved) ends before the server heard the
                            // client's first non-probing packet from the new address: wait for it, bounded.
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                            while (System.nanoTime() < deadline
                                    && (serverSide.statistics().peerAddressChanges() < moves.addresses.size()
                                    || !serverSide.statistics().peerAddressValidated())) {
                                Thread.sleep(10);
                            }
                            QuicStatistics stats = serverSide.statistics();
                            assertEquals(moves.addresses.size(), stats.peerAddressChanges(),
                                    "the client's moves the server followed");
                            assertTrue(stats.peerAddressValidated(), "the server validated the client's last "
                                    + "address: Kwik answered its PATH_CHALLENGE there (RFC 9000 §8.2)");
                            Map<SocketAddress, Map<String, Long>> dcids = relay.shortHeaderDcids();
                            for (KwikClient.Migration m : done) {
                                assertNewConnectionIdOnNewPath(dcids, m);
                            }
                        }
                        assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
                    });
        }
    }

    /**
     * The wire shows the move: the client's old address carried the old connection ID, and on the new address the new
     * one (RFC 9000 §9.5) outnumbers the old. Not "only": Kwik switches the ID before the socket, in two steps, so the
     * old address may carry the new ID for a while (the test thread may be descheduled between them: 67 ms seen), and
     * a packet its sender built with the old ID just before the first step may leave from the new socket.
     */
    private static void assertNewConnectionIdOnNewPath(Map<SocketAddress, Map<String, Long>> dcids,
                                                       KwikClient.Migration m) {
        assertNotEquals(m.from(), m.to(), "Kwik's old and new local address");
        assertNotEquals(hex(m.oldDcid()), hex(m.newDcid()), "the connection ID Kwik moved to");
        Map<String, Long> oldPath = dcids.get(m.from());
        Map<String, Long> newPath = dcids.get(m.to());
        assertNotNull(oldPath, "1-RTT packets from the client's old address " + m.from() + ": " + dcids);
        assertNotNull(newPath, "1-RTT packets from the client's new address " + m.to() + ": " + dcids);
        assertTrue(oldPath.getOrDefault(hex(m.oldDcid()), 0L) > 0,
                "the old connection ID on the old path: " + oldPath);
        long newIdOnNewPath = newPath.getOrDefault(hex(m.newDcid()), 0L);
        long oldIdOnNewPath = newPath.getOrDefault(hex(m.oldDcid()), 0L);
        assertTrue(newIdOnNewPath > 0 && newIdOnNewPath > oldIdOnNewPath,
                "the new connection ID " + hex(m.newDcid()) + " on the new path: " + newPath);
    }

    /**
     * {@return what the qsock server saw go wrong, and where its connection sends now with its path counters} The
     * latter tell a server that did not follow the client (or followed it back) from a client that went silent.
     */
    private static List<String> sideNotes(QsockServer server, QuicSocket serverSide) {
        List<String> notes = new ArrayList<>(server.failures());
        if (serverSide != null) {
            notes.add("the server's connection sends to " + serverSide.remoteAddress() + "; "
                    + serverSide.statistics());
        }
        return notes;
    }

    /** Waits until the relay saw a 1-RTT packet with {@code m}'s new connection ID from the client's new address. */
    private static void awaitDcidFrom(UdpRelay relay, KwikClient.Migration m) throws InterruptedException {
        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
        while (!relay.shortHeaderDcids().getOrDefault(m.to(), Map.of()).containsKey(hex(m.newDcid()))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no packet with the connection ID " + hex(m.newDcid()) + " from "
                        + m.to() + " within " + Scenarios.TIMEOUT + ": " + relay.shortHeaderDcids());
            }
            Thread.sleep(1);
        }
    }

    /** Waits until {@code count} datagrams went to the client, failing if the download ends or fails first. */
    private static void awaitDatagramsToClient(UdpRelay relay, long count, FutureTask<Void> download)
            throws Exception {
        long deadline = System.nanoTime() + Scenarios.TIMEOUT.toNanos();
        while (relay.log().datagrams(Direction.TO_CLIENT) < count) {
            if (download.isDone()) {
                download.get();
                throw new AssertionError("the download ended before " + count + " datagrams went to the client");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("fewer than " + count + " datagrams went to the client within "
                        + Scenarios.TIMEOUT);
            }
            Thread.sleep(1);
        }
    }

    private static String hex(byte[] id) {
        return HexFormat.of().formatHex(id);
    }
}
