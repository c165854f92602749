package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The receive half of a CRYPTO stream (RFC 9000 §19.6): handshake bytes that arrive out of order, duplicated
 * or overlapping, handed to the TLS stack in order.
 *
 * <p>Storage is sized to what arrived, not to where it lies: each run of contiguous bytes received past the
 * read point is one array of the run's length, made twice as long when the run has to grow into a new one
 * (so that a run lengthening in order is copied a logarithmic number of times), and an array is dropped as
 * soon as the TLS stack has read it all. A peer that sends a few bytes at a far offset (which a connection
 * that has not yet authenticated anything must accept, up to its CRYPTO buffer bound) so costs a few bytes,
 * not a block of the bound's size; the runs are capped in number. The arrays held are at most twice the
 * bytes that arrived, and each at most the owner's bound on buffered bytes (or the run, if longer).
 *
 * <p>Bytes received twice keep the first copy: RFC 9000 §2.2 lets a receiver ignore data at an offset it
 * already holds.
 *
 * <p>Not thread-safe; the connection owns it.
 */
final class CryptoReassembly {

    /** {@link #insert} returns this when the data would need more runs than the cap. */
    static final int TOO_FRAGMENTED = -1;

    private static final int INITIAL_RUNS = 4;

    private final int maxRuns;
    private final int maxCapacity;
    private long readOffset;
    /** Runs sorted by offset, disjoint and not touching; each starts at or above {@link #readOffset}. */
    private long[] starts;
    private int[] lengths;
    /** Where in its array each run's first byte is: only a run partly read starts past 0. */
    private int[] from;
    private byte[][] data;
    private int count;

    /**
     * @param maxRuns the most runs of received bytes held apart at once, at least 1
     * @param maxCapacity the largest array a run grows to by doubling: the owner's bound on buffered bytes
     */
    CryptoReassembly(int maxRuns, int maxCapacity) {
        if (maxRuns < 1 || maxCapacity < 1) {
            throw new IllegalArgumentException("maxRuns " + maxRuns + " and maxCapacity " + maxCapacity
                    + " must be positive");
        }
        this.maxRuns = maxRuns;
        this.maxCapacity = maxCapacity;
    }

    /** {@return the offset of the next byte {@link #read} hands out} */
    long readOffset() {
        return readOffset;
    }

    /** {@return the bytes held in arrays now, read or not, for tests and diagnostics} */
    long retainedBytes() {
        long n = 0;
        for (int i = 0; i < count; i++) {
            n += data[i].length;
        }
        return n;
    }

    /**
     * Stores the bytes of {@code src} (position to limit, which is consumed) as the stream bytes from
     * {@code offset} on; bytes below the read point or already held are skipped.
     *
     * @return the number of bytes copied, or {@link #TOO_FRAGMENTED} (nothing stored, {@code src} untouched)
     */
    int insert(long offset, ByteBuffer src) {
        long end = offset + src.remaining();
        long start = Math.max(offset, readOffset);
        if (start >= end) {
            src.position(src.limit());
            return 0;
        }
        // i: the first run that ends at or after start (touching counts); j: the first that starts after end.
        int i = 0;
        while (i < count && starts[i] + lengths[i] < start) {
            i++;
        }
        int j = i;
        while (j < count && starts[j] <= end) {
            j++;
        }
        int srcIndex = src.position() + (int) (start - offset);
        if (i == j) {
            if (count == maxRuns) {
                return TOO_FRAGMENTED;
            }
            int n = (int) (end - start);
            byte[] b = new byte[n];
            src.get(srcIndex, b, 0, n);
            insertRun(i, start, b, n);
            src.position(src.limit());
            return n;
        }
        long runsEnd = starts[j - 1] + lengths[j - 1];
        if (j - i == 1 && starts[i] <= start && runsEnd >= end) {
            src.position(src.limit());
            return 0;
        }
        long newStart = Math.min(starts[i], start);
        int newLength = (int) (Math.max(runsEnd, end) - newStart);
        byte[] target;
        int base;
        int copied = 0;
        if (starts[i] == newStart && data[i].length - from[i] >= newLength) {
            // Run i grows in place: only the bytes past it are new.
            target = data[i];
            base = from[i];
            long tail = Math.max(start, starts[i] + lengths[i]);
            int n = (int) (end - tail);
            src.get(srcIndex + (int) (tail - start), target, base + (int) (tail - newStart), n);
            copied += n;
        } else {
            // Room for as much again: a run that keeps growing in order is copied a logarithmic number of
            // times, and every array is at most twice the bytes it was made for.
            target = new byte[(int) Math.min(2L * newLength, Math.max(maxCapacity, newLength))];
            base = 0;
            int n = (int) (end - start);
            src.get(srcIndex, target, (int) (start - newStart), n);
            copied += n;
            System.arraycopy(data[i], from[i], target, (int) (starts[i] - newStart), lengths[i]);
        }
        // The runs between, kept as first received.
        for (int k = i + 1; k < j; k++) {
            System.arraycopy(data[k], from[k], target, base + (int) (starts[k] - newStart), lengths[k]);
        }
        starts[i] = newStart;
        lengths[i] = newLength;
        from[i] = base;
        data[i] = target;
        removeRuns(i + 1, j);
        src.position(src.limit());
        return copied;
    }

    /** {@return whether in-order bytes are ready for {@link #read}} */
    boolean readable() {
        return count > 0 && starts[0] == readOffset;
    }

    /** {@return the number of in-order bytes moved into {@code dst}, 0 if none is ready} */
    int read(ByteBuffer dst) {
        if (count == 0 || starts[0] != readOffset) {
            return 0;
        }
        int n = Math.min(dst.remaining(), lengths[0]);
        dst.put(data[0], from[0], n);
        readOffset += n;
        if (n == lengths[0]) {
            removeRuns(0, 1);
        } else {
            starts[0] += n;
            lengths[0] -= n;
            from[0] += n;
        }
        return n;
    }

    /**
     * Copies the in-order bytes from the stream's start into {@code dst}, as many as fit, without reading them:
     * for a look at a ClientHello before the TLS stack reads it. {@return the number copied; 0 once any was read}
     */
    int peekFromStart(ByteBuffer dst) {
        if (readOffset != 0 || count == 0 || starts[0] != 0) {
            return 0;
        }
        int n = Math.min(dst.remaining(), lengths[0]);
        dst.put(data[0], from[0], n);
        return n;
    }

    /** Drops every byte held: the level's keys are gone, nothing more is read. */
    void discard() {
        starts = null;
        lengths = null;
        from = null;
        data = null;
        count = 0;
    }

    private void insertRun(int at, long start, byte[] b, int length) {
        if (starts == null) {
            int n = Math.min(INITIAL_RUNS, maxRuns);
            starts = new long[n];
            lengths = new int[n];
            from = new int[n];
            data = new byte[n][];
        } else if (count == starts.length) {
            int n = Math.min(2 * count, maxRuns);
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
            from = Arrays.copyOf(from, n);
            data = Arrays.copyOf(data, n);
        }
        int tail = count - at;
        System.arraycopy(starts, at, starts, at + 1, tail);
        System.arraycopy(lengths, at, lengths, at + 1, tail);
        System.arraycopy(from, at, from, at + 1, tail);
        System.arraycopy(data, at, data, at + 1, tail);
        starts[at] = start;
        lengths[at] = length;
        from[at] = 0;
        data[at] = b;
        count++;
    }

    /** Removes runs {@code [a, b)}, letting their arrays go. */
    private void removeRuns(int a, int b) {
        int tail = count - b;
        System.arraycopy(starts, b, starts, a, tail);
        System.arraycopy(lengths, b, lengths, a, tail);
        System.arraycopy(from, b, from, a, tail);
        System.arraycopy(data, b, data, a, tail);
        int newCount = count - (b - a);
        Arrays.fill(data, newCount, count, null);
        count = newCount;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("CryptoReassembly[read=").append(readOffset).append(", runs=");
        for (int i = 0; i < count; i++) {
            s.append(i == 0 ? "" : " ").append('[').append(starts[i]).append(", ").append(starts[i] + lengths[i])
                    .append(')');
        }
        return s.append(']').toString();
    }
}
