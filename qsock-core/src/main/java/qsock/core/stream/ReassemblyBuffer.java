package qsock.core.stream;

import java.nio.ByteBuffer;

/**
 * Reassembles an ordered byte stream (a STREAM's receive half, or CRYPTO data at one encryption level)
 * from pieces that arrive out of order, duplicated or overlapping, and hands it out in order.
 *
 * <p>The caller bounds the stream with {@link #setLimit}: the flow-control limit for a STREAM, the
 * buffering cap for CRYPTO. Data past the limit is the peer's error, which the caller checks and reports
 * before calling {@link #insert}; the buffer only refuses it as a caller bug. Storage is chunked and only
 * spans the bytes between {@link #readOffset()} and the highest byte received, so memory is bounded by
 * the limit's distance from the read point. Bytes already held are never copied or stored again.
 *
 * <p>The received ranges are capped (a peer sending every other byte would otherwise grow them with the
 * window): an insertion that would need more ranges stores nothing and returns {@link #TOO_FRAGMENTED}.
 */
public final class ReassemblyBuffer {

    /** {@link #insert} returns this when the data would need more received ranges than the cap. */
    public static final int TOO_FRAGMENTED = -1;

    /** The default cap on received ranges. */
    public static final int DEFAULT_MAX_RANGES = 1024;

    private final ChunkedBytes store;
    private final RangeSet received;
    private long readOffset;
    private long limit;

    /**
     * @param limit the first offset data may not reach, initially
     * @param maxRanges the cap on received ranges
     * @throws IllegalArgumentException if {@code limit} is negative or {@code maxRanges} not positive
     */
    public ReassemblyBuffer(long limit, int maxRanges) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative limit: " + limit);
        }
        this.limit = limit;
        this.received = new RangeSet(maxRanges);
        this.store = ChunkedBytes.forSpan(limit);
    }

    /** A buffer with {@link #DEFAULT_MAX_RANGES}. */
    public ReassemblyBuffer(long limit) {
        this(limit, DEFAULT_MAX_RANGES);
    }

    /**
     * {@return the bytes of storage this buffer holds now: its chunks, in use and kept for reuse} What a peer can make
     * a receiver keep for one stream (RFC 9000 §21.7), bounded by the limit's distance from the read point plus a
     * chunk.
     */
    public long bytesHeld() {
        return store.bytesHeld();
    }

    /** {@return the received ranges held now, at most the cap given at construction} */
    public int rangeCount() {
        return received.size();
    }

    /** {@return the offset of the next byte {@link #read} hands out} */
    public long readOffset() {
        return readOffset;
    }

    /** {@return the end of the bytes received without a gap from the start} */
    public long contiguousEnd() {
        if (!received.isEmpty() && received.start(0) <= readOffset) {
            return Math.max(readOffset, received.end(0));
        }
        return readOffset;
    }

    /** {@return the offset after the highest byte received, or the read offset if higher} */
    public long highestReceived() {
        return Math.max(readOffset, received.max());
    }

    /** {@return the number of bytes {@link #read} can hand out now} */
    public long readable() {
        return contiguousEnd() - readOffset;
    }

    /** {@return the first offset data may not reach} */
    public long limit() {
        return limit;
    }

    /**
     * Moves the limit; it never moves down.
     *
     * @throws IllegalArgumentException if {@code limit} is below the current one
     */
    public void setLimit(long limit) {
        if (limit < this.limit) {
            throw new IllegalArgumentException("the limit cannot move down: " + limit + " < " + this.limit);
        }
        this.limit = limit;
        store.allowSparesFor(limit - readOffset);
    }

    /**
     * Stores the bytes of {@code data} (position to limit, which is consumed) as the stream bytes from
     * {@code offset} on, skipping bytes already received.
     *
     * @return the number of new bytes stored, or {@link #TOO_FRAGMENTED} (nothing stored)
     * @throws IllegalArgumentException if the data would reach past {@link #limit()}
     */
    public int insert(long offset, ByteBuffer data) {
        int length = data.remaining();
        long end = offset + length;
        if (offset < 0 || end > limit) {
            throw new IllegalArgumentException("data [" + offset + ", " + end + ") past the limit " + limit);
        }
        long start = Math.max(offset, readOffset);
        if (start >= end) {
            data.position(data.limit());
            return 0;
        }
        if (received.containsAll(start, end)) {
            data.position(data.limit());
            return 0;
        }
        int touching = received.firstEndingAfter(start - 1);
        if ((touching == received.size() || received.start(touching) > end)
                && received.size() == received.maxRanges()) {
            return TOO_FRAGMENTED;
        }
        // Copy only the gaps of [start, end) between the ranges already held.
        int stored = 0;
        long pos = start;
        int a = received.firstEndingAfter(pos);
        while (pos < end) {
            if (a < received.size() && received.start(a) <= pos) {
                pos = received.end(a);
                a++;
                continue;
            }
            long gapEnd = a < received.size() ? Math.min(end, received.start(a)) : end;
            int n = (int) (gapEnd - pos);
            store.put(pos, data, data.position() + (int) (pos - offset), n);
            stored += n;
            pos = gapEnd;
        }
        received.add(start, end);
        data.position(data.limit());
        return stored;
    }

    /**
     * Copies in-order bytes into {@code dst} from its position, advancing both it and {@link #readOffset()}.
     *
     * @return the number of bytes copied, 0 if none is ready
     */
    public int read(ByteBuffer dst) {
        int n = (int) Math.min(dst.remaining(), readable());
        if (n > 0) {
            store.get(readOffset, dst, n);
            readOffset += n;
            store.releaseBelow(readOffset);
        }
        return n;
    }

    /** Drops every byte held and moves the read point to {@code offset} (a reset stream's final size). */
    public void discard(long offset) {
        store.releaseAll();
        received.clear();
        readOffset = Math.max(readOffset, offset);
        store.releaseBelow(readOffset);
    }

    @Override
    public String toString() {
        return "ReassemblyBuffer[read=" + readOffset + ", received=" + received + ", limit=" + limit + "]";
    }
}
