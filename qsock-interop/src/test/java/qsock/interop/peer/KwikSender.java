package qsock.interop.peer;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import tech.kwik.core.QuicStream;
import tech.kwik.core.stream.RetransmitBuffer;
import tech.kwik.core.stream.SendBuffer;

/**
 * Writes a stream's data and its FIN through Kwik 0.10.8 without ever leaving Kwik's sender idle.
 *
 * <p>Kwik counts a queued send request only after it has handed the request to its sender thread
 * ({@code StreamOutputStreamImpl.scheduleSendStreamFrameRequest} reads the count, queues, then increments). When the
 * sender runs the request in between, its decrement takes the count below zero, so it does not queue its follow-up
 * for the data still buffered; the writer's increment then brings the count back to zero with nothing queued, and
 * the stream idles until the application writes again. After the
 * last write, or while the writer waits on Kwik's full buffer, that is forever (about one 100 kB write in 40 here,
 * against quiche and qsock alike; PEERS.md's "stall"). This writer never blocks inside Kwik: it waits for room by
 * looking at Kwik's send buffer, and while it waits it asks Kwik's own scheduling method, which queues a new request
 * whenever none is counted. (An empty write would do the same but leaves an empty piece in Kwik's queue that can
 * stand in front of the FIN for good.) It sends the FIN only once the buffer is empty, when the FIN leaves alone in one frame and the
 * race has nothing left to lose. Lost data is sent again through the same race ({@code retransmitStreamFrame} queues
 * it in the stream's retransmit buffer and calls the same scheduling method), so after the FIN a watcher keeps asking
 * that method whenever data waits in the retransmit buffer, until the exchange's deadline: without it, a response
 * whose packet was lost sat in Kwik's buffer until the idle timeout (seen in the lossy interop runs).
 */
public final class KwikSender {
    private static final long POLL_NANOS = 200_000;
    private static final String OUTPUT_CLASS = "tech.kwik.core.stream.StreamOutputStreamImpl";
    private static final Field SEND_BUFFER = member(() -> Class.forName(OUTPUT_CLASS).getDeclaredField("sendBuffer"));
    private static final Method SCHEDULE = member(() -> Class.forName(OUTPUT_CLASS)
            .getDeclaredMethod("scheduleSendStreamFrameRequest", boolean.class));
    private static final Field RETRANSMIT_BUFFER = member(() -> Class.forName(OUTPUT_CLASS)
            .getDeclaredField("retransmitBuffer"));
    private static final long WATCH_NANOS = 10_000_000;

    private final OutputStream out;
    private final SendBuffer buffer;
    private final long deadline;
    private final Duration timeout;

    private KwikSender(QuicStream stream, Duration timeout) throws IOException {
        this.out = stream.getOutputStream();
        try {
            this.buffer = (SendBuffer) SEND_BUFFER.get(out);
        } catch (IllegalAccessException e) {
            throw new IOException("Kwik's send buffer is out of reach", e);
        }
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
    }

    /** A writer of {@code stream}'s output that gives up when the whole exchange takes longer than {@code timeout}. */
    public static KwikSender of(QuicStream stream, Duration timeout) throws IOException {
        return new KwikSender(stream, timeout);
    }

    /** Writes {@code len} bytes, in pieces of at most half Kwik's buffer, each once it fits without blocking. */
    public void write(byte[] data, int off, int len) throws IOException {
        int piece = Math.max(1, buffer.getMaxSize() / 2);
        for (int done = 0; done < len; ) {
            int n = Math.min(piece, len - done);
            awaitBuffered(buffer.getMaxSize() - n);
            out.write(data, off + done, n);
            done += n;
        }
    }

    /**
     * Waits until Kwik has taken every written byte into a frame, reviving a lost send request meanwhile: what a
     * request/response exchange needs after each message, where the stall would leave the message in Kwik's buffer
     * until the next write, which never comes.
     */
    public void flush() throws IOException {
        awaitBuffered(0);
    }

    /**
     * Waits until Kwik has taken every written byte into a frame, then sends the FIN; a watcher then revives lost send
     * requests for retransmissions until the deadline.
     */
    public void finish() throws IOException {
        awaitBuffered(0);
        out.close();
        RetransmitBuffer retransmits;
        try {
            retransmits = (RetransmitBuffer) RETRANSMIT_BUFFER.get(out);
        } catch (IllegalAccessException e) {
            throw new IOException("Kwik's retransmit buffer is out of reach", e);
        }
        Thread.ofVirtual().name("kwik-retransmit-watch").start(() -> watch(retransmits));
    }

    private void watch(RetransmitBuffer retransmits) {
        while (System.nanoTime() - deadline < 0) {
            if (retransmits.hasDataToRetransmit()) {
                try {
                    SCHEDULE.invoke(out, true);
                } catch (ReflectiveOperationException e) {
                    return;
                }
            }
            LockSupport.parkNanos(WATCH_NANOS);
        }
    }

    private void awaitBuffered(int atMost) throws IOException {
        while (buffer.getAvailableBytes() > atMost) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("Kwik sent nothing from its buffer of " + buffer.getAvailableBytes()
                        + " bytes within " + timeout, new TimeoutException());
            }
            // Queues a send request whenever Kwik counts none: it revives a lost one.
            try {
                SCHEDULE.invoke(out, true);
            } catch (ReflectiveOperationException e) {
                throw new IOException("Kwik's send scheduling is out of reach", e);
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                throw new java.io.InterruptedIOException("interrupted while Kwik sends");
            }
        }
    }

    @FunctionalInterface
    private interface Lookup<T extends AccessibleObject> {
        T find() throws ReflectiveOperationException;
    }

    private static <T extends AccessibleObject> T member(Lookup<T> lookup) {
        try {
            T member = lookup.find();
            member.setAccessible(true);
            return member;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("Kwik 0.10.8's " + OUTPUT_CLASS + " is not as expected: " + e);
        }
    }
}
