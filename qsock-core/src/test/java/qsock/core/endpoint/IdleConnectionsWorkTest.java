package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.PingFrame;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * What one datagram or one timer costs an endpoint with thousands of idle connections (issue 9: at 10,000 idle
 * connections every batch read every connection's deadline and polled every connection, and handshakes slowed to
 * 12 a second): the calls into connections ({@link QuicEndpoint#connectionVisits()}) follow the connections
 * concerned, not the ones that sit idle. Counted, not timed.
 */
class IdleConnectionsWorkTest {

    private static final int CONNECTIONS = 10_000;
    private static final long NOW = 1_000_000_000L;
    /** Each connection sends its first Initial a microsecond after the previous one, so deadlines differ. */
    private static final long SPACING = 1_000;

    private static final InetSocketAddress SERVER = address(2);

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last}), 4433);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client endpoint whose connections each sent their first Initial and now wait: a PTO armed in each. */
    private record Idle(QuicEndpoint endpoint, QuicConnection[] connections, long now) {
        static Idle make() {
            QuicEndpoint endpoint = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(5));
            QuicConnection[] c = new QuicConnection[CONNECTIONS];
            ByteBuffer out = ByteBuffer.allocate(1500);
            long now = NOW;
            for (int i = 0; i < CONNECTIONS; i++) {
                now = NOW + i * SPACING;
                c[i] = endpoint.connect(SERVER, now);
                c[i].writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1, 2, 3}), now);
                endpoint.touched(c[i]);
                assertEquals(SERVER, endpoint.pollDatagram(out.clear(), now), "the first Initial of " + i);
                assertNull(endpoint.pollDatagram(out.clear(), now));
            }
            // Reading every connection's deadline once is the cost of having made them.
            assertEquals(c[0].nextDeadline(), endpoint.nextDeadline());
            return new Idle(endpoint, c, now);
        }

        /**
         * The I/O runtime's batch: the datagrams, then the timers if one is due, then every datagram to send,
         * then the next deadline. {@return the datagrams sent}
         */
        int batch(long now, ByteBuffer... datagrams) {
            for (ByteBuffer d : datagrams) {
                endpoint.handleDatagram(SERVER, d, now);
            }
            if (endpoint.nextDeadline() - now <= 0) {
                endpoint.handleTimeout(now);
            }
            int sent = 0;
            ByteBuffer out = ByteBuffer.allocate(1500);
            for (int i = 0; i < 100 && endpoint.pollDatagram(out.clear(), now) != null; i++) {
                sent++;
            }
            endpoint.nextDeadline();
            return sent;
        }
    }

    /**
     * {@return the server's Initial to client connection {@code c}: one packet with a PING (ack-eliciting, so
     * the client acknowledges it at once), sealed with the server's Initial keys, padded to 1200 bytes}
     */
    private static ByteBuffer serverInitialPing(QuicConnection c, long pn) {
        ByteBuffer b = ByteBuffer.allocate(1200);
        ConnectionId serverId = ConnectionId.of(new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1, PacketType.INITIAL, c.localId(),
                serverId, null, pn, 2, 2, true);
        FrameEncoder.encode(b, PingFrame.INSTANCE);
        int end = 1200 - 16;
        FrameEncoder.writePadding(b, end - b.position());
        PacketHeaderWriter.setLength(b, pnOffset, 2, 1200);
        PacketProtection.initial(QuicVersion.V1, c.originalDestinationId(), Role.SERVER)
                .seal(b, 0, pnOffset, 2, pn, end);
        return b.position(0).limit(1200);
    }

    @Test
    void oneDatagramAmongTenThousandIdleConnectionsCallsIntoOnlyItsConnection() {
        Idle idle = Idle.make();
        QuicConnection target = idle.connections()[CONNECTIONS / 2];
        long before = idle.endpoint().connectionVisits();
        long received = target.packetsReceived();
        int sent = idle.batch(idle.now(), serverInitialPing(target, 0));
        long visits = idle.endpoint().connectionVisits() - before;
        assertEquals(received + 1, target.packetsReceived(), "the Initial reached its connection");
        assertEquals(1, sent, "its connection acknowledged it at once (RFC 9000 §13.2.1)");
        System.out.printf("idle connections: one datagram among %d idle connections: %d calls into connections%n",
                CONNECTIONS, visits);
        // Its deadline read twice (after the datagram, after sending) and two polls (the ACK, then nothing).
        assertTrue(visits <= 8, visits + " calls into connections for one datagram among " + CONNECTIONS);
    }

    @Test
    void batchesWithNothingToDoCallIntoNoConnection() {
        Idle idle = Idle.make();
        long before = idle.endpoint().connectionVisits();
        for (int i = 0; i < 100; i++) {
            idle.batch(idle.now() + i);
        }
        assertEquals(0, idle.endpoint().connectionVisits() - before,
                "nothing arrived and nothing is due: no connection is asked anything");
    }

    @Test
    void timersThatComeDueCallIntoTheConnectionsDueAndTheNextDeadlineIsTheRightOne() {
        Idle idle = Idle.make();
        QuicConnection[] c = idle.connections();
        int due = 10;
        long now = c[due - 1].nextDeadline();
        assertTrue(c[due].nextDeadline() > now, "the eleventh connection's PTO is later");
        long before = idle.endpoint().connectionVisits();
        long[] sentBefore = new long[due];
        for (int i = 0; i < due; i++) {
            sentBefore[i] = c[i].packetsSent();
        }
        int sent = idle.batch(now);
        long visits = idle.endpoint().connectionVisits() - before;
        for (int i = 0; i < due; i++) {
            assertTrue(c[i].packetsSent() > sentBefore[i], "connection " + i + " sent its PTO probe");
        }
        assertTrue(sent >= due, sent + " datagrams for " + due + " PTOs");
        assertEquals(1, c[due].packetsSent(), "the connections not due did not send");
        System.out.printf("idle connections: %d PTOs among %d idle connections: %d calls into connections%n", due,
                CONNECTIONS, visits);
        assertTrue(visits <= 10L * due, visits + " calls into connections for " + due + " timers among "
                + CONNECTIONS);
        // The probes re-armed the ten timers later: the earliest is now the eleventh connection's.
        assertEquals(c[due].nextDeadline(), idle.endpoint().nextDeadline());
        for (int i = 0; i < due; i++) {
            assertTrue(c[i].nextDeadline() > c[due].nextDeadline());
        }
    }

    @Test
    void aConnectionTheApplicationCalledIntoIsPolledAndItsMovedDeadlineSeen() {
        Idle idle = Idle.make();
        QuicEndpoint endpoint = idle.endpoint();
        QuicConnection c = idle.connections()[1234];
        long now = idle.now();
        // The application closes it: a CONNECTION_CLOSE to send, and the closing period's deadline.
        c.close(0, "done", now);
        endpoint.touched(c);
        long before = endpoint.connectionVisits();
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(SERVER, endpoint.pollDatagram(out, now), "its CONNECTION_CLOSE leaves");
        assertNull(endpoint.pollDatagram(out.clear(), now));
        assertEquals(ConnectionState.CLOSING, c.state());
        long earliest = Long.MAX_VALUE;
        for (QuicConnection each : idle.connections()) {
            earliest = Math.min(earliest, each.nextDeadline());
        }
        assertEquals(earliest, endpoint.nextDeadline(), "the endpoint's deadline is the earliest connection's");
        assertTrue(endpoint.connectionVisits() - before <= 4);
        // At the end of its closing period it is forgotten, the others stay.
        endpoint.handleTimeout(c.nextDeadline());
        assertEquals(ConnectionState.CLOSED, c.state());
        assertNull(endpoint.peerAddress(c), "a closed connection is reaped");
        assertEquals(CONNECTIONS - 1, endpoint.connectionCount());
    }
}
