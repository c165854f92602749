package qsock.tools.perf;

import java.util.Arrays;
import qsock.tools.term.Units;

/**
 * Round-trip latencies summarized by nearest-rank percentiles: the p-th percentile of n sorted samples is the
 * sample at rank ceil(p/100 * n), so every reported value is one that was measured.
 *
 * @param count samples
 * @param p50Nanos median
 * @param p90Nanos 90th percentile
 * @param p99Nanos 99th percentile
 * @param maxNanos the largest sample
 * @param meanNanos the arithmetic mean, rounded down
 */
public record LatencySummary(int count, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos, long meanNanos) {

    /** {@return the summary of {@code samples[0, count)}; the array is not changed} */
    public static LatencySummary of(long[] samples, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("no samples");
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        long sum = 0;
        for (long s : sorted) {
            sum += s;
        }
        return new LatencySummary(count, percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                sorted[count - 1], sum / count);
    }

    /** {@return the nearest-rank {@code p}-th percentile (0 < p <= 100) of the ascending {@code sorted}} */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0 || !(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile " + p + " of " + sorted.length + " samples");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    @Override
    public String toString() {
        return "n=" + count + " p50=" + Units.duration(p50Nanos) + " p90=" + Units.duration(p90Nanos) + " p99="
                + Units.duration(p99Nanos) + " max=" + Units.duration(maxNanos) + " mean=" + Units.duration(meanNanos);
    }
}
