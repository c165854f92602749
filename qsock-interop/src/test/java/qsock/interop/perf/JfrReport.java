package qsock.interop.perf;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording of {@code qsock perf} (scripts/perf-compare --jfr) and reports, for the measured
 * transfer only (the window of its {@code qsock.perf.Transfer} event, warm-up left out): allocations by class
 * and top qsock frame with bytes per packet, qsock's own against the JDK's; where the threads spend their time
 * (Java execution samples by thread and top frame, native samples, parks and monitor waits); per-thread CPU
 * load; garbage collections.
 *
 * <pre>JfrReport RECORDING.jfr DATAGRAM_SIZE</pre>
 * Packets are estimated as the stream bytes over the stream bytes one datagram carries: the datagram size less
 * {@value #PACKET_OVERHEAD} bytes (1-RTT header with an 8-byte connection ID and a 4-byte packet number, the
 * 16-byte AEAD tag, a STREAM frame header with an 8-byte offset and a length).
 */
public final class JfrReport {

    static final int PACKET_OVERHEAD = 1 + 8 + 4 + 16 + 1 + 1 + 8 + 2;
    private static final int TOP = 15;

    private JfrReport() {}

    /** Prints the report of the recording in {@code args[0]}; {@code args[1]} is the datagram size. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: JfrReport RECORDING.jfr DATAGRAM_SIZE");
            System.exit(2);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        int datagram = Integer.parseInt(args[1]);
        RecordedEvent transfer = events.stream()
                .filter(e -> e.getEventType().getName().equals("qsock.perf.Transfer") && !e.getBoolean("warmup"))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("no measured qsock.perf.Transfer event in " + args[0]));
        Instant from = transfer.getStartTime();
        Instant to = transfer.getEndTime();
        long bytes = transfer.getLong("bytes");
        double seconds = Duration.between(from, to).toNanos() / 1e9;
        long packets = bytes / (datagram - PACKET_OVERHEAD);
        System.out.printf(Locale.ROOT, "measured transfer: %d bytes in %.3f s (%.1f MiB/s), ~%d data packets of %d "
                + "bytes (%.0f/s)%n", bytes, seconds, bytes / 1048576.0 / seconds, packets, datagram, packets / seconds);
        List<RecordedEvent> window = events.stream()
                .filter(e -> !e.getStartTime().isBefore(from) && !e.getEndTime().isAfter(to))
                .toList();

        allocations(of(window, "jdk.ObjectAllocationSample"), packets);
        cpuLoad(of(window, "jdk.CPULoad"), of(window, "jdk.ThreadCPULoad"));
        executionSamples(of(window, "jdk.ExecutionSample"), seconds);
        nativeSamples(of(window, "jdk.NativeMethodSample"));
        waits(of(window, "jdk.ThreadPark"), "parks (LockSupport.park: condition waits, lock queueing)", seconds);
        waits(of(window, "jdk.JavaMonitorEnter"), "monitor enters that waited", seconds);
        collections(of(window, "jdk.GarbageCollection"), seconds);
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    // --------------------------------------------------------------------------------------------------
    // Allocation

    private static void allocations(List<RecordedEvent> samples, long packets) {
        long total = 0;
        long qsockOwn = 0;
        long jdkForQsock = 0;
        long other = 0;
        Map<String, Long> bySite = new HashMap<>();
        for (RecordedEvent e : samples) {
            long weight = e.getLong("weight");
            total += weight;
            RecordedStackTrace st = e.getStackTrace();
            String top = st == null || st.getFrames().isEmpty() ? "?" : type(st.getFrames().getFirst());
            RecordedFrame q = topQsockFrame(st);
            if (top.startsWith("qsock.")) {
                qsockOwn += weight;
            } else if (q != null) {
                jdkForQsock += weight;
            } else {
                other += weight;
            }
            String clazz = e.getClass("objectClass").getName();
            String site = clazz + "  <-  " + (q == null ? "(no qsock frame: " + top + ")" : frame(q))
                    + (top.startsWith("qsock.") || q == null ? "" : "  via " + frame(st.getFrames().getFirst()));
            bySite.merge(site, weight, Long::sum);
        }
        System.out.printf(Locale.ROOT, "%nallocation (jdk.ObjectAllocationSample, %d samples, weights sum to the "
                + "estimated bytes): %.1f MiB in the window, %.0f B per data packet%n", samples.size(),
                total / 1048576.0, perPacket(total, packets));
        System.out.printf(Locale.ROOT, "  allocated in qsock's own code (top frame qsock.*): %.1f MiB, %.1f B/packet%n",
                qsockOwn / 1048576.0, perPacket(qsockOwn, packets));
        System.out.printf(Locale.ROOT, "  allocated in the JDK on behalf of qsock (a qsock frame below): %.1f MiB, "
                + "%.1f B/packet%n", jdkForQsock / 1048576.0, perPacket(jdkForQsock, packets));
        System.out.printf(Locale.ROOT, "  elsewhere (no qsock frame: JIT, JFR, tool): %.1f MiB, %.1f B/packet%n",
                other / 1048576.0, perPacket(other, packets));
        System.out.println("  top sites: class <- top qsock frame [via the allocating JDK frame]");
        long all = total;
        top(bySite, TOP).forEach(en -> System.out.printf(Locale.ROOT, "    %7.1f B/packet %5.1f%%  %s%n",
                perPacket(en.getValue(), packets), 100.0 * en.getValue() / Math.max(1, all), en.getKey()));
    }

    private static double perPacket(long bytes, long packets) {
        return packets == 0 ? 0 : (double) bytes / packets;
    }

    // --------------------------------------------------------------------------------------------------
    // Time

    private static void cpuLoad(List<RecordedEvent> process, List<RecordedEvent> threads) {
        if (!process.isEmpty()) {
            double user = process.stream().mapToDouble(e -> e.getDouble("jvmUser")).average().orElse(0);
            double system = process.stream().mapToDouble(e -> e.getDouble("jvmSystem")).average().orElse(0);
            double machine = process.stream().mapToDouble(e -> e.getDouble("machineTotal")).average().orElse(0);
            int cpus = Runtime.getRuntime().availableProcessors();
            System.out.printf(Locale.ROOT, "%nCPU load (jdk.CPULoad, share of all %d CPUs): this JVM %.0f%% user + "
                    + "%.0f%% system, the machine %.0f%%%n", cpus, 100 * user, 100 * system, 100 * machine);
        }
        if (!threads.isEmpty()) {
            Map<String, double[]> byThread = new HashMap<>();
            for (RecordedEvent e : threads) {
                double[] acc = byThread.computeIfAbsent(threadName(e.getThread("eventThread")), k -> new double[3]);
                acc[0] += e.getFloat("user");
                acc[1] += e.getFloat("system");
                acc[2]++;
            }
            System.out.println("  per thread (jdk.ThreadCPULoad, share of all CPUs as JFR reports it, averaged over"
                    + " the window's readings):");
            byThread.entrySet().stream()
                    .sorted(Comparator.comparingDouble(en -> -(en.getValue()[0] + en.getValue()[1])))
                    .limit(8)
                    .forEach(en -> System.out.printf(Locale.ROOT, "    %-28s user %5.1f%% system %5.1f%%%n", en.getKey(),
                            100 * en.getValue()[0] / en.getValue()[2], 100 * en.getValue()[1] / en.getValue()[2]));
        }
    }

    private static void executionSamples(List<RecordedEvent> samples, double seconds) {
        System.out.printf(Locale.ROOT, "%nJava execution samples (jdk.ExecutionSample): %d%n", samples.size());
        Map<String, Long> byThread = count(samples, e -> threadName(e.getThread("sampledThread")));
        System.out.println("  by thread:");
        top(byThread, 8).forEach(en -> System.out.printf(Locale.ROOT, "    %6d %5.1f%%  %s%n", en.getValue(),
                100.0 * en.getValue() / samples.size(), en.getKey()));
        System.out.println("  by top frame:");
        top(count(samples, e -> topFrame(e.getStackTrace())), 25).forEach(en -> System.out.printf(Locale.ROOT,
                "    %6d %5.1f%%  %s%n", en.getValue(), 100.0 * en.getValue() / samples.size(), en.getKey()));
        System.out.println("  by top qsock frame (where qsock's code or what it called ran):");
        top(count(samples, e -> {
            RecordedFrame q = topQsockFrame(e.getStackTrace());
            return q == null ? "(none)" : frame(q);
        }), TOP).forEach(en -> System.out.printf(Locale.ROOT, "    %6d %5.1f%%  %s%n", en.getValue(),
                100.0 * en.getValue() / samples.size(), en.getKey()));
        System.out.println("  by thread and the qsock method it was in, top of the I/O and application threads:");
        top(count(samples, e -> threadName(e.getThread("sampledThread")) + "  " + stackSummary(e.getStackTrace())),
                TOP).forEach(en -> System.out.printf(Locale.ROOT, "    %6d %5.1f%%  %s%n", en.getValue(),
                100.0 * en.getValue() / samples.size(), en.getKey()));
    }

    private static void nativeSamples(List<RecordedEvent> samples) {
        System.out.printf(Locale.ROOT, "%nnative samples (jdk.NativeMethodSample: threads in native code, e.g. "
                + "waiting in epoll or inside send/receive): %d%n", samples.size());
        top(count(samples, e -> threadName(e.getThread("sampledThread")) + "  " + topFrame(e.getStackTrace())), 10)
                .forEach(en -> System.out.printf(Locale.ROOT, "    %6d %5.1f%%  %s%n", en.getValue(),
                        100.0 * en.getValue() / samples.size(), en.getKey()));
    }

    private static void waits(List<RecordedEvent> waits, String what, double seconds) {
        Map<String, long[]> bySite = new HashMap<>();
        long totalNanos = 0;
        for (RecordedEvent e : waits) {
            long nanos = e.getDuration().toNanos();
            totalNanos += nanos;
            RecordedFrame q = topQsockFrame(e.getStackTrace());
            String key = threadName(e.getThread("eventThread")) + "  " + (q == null ? topFrame(e.getStackTrace())
                    : frame(q));
            long[] acc = bySite.computeIfAbsent(key, k -> new long[2]);
            acc[0]++;
            acc[1] += nanos;
        }
        System.out.printf(Locale.ROOT, "%n%s over the recording's threshold: %d, %.3f s in all (%.0f%% of the "
                + "window, summed over threads)%n", what, waits.size(), totalNanos / 1e9, 100 * totalNanos / 1e9 / seconds);
        bySite.entrySet().stream()
                .sorted(Comparator.comparingLong(en -> -en.getValue()[1]))
                .limit(10)
                .forEach(en -> System.out.printf(Locale.ROOT, "    %7d waits %8.1f ms  %s%n", en.getValue()[0],
                        en.getValue()[1] / 1e6, en.getKey()));
    }

    private static void collections(List<RecordedEvent> gcs, double seconds) {
        double pause = gcs.stream().mapToDouble(e -> e.getDuration("sumOfPauses").toNanos() / 1e6).sum();
        System.out.printf(Locale.ROOT, "%ngarbage collections in the window: %d, pauses %.1f ms in all (%.2f%% of the "
                + "window)%n", gcs.size(), pause, pause / 10 / seconds);
    }

    // --------------------------------------------------------------------------------------------------
    // Frames

    private static RecordedFrame topQsockFrame(RecordedStackTrace st) {
        if (st == null) {
            return null;
        }
        for (RecordedFrame f : st.getFrames()) {
            if (f.isJavaFrame() && type(f).startsWith("qsock.")) {
                return f;
            }
        }
        return null;
    }

    private static String topFrame(RecordedStackTrace st) {
        return st == null || st.getFrames().isEmpty() ? "?" : frame(st.getFrames().getFirst());
    }

    /** The top frame, and the top qsock frame below it when the top one is not qsock's. */
    private static String stackSummary(RecordedStackTrace st) {
        String top = topFrame(st);
        RecordedFrame q = topQsockFrame(st);
        if (q == null || frame(q).equals(top)) {
            return top;
        }
        return top + "  <-  " + frame(q);
    }

    private static String type(RecordedFrame f) {
        return f.getMethod().getType().getName();
    }

    private static String frame(RecordedFrame f) {
        String t = type(f);
        return t.substring(t.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static String threadName(RecordedThread t) {
        if (t == null) {
            return "?";
        }
        String name = t.getJavaName() != null ? t.getJavaName() : t.getOSName();
        // qsock's threads keep their port (the server's is the one perf connected to); pool and compiler
        // threads lose their counters, so that they add up by role.
        if (name == null) {
            return "?";
        }
        return name.startsWith("qsock-") ? name : name.replaceAll("\\d+", "#");
    }

    private static Map<String, Long> count(List<RecordedEvent> events, Function<RecordedEvent, String> key) {
        Map<String, Long> counts = new HashMap<>();
        for (RecordedEvent e : events) {
            counts.merge(key.apply(e), 1L, Long::sum);
        }
        return counts;
    }

    private static List<Map.Entry<String, Long>> top(Map<String, Long> counts, int n) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return entries.subList(0, Math.min(n, entries.size()));
    }
}
