package qsock.tools.perf;

import java.util.Locale;

/**
 * A bulk transfer over several connections at once, measured by {@code qsock perf --mode concurrent}: every
 * connection sends its share of the total on a stream of its own, all starting together.
 *
 * @param connections the connections that each moved their share
 * @param bytes the bytes the server counted, over all connections
 * @param nanos from the start signal to the last connection's count received
 * @param cpuNanos the process's CPU time over the same span, or -1 when unknown
 */
public record ConcurrentResult(int connections, long bytes, long nanos, long cpuNanos) {

    /** {@return the aggregate mebibytes per second} */
    public double mibPerSecond() {
        return bytes * 1e9 / nanos / (1024.0 * 1024.0);
    }

    /** The line scripts/perf-compare reads; PeerPerf in qsock-interop prints the same for the other stacks. */
    @Override
    public String toString() {
        String cpu = cpuNanos < 0 ? "" : String.format(Locale.ROOT, ", process CPU %.3f s (%.2f s/GiB)",
                cpuNanos / 1e9, cpuNanos / 1e9 * (1L << 30) / bytes);
        return String.format(Locale.ROOT, "concurrent: %d connections, %.1f MiB in %.3f s: %.1f MiB/s (%.1f Mbit/s)",
                connections, bytes / 1048576.0, nanos / 1e9, mibPerSecond(), bytes * 8e3 / nanos) + cpu;
    }
}
