package qsock.interop.perf;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code qsock perf --loopback} for the other stacks: a server and a client of quiche (Netty), Kwik or the JDK's
 * TLS 1.3 over TCP in this process on 127.0.0.1, run as qsock's is, and printing the same result lines, so that
 * scripts/perf-compare reads them all alike. A warm-up runs first on a connection of its own (the JIT warm, the
 * measured connection's flow and congestion control cold); the CPU time is the whole process's (both ends, JIT,
 * GC). The modes are qsock perf's: {@code all} is throughput and rr; {@code handshakes} runs connections from
 * {@code --parallel} client threads, each handshake timed, each connection running one empty throughput stream
 * before its close (so that the server completed its side too); {@code concurrent} opens each number of
 * {@code --connections} and has them all send their share of {@code --concurrent-total} at once; {@code suite}
 * runs everything.
 *
 * <pre>
 * PeerPerf quiche|kwik|tls [--mode throughput|rr|all|handshakes|concurrent|suite] [--total BYTES]
 *          [--msg-size BYTES] [--count N] [--rr-size BYTES] [--warmup BYTES] [--warmup-count N]
 *          [--handshakes N] [--parallel N] [--warmup-handshakes N] [--connections N,N...]
 *          [--concurrent-total BYTES] [--deadline SECONDS]
 * </pre>
 * Sizes take a k, M or G suffix (powers of 1024). Exit status 0 when every measurement finished, 3 when one
 * stalled past its deadline (the line says "stalled:" and how far it got), 1 on any failure.
 */
public final class PeerPerf {

    private PeerPerf() {}

    /** Runs the measurement the arguments describe; see the class comment. */
    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PeerPerf: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            StringBuilder causes = new StringBuilder("failed: " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                causes.append(" <- ").append(c);
            }
            System.out.println(causes);
            e.printStackTrace();
            status = 1;
        }
        System.out.flush();
        // Netty's and Kwik's threads may linger after close; the result is out.
        System.exit(status);
    }

    private static int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: PeerPerf quiche|kwik [options]");
        }
        String stackName = args[0];
        String mode = "all";
        long total = 256L << 20;
        int messageSize = 64 << 10;
        int count = 10_000;
        int rrSize = 1 << 10;
        long warmup = 0;
        int warmupCount = 0;
        long deadlineSeconds = 60;
        int handshakes = 1000;
        int parallel = 4;
        int warmupHandshakes = 0;
        int[] connections = {1, 10, 100};
        long concurrentTotal = -1;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--mode" -> mode = v;
                case "--total" -> total = size(v);
                case "--msg-size" -> messageSize = Math.toIntExact(size(v));
                case "--count" -> count = Integer.parseInt(v);
                case "--rr-size" -> rrSize = Math.toIntExact(size(v));
                case "--warmup" -> warmup = size(v);
                case "--warmup-count" -> warmupCount = Integer.parseInt(v);
                case "--deadline" -> deadlineSeconds = Long.parseLong(v);
                case "--handshakes" -> handshakes = Integer.parseInt(v);
                case "--parallel" -> parallel = Integer.parseInt(v);
                case "--warmup-handshakes" -> warmupHandshakes = Integer.parseInt(v);
                case "--connections" -> connections = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--concurrent-total" -> concurrentTotal = size(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!List.of("throughput", "rr", "all", "handshakes", "concurrent", "suite").contains(mode)) {
            throw new IllegalArgumentException("--mode is throughput, rr, all, handshakes, concurrent or suite");
        }
        boolean suite = mode.equals("suite");
        boolean bulk = mode.equals("throughput") || mode.equals("all") || suite;
        boolean rr = mode.equals("rr") || mode.equals("all") || suite;
        boolean handshakeRate = mode.equals("handshakes") || suite;
        boolean many = mode.equals("concurrent") || suite;
        if (concurrentTotal < 0) {
            concurrentTotal = total;
        }
        for (int n : connections) {
            if (n <= 0 || n > 10_000 || n > concurrentTotal) {
                throw new IllegalArgumentException("--connections: " + n + " is not 1..10000 or more than the bytes");
            }
        }
        try (PerfStack stack = switch (stackName) {
            case "quiche" -> new QuichePerf();
            case "kwik" -> new KwikPerf();
            case "tls" -> new TlsTcpPerf();
            default -> throw new IllegalArgumentException("unknown stack " + stackName + " (quiche, kwik or tls)");
        }) {
            System.out.println(stackName + " perf on loopback, datagram size " + stack.datagramSize());
            long deadline = deadlineSeconds * 1_000_000_000L;
            if ((bulk || many) && warmup > 0 || rr && warmupCount > 0) {
                try (PerfStack.Connection c = stack.connect()) {
                    if ((bulk || many) && warmup > 0) {
                        c.throughput(warmup, messageSize, System.nanoTime() + deadline);
                    }
                    if (rr && warmupCount > 0) {
                        c.requestResponse(warmupCount, rrSize, new long[warmupCount], System.nanoTime() + deadline);
                    }
                } catch (PerfStack.StalledException e) {
                    System.out.println("stalled: warm-up: " + e.getMessage());
                    return 3;
                }
                System.out.println("warmed up: " + warmup + " bytes, " + warmupCount + " round trips");
            }
            // Each measurement runs whatever became of the one before it (Kwik's connections may close under a
            // long request/response run): the exit status is the worst of them, 3 for a stall, 1 for a failure.
            int status = 0;
            if (bulk || rr) {
                try {
                    status = single(stack, bulk, rr, total, messageSize, count, rrSize, deadline, deadlineSeconds);
                } catch (IOException e) {
                    System.out.println("failed: single connection: " + e + causes(e));
                    status = 1;
                }
            }
            if (handshakeRate) {
                try {
                    if (warmupHandshakes > 0) {
                        handshakes(stack, warmupHandshakes, parallel, System.nanoTime() + deadline);
                        System.out.println("warmed up: " + warmupHandshakes + " handshakes");
                    }
                    System.out.println(handshakes(stack, handshakes, parallel, System.nanoTime() + deadline));
                } catch (PerfStack.StalledException e) {
                    System.out.println("stalled: handshakes: " + e.getMessage());
                    status = 3;
                } catch (IOException e) {
                    System.out.println("failed: handshakes: " + e + causes(e));
                    status = Math.max(status, 1);
                }
            }
            if (many) {
                for (int n : connections) {
                    try {
                        System.out.println(concurrent(stack, n, concurrentTotal, messageSize,
                                System.nanoTime() + deadline));
                    } catch (PerfStack.StalledException e) {
                        System.out.println("stalled: concurrent " + n + ": " + e.getMessage());
                        status = 3;
                    } catch (IOException e) {
                        System.out.println("failed: concurrent " + n + ": " + e + causes(e));
                        status = Math.max(status, 1);
                    }
                }
            }
            return status;
        }
    }

    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            text.append(" <- ").append(c);
        }
        return text.toString();
    }

    /** The single-connection measurements on one new connection; {@return the exit status so far} */
    private static int single(PerfStack stack, boolean bulk, boolean rr, long total, int messageSize, int count,
                              int rrSize, long deadline, long deadlineSeconds) throws Exception {
        try (PerfStack.Connection c = stack.connect()) {
            if (bulk) {
                long cpu0 = cpuNanos();
                long nanos;
                try {
                    nanos = c.throughput(total, messageSize, System.nanoTime() + deadline);
                } catch (PerfStack.StalledException e) {
                    System.out.println("stalled: throughput: " + e.getMessage() + " in " + deadlineSeconds + " s");
                    return 3;
                }
                long cpu = cpuNanos() - cpu0;
                System.out.println(String.format(Locale.ROOT,
                        "throughput: %.1f MiB in %.3f s with %d-byte messages: %.1f MiB/s (%.1f Mbit/s), "
                                + "process CPU %.3f s (%.2f s/GiB)",
                        total / 1048576.0, nanos / 1e9, messageSize, total / 1048576.0 / (nanos / 1e9),
                        total * 8e3 / nanos, cpu / 1e9, cpu / 1e9 * (1L << 30) / total));
            }
            if (rr) {
                long[] samples = new long[count];
                long nanos;
                try {
                    nanos = c.requestResponse(count, rrSize, samples, System.nanoTime() + deadline);
                } catch (PerfStack.StalledException e) {
                    System.out.println("stalled: request/response: " + e.getMessage());
                    return 3;
                }
                Arrays.sort(samples);
                System.out.println(String.format(Locale.ROOT,
                        "request/response: %d x %d B each way in %.3f s: %.0f round trips/s, latency n=%d "
                                + "p50=%.1f us p90=%.1f us p99=%.1f us max=%.1f us",
                        count, rrSize, nanos / 1e9, count * 1e9 / nanos, count, rank(samples, 50) / 1e3,
                        rank(samples, 90) / 1e3, rank(samples, 99) / 1e3, samples[count - 1] / 1e3));
            }
        }
        return 0;
    }

    /**
     * {@code count} connections from {@code parallel} threads, each connecting, running one empty throughput
     * stream and closing; {@return the line qsock perf prints for its handshakes}
     */
    static String handshakes(PerfStack stack, int count, int parallel, long deadlineNanos)
            throws Exception {
        long[] samples = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        int threads = Math.min(parallel, count);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < count && System.nanoTime() - deadlineNanos < 0; ) {
                        long t0 = System.nanoTime();
                        try (PerfStack.Connection c = stack.connect()) {
                            samples[i] = System.nanoTime() - t0;
                            c.throughput(0, 1, deadlineNanos);
                        }
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            awaitAll(workers, deadlineNanos, () -> done.get() + " of " + count + " handshakes done");
            long nanos = System.nanoTime() - start;
            if (done.get() != count) {
                throw new PerfStack.StalledException(done.get() + " of " + count + " handshakes done");
            }
            Arrays.sort(samples);
            return String.format(Locale.ROOT, "handshakes: %d in %.3f s with %d parallel clients: %.0f handshakes/s, "
                            + "latency n=%d p50=%.1f us p99=%.1f us max=%.1f us", count, nanos / 1e9, threads,
                    count * 1e9 / nanos, count, rank(samples, 50) / 1e3, rank(samples, 99) / 1e3,
                    samples[count - 1] / 1e3);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Opens {@code n} connections, then has each send its share of {@code total} at once from a thread of its own;
     * {@return the line qsock perf prints for it}
     */
    static String concurrent(PerfStack stack, int n, long total, int messageSize, long deadlineNanos)
            throws Exception {
        List<PerfStack.Connection> open = new ArrayList<>(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            for (int i = 0; i < n; i++) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new PerfStack.StalledException(i + " of " + n + " connected");
                }
                open.add(stack.connect());
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> senders = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                PerfStack.Connection c = open.get(i);
                long share = total / n + (i < total % n ? 1 : 0);
                senders.add(pool.submit(() -> {
                    go.await();
                    c.throughput(share, messageSize, deadlineNanos);
                    return null;
                }));
            }
            long cpu0 = cpuNanos();
            long start = System.nanoTime();
            go.countDown();
            awaitAll(senders, deadlineNanos, () -> n + " connections still sending");
            long nanos = System.nanoTime() - start;
            long cpu = cpuNanos() - cpu0;
            // Each throughput call checked the server's count of its share: the total is exact.
            return String.format(Locale.ROOT, "concurrent: %d connections, %.1f MiB in %.3f s: %.1f MiB/s "
                            + "(%.1f Mbit/s), process CPU %.3f s (%.2f s/GiB)", n, total / 1048576.0, nanos / 1e9,
                    total * 1e9 / nanos / 1048576.0, total * 8e3 / nanos, cpu / 1e9, cpu / 1e9 * (1L << 30) / total);
        } finally {
            for (PerfStack.Connection c : open) {
                c.close();
            }
            pool.shutdownNow();
        }
    }

    private static void awaitAll(List<Future<?>> futures, long deadlineNanos,
                                 java.util.function.Supplier<String> progress) throws Exception {
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PerfStack.StalledException stalled) {
                    throw stalled;
                }
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (TimeoutException e) {
                throw new PerfStack.StalledException(progress.get());
            }
        }
    }

    /** The nearest-rank percentile of ascending samples, as qsock perf reports it. */
    private static long rank(long[] sorted, int p) {
        int r = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(r, 1) - 1];
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long size(String s) {
        long unit = switch (s.isEmpty() ? ' ' : Character.toLowerCase(s.charAt(s.length() - 1))) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        return Long.parseLong(digits) * unit;
    }
}
