package qsock.core.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {

    private static final long MS = 1_000_000L;

    @Test
    void startsFromTheInitialRtt() {
        RttEstimator rtt = new RttEstimator();
        // RFC 9002 §5.3: smoothed_rtt = kInitialRtt, rttvar = kInitialRtt / 2.
        assertEquals(333 * MS, rtt.smoothedRtt());
        assertEquals(166_500_000L, rtt.rttVar());
        assertEquals(0, rtt.minRtt());
        assertEquals(0, rtt.latestRtt());
        assertFalse(rtt.hasSample());
        // RFC 9002 §6.2.2: an initial RTT of 333 ms gives a first PTO of about 1 s.
        assertEquals(999 * MS, rtt.pto(25 * MS, false));
        assertEquals(1024 * MS, rtt.pto(25 * MS, true));
    }

    @Test
    void theFirstSampleResetsTheEstimate() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 40 * MS, false, 25 * MS);
        // RFC 9002 §5.3: smoothed_rtt = latest_rtt, rttvar = latest_rtt / 2; the ack delay is not used.
        assertEquals(100 * MS, rtt.smoothedRtt());
        assertEquals(50 * MS, rtt.rttVar());
        assertEquals(100 * MS, rtt.minRtt());
        assertEquals(100 * MS, rtt.latestRtt());
        assertTrue(rtt.hasSample());
    }

    @Test
    void laterSamplesAreSmoothedAfterSubtractingTheAckDelay() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, false, 25 * MS);
        // Not confirmed: the 30 ms ack delay is used whole although max_ack_delay is 25 ms.
        rtt.update(140 * MS, 30 * MS, false, 25 * MS);
        long adjusted = 110 * MS;
        assertEquals((3 * 50 * MS + (adjusted - 100 * MS)) / 4, rtt.rttVar());   // 40 ms
        assertEquals((7 * 100 * MS + adjusted) / 8, rtt.smoothedRtt());          // 101.25 ms
        assertEquals(40 * MS, rtt.rttVar());
        assertEquals(101_250_000L, rtt.smoothedRtt());
        assertEquals(100 * MS, rtt.minRtt());
        assertEquals(140 * MS, rtt.latestRtt());
    }

    @Test
    void afterConfirmationTheAckDelayIsCappedAtMaxAckDelay() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, true, 25 * MS);
        rtt.update(140 * MS, 30 * MS, true, 25 * MS);
        long adjusted = 115 * MS;  // RFC 9002 §5.3: min(ack_delay, max_ack_delay) = 25 ms
        assertEquals((7 * 100 * MS + adjusted) / 8, rtt.smoothedRtt());
        assertEquals((3 * 50 * MS + (adjusted - 100 * MS)) / 4, rtt.rttVar());
    }

    @Test
    void theAckDelayIsNotSubtractedBelowMinRtt() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, true, 25 * MS);
        // 105 - 10 would be below min_rtt 100: RFC 9002 §5.3 keeps the raw sample.
        rtt.update(105 * MS, 10 * MS, true, 25 * MS);
        assertEquals((7 * 100 * MS + 105 * MS) / 8, rtt.smoothedRtt());
        assertEquals((3 * 50 * MS + 5 * MS) / 4, rtt.rttVar());
    }

    @Test
    void minRttIgnoresTheAckDelay() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, true, 25 * MS);
        rtt.update(90 * MS, 20 * MS, true, 25 * MS);
        assertEquals(90 * MS, rtt.minRtt());
        rtt.update(200 * MS, 0, true, 25 * MS);
        assertEquals(90 * MS, rtt.minRtt());
    }

    @Test
    void ptoHasAFloorOfOneGranularityForTheVariation() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100_000L, 0, true, 0);  // 100 µs: 4 * rttvar = 200 µs < kGranularity
        assertEquals(100_000L + RttEstimator.GRANULARITY_NANOS, rtt.pto(0, false));
        assertEquals(100_000L + RttEstimator.GRANULARITY_NANOS + 5 * MS, rtt.pto(5 * MS, true));
    }

    @Test
    void persistentCongestionDurationAlwaysIncludesMaxAckDelay() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, true, 25 * MS);
        // RFC 9002 §7.6.1: (100 + max(200, 1) + 25) * 3.
        assertEquals(975 * MS, rtt.persistentCongestionDuration(25 * MS));
    }

    @Test
    void resetSetsMinRttToTheLatestSampleAndKeepsTheSmoothedRtt() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(100 * MS, 0, true, 25 * MS);
        rtt.update(300 * MS, 0, true, 25 * MS);
        long smoothed = rtt.smoothedRtt();
        assertEquals(100 * MS, rtt.minRtt());
        rtt.reset();
        assertEquals(300 * MS, rtt.minRtt());
        assertEquals(smoothed, rtt.smoothedRtt());
    }

    @Test
    void resetWithoutASampleChangesNothing() {
        RttEstimator rtt = new RttEstimator(50 * MS);
        rtt.reset();
        assertEquals(0, rtt.minRtt());
        assertEquals(50 * MS, rtt.smoothedRtt());
        assertFalse(rtt.hasSample());
    }

    @Test
    void resetToInitialForgetsEverySample() {
        RttEstimator rtt = new RttEstimator(50 * MS);
        rtt.update(10 * MS, 0, true, 0);
        rtt.resetToInitial();
        assertEquals(50 * MS, rtt.smoothedRtt());
        assertEquals(25 * MS, rtt.rttVar());
        assertEquals(0, rtt.minRtt());
        assertFalse(rtt.hasSample());
        rtt.update(70 * MS, 0, true, 0);
        assertEquals(70 * MS, rtt.smoothedRtt());  // a first sample again
    }

    @Test
    void aNegativeSampleCountsAsZeroAndTheInitialRttMustBePositive() {
        RttEstimator rtt = new RttEstimator();
        rtt.update(-5, 0, true, 0);
        assertEquals(0, rtt.latestRtt());
        assertEquals(0, rtt.smoothedRtt());
        assertThrows(IllegalArgumentException.class, () -> new RttEstimator(0));
    }
}
