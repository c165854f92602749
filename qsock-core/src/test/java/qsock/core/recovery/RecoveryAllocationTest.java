package qsock.core.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.AckFrame;
import qsock.core.packet.PacketNumberSpace;

/**
 * Steady-state sending, acknowledging and ACK writing allocate nothing: the sent packet entries come
 * back through the outcome's pool and every range lives in reused arrays. Measured with the JDK's
 * per-thread allocation counter, so the bound is in bytes, not time.
 */
class RecoveryAllocationTest {

    private static final long MS = 1_000_000L;
    private static final int ROUNDS = 20_000;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void sendingAndAcknowledgingAllocatesNothingPerPacket() throws QuicProtocolException {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        AckOutcome out = new AckOutcome();
        // Frames are made up front: decoding them is the frame decoder's cost, not recovery's.
        AckFrame[] acks = new AckFrame[2 * ROUNDS];
        for (int i = 0; i < acks.length; i++) {
            acks[i] = AckFrame.of(0, 2L * i + 1, 2L * i);
        }
        run(d, out, acks, 0, ROUNDS);  // warm-up fills the pools
        long before = allocatedBytes();
        run(d, out, acks, ROUNDS, 2 * ROUNDS);
        long used = allocatedBytes() - before;
        assertTrue(used < 4096, "allocated " + used + " bytes for " + ROUNDS + " round trips");
        assertEquals(0, d.log(PacketNumberSpace.APPLICATION).size());
    }

    private static void run(LossDetector d, AckOutcome out, AckFrame[] acks, int from, int to)
            throws QuicProtocolException {
        for (int i = from; i < to; i++) {
            long t = i * MS;
            d.onPacketSent(PacketNumberSpace.APPLICATION, 2L * i, t, 1200, true, true).setFrames(out);
            d.onPacketSent(PacketNumberSpace.APPLICATION, 2L * i + 1, t, 1200, true, true);
            d.onAckReceived(PacketNumberSpace.APPLICATION, acks[i], 0, t + 20 * MS, out);
        }
    }

    @Test
    void receivingAndWritingAcksAllocatesNothingPerPacket() {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        AckTracker t = new AckTracker(PacketNumberSpace.APPLICATION, 25 * MS);
        ByteBuffer buf = ByteBuffer.allocate(1500);
        receive(t, buf, 0, ROUNDS);
        long before = allocatedBytes();
        receive(t, buf, ROUNDS, 2 * ROUNDS);
        long used = allocatedBytes() - before;
        assertTrue(used < 4096, "allocated " + used + " bytes for " + ROUNDS + " packets");
    }

    private static void receive(AckTracker t, ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            // Every fourth number is missing, so ranges pile up until the cap and ack-of-ack trim them.
            long pn = 4L * i;
            for (long p = pn; p < pn + 3; p++) {
                if (!t.isDuplicate(p)) {
                    t.onPacketReceived(p, true, p * MS);
                }
            }
            if (t.ackNow()) {
                buf.clear();
                t.writeAck(buf, pn * MS, 3);
                t.onAckSent(i);
                if (i % 8 == 0) {
                    t.onOwnPacketAcked(i);
                }
            }
        }
    }
}
