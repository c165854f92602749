package qsock.core.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The PMTU raise timer (RFC 8899 §5.1.1) is a deadline the search reports, so that the connection's next deadline
 * includes it: a settled search below its ceiling looks again {@link PathMtuSearch#RAISE_INTERVAL_NANOS} later.
 */
class PathMtuRaiseTimerTest {

    @Test
    void aSettledSearchBelowItsCeilingReportsWhenItLooksAgain() {
        PathMtuSearch s = new PathMtuSearch(1200, 1500, 0);
        assertEquals(Long.MAX_VALUE, s.raiseDeadline(), "searching: no raise timer");
        assertTrue(s.wantsProbe(0));
        // Each size tried is lost MAX_PROBES times until the search settles at the base.
        for (int i = 0; i < 100 && !s.isComplete(); i++) {
            s.onProbeSent(i, s.nextProbeSize());
            s.onProbeLost(1_000);
        }
        assertTrue(s.isComplete());
        long deadline = s.raiseDeadline();
        assertEquals(1_000 + PathMtuSearch.RAISE_INTERVAL_NANOS, deadline);
        s.onTimeout(deadline - 1);
        assertEquals(deadline, s.raiseDeadline(), "not yet");
        assertFalse(s.wantsProbe(deadline - 1));
        s.onTimeout(deadline);
        assertEquals(Long.MAX_VALUE, s.raiseDeadline(), "the timeout moves the deadline: the search runs again");
        assertTrue(s.wantsProbe(deadline));
        assertEquals(1500, s.nextProbeSize(), "the ceiling first");
    }

    @Test
    void aRaiseIntervalGivenReplacesTheDefault() {
        // The connection gives 30 probe intervals (ConnectionConfig.pathMtuProbeIntervalMillis, the socket draft's
        // plpmtud_probe_interval).
        long interval = 30 * 5_000_000_000L;
        PathMtuSearch s = new PathMtuSearch(1200, 1500, interval, 0);
        for (int i = 0; i < 100 && !s.isComplete(); i++) {
            s.onProbeSent(i, s.nextProbeSize());
            s.onProbeLost(1_000);
        }
        assertTrue(s.isComplete());
        assertEquals(1_000 + interval, s.raiseDeadline());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new PathMtuSearch(1200, 1500, 0, 0));
    }

    @Test
    void aSearchAtItsCeilingHasNoRaiseTimer() {
        PathMtuSearch t = new PathMtuSearch(1200, 1500, 0);
        t.onProbeSent(0, t.nextProbeSize());
        t.onProbeAcked(5);
        assertEquals(1500, t.current());
        assertEquals(Long.MAX_VALUE, t.raiseDeadline());
    }
}
