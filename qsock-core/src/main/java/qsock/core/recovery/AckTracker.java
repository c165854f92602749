package qsock.core.recovery;

import java.nio.ByteBuffer;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.wire.VarInt;

/**
 * The receive side of acknowledgments for one packet number space (RFC 9000 §13.2): which packet
 * numbers arrived, duplicate detection, when an ACK frame is due, and writing it.
 *
 * <p><b>Ranges.</b> Received packet numbers are kept as at most {@code maxRanges} ranges (default
 * {@value #DEFAULT_MAX_RANGES}) in one {@code long[]} laid out as {@link qsock.core.frame.AckFrame}
 * expects, (largest, smallest) pairs in descending order, so the encoder writes them without copying.
 * When a new range would exceed the cap, the range with the smallest packet numbers is dropped (RFC 9000
 * §13.2.3: older ranges are omitted first).
 *
 * <p><b>Floor.</b> RFC 9000 §13.2.3: "A receiver MUST retain an ACK Range unless it can ensure that it
 * will not subsequently accept packets with numbers in that range." Dropping a range at the cap (or
 * discarding the space) raises a floor: every packet number below it counts as a duplicate, including
 * packets never received there. A packet reordered that far behind is discarded and its sender
 * retransmits what it carried.
 *
 * <p><b>Acknowledged ACK frames.</b> Once an ACK frame is acknowledged, its ranges leave later ACK
 * frames (RFC 9000 §13.2.4: "the receiver can stop acknowledging packets less than or equal to the
 * Largest Acknowledged field in the sent ACK frame"): an ACK floor, below which nothing is written.
 * The ranges themselves are kept for duplicate detection, so a packet that arrives after that, still
 * missing below the ACK floor, is accepted and acknowledged (the ACK floor drops to it), not taken for
 * a duplicate. Such a packet is common after a migration: packets sent on the old path arrive after
 * later ones on the new path were acknowledged, and their sender, which keeps per-path loss state (as
 * quiche does), may never declare them lost if they are not acknowledged.
 *
 * <p><b>When to acknowledge</b> (RFC 9000 §13.2.1, §13.2.2). An ack-eliciting packet makes an ACK due:
 * at once in the Initial and Handshake spaces; in the Application Data space at once for the second
 * ack-eliciting packet since the last ACK, for one that arrives out of order or reveals a gap, or for one
 * marked ECN-CE, and otherwise max_ack_delay after the first. {@link #ackNow()} and {@link
 * #ackDeadline()} report it. Packets that are not ack-eliciting never make an ACK due by themselves.
 *
 * <p><b>Sending.</b> {@link #writeAck} writes the frame into a packet being built; {@link #onAckSent}
 * commits it once the packet is really sent, resets the counters and remembers the packet number with
 * the frame's Largest Acknowledged. When the peer acknowledges that packet, {@link #onOwnPacketAcked}
 * (or {@link #onAckOfOurAckFrame} directly) leaves the ranges up to it out of later frames.
 *
 * <p><b>Memory.</b> The arrays start small and grow, at most to the cap, as ranges or sent ACK frames need
 * them: a connection that sits idle holds a range or two. Once they have grown, no method allocates.
 * {@link #discard()} gives them back when the space's keys are discarded (RFC 9001 §4.9).
 */
public final class AckTracker {

    /** The default cap on remembered ranges. */
    public static final int DEFAULT_MAX_RANGES = 32;

    /** RFC 9000 §13.2.2: "A receiver SHOULD send an ACK frame after receiving at least two ack-eliciting packets." */
    public static final int ACK_ELICITING_THRESHOLD = 2;

    /** How many sent ACK frames are remembered for {@link #onOwnPacketAcked}. */
    public static final int REMEMBERED_ACK_FRAMES = 16;

    /** The largest ack_delay_exponent (RFC 9000 §18.2: values above 20 are invalid). */
    public static final int MAX_ACK_DELAY_EXPONENT = 20;

    private static final long NONE = Long.MAX_VALUE;
    /** The ranges the array holds before it first grows. */
    private static final int INITIAL_RANGES = 4;
    /** The sent ACK frames remembered before the ring first grows. */
    private static final int INITIAL_ACK_FRAMES = 4;
    private static final long[] NO_LONGS = new long[0];

    private final PacketNumberSpace space;
    private final long maxAckDelay;
    private final int maxRanges;
    /** Pairs (largest, smallest); room for {@code maxRanges + 1} pairs at most, grown as needed. */
    private long[] ranges;
    private int rangeCount;
    private long floor;
    /** Packet numbers below it are left out of ACK frames (§13.2.4); at least {@link #floor}. */
    private long ackFloor;

    private long largestReceived = -1;
    private long largestReceivedTime;
    /** ECN counts of the packets processed in this space (RFC 9000 §13.4.1). */
    private long ect0Count;
    private long ect1Count;
    private long ceCount;
    private long largestAckEliciting = -1;
    private int ackElicitingSinceAck;
    private boolean newSinceAck;
    private boolean ackNow;
    private long ackDeadline = NONE;

    private long writtenLargest = -1;
    /** A ring of the sent ACK frames, up to {@value #REMEMBERED_ACK_FRAMES}, grown as needed. */
    private long[] sentAckPn = NO_LONGS;
    private long[] sentAckLargest = NO_LONGS;
    private int sentAckHead;
    private int sentAckCount;

    /**
     * Creates a tracker with the default range cap.
     *
     * @param space the packet number space tracked
     * @param maxAckDelayNanos our max_ack_delay transport parameter (used in the Application Data space)
     */
    public AckTracker(PacketNumberSpace space, long maxAckDelayNanos) {
        this(space, maxAckDelayNanos, DEFAULT_MAX_RANGES);
    }

    /**
     * Creates a tracker.
     *
     * @param space the packet number space tracked
     * @param maxAckDelayNanos our max_ack_delay transport parameter (used in the Application Data space)
     * @param maxRanges the most ranges remembered and sent, at least 1
     * @throws IllegalArgumentException if {@code maxRanges} is below 1 or the delay negative
     */
    public AckTracker(PacketNumberSpace space, long maxAckDelayNanos, int maxRanges) {
        if (maxRanges < 1 || maxRanges > 1 << 16) {
            throw new IllegalArgumentException("maxRanges out of range: " + maxRanges);
        }
        if (maxAckDelayNanos < 0) {
            throw new IllegalArgumentException("negative max_ack_delay " + maxAckDelayNanos);
        }
        this.space = java.util.Objects.requireNonNull(space, "space");
        this.maxAckDelay = maxAckDelayNanos;
        this.maxRanges = maxRanges;
        // One spare pair at the cap: an insertion may overflow by one range before the smallest is dropped.
        this.ranges = new long[2 * (Math.min(INITIAL_RANGES, maxRanges) + 1)];
    }

    // ---- receiving ----

    /**
     * {@return true if {@code packetNumber} was already received, or lies below the floor of dropped
     * ranges; such a packet must be discarded (RFC 9000 §12.3)}
     */
    public boolean isDuplicate(long packetNumber) {
        if (packetNumber < floor) {
            return true;
        }
        for (int i = 0; i < rangeCount; i++) {
            if (packetNumber > ranges[2 * i]) {
                return false;
            }
            if (packetNumber >= ranges[2 * i + 1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Counts a processed packet's ECN codepoint (RFC 9000 §13.4.1: per packet, not per datagram), for the ECN counts
     * of the ACK frames this writes: once any is non-zero, they are ACK frames of type 0x03 (§19.3.2).
     */
    public void countEcn(Ecn ecn) {
        switch (ecn) {
            case ECT_0 -> ect0Count++;
            case ECT_1 -> ect1Count++;
            case CE -> ceCount++;
            case NOT_ECT -> { }
        }
    }

    /** {@return the packets counted with ECT(0), ECT(1) and CE, in that order, into a new array (tests)} */
    public long[] ecnCounts() {
        return new long[] {ect0Count, ect1Count, ceCount};
    }

    private boolean reportsEcn() {
        return (ect0Count | ect1Count | ceCount) != 0;
    }

    private int frameLength(long delay, int count) {
        return reportsEcn() ? FrameEncoder.ackEcnFrameLength(delay, ranges, count, ect0Count, ect1Count, ceCount)
                : FrameEncoder.ackFrameLength(delay, ranges, count);
    }

    /** Records a processed packet without an ECN-CE mark; see {@link #onPacketReceived(long, boolean, boolean, long)}. */
    public void onPacketReceived(long packetNumber, boolean ackEliciting, long now) {
        onPacketReceived(packetNumber, ackEliciting, false, now);
    }

    /**
     * Records a packet that was decrypted and processed, and decides whether an ACK is due.
     *
     * @param packetNumber its packet number, which must not be a {@link #isDuplicate duplicate}
     * @param ackEliciting whether it was ack-eliciting
     * @param ecnCe whether it arrived marked ECN-CE (RFC 9000 §13.2.1: acknowledge such packets at once)
     * @param now the time it was received
     * @throws IllegalArgumentException if the packet number is negative or a duplicate
     */
    public void onPacketReceived(long packetNumber, boolean ackEliciting, boolean ecnCe, long now) {
        if (packetNumber < 0 || packetNumber > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("invalid packet number " + packetNumber);
        }
        if (isDuplicate(packetNumber)) {
            throw new IllegalArgumentException("duplicate packet number " + packetNumber);
        }
        int index = insert(packetNumber);
        if (packetNumber < ackFloor) {
            // A late packet in a gap the peer already saw: acknowledged, from it upwards.
            ackFloor = packetNumber;
        }
        if (packetNumber > largestReceived) {
            largestReceived = packetNumber;
            largestReceivedTime = now;
        }
        newSinceAck = true;
        if (!ackEliciting) {
            return;
        }
        ackElicitingSinceAck++;
        boolean immediate;
        if (space != PacketNumberSpace.APPLICATION) {
            // RFC 9000 §13.2.1: "MUST acknowledge all ack-eliciting Initial and Handshake packets immediately".
            immediate = true;
        } else if (ecnCe || ackElicitingSinceAck >= ACK_ELICITING_THRESHOLD) {
            immediate = true;
        } else if (largestAckEliciting >= 0 && packetNumber < largestAckEliciting) {
            // RFC 9000 §13.2.1: smaller than another ack-eliciting packet received: out of order.
            immediate = true;
        } else {
            // RFC 9000 §13.2.1: larger than the largest ack-eliciting packet, with missing packets between.
            // Packet numbers below the floor were handled, so they count as received here.
            long rangeSmallest = index >= 0 ? ranges[2 * index + 1] : packetNumber;
            immediate = largestAckEliciting >= 0 && rangeSmallest > Math.max(largestAckEliciting + 1, floor);
        }
        largestAckEliciting = Math.max(largestAckEliciting, packetNumber);
        if (immediate) {
            ackNow = true;
            ackDeadline = ackDeadline == NONE || now - ackDeadline < 0 ? now : ackDeadline;
        } else if (ackDeadline == NONE) {
            // RFC 9000 §13.2.1: within max_ack_delay of the first unacknowledged ack-eliciting packet.
            ackDeadline = now + maxAckDelay;
        }
    }

    // ---- what is due ----

    /** {@return true if an ACK frame should be sent without delay} */
    public boolean ackNow() {
        return ackNow;
    }

    /**
     * {@return when an ACK frame is due: the time of the triggering packet if {@link #ackNow()}, else
     * max_ack_delay after the first ack-eliciting packet not yet acknowledged; {@link Long#MAX_VALUE} if
     * none is due}
     */
    public long ackDeadline() {
        return ackDeadline;
    }

    /**
     * {@return true if packets arrived since the last ACK frame was sent, so one could be added to an
     * outgoing packet; it need not be sent on its own unless one is due}
     */
    public boolean hasSomethingToAck() {
        return newSinceAck && ackRangeCount() > 0;
    }

    /** {@return the number of ack-eliciting packets received since the last ACK frame was sent} */
    public int ackElicitingSinceLastAck() {
        return ackElicitingSinceAck;
    }

    // ---- writing ----

    /**
     * {@return the length of the ACK frame {@link #writeAck} would write with all ranges and room to
     * spare, 0 if no range is tracked}
     *
     * @throws IllegalArgumentException if the exponent is outside 0..20
     */
    public int ackFrameLength(long now, int ackDelayExponent) {
        int count = ackRangeCount();
        if (count == 0) {
            return 0;
        }
        long delay = ackDelayField(now, ackDelayExponent);
        long smallest = clipLastAckRange(count);
        int length = frameLength(delay, count);
        ranges[2 * count - 1] = smallest;
        return length;
    }

    /**
     * Writes an ACK frame (type 0x02, or 0x03 with the ECN counts once one is non-zero) of the tracked ranges at the buffer's position. If the whole frame
     * does not fit, the ranges with the smallest packet numbers are left out (RFC 9000 §13.2.3). The ACK
     * Delay is the time since the largest packet number was received, in microseconds divided by
     * 2^{@code ackDelayExponent} (RFC 9000 §13.2.5, §19.3). Call {@link #onAckSent} once the packet
     * carrying it is sent.
     *
     * @param ackDelayExponent our ack_delay_exponent transport parameter, the default 3 if we sent none
     *     (RFC 9000 §18.2)
     * @return the bytes written; 0 if there is no range or not even one range fits (nothing written)
     * @throws IllegalArgumentException if the exponent is outside 0..20
     */
    public int writeAck(ByteBuffer buf, long now, int ackDelayExponent) {
        int all = ackRangeCount();
        if (all == 0) {
            return 0;
        }
        long delay = ackDelayField(now, ackDelayExponent);
        long smallest = clipLastAckRange(all);
        try {
            int count = all;
            int length = frameLength(delay, count);
            while (length > buf.remaining() && count > 1) {
                count--;
                length = frameLength(delay, count);
            }
            if (length > buf.remaining()) {
                return 0;
            }
            if (reportsEcn()) {
                // RFC 9000 §13.4.1: the markings received are reported, type 0x03.
                FrameEncoder.writeAckEcnFrame(buf, delay, ranges, count, ect0Count, ect1Count, ceCount);
            } else {
                FrameEncoder.writeAckFrame(buf, delay, ranges, count);
            }
            writtenLargest = ranges[0];
            return length;
        } finally {
            ranges[2 * all - 1] = smallest;
        }
    }

    /** {@return how many ranges, from the highest, reach the ACK floor: those an ACK frame carries} */
    private int ackRangeCount() {
        int n = 0;
        while (n < rangeCount && ranges[2 * n] >= ackFloor) {
            n++;
        }
        return n;
    }

    /**
     * Raises the smallest packet number of the last of {@code count} ranges to the ACK floor, for writing in place;
     * {@return its value before, which the caller puts back}
     */
    private long clipLastAckRange(int count) {
        int at = 2 * count - 1;
        long smallest = ranges[at];
        ranges[at] = Math.max(smallest, ackFloor);
        return smallest;
    }

    /**
     * Commits the ACK frame last written: it went out in packet {@code packetNumber}. Resets what made an
     * ACK due and remembers the packet for {@link #onOwnPacketAcked}.
     *
     * @throws IllegalStateException if no ACK frame was written
     */
    public void onAckSent(long packetNumber) {
        if (writtenLargest < 0) {
            throw new IllegalStateException("no ACK frame written");
        }
        ackElicitingSinceAck = 0;
        newSinceAck = false;
        ackNow = false;
        ackDeadline = NONE;
        if (sentAckCount == sentAckPn.length) {
            if (sentAckCount < REMEMBERED_ACK_FRAMES) {
                growSentAcks();
            } else {
                // The newest frames acknowledge at least as much; losing the oldest costs nothing essential.
                sentAckHead = (sentAckHead + 1) % sentAckPn.length;
                sentAckCount--;
            }
        }
        int slot = (sentAckHead + sentAckCount) % sentAckPn.length;
        sentAckPn[slot] = packetNumber;
        sentAckLargest[slot] = writtenLargest;
        sentAckCount++;
    }

    /**
     * Tells the tracker that the peer acknowledged our packet {@code packetNumber}. If that packet carried
     * one of the last {@value #REMEMBERED_ACK_FRAMES} ACK frames sent, the ranges it covered leave later ACK frames
     * ({@link #onAckOfOurAckFrame}).
     *
     * @return whether the packet carried a remembered ACK frame
     */
    public boolean onOwnPacketAcked(long packetNumber) {
        for (int i = 0; i < sentAckCount; i++) {
            int slot = (sentAckHead + i) % sentAckPn.length;
            if (sentAckPn[slot] > packetNumber) {
                return false;  // packet numbers increase along the queue
            }
            if (sentAckPn[slot] == packetNumber) {
                long largest = sentAckLargest[slot];
                // Older ACK frames covered no more than this one: drop them too.
                sentAckHead = (slot + 1) % sentAckPn.length;
                sentAckCount -= i + 1;
                onAckOfOurAckFrame(largest);
                return true;
            }
        }
        return false;
    }

    /**
     * Leaves every packet number up to {@code largestAckedInThatAckFrame} out of later ACK frames (RFC 9000
     * §13.2.4: "When a packet containing an ACK frame is acknowledged, the receiver can stop acknowledging
     * packets less than or equal to the Largest Acknowledged field in the sent ACK frame"). The ranges stay
     * for duplicate detection: a packet still missing there is accepted if it comes.
     */
    public void onAckOfOurAckFrame(long largestAckedInThatAckFrame) {
        ackFloor = Math.max(ackFloor, largestAckedInThatAckFrame + 1);
    }

    // ---- discarding ----

    /**
     * Forgets every range and sent ACK frame and gives the arrays back, for a space whose keys are discarded
     * (RFC 9001 §4.9): nothing more is received or acknowledged in it. The floor stays, so that a packet of the
     * space that still shows up counts as a duplicate.
     */
    public void discard() {
        if (rangeCount > 0) {
            floor = Math.max(floor, ranges[0] + 1);
        }
        ackFloor = Math.max(ackFloor, floor);
        rangeCount = 0;
        ranges = new long[2];
        sentAckPn = NO_LONGS;
        sentAckLargest = NO_LONGS;
        sentAckHead = 0;
        sentAckCount = 0;
        newSinceAck = false;
        ackNow = false;
        ackElicitingSinceAck = 0;
        ackDeadline = NONE;
    }

    // ---- inspection ----

    /** {@return the largest packet number received, -1 if none; kept even when its range is forgotten} */
    public long largestReceived() {
        return largestReceived;
    }

    /** {@return the receive time of {@link #largestReceived()}} */
    public long largestReceivedTime() {
        return largestReceivedTime;
    }

    /** {@return the number of remembered ranges (some may lie below the {@link #ackFloor() ACK floor})} */
    public int rangeCount() {
        return rangeCount;
    }

    /** {@return the largest packet number of range {@code i}, ranges counted from the highest} */
    public long rangeLargest(int i) {
        checkRange(i);
        return ranges[2 * i];
    }

    /** {@return the smallest packet number of range {@code i}, ranges counted from the highest} */
    public long rangeSmallest(int i) {
        checkRange(i);
        return ranges[2 * i + 1];
    }

    /** {@return the floor: packet numbers below it count as duplicates} */
    public long floor() {
        return floor;
    }

    /** {@return the ACK floor: packet numbers below it are left out of ACK frames} */
    public long ackFloor() {
        return ackFloor;
    }

    /** {@return the packet number space tracked} */
    public PacketNumberSpace space() {
        return space;
    }

    // ---- internals ----

    private void growSentAcks() {
        int n = Math.min(REMEMBERED_ACK_FRAMES, Math.max(INITIAL_ACK_FRAMES, 2 * sentAckPn.length));
        long[] pns = new long[n];
        long[] largest = new long[n];
        for (int i = 0; i < sentAckCount; i++) {
            int slot = (sentAckHead + i) % sentAckPn.length;
            pns[i] = sentAckPn[slot];
            largest[i] = sentAckLargest[slot];
        }
        sentAckPn = pns;
        sentAckLargest = largest;
        sentAckHead = 0;
    }

    private void checkRange(int i) {
        if (i < 0 || i >= rangeCount) {
            throw new IndexOutOfBoundsException(i);
        }
    }

    /** The ACK Delay field: microseconds since the largest packet arrived, scaled down (RFC 9000 §19.3). */
    private long ackDelayField(long now, int ackDelayExponent) {
        if (ackDelayExponent < 0 || ackDelayExponent > MAX_ACK_DELAY_EXPONENT) {
            throw new IllegalArgumentException("ack_delay_exponent out of range: " + ackDelayExponent);
        }
        long micros = Math.max(0, now - largestReceivedTime) / 1000;
        return Math.min(micros >> ackDelayExponent, VarInt.MAX_VALUE);
    }

    /**
     * Inserts a new packet number into the ranges and returns the index of the range holding it, or -1 if
     * that range was dropped at once for being the smallest beyond the cap.
     */
    private int insert(long pn) {
        // i: the first range lying wholly below pn; ranges before it lie wholly above.
        int i = 0;
        while (i < rangeCount && ranges[2 * i] > pn) {
            i++;
        }
        boolean joinsAbove = i > 0 && ranges[2 * (i - 1) + 1] == pn + 1;
        boolean joinsBelow = i < rangeCount && ranges[2 * i] == pn - 1;
        if (joinsAbove && joinsBelow) {
            ranges[2 * (i - 1) + 1] = ranges[2 * i + 1];
            System.arraycopy(ranges, 2 * (i + 1), ranges, 2 * i, 2 * (rangeCount - i - 1));
            rangeCount--;
            return i - 1;
        }
        if (joinsAbove) {
            ranges[2 * (i - 1) + 1] = pn;
            return i - 1;
        }
        if (joinsBelow) {
            ranges[2 * i] = pn;
            return i;
        }
        if (2 * (rangeCount + 1) > ranges.length) {
            // Up to the cap and its spare pair: past the cap the smallest range is dropped below.
            ranges = java.util.Arrays.copyOf(ranges, 2 * (Math.min(2 * rangeCount, maxRanges) + 1));
        }
        System.arraycopy(ranges, 2 * i, ranges, 2 * (i + 1), 2 * (rangeCount - i));
        ranges[2 * i] = pn;
        ranges[2 * i + 1] = pn;
        rangeCount++;
        if (rangeCount > maxRanges) {
            // RFC 9000 §13.2.3: drop the oldest range and never accept packets in it again.
            rangeCount--;
            floor = Math.max(floor, ranges[2 * rangeCount] + 1);
            ackFloor = Math.max(ackFloor, floor);
            return i == rangeCount ? -1 : i;
        }
        return i;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("AckTracker[").append(space).append(", ranges=");
        for (int i = 0; i < rangeCount; i++) {
            s.append(i == 0 ? "" : ",").append(ranges[2 * i + 1]).append("..").append(ranges[2 * i]);
        }
        return s.append(", floor=").append(floor).append(", ackFloor=").append(ackFloor).append(ackNow ? ", ack now" : "").append(']').toString();
    }
}
