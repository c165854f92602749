package qsock.core.recovery;

/**
 * The packets sent in one packet number space that are neither acknowledged, declared lost nor
 * discarded yet (RFC 9002 Appendix A.1: sent_packets[pn_space]).
 *
 * <p><b>Layout.</b> A ring of slots in increasing packet number order; packet numbers may skip (a
 * sender may skip numbers on purpose, RFC 9000 §21.4). A packet that leaves the log leaves its slot
 * behind as a placeholder, marked acknowledged or not, until every older slot is gone too; then the
 * ring's head moves past it. Loss detection removes every packet at least kPacketThreshold below the
 * largest acknowledged, so only a few placeholders ever wait behind an older live packet. Lookups by
 * packet number are binary searches over the slots.
 *
 * <p><b>Bound.</b> The ring starts small (an idle connection holds a few packets) and doubles up to
 * {@link #MAX_SLOTS} slots. When every slot
 * of the largest ring is taken, {@link #isFull()} is true and {@link #add} throws: the connection must
 * stop sending in this space until acknowledgments or losses free slots.
 *
 * <p><b>Entries.</b> {@link SentPacket} objects come from a pool owned by this log. {@link #add} hands
 * out an entry; when the entry leaves the log it is listed in an {@link AckOutcome}, and returns to
 * the pool when that outcome is cleared.
 *
 * <p>{@link #release()} gives everything back once the space is discarded with its keys (RFC 9002 §6.4).
 *
 * <p>Packets enter through {@link LossDetector#onPacketSent}, which also keeps the loss detection
 * state; calling {@link #add} directly is for tests of this class.
 */
public final class SentPacketLog {

    /** The most slots a log holds: packets in flight or awaiting removal in one space. */
    public static final int MAX_SLOTS = 1 << 16;

    static final int INITIAL_SLOTS = 8;

    /** How many skipped packet number ranges are remembered to catch acknowledgments of them. */
    static final int REMEMBERED_SKIPS = 8;

    static final byte LIVE = 0;
    static final byte ACKED = 1;
    static final byte GONE = 2;

    private long[] pns = new long[INITIAL_SLOTS];
    private SentPacket[] entries = new SentPacket[INITIAL_SLOTS];
    private byte[] states = new byte[INITIAL_SLOTS];
    private int mask = INITIAL_SLOTS - 1;
    private int head;
    private int used;

    private int liveCount;
    private long bytesInFlight;
    private int ackElicitingInFlight;
    private long largestSent = -1;

    // Skipped ranges [skipSmallest[i], skipLargest[i]], a ring of the newest REMEMBERED_SKIPS; made at the first skip.
    private long[] skipSmallest;
    private long[] skipLargest;
    private int skipCount;
    private int skipNext;

    private SentPacket[] pool = new SentPacket[INITIAL_SLOTS];
    private int poolSize;
    /** True once {@link #release()}d: nothing is added any more, and entries coming back are not kept. */
    private boolean released;

    /** Creates an empty log. */
    public SentPacketLog() {}

    /**
     * Records a sent packet and returns its entry, for the caller to {@link SentPacket#setFrames fill}.
     *
     * @param packetNumber the packet number, larger than every packet number added before
     * @param timeSent the send time in nanoseconds
     * @param sentBytes the packet's size (RFC 9002 Appendix A.1.1 sent_bytes)
     * @param ackEliciting whether the packet is ack-eliciting
     * @param inFlight whether it counts towards bytes in flight
     * @throws IllegalArgumentException if the packet number does not increase or the size is negative
     * @throws IllegalStateException if the log {@link #isFull() is full}
     */
    public SentPacket add(long packetNumber, long timeSent, int sentBytes, boolean ackEliciting, boolean inFlight) {
        if (packetNumber <= largestSent || packetNumber < 0) {
            throw new IllegalArgumentException("packet number " + packetNumber + " does not follow " + largestSent);
        }
        if (sentBytes < 0) {
            throw new IllegalArgumentException("negative packet size " + sentBytes);
        }
        if (released) {
            throw new IllegalStateException("sent packet log released");
        }
        if (used == entries.length) {
            if (entries.length == MAX_SLOTS) {
                throw new IllegalStateException("sent packet log full: " + MAX_SLOTS + " slots");
            }
            grow();
        }
        if (packetNumber > largestSent + 1) {
            rememberSkip(largestSent + 1, packetNumber - 1);
        }
        largestSent = packetNumber;
        SentPacket p = poolSize > 0 ? pool[--poolSize] : new SentPacket(this);
        pool[poolSize] = null;
        p.fill(packetNumber, timeSent, sentBytes, ackEliciting, inFlight);
        int slot = (head + used) & mask;
        pns[slot] = packetNumber;
        entries[slot] = p;
        states[slot] = LIVE;
        used++;
        liveCount++;
        if (inFlight) {
            bytesInFlight += sentBytes;
            if (ackEliciting) {
                ackElicitingInFlight++;
            }
        }
        return p;
    }

    /** {@return true if {@link #add} would throw for lack of room} */
    public boolean isFull() {
        return used == MAX_SLOTS;
    }

    /** {@return the number of packets in the log} */
    public int size() {
        return liveCount;
    }

    /** {@return true if the log holds no packet} */
    public boolean isEmpty() {
        return liveCount == 0;
    }

    /** {@return the sum of the sizes of the in-flight packets in the log} */
    public long bytesInFlight() {
        return bytesInFlight;
    }

    /** {@return the number of ack-eliciting in-flight packets in the log} */
    public int ackElicitingInFlight() {
        return ackElicitingInFlight;
    }

    /** {@return the largest packet number ever added, -1 if none} */
    public long largestSent() {
        return largestSent;
    }

    /** {@return the entry of packet {@code packetNumber} if it is still in the log, else null} */
    public SentPacket find(long packetNumber) {
        int i = lowerBound(packetNumber);
        if (i < used && pnAt(i) == packetNumber) {
            return entryAt(i);
        }
        return null;
    }

    /** {@return the oldest packet in the log, or null if it is empty} */
    public SentPacket oldest() {
        return used == 0 ? null : entries[head];
    }

    // ---- package-private access for LossDetector; indices are logical, 0 = head ----

    /** {@return the number of slots in use, live or placeholders} */
    int slots() {
        return used;
    }

    long pnAt(int index) {
        return pns[(head + index) & mask];
    }

    SentPacket entryAt(int index) {
        return entries[(head + index) & mask];
    }

    byte stateAt(int index) {
        return states[(head + index) & mask];
    }

    /** {@return the index of the first slot whose packet number is at least {@code packetNumber}} */
    int lowerBound(long packetNumber) {
        int lo = 0;
        int hi = used;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (pnAt(mid) < packetNumber) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Takes the live entry at {@code index} out of the log, leaving a placeholder marked {@code state};
     * indices stay valid until {@link #trimHead()}.
     */
    SentPacket removeAt(int index, byte state) {
        int slot = (head + index) & mask;
        SentPacket p = entries[slot];
        entries[slot] = null;
        states[slot] = state;
        liveCount--;
        if (p.inFlight) {
            bytesInFlight -= p.sentBytes;
            if (p.ackEliciting) {
                ackElicitingInFlight--;
            }
        }
        return p;
    }

    /** Drops placeholders at the head, which shifts indices. */
    void trimHead() {
        while (used > 0 && entries[head] == null) {
            head = (head + 1) & mask;
            used--;
        }
    }

    /** {@return true if some packet number in {@code [smallest, largest]} was skipped, never sent} */
    boolean overlapsSkipped(long smallest, long largest) {
        for (int i = 0; i < skipCount; i++) {
            if (skipSmallest[i] <= largest && smallest <= skipLargest[i]) {
                return true;
            }
        }
        return false;
    }

    /** Returns an entry handed out in an outcome to the pool. */
    void recycle(SentPacket p) {
        p.frames = null;
        if (released) {
            return;
        }
        if (poolSize == pool.length) {
            if (pool.length >= 2 * MAX_SLOTS) {
                return;  // let the garbage collector have it: the pool is bounded too
            }
            pool = java.util.Arrays.copyOf(pool, pool.length * 2);
        }
        pool[poolSize++] = p;
    }

    /**
     * Gives every array and pooled entry back, for a space discarded with its keys: the log must be empty (its
     * packets taken out as discarded); entries still listed in an outcome are let go when it is cleared.
     *
     * @throws IllegalStateException if packets are still in the log
     */
    public void release() {
        if (used != 0) {
            throw new IllegalStateException("sent packet log still holds " + used + " slots");
        }
        released = true;
        pns = new long[1];
        entries = new SentPacket[1];
        states = new byte[1];
        mask = 0;
        head = 0;
        pool = new SentPacket[0];
        poolSize = 0;
        skipSmallest = null;
        skipLargest = null;
        skipCount = 0;
    }

    private void rememberSkip(long smallest, long largest) {
        if (skipSmallest == null) {
            skipSmallest = new long[REMEMBERED_SKIPS];
            skipLargest = new long[REMEMBERED_SKIPS];
        }
        skipSmallest[skipNext] = smallest;
        skipLargest[skipNext] = largest;
        skipNext = (skipNext + 1) % REMEMBERED_SKIPS;
        skipCount = Math.min(skipCount + 1, REMEMBERED_SKIPS);
    }

    private void grow() {
        int n = entries.length * 2;
        long[] newPns = new long[n];
        SentPacket[] newEntries = new SentPacket[n];
        byte[] newStates = new byte[n];
        for (int i = 0; i < used; i++) {
            int slot = (head + i) & mask;
            newPns[i] = pns[slot];
            newEntries[i] = entries[slot];
            newStates[i] = states[slot];
        }
        pns = newPns;
        entries = newEntries;
        states = newStates;
        mask = n - 1;
        head = 0;
    }

    @Override
    public String toString() {
        return "SentPacketLog[size=" + liveCount + ", slots=" + used + ", bytesInFlight=" + bytesInFlight
                + ", largestSent=" + largestSent + "]";
    }
}
