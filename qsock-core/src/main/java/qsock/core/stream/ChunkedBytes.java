package qsock.core.stream;

import java.nio.ByteBuffer;

/**
 * Bytes addressed by absolute stream offset, held in fixed-size chunks that are allocated when data first
 * lands in them and recycled once everything below them is released. The chunks sit in a ring indexed by
 * chunk number, so lookups are a shift and a mask.
 *
 * <p>Only the window between the release point and the highest byte written is held; its length is
 * bounded by the owner (send buffer capacity, flow-control window), which keeps the ring bounded too.
 */
final class ChunkedBytes {

    /** Released chunks kept for reuse when the owner does not say how many it may hold at once. */
    private static final int DEFAULT_MAX_SPARE = 2;
    /**
     * The most spares any buffer keeps: 1024 chunks of 16 KiB, 16 MiB, the largest stream window the default
     * configuration grows to; a buffer never holds more spares than its window at its fullest.
     */
    private static final int SPARE_CAP = 1024;
    private static final byte[][] NO_SPARES = new byte[0][];

    private final int chunkShift;
    private final int chunkSize;
    private final int chunkMask;
    private byte[][] ring;
    private long baseChunk;
    private byte[][] spare;
    private int spareCount;
    /** Chunks in the ring, holding bytes of the window. */
    private int inUse;

    /** @param chunkSize bytes per chunk, a power of two */
    ChunkedBytes(int chunkSize) {
        this(chunkSize, DEFAULT_MAX_SPARE);
    }

    /**
     * Storage for a window of about {@code span} bytes: chunks sized for it, and as many released chunks kept
     * for reuse as the window holds, so that a buffer acknowledged (or read) a burst at a time and filled
     * again allocates nothing in steady state. The spares never exceed what the buffer held at its fullest.
     */
    static ChunkedBytes forSpan(long span) {
        int chunkSize = chunkSizeFor(span);
        long chunks = (span + chunkSize - 1) / chunkSize;
        return new ChunkedBytes(chunkSize, (int) Math.clamp(chunks, DEFAULT_MAX_SPARE, SPARE_CAP));
    }

    /**
     * @param chunkSize bytes per chunk, a power of two
     * @param maxSpare released chunks kept for reuse
     */
    ChunkedBytes(int chunkSize, int maxSpare) {
        this.spare = new byte[maxSpare][];
        if (chunkSize <= 0 || Integer.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunk size must be a power of two: " + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
        this.chunkMask = chunkSize - 1;
        this.ring = new byte[4][];
    }

    /** {@return the chunk size for a store that holds up to {@code span} bytes at once} */
    static int chunkSizeFor(long span) {
        long size = Math.min(Math.max(span, 256), 16 * 1024);
        return Integer.highestOneBit((int) size);
    }

    /**
     * Copies {@code length} bytes of {@code src} from absolute index {@code srcIndex} to {@code offset} on;
     * the source's position does not move.
     */
    void put(long offset, ByteBuffer src, int srcIndex, int length) {
        if (offset < baseChunk << chunkShift) {
            throw new IllegalArgumentException("offset " + offset + " is below the released point");
        }
        while (length > 0) {
            byte[] chunk = chunkFor(offset, true);
            int at = (int) (offset & chunkMask);
            int n = Math.min(length, chunkSize - at);
            src.get(srcIndex, chunk, at, n);
            srcIndex += n;
            offset += n;
            length -= n;
        }
    }

    /** Copies {@code length} bytes from {@code offset} on into {@code dst} at its position, advancing it. */
    void get(long offset, ByteBuffer dst, int length) {
        if (offset < baseChunk << chunkShift) {
            throw new IllegalArgumentException("offset " + offset + " is below the released point");
        }
        while (length > 0) {
            byte[] chunk = chunkFor(offset, false);
            int at = (int) (offset & chunkMask);
            int n = Math.min(length, chunkSize - at);
            if (chunk == null) {
                throw new IllegalStateException("no bytes stored at offset " + offset);
            }
            dst.put(chunk, at, n);
            offset += n;
            length -= n;
        }
    }

    /**
     * Lets the buffer keep as many released chunks as a window of {@code span} bytes holds (up to the cap),
     * for an owner whose window grew: a receive window auto-tuned from 1 MiB to 16 MiB would otherwise
     * allocate most of its chunks anew on every pass.
     */
    void allowSparesFor(long span) {
        long chunks = Math.min((span + chunkSize - 1) / chunkSize, SPARE_CAP);
        if (chunks > spare.length) {
            spare = java.util.Arrays.copyOf(spare, (int) chunks);
        }
    }

    /**
     * Drops the released chunks kept for reuse, and keeps none from now on: for an owner that will add no more
     * bytes (a stream whose end is queued, or reset), whose chunks only wait to be released.
     */
    void stopKeepingSpares() {
        spare = NO_SPARES;
        spareCount = 0;
    }

    /** {@return the chunks allocated and held now, in the window and in reserve} */
    int chunksHeld() {
        return inUse + spareCount;
    }

    /** {@return the bytes of the chunks {@link #chunksHeld() held}} */
    long bytesHeld() {
        return (long) chunksHeld() * chunkSize;
    }

    /** Releases every chunk that lies wholly below {@code offset}. */
    void releaseBelow(long offset) {
        long firstKept = offset >>> chunkShift;
        long last = Math.min(firstKept, baseChunk + ring.length);
        for (long c = baseChunk; c < last; c++) {
            int slot = (int) (c & (ring.length - 1));
            release(ring[slot]);
            ring[slot] = null;
        }
        if (firstKept > baseChunk) {
            baseChunk = firstKept;
        }
    }

    /** Releases every chunk. */
    void releaseAll() {
        for (int i = 0; i < ring.length; i++) {
            release(ring[i]);
            ring[i] = null;
        }
    }

    private void release(byte[] chunk) {
        if (chunk == null) {
            return;
        }
        inUse--;
        if (spareCount < spare.length) {
            spare[spareCount++] = chunk;
        }
    }

    private byte[] chunkFor(long offset, boolean create) {
        long c = offset >>> chunkShift;
        if (c - baseChunk >= ring.length) {
            if (!create) {
                return null;
            }
            grow(c - baseChunk + 1);
        }
        int slot = (int) (c & (ring.length - 1));
        byte[] chunk = ring[slot];
        if (chunk == null && create) {
            if (spareCount > 0) {
                chunk = spare[--spareCount];
                spare[spareCount] = null;
            } else {
                chunk = new byte[chunkSize];
            }
            ring[slot] = chunk;
            inUse++;
        }
        return chunk;
    }

    private void grow(long chunksNeeded) {
        if (chunksNeeded > 1 << 24) {
            throw new IllegalStateException("chunk ring would exceed 2^24 chunks");
        }
        int capacity = ring.length;
        while (capacity < chunksNeeded) {
            capacity <<= 1;
        }
        byte[][] bigger = new byte[capacity][];
        for (long c = baseChunk; c < baseChunk + ring.length; c++) {
            bigger[(int) (c & (capacity - 1))] = ring[(int) (c & (ring.length - 1))];
        }
        ring = bigger;
    }
}
