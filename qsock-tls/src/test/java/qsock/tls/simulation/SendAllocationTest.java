package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.RecordingChannel;
import qsock.core.sim.quic.Session;
import qsock.core.stream.StreamEvent;

/**
 * Steady-state sending allocates nothing of qsock's own beyond what the JDK's AEAD allocates to seal: a server sends
 * a one-stream bulk transfer to a client (STREAM packets), the client acknowledges (ACK packets), both connections
 * established by the real TLS engine. The allocation counter of this thread is read around each {@code pollDatagram}
 * that wrote a datagram, and around sealing a packet of the same length with an independent {@link PacketProtection}
 * made from the recorded secret: the AEAD's own cost, the floor. Every packet goes through the connection's one
 * packet builder, so this is the builder's cost too.
 */
class SendAllocationTest {

    private static final int WARM_UP_ROUNDS = 400;
    private static final int ROUNDS = 1_000;
    /** Slack per packet for the amortised growth of reused arrays and queues. */
    private static final double SLACK_BYTES_PER_PACKET = 8;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** One sending side: its connection, its AEAD floor and its tally. */
    private static final class Sender {
        final QuicConnection connection;
        final PacketProtection floor;
        final ByteBuffer scratch = ByteBuffer.allocate(2048);
        long floorPacketNumber;
        long packets;
        long polled;
        long aead;

        Sender(Session session) {
            this.connection = session.connection;
            RecordingChannel c = session.channel;
            this.floor = PacketProtection.fromSecret(c.suite, connection.version(),
                    c.writeSecrets.get(EncryptionLevel.APPLICATION));
        }

        /** Polls datagrams into {@code out} until none is left, each handed to {@code sink}. */
        int poll(ByteBuffer[] out, long now, boolean measure) {
            int n = 0;
            while (n < out.length) {
                ByteBuffer b = out[n].clear();
                long a = allocatedBytes();
                int length = connection.pollDatagram(b, now);
                long z = allocatedBytes();
                if (length == 0) {
                    break;
                }
                b.flip();
                n++;
                if (measure) {
                    packets++;
                    polled += z - a;
                    aead += sealFloor(length);
                }
            }
            return n;
        }

        /** {@return the bytes sealing one 1-RTT packet of {@code length} bytes allocates} */
        private long sealFloor(int length) {
            ByteBuffer s = scratch.clear();
            long pn = floorPacketNumber++;
            int pnOffset = PacketHeaderWriter.writeShortHeader(s, connection.peerId(), false, false, pn, 4, true);
            int payloadEnd = length - 16;
            long a = allocatedBytes();
            floor.seal(s, 0, pnOffset, 4, pn, payloadEnd);
            return allocatedBytes() - a;
        }

        double polledPerPacket() {
            return (double) polled / packets;
        }

        double aeadPerPacket() {
            return (double) aead / packets;
        }
    }

    @Test
    @Timeout(120)
    void steadyStateSendingAllocatesNothingBeyondTheAead() throws Exception {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        ConnectionPair pair = TlsHandshakes.pair(17).build().connect();
        pair.runUntil(() -> pair.clientSession != null
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && !pair.server.sessions.isEmpty()
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        Sender server = new Sender(pair.serverSession());
        Sender client = new Sender(pair.clientSession);
        // From here the two connections are driven by hand, without the simulated network.
        long now = pair.network.now();
        long stream = server.connection.streams().openStream(false);
        ByteBuffer source = ByteBuffer.allocate(32 * 1024);
        ByteBuffer[] datagrams = new ByteBuffer[256];
        for (int i = 0; i < datagrams.length; i++) {
            datagrams[i] = ByteBuffer.allocate(1500);
        }
        ByteBuffer[] acks = new ByteBuffer[64];
        for (int i = 0; i < acks.length; i++) {
            acks[i] = ByteBuffer.allocate(1500);
        }
        ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
        long received = 0;
        for (int round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
            boolean measure = round >= WARM_UP_ROUNDS;
            now += MS;
            server.connection.handleTimeout(now);
            client.connection.handleTimeout(now);
            server.connection.streams().write(stream, source.clear(), false);
            int n = server.poll(datagrams, now, measure);
            for (int i = 0; i < n; i++) {
                client.connection.handleDatagram(datagrams[i], now);
            }
            drainEvents(client.connection);
            int read;
            while ((read = client.connection.streams().read(stream, sink.clear())) > 0) {
                received += read;
            }
            int m = client.poll(acks, now, measure);
            for (int i = 0; i < m; i++) {
                server.connection.handleDatagram(acks[i], now);
            }
            drainEvents(server.connection);
        }
        assertEquals(ConnectionState.CONFIRMED, server.connection.state());
        assertEquals(ConnectionState.CONFIRMED, client.connection.state());
        assertTrue(received > 10L * 1024 * 1024, "moved " + received + " bytes");
        report("STREAM packets", server);
        report("ACK packets", client);
        assertTrue(server.packets > 5_000 && client.packets > 100, "enough packets");
        assertWithin("STREAM packets", server);
        assertWithin("ACK packets", client);
    }

    private static void assertWithin(String what, Sender s) {
        assertTrue(s.polledPerPacket() <= s.aeadPerPacket() + SLACK_BYTES_PER_PACKET,
                "sending " + what + " allocates " + s.polledPerPacket() + " bytes per packet against "
                        + s.aeadPerPacket() + " for the AEAD alone");
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

    private static void report(String what, Sender s) {
        System.out.printf("send allocation: %-16s %8d packets, pollDatagram %8.1f B/packet, AEAD alone %8.1f"
                + " B/packet, qsock's own %8.1f B/packet%n", what, s.packets, s.polledPerPacket(), s.aeadPerPacket(),
                s.polledPerPacket() - s.aeadPerPacket());
    }
}
