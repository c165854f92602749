package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.path.PathMtuSearch;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.QuicSimHost;
import qsock.core.sim.quic.Session;
import qsock.core.stream.StreamEvent;

/**
 * Time is explicit: {@link QuicConnection#nextDeadline()} never names a time that handling the timeout and then
 * polling until nothing is left cannot move past. A runtime may then sleep until the deadline it reads, with no
 * "the deadline did not move: wait a little" rule of its own.
 */
class DeadlineProgressSimulationTest {

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    private static int drain(QuicConnection c, long now) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        int n = 0;
        while (n < 1000 && c.pollDatagram(out.clear(), now) > 0) {
            n++;
        }
        return n;
    }

    private static void drainEvents(QuicConnection c) {
        while (c.pollEvent() != null) {
            // not what this test is about
        }
        StreamEvent e;
        do {
            e = c.streams().pollEvent();
        } while (e != null);
    }

    /**
     * The peer moved (RFC 9000 §9.3): what the server sends there is limited to three times what arrived from there
     * (§9.3.1) until its PATH_CHALLENGE is answered. The server spends that budget, then a reordered packet from the
     * old address arrives, which counts toward no budget but calls for an immediate ACK (it is out of order, §13.2.1).
     * The ACK cannot leave until more bytes come from the peer, so it must not hold the deadline at now: before the
     * timer table, the connection's deadline stayed at the ACK's due time however often its timeout was handled.
     */
    @Test
    @Timeout(60)
    void anAckHeldByTheAmplificationLimitHoldsNoDeadline() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(23).build().connect();
        pair.runUntil(() -> pair.clientSession != null
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && !pair.server.sessions.isEmpty()
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        // From here the two connections are driven by hand.
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        drain(client, now);
        drain(server, now);
        // The server has plenty to send, so that it spends whatever budget it gets.
        long serverStream = server.streams().openStream(false);
        server.streams().write(serverStream, ByteBuffer.allocate(64 * 1024), false);
        // Two small ack-eliciting datagrams of the client, A then B.
        long clientStream = client.streams().openStream(false);
        ByteBuffer out = ByteBuffer.allocate(2048);
        client.streams().write(clientStream, ByteBuffer.allocate(10), false);
        assertTrue(client.pollDatagram(out.clear(), now) > 0);
        ByteBuffer a = copy(out.flip());
        client.streams().write(clientStream, ByteBuffer.allocate(10), false);
        assertTrue(client.pollDatagram(out.clear(), now) > 0);
        ByteBuffer b = copy(out.flip());

        // B arrives from a new address first: the peer moved there.
        assertTrue(server.handleDatagramFromNewAddress(b, now), "the peer moved");
        assertFalse(server.isPeerAddressValidated());
        assertTrue(drain(server, now) > 0, "the server sends to the new address, within its budget");
        assertEquals(0, drain(server, now), "the budget is spent");
        // A comes late from the old address: processed, acknowledged at once (out of order), but no budget.
        assertFalse(server.handleDatagramFromNewAddress(a, now), "a late packet moves nothing");
        drainEvents(server);

        server.handleTimeout(now);
        assertEquals(0, drain(server, now), "nothing may leave: the budget is spent");
        long deadline = server.nextDeadline();
        assertTrue(deadline - now > 0, "the deadline " + (deadline - now) + " ns from now cannot be cleared by"
                + " handling the timeout: a runtime would spin on it");
        assertEquals(ConnectionState.CONFIRMED, server.state());
    }

    /**
     * The path MTU search's raise timer (RFC 8899 §5.1.1) is one of the connection's deadlines: a connection that
     * settled below its ceiling and went quiet (no idle timeout, no keep-alive) wakes 600 s later to look above its
     * size again. Before the timer table, nothing woke it: the search looked again only if something else made the
     * connection send.
     */
    @Test
    @Timeout(60)
    void aSettledPathMtuSearchLooksAgainAfterTheRaiseInterval() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder().pathMtuCeiling(16_000).maxIdleTimeoutMillis(0).build();
        LinkConfig path = LinkConfig.perfect().withDelay(10 * MS, 0).withMtu(1472);
        ConnectionPair pair = TlsHandshakes.pair(31).config(config).links(path).build().connect();
        pair.runUntil(pair::bothConfirmed, 10 * SECOND, 100_000);
        pair.network.runFor(10 * SECOND, 100_000);
        QuicConnection client = pair.clientSession.connection;
        assertTrue(client.maxDatagramSize() <= 1472 && client.maxDatagramSize() > 1400,
                "settled at " + client.maxDatagramSize() + "; " + pair.describe());
        long now = pair.network.now();
        long deadline = client.nextDeadline();
        assertTrue(deadline != Long.MAX_VALUE && deadline - now > 0
                && deadline - now <= PathMtuSearch.RAISE_INTERVAL_NANOS,
                "the quiet client wakes for its PMTU raise timer: deadline " + deadline + ", now " + now);
        LinkStats up = pair.network.stats(pair.client, pair.server);
        long before = up.droppedMtu();
        pair.network.runFor(PathMtuSearch.RAISE_INTERVAL_NANOS + SECOND, 100_000);
        assertTrue(up.droppedMtu() > before, "a probe above the path's MTU left after the raise interval; "
                + pair.describe());
        assertTrue(client.maxDatagramSize() <= 1472, pair.describe());
    }

    /**
     * The socket draft's plpmtud_probe_interval ({@code ConnectionConfig.pathMtuProbeIntervalMillis}, the CONFIG
     * option's field): a settled search looks again 30 intervals later, as the kernel module's raise timer does, here
     * 150 s for 5 s instead of the default 600 s.
     */
    @Test
    @Timeout(60)
    void theProbeIntervalSetsTheRaiseTimerToThirtyOfThem() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder().pathMtuCeiling(16_000).maxIdleTimeoutMillis(0)
                .pathMtuProbeIntervalMillis(5_000).build();
        long raise = 30 * 5 * SECOND;
        LinkConfig path = LinkConfig.perfect().withDelay(10 * MS, 0).withMtu(1472);
        ConnectionPair pair = TlsHandshakes.pair(37).config(config).links(path).build().connect();
        pair.runUntil(pair::bothConfirmed, 10 * SECOND, 100_000);
        pair.network.runFor(10 * SECOND, 100_000);
        QuicConnection client = pair.clientSession.connection;
        long now = pair.network.now();
        long deadline = client.nextDeadline();
        assertTrue(deadline != Long.MAX_VALUE && deadline - now > 0 && deadline - now <= raise,
                "the quiet client wakes within 30 probe intervals: deadline " + deadline + ", now " + now);
        LinkStats up = pair.network.stats(pair.client, pair.server);
        long before = up.droppedMtu();
        pair.network.runFor(raise + SECOND, 100_000);
        assertTrue(up.droppedMtu() > before, "a probe above the path's MTU left after 30 probe intervals; "
                + pair.describe());
    }

    /** A datagram in flight on the hand-made network of {@link #afterEachTurnTheDeadlineIsInTheFuture}. */
    private record InFlight(long time, long sequence, QuicSimHost to, InetSocketAddress from, ByteBuffer bytes)
            implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    /**
     * The property over seeded runs of a whole connection (handshake, a transfer, loss, reordering by jitter, in half
     * of the runs a NAT rebinding of the client in the middle of the transfer, close): after every turn (a host takes what arrived and what its deadline brought, then is polled until
     * it has nothing to send) the host's next deadline, and each of its connections', lies after now. The network is
     * made here, small, so that the check sits exactly between a turn and the wait that follows it.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    @Timeout(120)
    void afterEachTurnTheDeadlineIsInTheFuture(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        double loss = 0.02 * (seed % 5);
        long transfer = 200_000 + 100_000 * (seed % 3);
        BulkSender upload = new BulkSender(transfer, seed, seed % 2 == 0);
        BulkReceiver uploadSink = new BulkReceiver();
        ConnectionConfig config = ConnectionConfig.builder().maxIdleTimeoutMillis(5_000)
                .keepAliveMillis(seed % 4 == 0 ? 300 : 0).build();
        ConnectionPair pair = TlsHandshakes.pair(seed).config(config)
                .clientApplication(() -> upload).serverApplication(() -> uploadSink).build().connect();
        QuicSimHost[] hosts = {pair.client, pair.server};
        PriorityQueue<InFlight> network = new PriorityQueue<>();
        ByteBuffer out = ByteBuffer.allocate(65_536);
        long now = pair.network.now();
        long end = now + 60 * SECOND;
        // Once a third of the transfer arrived, the client's datagrams reach the server from another port, as after a
        // NAT rebinding (RFC 9000 §9.3); with the jitter, some sent before arrive after.
        boolean rebinds = seed % 2 == 1;
        boolean rebound = false;
        InetSocketAddress reboundAddress = new InetSocketAddress(pair.client.address.getAddress(),
                pair.client.address.getPort() + 1);
        long sequence = 0;
        long turns = 0;
        boolean closed = false;
        for (int step = 0; step < 200_000; step++) {
            for (QuicSimHost host : hosts) {
                for (int n = 0; n < 10_000; n++) {
                    InetSocketAddress to = host.poll(out.clear(), now);
                    if (to == null) {
                        break;
                    }
                    if (random.nextDouble() < loss) {
                        continue;
                    }
                    QuicSimHost peer = to.equals(pair.server.address) ? pair.server : pair.client;
                    InetSocketAddress from = host == pair.client && rebound ? reboundAddress : host.address;
                    long delay = 10 * MS + random.nextLong(8 * MS);
                    network.add(new InFlight(now + delay, sequence++, peer, from, copy(out.flip())));
                }
                turns++;
                for (Session s : host.sessions) {
                    checkFuture(s.connection.toString(), s.connection.nextDeadline(), now, seed, step);
                }
                checkFuture("host " + host.address, host.nextDeadline(), now, seed, step);
            }
            rebound |= rebinds && uploadSink.received() > transfer / 3;
            if (!closed && uploadSink.finished()) {
                pair.clientSession.connection.close(0, "done", now);
                closed = true;
            }
            long next = Long.MAX_VALUE;
            if (!network.isEmpty()) {
                next = network.peek().time();
            }
            for (QuicSimHost host : hosts) {
                long d = host.nextDeadline();
                if (d != Long.MAX_VALUE && (next == Long.MAX_VALUE || d - next < 0)) {
                    next = d;
                }
            }
            if (next == Long.MAX_VALUE) {
                break;
            }
            if (next - end > 0) {
                fail("seed " + seed + ": still running after 60 s of virtual time");
            }
            now = Math.max(now, next);
            while (!network.isEmpty() && network.peek().time() - now <= 0) {
                InFlight d = network.poll();
                d.to().receive(d.from(), d.bytes(), now);
            }
            for (QuicSimHost host : hosts) {
                long d = host.nextDeadline();
                if (d != Long.MAX_VALUE && d - now <= 0) {
                    host.onDeadline(now);
                }
            }
        }
        assertTrue(uploadSink.finished(), "seed " + seed + ": the transfer arrived");
        assertEquals(upload.sha256(), uploadSink.sha256(), "seed " + seed);
        assertTrue(closed && turns > 100, "seed " + seed + ": " + turns + " turns checked");
        assertEquals(rebinds ? 1 : 0, pair.server.first().connection.peerAddressChanges(), "seed " + seed);
        List<ConnectionState> states = new ArrayList<>();
        for (QuicSimHost host : hosts) {
            for (Session s : host.sessions) {
                states.add(s.connection.state());
            }
        }
        assertEquals(List.of(ConnectionState.CLOSED, ConnectionState.CLOSED), states, "seed " + seed);
        System.out.printf("deadline progress: seed %d, loss %.2f, %d bytes, %d turns checked, virtual %d ms,"
                + " peer address changes %d%n", seed, loss, transfer, turns, (now - pair.network.now()) / MS,
                pair.server.first().connection.peerAddressChanges());
    }

    private static void checkFuture(String what, long deadline, long now, long seed, int step) {
        if (deadline != Long.MAX_VALUE && deadline - now <= 0) {
            fail("seed " + seed + ", step " + step + ": " + what + " has its deadline " + (now - deadline)
                    + " ns in the past after its turn: handling the timeout cannot clear it");
        }
    }
}
