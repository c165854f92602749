package qsock.core.stream;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Bytes queued for sending on one ordered byte stream (a STREAM's send half, or CRYPTO data at one
 * encryption level), addressed by offset from the stream's start.
 *
 * <p>Three offsets split the stream: everything below {@link #ackedOffset()} has been acknowledged and its
 * storage released; {@link #sendOffset()} is the next byte never sent; {@link #writeOffset()} is the end
 * of what the application appended. Between the first and the second, a {@link RangeSet} holds the
 * acknowledged ranges above the acknowledged prefix, another the ranges declared lost and waiting to be
 * sent again. {@link #nextSendOffset()} offers lost data first, then new data.
 *
 * <p>At most {@link #capacity()} bytes, acknowledged prefix excluded, are held. Storage is chunked, allocated
 * as bytes arrive (a new buffer holds no chunk of data, whatever its capacity) and recycled, so a buffer in
 * steady state allocates nothing, even one that drains between writes; once {@linkplain #finish() finished}
 * or {@linkplain #discard() discarded} it keeps no chunk for reuse. The range sets are capped; when the peer's
 * acknowledgements fragment them past the cap, the buffer errs on the side of sending again: a range it
 * cannot record as acknowledged is treated as lost, and lost ranges are merged across their gaps.
 *
 * <p>Besides bytes copied in, the buffer holds regions of files ({@link #appendFile}): they count against the
 * capacity like copied bytes, but their bytes are read from the file into the packet when it is built, every
 * time they are sent.
 */
public final class SendBuffer {

    /** The default cap on acknowledged and on lost ranges. */
    public static final int DEFAULT_MAX_RANGES = 64;

    private final int capacity;
    private final ChunkedBytes store;
    private final RangeSet acked;
    private final RangeSet lost;
    private long ackedOffset;
    private long sendOffset;
    private long writeOffset;
    /** The file regions held, created at the first {@link #appendFile}. */
    private FileRegions regions;

    /**
     * A buffer of {@code capacity} bytes with {@link #DEFAULT_MAX_RANGES} ranges.
     *
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public SendBuffer(int capacity) {
        this(capacity, DEFAULT_MAX_RANGES);
    }

    /**
     * @param capacity the most unacknowledged bytes held
     * @param maxRanges the cap on each of the acknowledged and lost range sets
     * @throws IllegalArgumentException if an argument is not positive
     */
    public SendBuffer(int capacity, int maxRanges) {
        this(capacity, maxRanges, ChunkedBytes.forSpan(capacity));
    }

    /**
     * A buffer whose storage grows {@code chunkSize} bytes at a time, keeping few released chunks: for a
     * stream that usually carries far less than its capacity (a CRYPTO stream's flight), so that it holds
     * about what it carries.
     *
     * @param chunkSize bytes per chunk, a power of two
     * @throws IllegalArgumentException if an argument is not positive or the chunk size not a power of two
     */
    public SendBuffer(int capacity, int maxRanges, int chunkSize) {
        this(capacity, maxRanges, new ChunkedBytes(chunkSize));
    }

    private SendBuffer(int capacity, int maxRanges, ChunkedBytes store) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.store = store;
        this.acked = new RangeSet(maxRanges);
        this.lost = new RangeSet(maxRanges);
    }

    /** {@return the most unacknowledged bytes this buffer holds} */
    public int capacity() {
        return capacity;
    }

    /** {@return the bytes held: appended and not yet acknowledged (nor discarded)} */
    public long held() {
        return writeOffset - ackedOffset;
    }

    /** {@return the chunks of storage this buffer holds now, for tests of its memory} */
    int chunksHeld() {
        return store.chunksHeld();
    }

    /** {@return how many more bytes {@link #append} would take now} */
    public int available() {
        return (int) (capacity - (writeOffset - ackedOffset));
    }

    /** {@return the offset below which every byte has been acknowledged} */
    public long ackedOffset() {
        return ackedOffset;
    }

    /** {@return the offset of the first byte never sent} */
    public long sendOffset() {
        return sendOffset;
    }

    /** {@return the offset after the last byte appended} */
    public long writeOffset() {
        return writeOffset;
    }

    /** {@return true if every appended byte has been acknowledged} */
    public boolean allAcked() {
        return ackedOffset == writeOffset;
    }

    /** {@return true if some sent bytes were declared lost and wait to be sent again} */
    public boolean hasLost() {
        return !lost.isEmpty();
    }

    /**
     * Copies as many bytes from {@code src} as there is room for, advancing its position.
     *
     * @return the number of bytes taken, 0 when the buffer is full
     */
    public int append(ByteBuffer src) {
        return append(src, Integer.MAX_VALUE);
    }

    /**
     * Copies as many bytes from {@code src} as there is room for, but at most {@code max}, advancing its
     * position.
     *
     * @return the number of bytes taken, 0 when the buffer is full or {@code max} is not positive
     */
    public int append(ByteBuffer src, int max) {
        int n = Math.min(Math.min(src.remaining(), available()), max);
        if (n > 0) {
            store.put(writeOffset, src, src.position(), n);
            src.position(src.position() + n);
            writeOffset += n;
        }
        return n;
    }

    /**
     * Queues the region {@code [position, position + count)} of {@code file}, as much of it as there is room for
     * but at most {@code max}, without reading it: its bytes are read into each packet that carries them. The
     * file must stay open and at least that long until the bytes are acknowledged.
     *
     * @return the number of bytes taken, 0 when the buffer is full or {@code max} is not positive
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     */
    public long appendFile(FileChannel file, long position, long count, int max) {
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("negative file region: position " + position + ", count " + count);
        }
        long n = Math.min(count, Math.min(available(), max));
        if (n > 0) {
            if (regions == null) {
                regions = new FileRegions();
            }
            regions.add(writeOffset, file, position, n);
            writeOffset += n;
        }
        return Math.max(n, 0);
    }

    /** {@return the file regions held now, for tests of their release} */
    int fileRegionsHeld() {
        return regions == null ? 0 : regions.size();
    }

    /**
     * {@return the offset of the next byte to send: the first lost byte not since acknowledged, else
     * {@link #sendOffset()} if there is unsent data, else -1}
     */
    public long nextSendOffset() {
        while (!lost.isEmpty()) {
            long start = Math.max(lost.start(0), ackedOffset);
            long end = lost.end(0);
            int a = acked.firstEndingAfter(start);
            if (a < acked.size() && acked.start(a) <= start) {
                // A coarse lost range may cover bytes acknowledged since: skip them.
                start = Math.min(end, acked.end(a));
            }
            if (start >= end) {
                lost.removeFirst();
                continue;
            }
            if (start > lost.start(0)) {
                lost.remove(lost.start(0), start);
            }
            return start;
        }
        return sendOffset < writeOffset ? sendOffset : -1;
    }

    /**
     * {@return the end of the run of bytes to send that starts at {@link #nextSendOffset()}: the end of the
     * lost range, stopped at the next acknowledged byte, or {@link #writeOffset()} for new data; -1 when
     * there is nothing to send}
     */
    public long nextSendEnd() {
        long start = nextSendOffset();
        if (start < 0) {
            return -1;
        }
        if (start >= sendOffset) {
            return writeOffset;
        }
        long end = lost.end(0);
        int a = acked.firstEndingAfter(start);
        if (a < acked.size() && acked.start(a) < end) {
            end = acked.start(a);
        }
        return end;
    }

    /**
     * Records that {@code [offset, offset + length)} went into a packet: a retransmitted range leaves the
     * lost set, new data moves {@link #sendOffset()}.
     *
     * @throws IllegalArgumentException if the range is not pending (not lost, not the next new bytes)
     */
    public void onSent(long offset, int length) {
        long end = offset + length;
        if (offset < ackedOffset || end > writeOffset || length < 0) {
            throw new IllegalArgumentException("range [" + offset + ", " + end + ") is not in the buffer");
        }
        if (offset < sendOffset) {
            // Sending from the front of the first lost range trims it and never needs a new range; elsewhere
            // a failed split leaves extra bytes marked lost, which only costs a spurious retransmission.
            lost.remove(offset, Math.min(end, sendOffset));
        }
        if (end > sendOffset) {
            if (offset > sendOffset) {
                throw new IllegalArgumentException("new data must be sent in order: " + offset + " > " + sendOffset);
            }
            sendOffset = end;
        }
    }

    /**
     * Copies the bytes {@code [offset, offset + length)} into {@code dst} at its position, advancing it.
     *
     * @return {@code length}
     * @throws IllegalArgumentException if the range is not held (acknowledged or not yet appended)
     * @throws UncheckedIOException if part of the range is a file region whose file cannot supply it (closed,
     *     truncated, failing); {@code dst}'s position is then unspecified within the range
     */
    public int write(ByteBuffer dst, long offset, int length) {
        if (length < 0 || offset < ackedOffset || offset + length > writeOffset) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + length) + ") is not held");
        }
        if (regions == null || regions.isEmpty()) {
            store.get(offset, dst, length);
        } else {
            regions.copy(dst, offset, length, store);
        }
        return length;
    }

    /**
     * Records that the peer acknowledged {@code [offset, offset + length)}; frees the storage of the
     * acknowledged prefix.
     *
     * @return true if the acknowledged prefix moved, freeing room for {@link #append}
     */
    public boolean onAcked(long offset, int length) {
        long end = Math.min(offset + length, sendOffset);
        long start = Math.max(offset, ackedOffset);
        if (start >= end) {
            return false;
        }
        if (start == ackedOffset) {
            // The common in-order case needs no range: the prefix grows, absorbing a range it now touches.
            acked.removeBelow(end);
            ackedOffset = end;
            if (!acked.isEmpty() && acked.start(0) <= ackedOffset) {
                ackedOffset = acked.end(0);
                acked.removeFirst();
            }
            lost.removeBelow(ackedOffset);
            release();
            return true;
        }
        if (!acked.add(start, end)) {
            // Too fragmented to remember: send these bytes again rather than forget them.
            lost.addCoarse(start, end);
            return false;
        }
        lost.remove(start, end);
        if (acked.start(0) <= ackedOffset) {
            ackedOffset = acked.end(0);
            acked.removeFirst();
            lost.removeBelow(ackedOffset);
            release();
            return true;
        }
        return false;
    }

    /** Frees what lies below the acknowledged prefix: chunks of storage, file regions. */
    private void release() {
        store.releaseBelow(ackedOffset);
        if (regions != null) {
            regions.releaseBelow(ackedOffset);
        }
    }

    /**
     * Records that the packet carrying {@code [offset, offset + length)} was lost: its unacknowledged bytes
     * wait to be sent again.
     */
    public void onLost(long offset, int length) {
        long end = Math.min(offset + length, sendOffset);
        long pos = Math.max(offset, ackedOffset);
        int a = acked.firstEndingAfter(pos);
        while (pos < end) {
            if (a < acked.size() && acked.start(a) <= pos) {
                pos = acked.end(a);
                a++;
                continue;
            }
            long gapEnd = a < acked.size() ? Math.min(end, acked.start(a)) : end;
            lost.addCoarse(pos, gapEnd);
            pos = gapEnd;
        }
    }

    /**
     * Records that nothing more will be appended (the end of the stream is queued): storage no longer kept
     * for reuse is dropped, and chunks go as they are acknowledged.
     */
    public void finish() {
        store.stopKeepingSpares();
    }

    /** Drops every byte and range (the stream was reset): nothing more will be sent or acknowledged. */
    public void discard() {
        store.releaseAll();
        store.stopKeepingSpares();
        if (regions != null) {
            regions.clear();
        }
        acked.clear();
        lost.clear();
        ackedOffset = writeOffset;
        sendOffset = Math.max(sendOffset, ackedOffset);
    }

    /**
     * Forgets that anything past the acknowledged prefix was sent: those bytes become new data again, to be sent
     * under the flow-control credit the peer gives from now on (RFC 9001 §4.6.2: the server discarded the 0-RTT
     * packets that carried them).
     */
    public void rewind() {
        lost.clear();
        sendOffset = ackedOffset;
    }

    @Override
    public String toString() {
        return "SendBuffer[acked<" + ackedOffset + ", send=" + sendOffset + ", write=" + writeOffset
                + ", ackedRanges=" + acked + ", lost=" + lost + "]";
    }
}
