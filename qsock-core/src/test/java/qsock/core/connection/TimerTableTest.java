package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The connection's timer table: the next deadline is the earliest armed timer, stopped timers never expire. */
class TimerTableTest {

    @Test
    void anEmptyTableHasNoDeadline() {
        TimerTable t = new TimerTable();
        assertEquals(TimerTable.STOPPED, t.next());
        for (Timer timer : Timer.values()) {
            assertEquals(TimerTable.STOPPED, t.get(timer));
            assertFalse(t.isExpired(timer, Long.MAX_VALUE - 1), timer + " is stopped");
            assertFalse(t.isExpired(timer, Long.MIN_VALUE), timer + " is stopped, whatever the clock reads");
        }
    }

    @Test
    void theNextDeadlineIsTheEarliestArmedTimer() {
        TimerTable t = new TimerTable();
        t.set(Timer.IDLE, 30_000);
        t.set(Timer.ACK_DELAY, 25);
        t.set(Timer.PATH_MTU_RAISE, 600_000);
        assertEquals(25, t.next());
        t.stop(Timer.ACK_DELAY);
        assertEquals(30_000, t.next());
        t.set(Timer.LOSS_DETECTION, TimerTable.STOPPED);
        assertEquals(30_000, t.next(), "setting STOPPED stops");
        t.stopAll();
        assertEquals(TimerTable.STOPPED, t.next());
    }

    @Test
    void aTimerExpiresWhenTheClockReachesItsDeadline() {
        TimerTable t = new TimerTable();
        t.set(Timer.PACING, 100);
        assertFalse(t.isExpired(Timer.PACING, 99));
        assertTrue(t.isExpired(Timer.PACING, 100));
        assertTrue(t.isExpired(Timer.PACING, 101));
        assertFalse(t.isExpired(Timer.KEEP_ALIVE, 101));
    }

    @Test
    void timesCompareAsAClockThatMayBeNegative() {
        // System.nanoTime() may be negative: the earliest of -5 and 3 is -5, and -5 is reached at -5.
        TimerTable t = new TimerTable();
        t.set(Timer.IDLE, 3);
        t.set(Timer.CLOSE, -5);
        assertEquals(-5, t.next());
        assertTrue(t.isExpired(Timer.CLOSE, -5));
        assertFalse(t.isExpired(Timer.IDLE, -5));
    }

    @Test
    void theNextDeadlineIsTheMinimumOverRandomTables() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 1_000; round++) {
            TimerTable t = new TimerTable();
            long min = TimerTable.STOPPED;
            for (Timer timer : Timer.values()) {
                if (random.nextBoolean()) {
                    long d = random.nextLong(-1_000_000, 1_000_000);
                    t.set(timer, d);
                    min = Math.min(min, d);
                }
            }
            assertEquals(min, t.next(), t.toString());
        }
    }
}
