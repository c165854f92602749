package qsock.tools.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

    @Test
    void nearestRankOnOneToHundred() {
        long[] samples = new long[100];
        for (int i = 0; i < 100; i++) {
            samples[i] = 100 - i; // descending: the summary must sort
        }
        LatencySummary s = LatencySummary.of(samples, 100);
        assertEquals(new LatencySummary(100, 50, 90, 99, 100, 50), s);
    }

    @Test
    void nearestRankOnSmallCounts() {
        assertEquals(new LatencySummary(1, 7, 7, 7, 7, 7), LatencySummary.of(new long[] {7}, 1));
        // n=4: p50 -> rank 2, p90 -> rank 4 (ceil 3.6), p99 -> rank 4
        assertEquals(new LatencySummary(4, 20, 40, 40, 40, 25), LatencySummary.of(new long[] {40, 10, 30, 20}, 4));
        // n=10: p90 -> rank 9, p99 -> rank 10
        long[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(new LatencySummary(10, 5, 9, 10, 10, 5), LatencySummary.of(ten, 10));
    }

    @Test
    void usesOnlyTheFirstCountSamplesAndLeavesTheArrayAlone() {
        long[] samples = {5, 1, 3, 1000, 2000};
        LatencySummary s = LatencySummary.of(samples, 3);
        assertEquals(5, s.maxNanos());
        assertArrayEquals(new long[] {5, 1, 3, 1000, 2000}, samples);
    }

    @Test
    void percentilesAreMeasuredValuesAndOrdered() {
        Random random = new Random(11);
        for (int run = 0; run < 500; run++) {
            int n = 1 + random.nextInt(300);
            long[] samples = random.longs(n, 0, 1_000_000).toArray();
            LatencySummary s = LatencySummary.of(samples, n);
            long[] sorted = samples.clone();
            Arrays.sort(sorted);
            for (long p : new long[] {s.p50Nanos(), s.p90Nanos(), s.p99Nanos(), s.maxNanos()}) {
                assertEquals(true, Arrays.binarySearch(sorted, p) >= 0);
            }
            assertEquals(true, s.p50Nanos() <= s.p90Nanos() && s.p90Nanos() <= s.p99Nanos()
                    && s.p99Nanos() <= s.maxNanos());
            // Nearest rank: at least p% of the samples are at or below the p-th percentile.
            long atOrBelowP90 = Arrays.stream(sorted).filter(v -> v <= s.p90Nanos()).count();
            assertEquals(true, atOrBelowP90 * 100 >= 90L * n);
        }
    }

    @Test
    void refusesNoSamplesAndPercentilesOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.of(new long[0], 0));
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.percentile(new long[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.percentile(new long[] {1}, 100.5));
    }
}
