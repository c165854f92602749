package qsock.core.qlog;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one qlog writer of the JVM: a bounded queue that connections offer their events to from their I/O threads, and
 * one daemon thread ({@code qsock-qlog}) that serialises them to the traces' files. An offer never blocks: when the
 * queue is full the event is dropped and its trace counts it (said in the file when the trace ends), so a slow disk
 * costs trace records, never the I/O threads' time. The thread starts with the first offer and lives as long as the
 * JVM; a failure to write a trace (a missing directory, a full disk) ends that trace's file, never the thread.
 *
 * <p>At most {@link #MAX_OPEN_FILES} trace files are open at once: a server with qlog on and ten thousand connections
 * would otherwise hold ten thousand descriptors. Opening one more closes the least recently written (flushed first);
 * its next record reopens it in append mode, so a trace file is the same whether or not it was closed between records.
 */
public final class QlogWriter {

    /** Events waiting at most: about 64 bytes each plus frames, a few megabytes when full. */
    static final int CAPACITY = 1 << 16;
    /** Trace files open at most (see the class comment). */
    static final int MAX_OPEN_FILES = 256;
    /** How long the thread lets written records sit in its buffers before it flushes them while events arrive. */
    private static final long FLUSH_NANOS = 200_000_000L;

    private static final QlogWriter SHARED = new QlogWriter(CAPACITY, MAX_OPEN_FILES);

    private record Entry(QlogTrace trace, QlogEvent event) {}

    private final ArrayBlockingQueue<Entry> queue;
    private final int maxOpenFiles;
    private final Object startLock = new Object();
    private volatile Thread thread;

    // The writer thread's own.
    private final Set<QlogTrace> unflushed = new LinkedHashSet<>();
    /** The traces begun and not ended, open file or not: a close the full queue refused is looked for among them. */
    private final Set<QlogTrace> live = new LinkedHashSet<>();
    /** The traces whose files are open, least recently written first; at most {@link #maxOpenFiles}. */
    private final Set<QlogTrace> openFiles = new LinkedHashSet<>();
    /** The most files open at once so far, for tests. */
    private volatile int peakOpenFiles;
    private final StringBuilder json = new StringBuilder(512);

    /** A writer of its own, for tests of a small queue; connections use {@link #shared()}. */
    QlogWriter(int capacity) {
        this(capacity, MAX_OPEN_FILES);
    }

    /** A writer of its own with at most {@code maxOpenFiles} files open, for tests. */
    QlogWriter(int capacity, int maxOpenFiles) {
        if (capacity < 1 || maxOpenFiles < 1) {
            throw new IllegalArgumentException("capacity " + capacity + " and maxOpenFiles " + maxOpenFiles
                    + " must be positive");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxOpenFiles = maxOpenFiles;
    }

    /** {@return the most trace files this writer had open at once} */
    int peakOpenFiles() {
        return peakOpenFiles;
    }

    /** {@return the JVM's writer} */
    public static QlogWriter shared() {
        return SHARED;
    }

    /** {@return whether {@code event} of {@code trace} was queued; false if the queue was full} Never blocks. */
    boolean offer(QlogTrace trace, QlogEvent event) {
        if (thread == null) {
            start();
        }
        return queue.offer(new Entry(trace, event));
    }

    private void start() {
        synchronized (startLock) {
            if (thread == null) {
                Thread t = Thread.ofPlatform().name("qsock-qlog").daemon(true).unstarted(this::run);
                t.start();
                thread = t;
            }
        }
    }

    private void run() {
        long lastFlush = System.nanoTime();
        while (true) {
            Entry e;
            try {
                e = queue.poll(FLUSH_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                // Nobody may stop the JVM's writer but the JVM's exit: the traces of live connections would be lost.
                continue;
            }
            if (e != null) {
                write(e.trace(), e.event());
            }
            // Flush when the queue ran dry (the files are then as complete as the connections) or every FLUSH_NANOS.
            if (e == null || queue.isEmpty() || System.nanoTime() - lastFlush > FLUSH_NANOS) {
                flushAll();
                lastFlush = System.nanoTime();
            }
            if (e == null) {
                closeRefused();
            }
        }
    }

    private void write(QlogTrace trace, QlogEvent event) {
        if (trace.failed) {
            return;
        }
        try {
            json.setLength(0);
            if (trace.out == null) {
                open(trace);
            } else {
                // Least recently written first: moved to the end.
                openFiles.remove(trace);
                openFiles.add(trace);
            }
            QlogJson.event(json, event);
            if (event instanceof QlogEvent.ConnectionClosed) {
                long dropped = trace.dropped();
                if (dropped > 0) {
                    QlogJson.info(json, event.time(), dropped + " events dropped: the qlog queue was full");
                }
            }
            trace.out.append(json);
            if (event instanceof QlogEvent.ConnectionClosed) {
                close(trace);
            } else {
                unflushed.add(trace);
            }
        } catch (IOException | RuntimeException ex) {
            fail(trace, ex);
        }
    }

    /**
     * Opens {@code trace}'s file, closing the least recently written one first if {@link #maxOpenFiles} are open:
     * created (truncated) with the header record the first time, appended to after it was closed for room.
     */
    private void open(QlogTrace trace) throws IOException {
        while (openFiles.size() >= maxOpenFiles) {
            QlogTrace eldest = openFiles.iterator().next();
            openFiles.remove(eldest);
            unflushed.remove(eldest);
            Writer out = eldest.out;
            eldest.out = null;
            try {
                // Flushes what it buffered: the file is whole up to its last record when it reopens.
                out.close();
            } catch (IOException | RuntimeException ex) {
                live.remove(eldest);
                trace(eldest, ex);
            }
        }
        if (!trace.begun) {
            Files.createDirectories(trace.file().getParent());
            trace.out = Files.newBufferedWriter(trace.file(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            trace.begun = true;
            live.add(trace);
            QlogJson.header(json, trace.odcidHex(), trace.server(), trace.referenceTimeMillis());
        } else {
            trace.out = Files.newBufferedWriter(trace.file(), StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        }
        openFiles.add(trace);
        if (openFiles.size() > peakOpenFiles) {
            peakOpenFiles = openFiles.size();
        }
    }

    /**
     * Writes the closes the full queue refused ({@link QlogTrace#pendingClose}), once the queue ran dry: every event
     * of the trace offered before its close is written by then, and its file is closed rather than left open.
     */
    private void closeRefused() {
        for (QlogTrace t : List.copyOf(live)) {
            QlogEvent.ConnectionClosed close = t.pendingClose;
            if (close != null) {
                t.pendingClose = null;
                write(t, close);
            }
        }
    }

    private void flushAll() {
        for (QlogTrace t : unflushed) {
            try {
                if (t.out != null) {
                    t.out.flush();
                }
            } catch (IOException | RuntimeException ex) {
                // The trace ends here; the others go on.
                live.remove(t);
                openFiles.remove(t);
                trace(t, ex);
            }
        }
        unflushed.clear();
    }

    private void close(QlogTrace trace) throws IOException {
        unflushed.remove(trace);
        live.remove(trace);
        openFiles.remove(trace);
        Writer out = trace.out;
        // No more records: a late event of a closed trace is dropped rather than reopen (and truncate) the file.
        trace.failed = true;
        trace.out = null;
        out.close();
    }

    private void fail(QlogTrace trace, Exception cause) {
        unflushed.remove(trace);
        live.remove(trace);
        openFiles.remove(trace);
        trace(trace, cause);
    }

    private static void trace(QlogTrace trace, Exception cause) {
        trace.failed = true;
        trace.failure = cause;
        Writer out = trace.out;
        trace.out = null;
        if (out != null) {
            try {
                out.close();
            } catch (IOException | RuntimeException ignored) {
                // Already failed: nothing more to lose.
            }
        }
    }
}
