package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The byte stores allocate nothing per call once warm: chunks are recycled and range arrays reused. Measured
 * with the JVM's per-thread allocation counter, where it has one.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SteadyStateAllocationTest {

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().threadId());
    }

    private static boolean counterAvailable() {
        return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled();
    }

    @Test
    void sendBufferCyclesWithoutAllocating() {
        assumeTrue(counterAvailable());
        SendBuffer b = new SendBuffer(64 << 10);
        ByteBuffer src = ByteBuffer.allocate(1200);
        ByteBuffer packet = ByteBuffer.allocate(1500);
        cycle(b, src, packet, 20_000);
        long before = allocatedBytes();
        cycle(b, src, packet, 20_000);
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 16 << 10, "allocated " + allocated + " bytes for 24 MB through the buffer");
    }

    /** Appends, sends in two frames, loses one in eight and acknowledges the rest, out of order. */
    private static void cycle(SendBuffer b, ByteBuffer src, ByteBuffer packet, int rounds) {
        for (int i = 0; i < rounds; i++) {
            src.clear();
            b.append(src);
            long pending = -1;
            int pendingLength = 0;
            boolean loseOne = (i & 7) == 0;
            for (long off; (off = b.nextSendOffset()) >= 0; ) {
                int len = (int) Math.min(b.nextSendEnd() - off, 700);
                packet.clear();
                b.write(packet, off, len);
                b.onSent(off, len);
                if (loseOne) {
                    loseOne = false;
                    b.onLost(off, len);
                } else if (pending < 0) {
                    pending = off;
                    pendingLength = len;
                } else {
                    b.onAcked(off, len);
                }
            }
            if (pending >= 0) {
                b.onAcked(pending, pendingLength);
            }
        }
    }

    @Test
    void reassemblyBufferCyclesWithoutAllocating() {
        assumeTrue(counterAvailable());
        ReassemblyBuffer b = new ReassemblyBuffer(Long.MAX_VALUE / 2);
        ByteBuffer piece = ByteBuffer.allocate(1000);
        ByteBuffer dst = ByteBuffer.allocate(4000);
        long[] offset = {0};
        receive(b, piece, dst, offset, 20_000);
        long before = allocatedBytes();
        receive(b, piece, dst, offset, 20_000);
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 16 << 10, "allocated " + allocated + " bytes for 60 MB through the buffer");
    }

    /** Three pieces per round, the middle one arriving last and once more as a duplicate. */
    private static void receive(ReassemblyBuffer b, ByteBuffer piece, ByteBuffer dst, long[] offset, int rounds) {
        for (int i = 0; i < rounds; i++) {
            long base = offset[0];
            b.insert(base, piece.clear());
            b.insert(base + 2000, piece.clear());
            b.insert(base + 1000, piece.clear());
            b.insert(base + 1000, piece.clear());
            dst.clear();
            b.read(dst);
            offset[0] = base + 3000;
        }
    }
}
