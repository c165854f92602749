package qsock.tools.perf;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The measurements of {@code qsock perf} that use many connections: handshakes per second, and the aggregate
 * throughput of several connections sending at once. Every wait has a deadline; a run that passes it is ended by
 * closing its connections and reported as an {@link IOException}.
 */
public final class PerfLoad {

    /** Opens one client connection with its handshake done. */
    @FunctionalInterface
    public interface Connector {
        /** {@return a new connection, its handshake complete} */
        PerfClient connect() throws IOException;
    }

    private PerfLoad() {}

    /**
     * Runs {@code count} handshakes from {@code parallel} client threads, each connecting and closing one connection
     * after another, and times each handshake. Before closing, each connection runs one empty throughput stream
     * (the mode byte with the FIN, the server's 8-byte count back): one round trip which shows that the server
     * completed its side and served the connection; a client that closed as soon as its own side of the handshake
     * completed would often close the server's half-done handshake.
     *
     * @param deadlineNanos on the {@link System#nanoTime()} clock: no handshake starts after it, and the run
     *     fails if it has not finished by then
     */
    public static HandshakeResult handshakes(Connector connector, int count, int parallel, long deadlineNanos)
            throws IOException {
        if (count <= 0 || parallel <= 0) {
            throw new IllegalArgumentException("count " + count + ", parallel " + parallel);
        }
        long[] samples = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        int threads = Math.min(parallel, count);
        ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon()
                .name("qsock-perf-handshake-", 0).factory());
        try {
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < count && System.nanoTime() - deadlineNanos < 0; ) {
                        long t0 = System.nanoTime();
                        try (PerfClient client = connector.connect()) {
                            samples[i] = System.nanoTime() - t0;
                            // An empty throughput stream, answered by the server's handler: proves that the server
                            // finished its side of the handshake too before the client closes.
                            client.throughput(0, 1);
                        }
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            awaitAll(workers, deadlineNanos, () -> done.get() + " of " + count + " handshakes done");
            long nanos = System.nanoTime() - start;
            if (done.get() != count) {
                throw new IOException("the deadline passed after " + done.get() + " of " + count + " handshakes");
            }
            return new HandshakeResult(LatencySummary.of(samples, count), threads, nanos);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Opens {@code connections} connections, then has each send its share of {@code total} bytes (the remainder
     * to the first ones) on a new stream, all at once from threads of their own, and waits for every count.
     *
     * @param deadlineNanos on the {@link System#nanoTime()} clock; the connections are closed when it passes
     */
    public static ConcurrentResult concurrent(Connector connector, int connections, long total, int messageSize,
                                              long deadlineNanos) throws IOException {
        if (connections <= 0 || total < connections || messageSize <= 0) {
            throw new IllegalArgumentException("connections " + connections + ", total " + total);
        }
        List<PerfClient> clients = new ArrayList<>(connections);
        ExecutorService pool = Executors.newFixedThreadPool(connections, Thread.ofPlatform().daemon()
                .name("qsock-perf-sender-", 0).factory());
        try {
            for (int i = 0; i < connections; i++) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new IOException("the deadline passed with " + i + " of " + connections + " connected");
                }
                clients.add(connector.connect());
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> senders = new ArrayList<>(connections);
            long[] counted = new long[connections];
            for (int i = 0; i < connections; i++) {
                int k = i;
                long share = total / connections + (i < total % connections ? 1 : 0);
                senders.add(pool.submit(() -> {
                    go.await();
                    counted[k] = clients.get(k).throughput(share, messageSize).bytes();
                    return null;
                }));
            }
            long cpuStart = ProcessCpu.nanos();
            long start = System.nanoTime();
            go.countDown();
            awaitAll(senders, deadlineNanos, () -> connections + " connections still sending");
            long nanos = System.nanoTime() - start;
            long cpu = ProcessCpu.between(cpuStart, ProcessCpu.nanos());
            long sum = 0;
            for (long c : counted) {
                sum += c;
            }
            if (sum != total) {
                throw new IOException("the server counted " + sum + " bytes of " + total);
            }
            return new ConcurrentResult(connections, sum, nanos, cpu);
        } finally {
            // Closing unblocks any sender still waiting in receive when the deadline passed.
            for (PerfClient c : clients) {
                c.close();
            }
            pool.shutdownNow();
        }
    }

    private static void awaitAll(List<Future<?>> futures, long deadlineNanos,
                                 java.util.function.Supplier<String> progress) throws IOException {
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted: " + progress.get());
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("the deadline passed: " + progress.get());
            }
        }
    }
}
