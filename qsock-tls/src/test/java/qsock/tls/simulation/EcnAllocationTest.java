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
import qsock.core.packet.Ecn;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.stream.StreamEvent;

/**
 * ECN costs no allocation per packet: a steady bulk transfer between two connections driven by hand (as in {@link
 * SendAllocationTest}) allocates as much per packet with ECN in use (every datagram marked, its codepoint handed in,
 * counted, reported in ACK frames of type 0x03 and checked on each ACK) as without, within a few bytes of slack for
 * the amortised growth of reused arrays. Both runs seal with the same AEAD, so its garbage cancels out.
 */
class EcnAllocationTest {

    private static final int WARM_UP_ROUNDS = 400;
    private static final int ROUNDS = 800;
    private static final double SLACK_BYTES_PER_PACKET = 8;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** What one run measured: packets polled and handled, and the bytes their calls allocated. */
    private record Run(long packets, long bytes, boolean validated, long countedEct0) {
        double perPacket() {
            return (double) bytes / packets;
        }
    }

    private static Run run(boolean ecn) throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(17).ecn(ecn).build().connect();
        pair.runUntil(() -> pair.clientSession != null
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && !pair.server.sessions.isEmpty()
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection server = pair.serverConnection();
        QuicConnection client = pair.clientConnection();
        long now = pair.network.now();
        long stream = server.streams().openStream(false);
        ByteBuffer source = ByteBuffer.allocate(32 * 1024);
        ByteBuffer[] datagrams = new ByteBuffer[256];
        Ecn[] marks = new Ecn[256];
        for (int i = 0; i < datagrams.length; i++) {
            datagrams[i] = ByteBuffer.allocate(1500);
        }
        ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
        long packets = 0;
        long bytes = 0;
        for (int round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
            boolean measure = round >= WARM_UP_ROUNDS;
            now += MS;
            server.handleTimeout(now);
            client.handleTimeout(now);
            server.streams().write(stream, source.clear(), false);
            for (QuicConnection[] pairOf : new QuicConnection[][] {{server, client}, {client, server}}) {
                QuicConnection from = pairOf[0];
                QuicConnection to = pairOf[1];
                int n = 0;
                long a = allocatedBytes();
                while (n < datagrams.length && from.pollDatagram(datagrams[n].clear(), now) > 0) {
                    marks[n] = from.lastDatagramEcn();
                    datagrams[n].flip();
                    n++;
                }
                for (int i = 0; i < n; i++) {
                    if (ecn) {
                        to.setReceivedEcn(marks[i]);
                    }
                    to.handleDatagram(datagrams[i], now);
                }
                long z = allocatedBytes();
                if (measure) {
                    packets += n;
                    bytes += z - a;
                }
                drain(to);
                if (to == client) {
                    while (client.streams().read(stream, sink.clear()) > 0) {
                        // the bytes themselves do not matter
                    }
                }
            }
        }
        assertEquals(ConnectionState.CONFIRMED, server.state());
        return new Run(packets, bytes, server.ecnValidated() && client.ecnValidated(),
                client.ecnCountsReceived(qsock.core.packet.PacketNumberSpace.APPLICATION)[0]);
    }

    private static void drain(QuicConnection c) {
        while (c.pollEvent() != null) {
            // rare; nothing to do with them here
        }
        StreamEvent e;
        do {
            e = c.streams().pollEvent();
        } while (e != null);
    }

    @Test
    @Timeout(120)
    void ecnAddsNoAllocationPerPacket() throws Exception {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        Run without = run(false);
        Run with = run(true);
        System.out.printf("ecn allocation: without %d packets %.1f B/packet, with %d packets %.1f B/packet%n",
                without.packets(), without.perPacket(), with.packets(), with.perPacket());
        assertTrue(with.validated(), "ECN in use on both sides");
        assertTrue(with.countedEct0() > 5_000, "the marks were counted: " + with.countedEct0());
        assertTrue(with.packets() > 5_000 && without.packets() > 5_000, "enough packets");
        assertTrue(with.perPacket() <= without.perPacket() + SLACK_BYTES_PER_PACKET,
                "ECN allocates " + (with.perPacket() - without.perPacket()) + " bytes per packet");
    }
}
