package qsock.interop.perf;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code qsock perf --loopback} for the other stacks: a server and a client of quiche (Netty) or Kwik in this
 * process on 127.0.0.1, run as qsock's is, and printing the same result lines, so that scripts/perf-compare
 * reads all three alike. A warm-up runs first on a connection of its own (the JIT warm, the measured
 * connection's flow and congestion control cold); the CPU time is the whole process's (both ends, JIT, GC).
 *
 * <pre>
 * PeerPerf quiche|kwik [--mode throughput|rr|all] [--total BYTES] [--msg-size BYTES] [--count N]
 *          [--rr-size BYTES] [--warmup BYTES] [--warmup-count N] [--deadline SECONDS]
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
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        boolean bulk = !mode.equals("rr");
        boolean rr = !mode.equals("throughput");
        if (!bulk && !rr || !mode.equals("rr") && !mode.equals("throughput") && !mode.equals("all")) {
            throw new IllegalArgumentException("--mode is throughput, rr or all");
        }
        try (PerfStack stack = switch (stackName) {
            case "quiche" -> new QuichePerf();
            case "kwik" -> new KwikPerf();
            default -> throw new IllegalArgumentException("unknown stack " + stackName + " (quiche or kwik)");
        }) {
            System.out.println(stackName + " perf on loopback, datagram size " + stack.datagramSize());
            long deadline = deadlineSeconds * 1_000_000_000L;
            if (bulk && warmup > 0 || rr && warmupCount > 0) {
                try (PerfStack.Connection c = stack.connect()) {
                    if (bulk && warmup > 0) {
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
        }
        return 0;
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
