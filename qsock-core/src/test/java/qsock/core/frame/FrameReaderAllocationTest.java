package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.recovery.AckOutcome;
import qsock.core.recovery.LossDetector;

/**
 * Reading frames with a {@link FrameReader} allocates nothing, and neither does handing its ACK ranges to
 * loss detection: measured with the JDK's per-thread allocation counter, so the bound is in bytes.
 */
class FrameReaderAllocationTest {

    private static final int ROUNDS = 100_000;
    private static final long MS = 1_000_000L;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** A 1-RTT payload as a bulk transfer sees it: an ACK of three ranges, a STREAM frame and padding. */
    private static ByteBuffer payload() {
        ByteBuffer b = ByteBuffer.allocate(1400);
        FrameEncoder.encode(b, AckFrame.of(12, 1_000_000, 999_990, 999_980, 999_900, 999_800, 999_000));
        FrameEncoder.writeStreamHeader(b, 4, 123_456_789, 1100, false, true);
        b.position(b.position() + 1100);
        FrameEncoder.writePadding(b, b.remaining());
        return b.flip();
    }

    @Test
    void readingStreamAckAndPaddingFramesAllocatesNothing() throws QuicProtocolException {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        ByteBuffer payload = payload();
        ByteBuffer view = payload.asReadOnlyBuffer();
        FrameReader reader = new FrameReader();
        long[] sums = new long[1];
        read(reader, payload, view, sums, ROUNDS);  // warm-up: the ACK range array is sized on first use
        long before = allocatedBytes();
        read(reader, payload, view, sums, ROUNDS);
        long used = allocatedBytes() - before;
        assertTrue(used < 1024, "allocated " + used + " bytes for " + ROUNDS + " payloads of three frames");
        assertEquals(2L * ROUNDS * (1_000_000 + 123_456_789 + 1100 + 3), sums[0]);
    }

    private static void read(FrameReader reader, ByteBuffer payload, ByteBuffer view, long[] sums, int rounds)
            throws QuicProtocolException {
        for (int i = 0; i < rounds; i++) {
            payload.position(0);
            long sum = 0;
            while (payload.hasRemaining()) {
                switch (reader.read(payload, PacketType.ONE_RTT)) {
                    case ACK -> sum += reader.largestAcknowledged() + reader.ackRangeCount();
                    case STREAM -> sum += reader.offset() + reader.positionOnData(view).remaining();
                    case PADDING -> { }
                    default -> throw new AssertionError(reader.type());
                }
            }
            sums[0] += sum;
        }
    }

    @Test
    void handingAckRangesToLossDetectionAllocatesNothing() throws QuicProtocolException {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        AckOutcome out = new AckOutcome();
        FrameReader reader = new FrameReader();
        ByteBuffer ack = ByteBuffer.allocate(64);
        acknowledge(d, out, reader, ack, 0, ROUNDS / 10);
        long before = allocatedBytes();
        acknowledge(d, out, reader, ack, ROUNDS / 10, ROUNDS);
        long used = allocatedBytes() - before;
        assertTrue(used < 4096, "allocated " + used + " bytes");
        assertEquals(0, d.log(PacketNumberSpace.APPLICATION).size());
    }

    private static void acknowledge(LossDetector d, AckOutcome out, FrameReader reader, ByteBuffer ack, int from,
            int to) throws QuicProtocolException {
        long[] ranges = new long[2];
        for (int i = from; i < to; i++) {
            long t = i * MS;
            d.onPacketSent(PacketNumberSpace.APPLICATION, 2L * i, t, 1200, true, true);
            d.onPacketSent(PacketNumberSpace.APPLICATION, 2L * i + 1, t, 1200, true, true);
            ranges[0] = 2L * i + 1;
            ranges[1] = 2L * i;
            ack.clear();
            FrameEncoder.writeAckFrame(ack, 0, ranges, 1);
            ack.flip();
            assertSame(FrameType.ACK, reader.read(ack, PacketType.ONE_RTT));
            d.onAckReceived(PacketNumberSpace.APPLICATION, reader.ackRanges(), reader.ackRangeCount(),
                    reader.typeCode(), 0, t + 20 * MS, out);
            assertEquals(2, out.ackedCount());
        }
    }
}
