package qsock.tools.perf;

import java.util.Locale;
import qsock.tools.term.Units;

/**
 * One bulk transfer measured by {@code qsock perf}.
 *
 * @param bytes the bytes the server counted
 * @param messageSize the size of each send call
 * @param nanos from the first byte sent to the server's count received
 * @param cpuNanos the process's CPU time over the same span (see {@link ProcessCpu}), or -1 when unknown
 */
public record ThroughputResult(long bytes, int messageSize, long nanos, long cpuNanos) {

    /** {@return mebibytes per second} */
    public double mibPerSecond() {
        return Units.mibPerSecond(bytes, nanos);
    }

    /** {@return the process's CPU seconds per GiB moved, or NaN when the CPU time is unknown} */
    public double cpuSecondsPerGib() {
        return cpuNanos < 0 || bytes == 0 ? Double.NaN : cpuNanos / 1e9 * (1L << 30) / bytes;
    }

    @Override
    public String toString() {
        String cpu = cpuNanos < 0 ? "" : String.format(Locale.ROOT, ", process CPU %s (%.2f s/GiB)",
                Units.duration(cpuNanos), cpuSecondsPerGib());
        return "throughput: " + Units.bytes(bytes) + " in " + Units.duration(nanos) + " with " + messageSize
                + "-byte messages: " + Units.rate(bytes, nanos) + String.format(Locale.ROOT,
                " (%.1f Mbit/s)", bytes * 8e3 / nanos) + cpu;
    }
}
