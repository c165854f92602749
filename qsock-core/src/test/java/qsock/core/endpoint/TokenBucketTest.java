package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A token bucket on the caller's clock: a full burst at first, then the rate, never more than the burst saved. */
class TokenBucketTest {

    private static final long MS = 1_000_000L;

    private static int take(TokenBucket b, int tries, long now) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (b.tryTake(now)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aFullBurstFirstThenTheRate() {
        TokenBucket b = new TokenBucket(100, 10);
        long now = Long.MAX_VALUE - 50 * MS; // the clock's origin is anything; it may wrap
        assertEquals(10, take(b, 50, now));
        assertEquals(0, take(b, 50, now + 9 * MS), "one token per 10 ms: none yet");
        assertEquals(1, take(b, 50, now + 10 * MS));
        assertEquals(2, take(b, 50, now + 30 * MS));
        assertEquals(10, take(b, 50, now + 10_000 * MS), "a long quiet time saves a burst, no more");
    }

    @Test
    void aClockThatGoesBackEarnsNothing() {
        TokenBucket b = new TokenBucket(100, 1);
        assertTrue(b.tryTake(1_000 * MS));
        assertFalse(b.tryTake(0));
        assertFalse(b.tryTake(1_005 * MS), "5 ms after the real last time: half a token");
        assertTrue(b.tryTake(1_010 * MS));
    }

    @Test
    void aRateOfZeroGivesNothing() {
        assertEquals(0, take(new TokenBucket(0, 0), 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(-1, 5));
    }
}
