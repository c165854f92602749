package qsock.core.recovery;

import java.util.Arrays;
import qsock.core.packet.PacketNumberSpace;

/**
 * What one call into {@link LossDetector} found: packets newly acknowledged, declared lost or discarded,
 * the congestion signals they carry, and whether a probe timeout asks for probe packets. A reusable
 * holder: each call clears it first, so one instance serves a connection without allocation.
 *
 * <p><b>Lifetime of the listed entries.</b> The {@link SentPacket}s listed here have left their log. They
 * stay readable until this holder is cleared, by {@link #clear()} or by passing it to the next call;
 * clearing returns them to their log's pool, where a later send may reuse them. Read what you need
 * (typically {@link SentPacket#frames()}) before that.
 *
 * <p>Lists are in increasing packet number order. Byte counts cover in-flight packets only, which is
 * what the congestion controller subtracts from bytes in flight (RFC 9002 Appendix B.5, B.8, B.9).
 */
public final class AckOutcome {

    private final EntryList acked = new EntryList();
    private final EntryList lost = new EntryList();
    private final EntryList discarded = new EntryList();

    PacketNumberSpace space;
    boolean rttSampleTaken;
    boolean ackedAckEliciting;
    boolean persistentCongestion;
    long largestAckedSentTime;
    long ackedBytesInFlight;
    long lostBytesInFlight;
    boolean lostInFlight;
    long newestLostSentTime;
    long discardedBytesInFlight;
    PacketNumberSpace ptoSpace;
    int probeCount;
    boolean antiDeadlock;

    /** Creates an empty holder. */
    public AckOutcome() {}

    /** Empties the holder and returns the listed entries to their logs' pools. */
    public void clear() {
        acked.clear();
        lost.clear();
        discarded.clear();
        space = null;
        rttSampleTaken = false;
        ackedAckEliciting = false;
        persistentCongestion = false;
        largestAckedSentTime = 0;
        ackedBytesInFlight = 0;
        lostBytesInFlight = 0;
        lostInFlight = false;
        newestLostSentTime = 0;
        discardedBytesInFlight = 0;
        ptoSpace = null;
        probeCount = 0;
        antiDeadlock = false;
    }

    /** {@return the packet number space the call concerned, or null if it did nothing} */
    public PacketNumberSpace space() {
        return space;
    }

    // ---- acknowledged ----

    /** {@return how many packets were newly acknowledged} */
    public int ackedCount() {
        return acked.size;
    }

    /** {@return newly acknowledged packet {@code i}, counted from the smallest packet number} */
    public SentPacket acked(int i) {
        return acked.get(i);
    }

    /** {@return whether the acknowledgment produced an RTT sample (RFC 9002 §5.1)} */
    public boolean rttSampleTaken() {
        return rttSampleTaken;
    }

    /** {@return whether an ack-eliciting packet was newly acknowledged} */
    public boolean ackedAckEliciting() {
        return ackedAckEliciting;
    }

    /** {@return the send time of the largest newly acknowledged packet; meaningless if none was} */
    public long largestAckedSentTime() {
        return largestAckedSentTime;
    }

    /** {@return the total size of the newly acknowledged in-flight packets} */
    public long ackedBytesInFlight() {
        return ackedBytesInFlight;
    }

    // ---- lost ----

    /** {@return how many packets were declared lost} */
    public int lostCount() {
        return lost.size;
    }

    /** {@return lost packet {@code i}, counted from the smallest packet number} */
    public SentPacket lost(int i) {
        return lost.get(i);
    }

    /** {@return the total size of the lost in-flight packets} */
    public long lostBytesInFlight() {
        return lostBytesInFlight;
    }

    /**
     * {@return whether an in-flight packet was lost: a congestion event (RFC 9002 Appendix B.8), sent at
     * {@link #newestLostSentTime()}}
     */
    public boolean hasLostInFlight() {
        return lostInFlight;
    }

    /** {@return the latest send time of the lost in-flight packets; meaningless without one} */
    public long newestLostSentTime() {
        return newestLostSentTime;
    }

    /**
     * {@return whether these losses establish persistent congestion (RFC 9002 §7.6.2); the congestion
     * window collapses to the minimum}
     */
    public boolean persistentCongestion() {
        return persistentCongestion;
    }

    // ---- discarded ----

    /** {@return how many packets were discarded with their packet number space (RFC 9002 §6.4)} */
    public int discardedCount() {
        return discarded.size;
    }

    /** {@return discarded packet {@code i}, counted from the smallest packet number} */
    public SentPacket discarded(int i) {
        return discarded.get(i);
    }

    /** {@return the total size of the discarded in-flight packets, to remove from bytes in flight} */
    public long discardedBytesInFlight() {
        return discardedBytesInFlight;
    }

    // ---- probe timeout ----

    /**
     * {@return how many ack-eliciting probe packets to send in {@link #ptoSpace()} (RFC 9002 §6.2.4), 0
     * if no probe timeout fired}
     */
    public int probeCount() {
        return probeCount;
    }

    /** {@return the packet number space to probe in, or null if no probe timeout fired} */
    public PacketNumberSpace ptoSpace() {
        return ptoSpace;
    }

    /**
     * {@return whether the probe is a client's anti-deadlock probe (RFC 9002 §6.2.2.1): a Handshake packet,
     * or an Initial packet in a datagram padded to at least 1200 bytes, with nothing in flight}
     */
    public boolean antiDeadlock() {
        return antiDeadlock;
    }

    // ---- filling, for LossDetector ----

    void addAcked(SentPacket p) {
        acked.add(p);
        if (p.ackEliciting) {
            ackedAckEliciting = true;
        }
        if (p.inFlight) {
            ackedBytesInFlight += p.sentBytes;
        }
    }

    void addLost(SentPacket p) {
        lost.add(p);
        if (p.inFlight) {
            lostBytesInFlight += p.sentBytes;
            if (!lostInFlight || p.timeSent - newestLostSentTime > 0) {
                newestLostSentTime = p.timeSent;
            }
            lostInFlight = true;
        }
    }

    void addDiscarded(SentPacket p) {
        discarded.add(p);
        if (p.inFlight) {
            discardedBytesInFlight += p.sentBytes;
        }
    }

    @Override
    public String toString() {
        return "AckOutcome[space=" + space + ", acked=" + acked.size + ", lost=" + lost.size + ", discarded="
                + discarded.size + (rttSampleTaken ? ", rtt sample" : "")
                + (persistentCongestion ? ", persistent congestion" : "")
                + (probeCount > 0 ? ", pto " + ptoSpace + " x" + probeCount : "") + "]";
    }

    /** A growable array of entries; clearing returns them to their pools. */
    private static final class EntryList {
        SentPacket[] items = new SentPacket[16];
        int size;

        void add(SentPacket p) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = p;
        }

        SentPacket get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException(i);
            }
            return items[i];
        }

        void clear() {
            for (int i = 0; i < size; i++) {
                items[i].owner.recycle(items[i]);
                items[i] = null;
            }
            size = 0;
        }
    }
}
