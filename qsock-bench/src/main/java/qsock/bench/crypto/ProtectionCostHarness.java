package qsock.bench.crypto;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import qsock.core.handshake.CipherSuite;

/**
 * qsock's packet protection cost over the bare JCA AEAD call, measured so that machine drift cancels: one
 * JVM runs every variant of {@link ProtectionWorkload} (qsock and raw, seal and open, 1200 and 1452 bytes,
 * AES-128-GCM and ChaCha20-Poly1305) in short alternating blocks, and compares each qsock block with the
 * raw blocks around it rather than with a raw run minutes away.
 *
 * <p>After a warm-up that runs every variant and sizes each comparison's blocks to about
 * {@code --block-ms} of the raw call (and keeps resizing them, slowly, between rounds), each round visits
 * every comparison (starting one further each
 * round) and runs four blocks of the same operation count in A B B A order, qsock first in even rounds
 * and raw first in odd ones. A linear drift within the four blocks then weighs both sides alike, and the
 * round's ratio is qsock's time over raw's, minus 1. Blocks are timed with the current thread's CPU time
 * ({@link ThreadMXBean#getCurrentThreadCpuTime}), which leaves out the time the thread waits for a core
 * and GC threads' work, or with {@link System#nanoTime} where the JVM cannot measure thread CPU time; the
 * output says which. The bytes the thread allocates per operation come from
 * {@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()} where available.
 *
 * <p>Prints, per comparison, the median ns/op and B/op of each side and the median and interquartile range
 * of the per-round ratios, as a table and as tab-separated {@code result} lines that
 * {@code scripts/bench-interleaved} gathers across JVMs. Every result is added into a sink printed at the
 * end, so the JIT cannot drop the work.
 *
 * <p>Options: {@code --warmup-seconds=10}, {@code --seconds=40} (measurement time bound),
 * {@code --rounds=200} (round count bound), {@code --block-ms=10}. Run it in a JVM configured as for the
 * JMH benchmarks ({@code -Xms2g -Xmx2g -Xmn1g -XX:+UseParallelGC}).
 */
public final class ProtectionCostHarness {

    private static final CipherSuite[] SUITES = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256};
    private static final int[] PACKET_SIZES = {1200, 1452};

    private enum Operation { SEAL, OPEN }

    /** One qsock-versus-raw pair of variants, and what its blocks measured. */
    private static final class Comparison {
        final ProtectionWorkload workload;
        final Operation operation;
        /** Operations per block, the same for the four blocks of a round; resized between rounds. */
        int ops = 1000;
        /** Per block, ns/op and B/op; two blocks per side per round. */
        final double[] qsockNs;
        final double[] rawNs;
        final double[] qsockBytes;
        final double[] rawBytes;

        Comparison(ProtectionWorkload workload, Operation operation, int maxRounds) {
            this.workload = workload;
            this.operation = operation;
            qsockNs = new double[2 * maxRounds];
            rawNs = new double[2 * maxRounds];
            qsockBytes = new double[2 * maxRounds];
            rawBytes = new double[2 * maxRounds];
        }

        String name() {
            return operation.name().toLowerCase(Locale.ROOT) + "\t" + workload.suite().name() + "\t"
                    + workload.packetSize();
        }
    }

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean threadCpuTime;
    private final com.sun.management.ThreadMXBean allocation;
    private long sink;
    /** CPU (or wall) nanoseconds and allocated bytes of the last {@link #block}. */
    private long lastNanos;
    private long lastBytes;

    private ProtectionCostHarness() {
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        if (cpu && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        threadCpuTime = cpu && threads.isThreadCpuTimeEnabled();
        com.sun.management.ThreadMXBean a = null;
        if (threads instanceof com.sun.management.ThreadMXBean s && s.isThreadAllocatedMemorySupported()) {
            if (!s.isThreadAllocatedMemoryEnabled()) {
                s.setThreadAllocatedMemoryEnabled(true);
            }
            a = s.isThreadAllocatedMemoryEnabled() ? s : null;
        }
        allocation = a;
    }

    /**
     * Runs the measurement and prints its results.
     *
     * @param args {@code --warmup-seconds=}, {@code --seconds=}, {@code --rounds=}, {@code --block-ms=}
     * @throws GeneralSecurityException if the JDK lacks AES-GCM or ChaCha20-Poly1305
     */
    public static void main(String[] args) throws GeneralSecurityException {
        double warmupSeconds = 10;
        double seconds = 40;
        int maxRounds = 200;
        double blockMs = 10;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("options look like --seconds=40, not " + arg);
            }
            switch (kv[0]) {
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(kv[1]);
                case "--seconds" -> seconds = Double.parseDouble(kv[1]);
                case "--rounds" -> maxRounds = Integer.parseInt(kv[1]);
                case "--block-ms" -> blockMs = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown option " + kv[0]
                        + "; known: --warmup-seconds, --seconds, --rounds, --block-ms");
            }
        }
        if (maxRounds < 1 || seconds <= 0 || blockMs <= 0 || warmupSeconds < 0) {
            throw new IllegalArgumentException("rounds, seconds and block-ms must be positive, warm-up not negative");
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (CipherSuite suite : SUITES) {
            for (int size : PACKET_SIZES) {
                ProtectionWorkload workload = new ProtectionWorkload(suite, size);
                for (Operation operation : Operation.values()) {
                    comparisons.add(new Comparison(workload, operation, maxRounds));
                }
            }
        }
        new ProtectionCostHarness().measure(comparisons.toArray(Comparison[]::new), (long) (warmupSeconds * 1e9),
                (long) (seconds * 1e9), maxRounds, (long) (blockMs * 1e6));
    }

    private void measure(Comparison[] comparisons, long warmupNanos, long measureNanos, int maxRounds,
            long blockNanos) throws GeneralSecurityException {
        System.out.println("clock: " + (threadCpuTime ? "thread CPU time (ThreadMXBean.getCurrentThreadCpuTime)"
                : "wall time (System.nanoTime; thread CPU time unsupported)"));
        System.out.println("allocation: " + (allocation != null ? "ThreadMXBean.getCurrentThreadAllocatedBytes"
                : "unsupported"));
        System.out.println("java " + System.getProperty("java.vm.version") + ", " + comparisons.length
                + " comparisons, blocks of ~" + blockNanos / 1_000_000.0 + " ms");

        // Warm-up: every variant, blocks resized towards the target from the raw call's time each pass.
        long warmupStart = System.nanoTime();
        int passes = 0;
        do {
            for (Comparison c : comparisons) {
                block(c, false);
                resize(c, (double) lastNanos / c.ops, blockNanos, 4);
                block(c, true);
            }
            passes++;
        } while (System.nanoTime() - warmupStart < warmupNanos);
        System.out.printf(Locale.ROOT, "warm-up: %d passes in %.1f s%n", passes,
                (System.nanoTime() - warmupStart) / 1e9);

        long start = System.nanoTime();
        int rounds = 0;
        while (rounds < maxRounds && System.nanoTime() - start < measureNanos) {
            boolean qsockFirst = (rounds & 1) == 0;
            for (int k = 0; k < comparisons.length; k++) {
                Comparison c = comparisons[(k + rounds) % comparisons.length];
                // A B B A: the two blocks of each side sit symmetrically around the middle of the round.
                record(c, qsockFirst, 2 * rounds);
                record(c, !qsockFirst, 2 * rounds);
                record(c, !qsockFirst, 2 * rounds + 1);
                record(c, qsockFirst, 2 * rounds + 1);
                // Keep tracking the raw call's speed, slowly: one slow round (a compilation, a stall the
                // thread's CPU time still sees) must not shrink the blocks to nothing. Both sides of a
                // round share one operation count, so resizing between rounds leaves the ratios alone.
                resize(c, (c.rawNs[2 * rounds] + c.rawNs[2 * rounds + 1]) / 2, blockNanos, 1.25);
            }
            rounds++;
        }
        System.out.printf(Locale.ROOT, "measured: %d rounds (%d blocks per variant) in %.1f s%n%n", rounds,
                2 * rounds, (System.nanoTime() - start) / 1e9);
        report(comparisons, rounds);
        System.out.println("sink " + sink);
    }

    /** Moves {@code c}'s operation count towards a block of {@code blockNanos}, by at most {@code maxFactor}. */
    private static void resize(Comparison c, double nanosPerOp, long blockNanos, double maxFactor) {
        double factor = Math.clamp(blockNanos / Math.max(1e-3, nanosPerOp * c.ops), 1 / maxFactor, maxFactor);
        c.ops = (int) Math.clamp(Math.round(c.ops * factor), 16, 10_000_000);
    }

    private void record(Comparison c, boolean qsock, int slot) throws GeneralSecurityException {
        block(c, qsock);
        double ns = (double) lastNanos / c.ops;
        double bytes = (double) lastBytes / c.ops;
        if (qsock) {
            c.qsockNs[slot] = ns;
            c.qsockBytes[slot] = bytes;
        } else {
            c.rawNs[slot] = ns;
            c.rawBytes[slot] = bytes;
        }
    }

    /** Runs one block of {@code c.ops} operations of one side; leaves its time and allocation in the fields. */
    private void block(Comparison c, boolean qsock) throws GeneralSecurityException {
        long bytesBefore = allocatedBytes();
        long before = clock();
        ProtectionWorkload w = c.workload;
        int ops = c.ops;
        // One loop method per variant, so that each call site in a loop sees a single workload method.
        int result = switch (c.operation) {
            case SEAL -> qsock ? qsockSeals(w, ops) : rawSeals(w, ops);
            case OPEN -> qsock ? qsockOpens(w, ops) : rawOpens(w, ops);
        };
        long after = clock();
        lastBytes = allocatedBytes() - bytesBefore;
        lastNanos = after - before;
        sink += result + w.outputDigest();
    }

    private static int qsockSeals(ProtectionWorkload w, int ops) {
        int sum = 0;
        for (int i = 0; i < ops; i++) {
            sum += w.qsockSeal();
        }
        return sum;
    }

    private static int rawSeals(ProtectionWorkload w, int ops) throws GeneralSecurityException {
        int sum = 0;
        for (int i = 0; i < ops; i++) {
            sum += w.rawSeal();
        }
        return sum;
    }

    private static int qsockOpens(ProtectionWorkload w, int ops) {
        int sum = 0;
        for (int i = 0; i < ops; i++) {
            sum += w.qsockOpen();
        }
        return sum;
    }

    private static int rawOpens(ProtectionWorkload w, int ops) throws GeneralSecurityException {
        int sum = 0;
        for (int i = 0; i < ops; i++) {
            sum += w.rawOpen();
        }
        return sum;
    }

    private long clock() {
        return threadCpuTime ? threads.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private long allocatedBytes() {
        return allocation != null ? allocation.getCurrentThreadAllocatedBytes() : 0;
    }

    private void report(Comparison[] comparisons, int rounds) {
        System.out.println("operation suite                        bytes  ops/block   raw ns/op qsock ns/op"
                + "   raw B/op qsock B/op  qsock/raw-1 [IQR]            1st half  2nd half");
        StringBuilder lines = new StringBuilder();
        for (Comparison c : comparisons) {
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = (c.qsockNs[2 * r] + c.qsockNs[2 * r + 1]) / (c.rawNs[2 * r] + c.rawNs[2 * r + 1]) - 1;
            }
            int n = 2 * rounds;
            double rawNs = quantile(c.rawNs, n, 0.5);
            double qsockNs = quantile(c.qsockNs, n, 0.5);
            double rawBytes = quantile(c.rawBytes, n, 0.5);
            double qsockBytes = quantile(c.qsockBytes, n, 0.5);
            double median = quantile(ratios, rounds, 0.5);
            double q1 = quantile(ratios, rounds, 0.25);
            double q3 = quantile(ratios, rounds, 0.75);
            int half = rounds / 2;
            double firstHalf = half > 0 ? quantile(ratios, half, 0.5) : Double.NaN;
            double secondHalf = rounds - half > 0
                    ? quantile(Arrays.copyOfRange(ratios, half, rounds), rounds - half, 0.5) : Double.NaN;
            System.out.printf(Locale.ROOT, "%-9s %-28s %5d %10d %11.1f %11.1f %10.1f %10.1f  %+6.1f%% [%+.1f%%, %+.1f%%]"
                    + "  %+6.1f%%  %+6.1f%%%n",
                    c.operation.name().toLowerCase(Locale.ROOT), c.workload.suite().name(),
                    c.workload.packetSize(), c.ops,
                    rawNs, qsockNs, rawBytes, qsockBytes, 100 * median, 100 * q1, 100 * q3,
                    100 * firstHalf, 100 * secondHalf);
            lines.append(String.format(Locale.ROOT,
                    "result\t%s\trounds=%d\traw_ns=%.2f\tqsock_ns=%.2f\traw_bytes=%.1f\tqsock_bytes=%.1f"
                            + "\tratio=%.5f\tq1=%.5f\tq3=%.5f%n",
                    c.name(), rounds, rawNs, qsockNs, rawBytes, qsockBytes, median, q1, q3));
        }
        System.out.println();
        System.out.print(lines);
    }

    /** {@return the q-quantile of the first n values, linearly interpolated} */
    private static double quantile(double[] values, int n, double q) {
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        double at = q * (n - 1);
        int low = (int) Math.floor(at);
        int high = Math.min(n - 1, low + 1);
        return sorted[low] + (at - low) * (sorted[high] - sorted[low]);
    }
}
