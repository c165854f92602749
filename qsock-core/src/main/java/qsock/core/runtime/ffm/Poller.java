package qsock.core.runtime.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The I/O thread's wait for {@link BatchUdpSocket}s: poll(2) over their descriptors and an eventfd that other threads
 * write to wake it ({@link #wakeup()}), as a NIO {@code Selector} does for channels. Each socket is watched for
 * reading, and for writing while its owner asks ({@link #watchWrite}): when the kernel had no room for a datagram.
 *
 * <p>{@link #await} blocks the calling thread in the kernel: it is meant for the runtime's platform I/O thread, never
 * a virtual thread. {@link #wakeup()} may be called from any thread; {@link #add}, {@link #remove} and {@link
 * #watchWrite} by one thread at a time (the endpoint's lock holder, an application thread opening a socket for a move
 * among them), while the I/O thread may sit in {@link #await}: the kernel copies the pollfd array when a wait starts,
 * so a change counts from the next wait, which the caller starts with a {@link #wakeup()}. Nothing is allocated per
 * wait: the pollfd array is rebuilt only when the sockets change.
 */
public final class Poller implements Closeable {

    private static final short POLLIN = 0x1;
    private static final short POLLOUT = 0x4;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final long POLLFD_SIZE = 8;
    /**
     * poll(2) is linear in its descriptors; a listener behind routerd has one per client address, and 1024 of them
     * cost a wait some microseconds.
     */
    private static final int MAX_SOCKETS = 1024;
    private static final short POLLERR = 0x8;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle POLL;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;

    static {
        MethodHandle poll = null;
        MethodHandle eventfd = null;
        MethodHandle read = null;
        MethodHandle write = null;
        if (BatchUdpSocket.isSupported()) {
            Linker linker = Linker.nativeLinker();
            poll = Libc.downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            eventfd = Libc.downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            read = Libc.downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
            // Without errno capture: any thread writes, and a failed write (the counter full) still wakes.
            write = linker.downcallHandle(linker.defaultLookup().find("write").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        }
        POLL = poll;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CAPTURE);
    private final int eventFd;
    /** pollfd[0] is the eventfd; then one per socket. */
    private final MemorySegment pollFds = arena.allocate(POLLFD_SIZE * (MAX_SOCKETS + 1), 8);
    /** The eventfd counter read into on the owner's thread, and the 1 others write from theirs. */
    private final MemorySegment counter = arena.allocate(JAVA_LONG);
    private final MemorySegment one = arena.allocate(JAVA_LONG);
    private final BatchUdpSocket[] sockets = new BatchUdpSocket[MAX_SOCKETS];
    private final boolean[] writeWatched = new boolean[MAX_SOCKETS];
    /** Read by the waiting thread outside the lock the adders hold: published by the volatile write. */
    private volatile int count;
    /** Set by {@link #wakeup()} until the owner's next wait consumes it: spares a write per wakeup while one is due. */
    private volatile boolean woken;
    private volatile boolean closed;

    /**
     * Makes a poller.
     *
     * @throws IOException if the eventfd cannot be made
     * @throws UnsupportedOperationException if {@link BatchUdpSocket#isSupported()} is false
     */
    public Poller() throws IOException {
        if (POLL == null) {
            throw new UnsupportedOperationException("no FFM here: " + BatchUdpSocket.unsupportedReason());
        }
        one.set(JAVA_LONG, 0, 1L);
        int fd;
        try {
            fd = (int) EVENTFD.invokeExact(errno, 0, EFD_NONBLOCK | EFD_CLOEXEC);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            int e = errno();
            arena.close();
            throw new IOException("eventfd failed: errno " + e);
        }
        eventFd = fd;
        pollFds.set(JAVA_INT, 0, eventFd);
        pollFds.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
    }

    /** Watches {@code socket} for reading from the next {@link #await}. */
    public void add(BatchUdpSocket socket) {
        if (count == MAX_SOCKETS) {
            throw new IllegalStateException("a poller watches at most " + MAX_SOCKETS + " sockets");
        }
        sockets[count] = socket;
        writeWatched[count] = false;
        count++;
        rebuild();
    }

    /** Stops watching {@code socket} (before it is closed). */
    public void remove(BatchUdpSocket socket) {
        for (int i = 0; i < count; i++) {
            if (sockets[i] == socket) {
                System.arraycopy(sockets, i + 1, sockets, i, count - i - 1);
                System.arraycopy(writeWatched, i + 1, writeWatched, i, count - i - 1);
                count--;
                sockets[count] = null;
                rebuild();
                return;
            }
        }
    }

    /** Watches {@code socket} for writing too ({@code on}), or for reading only. */
    public void watchWrite(BatchUdpSocket socket, boolean on) {
        for (int i = 0; i < count; i++) {
            if (sockets[i] == socket) {
                writeWatched[i] = on;
                pollFds.set(ValueLayout.JAVA_SHORT, (i + 1) * POLLFD_SIZE + 4, on ? (short) (POLLIN | POLLOUT) : POLLIN);
                return;
            }
        }
    }

    private void rebuild() {
        for (int i = 0; i < count; i++) {
            long at = (i + 1) * POLLFD_SIZE;
            pollFds.set(JAVA_INT, at, sockets[i].fd());
            pollFds.set(ValueLayout.JAVA_SHORT, at + 4, writeWatched[i] ? (short) (POLLIN | POLLOUT) : POLLIN);
        }
    }

    /**
     * Waits until a socket is readable (or writable, where watched), {@link #wakeup()} was called since the last wait,
     * or {@code millis} passed (0: no time limit; negative: do not wait).
     *
     * @throws IOException if poll fails for another reason than a signal
     */
    public void await(long millis) throws IOException {
        if (woken) {
            millis = -1;
        }
        int timeout = millis < 0 ? 0 : millis == 0 ? -1 : (int) Math.min(millis, Integer.MAX_VALUE);
        int n;
        try {
            n = (int) POLL.invokeExact(errno, pollFds, (long) count + 1, timeout);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (n < 0 && errno() != 4) { // EINTR: a signal; the caller's loop looks again
            throw new IOException("poll failed: errno " + errno());
        }
        int watched = count;
        for (int i = 0; i < watched; i++) {
            BatchUdpSocket socket = sockets[i];
            if (socket != null) {
                socket.pollReadable = n > 0
                        && (pollFds.get(ValueLayout.JAVA_SHORT, (i + 1) * POLLFD_SIZE + 6) & (POLLIN | POLLERR)) != 0;
            }
        }
        // The eventfd is drained whenever a wakeup is pending, so that its readiness says "a new wakeup".
        if (woken || n > 0 && (pollFds.get(ValueLayout.JAVA_SHORT, 6) & POLLIN) != 0) {
            woken = false;
            try {
                long ignored = (long) READ.invokeExact(errno, eventFd, counter, 8L);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }

    /** Makes the owner's current or next {@link #await} return at once. Any thread. */
    public void wakeup() {
        if (woken || closed) {
            return;
        }
        woken = true;
        try {
            long ignored = (long) WRITE.invokeExact(eventFd, one, 8L);
        } catch (IllegalStateException e) {
            // Closed meanwhile by its owner: nothing waits any more.
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private int errno() {
        return (int) ERRNO.get(errno, 0L);
    }

    /** Closes the eventfd and frees the native memory; the sockets are their owner's to close. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(errno, eventFd);
        arena.close();
    }
}
