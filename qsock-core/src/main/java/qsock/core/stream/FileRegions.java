package qsock.core.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The parts of a {@link SendBuffer}'s stream that are regions of files ({@code QuicSocket.sendFile}): each maps
 * a range of stream offsets to a file and a position in it. The bytes stay in the file until a packet is built;
 * then they are copied straight from the page cache into the packet, for the first send and for every
 * retransmission alike, through a read-only mapping of a {@value #WINDOW}-byte window of the file around them,
 * mapped when a packet first needs it and kept while packets read from it. A mapping costs one system call per
 * window where a positional read into each packet costs one per packet, and the JDK's temporary direct buffer
 * besides for a heap packet. Measured on loopback (scripts/bench-sendfile, 1 GiB, quiet machine), both beat the
 * application's read-then-send loop by about as much (2.47 and 2.42 CPU s/GiB against 2.8), within the noise of
 * each other; the mapping stays for what it does not do per packet.
 * The regions sit in stream order in a ring that grows with the regions held, not with the packets: adjacent
 * regions of one file merge, and a region goes once its bytes are acknowledged. Nothing is allocated per packet;
 * a window's mapping is released by the garbage collector once dropped.
 *
 * <p>The file is the application's: nothing here closes or truncates it. If the application closes it, or
 * truncates it below a region, a later copy finds the channel closed or the file ending early (for a mapped page
 * past the new end, the JVM's fault in the copy, {@link InternalError}), and {@link #copy} throws {@link
 * UncheckedIOException}; bytes past the new end but on its last page read as zeros, as a mapping gives them.
 */
final class FileRegions {

    /** The bytes of a file one mapping covers: 4 MiB, 256 mappings per GiB sent. */
    static final long WINDOW = 4 << 20;

    private long[] starts = new long[4];
    private long[] ends = new long[4];
    private long[] positions = new long[4];
    private FileChannel[] files = new FileChannel[4];
    private int head;
    private int count;
    /** The window mapped last: of {@code mappedFile}, from {@code mappedStart} to {@code mappedEnd}; null if none. */
    private MappedByteBuffer mapped;
    private FileChannel mappedFile;
    private long mappedStart;
    private long mappedEnd;

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
        if (count == 0) {
            dropMapping();
        }
    }

    /** Drops every region. */
    void clear() {
        Arrays.fill(files, null);
        head = 0;
        count = 0;
        dropMapping();
    }

    private void dropMapping() {
        mapped = null;
        mappedFile = null;
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

    /** Copies {@code n} bytes of {@code file} at {@code position} into {@code dst}, advancing it. */
    private void read(FileChannel file, long position, ByteBuffer dst, int n) {
        if (!file.isOpen()) {
            // A mapping outlives its channel; the channel's closing is what the application did, so it counts.
            throw new UncheckedIOException("sendFile: the file of a queued region was closed",
                    new ClosedChannelException());
        }
        if (file != mappedFile || position < mappedStart || position + n > mappedEnd) {
            map(file, position, n);
        }
        int at = dst.position();
        try {
            dst.put(at, mapped, (int) (position - mappedStart), n);
        } catch (InternalError e) {
            // The JVM's report of a fault on a mapped page: the file no longer reaches it.
            throw new UncheckedIOException("sendFile: the file of a queued region ends before it (truncated?)",
                    new EOFException(e.getMessage()));
        }
        dst.position(at + n);
    }

    /** Maps the window of {@code file} that holds {@code [position, position + n)}. */
    private void map(FileChannel file, long position, int n) {
        dropMapping();
        // A FileChannel closes itself when the mapping thread is interrupted; the file is the application's,
        // and the thread may be one that only flushes this connection: map with the interrupt set aside.
        boolean interrupted = Thread.interrupted();
        try {
            long size = file.size();
            if (position + n > size) {
                throw new EOFException("the file ends at " + size + ", inside a region queued by sendFile"
                        + " (truncated while queued?)");
            }
            long start = position - position % WINDOW;
            long end = Math.min(size, Math.max(start + WINDOW, position + n));
            mapped = file.map(FileChannel.MapMode.READ_ONLY, start, end - start);
            mappedFile = file;
            mappedStart = start;
            mappedEnd = end;
        } catch (IOException e) {
            throw new UncheckedIOException("sendFile: cannot map the queued file region: " + e, e);
        } finally {
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
