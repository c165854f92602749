package qsock.core.frame;

import java.util.Arrays;
import java.util.Objects;

/**
 * ACK (RFC 9000 §19.3): the packets of one packet number space that the sender has received, as
 * ranges, and for type 0x03 the ECN counts of that space.
 *
 * <p><b>Range layout.</b> {@code ranges} holds the acknowledged ranges as packet numbers, not as the
 * wire's gaps and lengths, so that loss detection reads them without arithmetic: pairs {@code (largest,
 * smallest)} in descending order, {@code {largest0, smallest0, largest1, smallest1, ...}}. The whole
 * array is non-increasing; {@code ranges[0]} is the Largest Acknowledged, each range is inclusive, and
 * consecutive ranges are separated by at least one unacknowledged packet ({@code smallest(i) - 2 >=
 * largest(i + 1)}), as the wire form requires. For example packets 0-2, 5 and 7-9 are {@code {9, 7, 5,
 * 5, 2, 0}}.
 *
 * <p><b>Allocation.</b> A decoded ACK frame costs this record and one {@code long[]}. The constructor
 * takes {@code ranges} without copying it, so the caller must not change the array afterwards; the
 * {@link #ranges()} accessor returns a copy, and {@link #rangeCount()}, {@link #largest(int)}, {@link
 * #smallest(int)} and {@link #forEachRange(RangeConsumer)} read the ranges without allocating. Senders
 * that keep their own range array write ACK frames with {@link FrameEncoder#writeAckFrame} instead.
 *
 * @param ackDelay the ACK Delay field as sent: microseconds divided by 2^ack_delay_exponent of the
 *     sender's transport parameters (RFC 9000 §19.3); the receiver scales it
 * @param ranges the acknowledged ranges, in the layout above; at least one range
 * @param ecnCounts the ECN counts of an ACK frame of type 0x03, or null for type 0x02
 */
public record AckFrame(long ackDelay, long[] ranges, EcnCounts ecnCounts) implements Frame {

    /**
     * The ECN counts of an ACK frame of type 0x03 (RFC 9000 §19.3.2): totals of packets received with
     * each ECN codepoint in the ACK frame's packet number space.
     *
     * @param ect0 packets received with ECT(0)
     * @param ect1 packets received with ECT(1)
     * @param ecnCe packets received with ECN-CE
     */
    public record EcnCounts(long ect0, long ect1, long ecnCe) {

        /**
         * Checks the counts.
         *
         * @throws IllegalArgumentException if a count is not a varint
         */
        public EcnCounts {
            FrameChecks.varint(ect0, "ect0");
            FrameChecks.varint(ect1, "ect1");
            FrameChecks.varint(ecnCe, "ecnCe");
        }
    }

    /** Receives one acknowledged range; see {@link #forEachRange(RangeConsumer)}. */
    @FunctionalInterface
    public interface RangeConsumer {
        /** Accepts the inclusive range {@code [smallest, largest]}. */
        void accept(long smallest, long largest);
    }

    /**
     * Takes ownership of {@code ranges} (no copy; see the class comment).
     *
     * @throws IllegalArgumentException if the ack delay is not a varint or the ranges break the layout
     */
    public AckFrame {
        FrameChecks.varint(ackDelay, "ackDelay");
        if (ranges.length % 2 != 0) {
            throw new IllegalArgumentException("ACK ranges must be (largest, smallest) pairs: " + ranges.length);
        }
        FrameChecks.ackRanges(ranges, ranges.length / 2);
    }

    /** {@return an ACK frame of type 0x02 over {@code ranges}, given as (largest, smallest) pairs, descending} */
    public static AckFrame of(long ackDelay, long... ranges) {
        return new AckFrame(ackDelay, ranges, null);
    }

    /** {@return a copy of the ranges, (largest, smallest) pairs in descending order} */
    @Override
    public long[] ranges() {
        return ranges.clone();
    }

    /** The ranges without a copy, for the encoder. */
    long[] rangesArray() {
        return ranges;
    }

    /** {@return the largest packet number acknowledged: the Largest Acknowledged field} */
    public long largestAcknowledged() {
        return ranges[0];
    }

    /** {@return the smallest packet number acknowledged} */
    public long smallestAcknowledged() {
        return ranges[ranges.length - 1];
    }

    /** {@return the number of acknowledged ranges, at least 1 (one more than the ACK Range Count field)} */
    public int rangeCount() {
        return ranges.length / 2;
    }

    /** {@return the largest packet number of range {@code index}, ranges counted from the highest} */
    public long largest(int index) {
        return ranges[2 * index];
    }

    /** {@return the smallest packet number of range {@code index}, ranges counted from the highest} */
    public long smallest(int index) {
        return ranges[2 * index + 1];
    }

    /** Gives each acknowledged range to {@code consumer}, highest first, without allocating. */
    public void forEachRange(RangeConsumer consumer) {
        for (int i = 0; i < ranges.length; i += 2) {
            consumer.accept(ranges[i + 1], ranges[i]);
        }
    }

    /** {@return true if the frame acknowledges {@code packetNumber}} */
    public boolean acknowledges(long packetNumber) {
        // Binary search for the first range (highest first) whose smallest is <= packetNumber.
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid + 1] > packetNumber) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return lo < ranges.length / 2 && packetNumber <= ranges[2 * lo];
    }

    @Override
    public FrameType type() {
        return FrameType.ACK;
    }

    @Override
    public long typeCode() {
        return ecnCounts == null ? 0x02 : 0x03;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AckFrame f && ackDelay == f.ackDelay && Arrays.equals(ranges, f.ranges)
                && Objects.equals(ecnCounts, f.ecnCounts);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(ackDelay) * 31 + Arrays.hashCode(ranges)) * 31 + Objects.hashCode(ecnCounts);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("AckFrame[ackDelay=").append(ackDelay).append(", ranges=");
        for (int i = 0; i < ranges.length; i += 2) {
            s.append(i == 0 ? "" : ",").append(ranges[i + 1]).append("..").append(ranges[i]);
        }
        return s.append(", ecnCounts=").append(ecnCounts).append(']').toString();
    }
}
