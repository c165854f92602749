package qsock.tools.perf;

import qsock.tools.term.Units;

/**
 * One bulk transfer measured by {@code qsock perf}.
 *
 * @param bytes the bytes the server counted
 * @param messageSize the size of each send call
 * @param nanos from the first byte sent to the server's count received
 */
public record ThroughputResult(long bytes, int messageSize, long nanos) {

    /** {@return mebibytes per second} */
    public double mibPerSecond() {
        return Units.mibPerSecond(bytes, nanos);
    }

    @Override
    public String toString() {
        return "throughput: " + Units.bytes(bytes) + " in " + Units.duration(nanos) + " with " + messageSize
                + "-byte messages: " + Units.rate(bytes, nanos) + String.format(java.util.Locale.ROOT,
                " (%.1f Mbit/s)", bytes * 8e3 / nanos);
    }
}
