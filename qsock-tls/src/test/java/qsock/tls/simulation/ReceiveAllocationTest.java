package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.QuicSimHost;
import qsock.core.sim.quic.RecordingChannel;
import qsock.core.sim.quic.Session;
import qsock.core.stream.StreamEvent;

/**
 * Steady-state receiving allocates nothing of qsock's own beyond what the JDK's AEAD allocates: a server
 * sends a one-stream bulk transfer to a client, both connections established by the real TLS engine, and
 * every 1-RTT packet (STREAM packets at the client, ACK packets at the server) is handed over through one
 * reused direct receive buffer, as the I/O runtime does, by turns to the connection itself and to its
 * endpoint, which routes it; in the last third of the rounds each datagram comes in a new heap buffer
 * instead, which may cost the connection one view of that buffer. The allocation counter of this thread is
 * read around each {@code handleDatagram} only, and around opening a copy of the same packet with an
 * independent {@link PacketProtection} made from the recorded secret: the AEAD's own cost, the floor.
 */
class ReceiveAllocationTest {

    private static final int WARM_UP_ROUNDS = 400;
    private static final int ROUNDS = 1_500;
    /** Slack per packet for the amortised growth of reused arrays and queues. */
    private static final double SLACK_BYTES_PER_PACKET = 8;
    /** A datagram in a buffer the connection has not seen costs it one read-only view of that buffer. */
    private static final double ONE_VIEW_BYTES = 64;

    /** How a datagram reaches the connection. */
    private enum Delivery {
        /** In the one reused direct buffer, to the connection. */
        DIRECT,
        /** In the one reused direct buffer, to the endpoint, which routes it. */
        ROUTED,
        /** In a new heap buffer each time, to the connection. */
        FRESH_BUFFER
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Bytes allocated while handling datagrams, and while opening the same packets with the AEAD alone. */
    private static final class Tally {
        long packets;
        long handled;
        long aead;

        void reset() {
            packets = 0;
            handled = 0;
            aead = 0;
        }

        double handledPerPacket() {
            return (double) handled / packets;
        }

        double aeadPerPacket() {
            return (double) aead / packets;
        }
    }

    /** One direction: the receiving connection, its reused receive buffer and the AEAD floor. */
    private static final class Receiver {
        final QuicSimHost host;
        final InetSocketAddress peer;
        final QuicConnection connection;
        final PacketProtection floor;
        final int pnOffset;
        final ByteBuffer rx = ByteBuffer.allocateDirect(2048);
        final ByteBuffer copy = ByteBuffer.allocateDirect(2048);
        final OpenedPacket opened = new OpenedPacket();
        final java.util.EnumMap<Delivery, Tally> tallies = new java.util.EnumMap<>(Delivery.class);
        long largestOpened = -1;

        Receiver(QuicSimHost host, InetSocketAddress peer, Session session) {
            this.host = host;
            this.peer = peer;
            this.connection = session.connection;
            RecordingChannel c = session.channel;
            this.floor = PacketProtection.fromSecret(c.suite, connection.version(),
                    c.readSecrets.get(EncryptionLevel.APPLICATION));
            this.pnOffset = 1 + connection.localId().length();
            for (Delivery d : Delivery.values()) {
                tallies.put(d, new Tally());
            }
        }

        void deliver(ByteBuffer datagram, long now, boolean measure, Delivery delivery) {
            ByteBuffer rx = this.rx;
            ByteBuffer copy = this.copy;
            if (delivery == Delivery.FRESH_BUFFER) {
                rx = ByteBuffer.allocate(datagram.remaining());
                copy = ByteBuffer.allocate(datagram.remaining());
            }
            rx.clear();
            rx.put(datagram.duplicate()).flip();
            copy.clear();
            copy.put(datagram.duplicate()).flip();
            long a = allocatedBytes();
            if (delivery == Delivery.ROUTED) {
                host.endpoint.handleDatagram(peer, rx, now);
            } else {
                connection.handleDatagram(rx, now);
            }
            long b = allocatedBytes();
            int n = floor.open(copy, 0, pnOffset, copy.limit(), largestOpened, opened);
            long c = allocatedBytes();
            assertTrue(n >= 0, "the floor opens what the connection opens");
            assertEquals(0, rx.position(), "the receive buffer's position is left alone");
            assertEquals(datagram.remaining(), rx.limit(), "the receive buffer's limit is left alone");
            largestOpened = Math.max(largestOpened, opened.packetNumber());
            if (measure) {
                Tally tally = tallies.get(delivery);
                tally.packets++;
                tally.handled += b - a;
                tally.aead += c - b;
            }
        }
    }

    @Test
    @Timeout(120)
    void steadyStateReceivingAllocatesNothingBeyondTheAead() throws Exception {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        ConnectionPair pair = TlsHandshakes.pair(11).build().connect();
        pair.runUntil(() -> pair.clientSession != null
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && !pair.server.sessions.isEmpty()
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection sender = pair.serverSession().connection;
        Receiver client = new Receiver(pair.client, pair.server.address, pair.clientSession);
        Receiver server = new Receiver(pair.server, pair.client.address, pair.serverSession());
        // From here the two connections are driven by hand, without the simulated network.
        long now = pair.network.now();
        long stream = sender.streams().openStream(false);
        ByteBuffer source = ByteBuffer.allocate(32 * 1024);
        ByteBuffer[] datagrams = new ByteBuffer[256];
        for (int i = 0; i < datagrams.length; i++) {
            datagrams[i] = ByteBuffer.allocate(1500);
        }
        ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
        ByteBuffer out = ByteBuffer.allocate(1500);
        long[] received = {0};

        for (int round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
            boolean measure = round >= WARM_UP_ROUNDS;
            // The last third of the rounds, where each datagram comes in a buffer of its own, comes last:
            // the reused buffer seen again after it would cost one view once more.
            Delivery delivery = round >= WARM_UP_ROUNDS + 2 * ROUNDS / 3 ? Delivery.FRESH_BUFFER
                    : round % 2 == 0 ? Delivery.DIRECT : Delivery.ROUTED;
            now += MS;
            sender.handleTimeout(now);
            client.connection.handleTimeout(now);
            sender.streams().write(stream, source.clear(), false);
            int n = 0;
            while (n < datagrams.length && sender.pollDatagram(datagrams[n].clear(), now) > 0) {
                datagrams[n++].flip();
            }
            for (int i = 0; i < n; i++) {
                client.deliver(datagrams[i], now, measure, delivery);
            }
            drainEvents(client.connection);
            int read;
            while ((read = client.connection.streams().read(stream, sink.clear())) > 0) {
                received[0] += read;
            }
            while (client.connection.pollDatagram(out.clear(), now) > 0) {
                server.deliver(out.flip(), now, measure, delivery);
            }
            drainEvents(sender);
        }
        assertEquals(ConnectionState.CONFIRMED, sender.state());
        assertEquals(ConnectionState.CONFIRMED, client.connection.state());
        assertTrue(received[0] > 20L * 1024 * 1024, "moved " + received[0] + " bytes");
        for (Delivery d : Delivery.values()) {
            report("STREAM packets, " + d, client.tallies.get(d));
            report("ACK packets, " + d, server.tallies.get(d));
        }
        assertTrue(client.tallies.get(Delivery.DIRECT).packets > 10_000, "enough packets");
        for (Delivery d : new Delivery[] {Delivery.DIRECT, Delivery.ROUTED}) {
            assertWithin("STREAM packets " + d, client.tallies.get(d), SLACK_BYTES_PER_PACKET);
            assertWithin("ACK packets " + d, server.tallies.get(d), SLACK_BYTES_PER_PACKET);
        }
        assertWithin("STREAM packets in fresh buffers", client.tallies.get(Delivery.FRESH_BUFFER),
                ONE_VIEW_BYTES + SLACK_BYTES_PER_PACKET);
        assertWithin("ACK packets in fresh buffers", server.tallies.get(Delivery.FRESH_BUFFER),
                ONE_VIEW_BYTES + SLACK_BYTES_PER_PACKET);
    }

    private static void assertWithin(String what, Tally t, double bytesBeyondTheAead) {
        assertTrue(t.handledPerPacket() <= t.aeadPerPacket() + bytesBeyondTheAead,
                "receiving " + what + " allocates " + t.handledPerPacket() + " bytes per packet against "
                        + t.aeadPerPacket() + " for the AEAD alone");
    }

    private static void drainEvents(QuicConnection c) {
        while (c.pollEvent() != null) {
            // connection events are rare; nothing to do with them here
        }
        StreamEvent e;
        do {
            e = c.streams().pollEvent();
        } while (e != null);
    }

    private static void report(String what, Tally t) {
        System.out.printf("receive allocation: %-32s %8d packets, handleDatagram %8.1f B/packet, AEAD alone %8.1f"
                + " B/packet, qsock's own %8.1f B/packet%n", what, t.packets, t.handledPerPacket(), t.aeadPerPacket(),
                t.handledPerPacket() - t.aeadPerPacket());
    }
}
