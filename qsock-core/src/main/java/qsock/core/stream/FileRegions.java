package qsock.core.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The parts of a {@link SendBuffer}'s stream that are regions of files ({@code QuicSocket.sendFile}): each maps
 * a range of stream offsets to a file and a position in it. The bytes stay in the file until a packet is built;
 * then they are read with a positional read straight into the packet, for the first send and for every
 * retransmission alike. The regions sit in stream order in a ring that grows with the regions held, not with
 * the packets: adjacent regions of one file merge, and a region goes once its bytes are acknowledged.
 *
 * <p>The file is the application's: nothing here closes or truncates it. If the application does, a later read
 * finds the channel closed or the file ending early, and {@link #copy} throws {@link UncheckedIOException}.
 */
final class FileRegions {

    private long[] starts = new long[4];
    private long[] ends = new long[4];
    private long[] positions = new long[4];
    private FileChannel[] files = new FileChannel[4];
    private int head;
    private int count;

    /** {@return true if no region is held} */
    boolean isEmpty() {
        return count == 0;
    }

    /** {@return the regions held, for tests} */
    int size() {
        return count;
    }

    /**
     * Adds the region {@code [streamStart, streamStart + length)} of the stream, whose bytes are those of
     * {@code file} from {@code position} on; it must follow every region held.
     */
    void add(long streamStart, FileChannel file, long position, long length) {
        if (count > 0) {
            int last = slot(count - 1);
            if (files[last] == file && ends[last] == streamStart
                    && positions[last] + (ends[last] - starts[last]) == position) {
                ends[last] += length;
                return;
            }
        }
        if (count == starts.length) {
            grow();
        }
        int s = slot(count);
        starts[s] = streamStart;
        ends[s] = streamStart + length;
        positions[s] = position;
        files[s] = file;
        count++;
    }

    /** Drops the regions that end at or below {@code offset} (acknowledged): the file is no longer referenced. */
    void releaseBelow(long offset) {
        while (count > 0 && ends[head] <= offset) {
            files[head] = null;
            head = (head + 1) & (starts.length - 1);
            count--;
        }
    }

    /** Drops every region. */
    void clear() {
        Arrays.fill(files, null);
        head = 0;
        count = 0;
    }

    /**
     * Copies the stream's bytes {@code [offset, offset + length)} into {@code dst} at its position, advancing it:
     * those in a region from its file, the others from {@code store}.
     *
     * @throws UncheckedIOException if a file cannot supply its bytes: closed ({@link
     *     java.nio.channels.ClosedChannelException}), ending before the region does ({@link EOFException}), or
     *     failing to read
     */
    void copy(ByteBuffer dst, long offset, int length, ChunkedBytes store) {
        int i = 0;
        while (i < count && ends[slot(i)] <= offset) {
            i++;
        }
        while (length > 0) {
            int s = slot(i);
            int n;
            if (i < count && starts[s] <= offset) {
                n = (int) Math.min(length, ends[s] - offset);
                read(files[s], positions[s] + (offset - starts[s]), dst, n);
                i++;
            } else {
                n = i < count ? (int) Math.min(length, starts[s] - offset) : length;
                store.get(offset, dst, n);
            }
            offset += n;
            length -= n;
        }
    }

    /** Reads {@code n} bytes of {@code file} at {@code position} into {@code dst}, advancing it. */
    private static void read(FileChannel file, long position, ByteBuffer dst, int n) {
        int limit = dst.limit();
        dst.limit(dst.position() + n);
        // A FileChannel closes itself when the reading thread is interrupted; the file is the application's,
        // and the thread may be one that only flushes this connection: read with the interrupt set aside.
        boolean interrupted = Thread.interrupted();
        try {
            // Each read moves at least one byte or fails, so n reads at most.
            for (int reads = 0; dst.hasRemaining() && reads < n; reads++) {
                int r = file.read(dst, position);
                if (r <= 0) {
                    throw new EOFException("the file ends at " + position + ", inside a region queued by sendFile"
                            + " (truncated while queued?)");
                }
                position += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("sendFile: cannot read the queued file region: " + e, e);
        } finally {
            dst.limit(limit);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private int slot(int i) {
        return (head + i) & (starts.length - 1);
    }

    private void grow() {
        int n = starts.length * 2;
        long[] s = new long[n];
        long[] e = new long[n];
        long[] p = new long[n];
        FileChannel[] f = new FileChannel[n];
        for (int i = 0; i < count; i++) {
            int from = slot(i);
            s[i] = starts[from];
            e[i] = ends[from];
            p[i] = positions[from];
            f[i] = files[from];
        }
        starts = s;
        ends = e;
        positions = p;
        files = f;
        head = 0;
    }
}
