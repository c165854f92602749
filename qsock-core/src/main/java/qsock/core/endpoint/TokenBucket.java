package qsock.core.endpoint;

/**
 * A token bucket on the caller's clock: {@code rate} tokens a second, at most {@code burst} saved up, full at
 * the start. Reads no clock: every call says what time it is, in nanoseconds of any fixed origin.
 *
 * <p>Not thread-safe; the endpoint owns it.
 */
final class TokenBucket {

    private static final long SECOND = 1_000_000_000L;

    /** Nanoseconds that earn one token; 0 when the rate is 0 (no token is ever earned). */
    private final long nanosPerToken;
    /** The credit a full bucket holds, in nanoseconds. */
    private final long capacity;
    /** The credit saved up, in nanoseconds of earning: {@code nanosPerToken} per token. */
    private long credit;
    private long last;
    private boolean started;

    /**
     * @param rate tokens earned per second, 0 for none (the bucket then never gives one)
     * @param burst the most tokens saved up, at least 1 unless the rate is 0
     */
    TokenBucket(int rate, int burst) {
        if (rate < 0 || burst < 0 || rate > 0 && burst == 0) {
            throw new IllegalArgumentException("rate " + rate + " and burst " + burst + ": both non-negative, "
                    + "a burst of at least 1 for a positive rate");
        }
        this.nanosPerToken = rate == 0 ? 0 : Math.max(1, SECOND / rate);
        this.capacity = nanosPerToken * burst;
        this.credit = capacity;
    }

    /** {@return true, taking a token, if one is there at {@code now}; false if the bucket is empty} */
    boolean tryTake(long now) {
        if (nanosPerToken == 0) {
            return false;
        }
        long elapsed = started ? now - last : 0;
        if (!started || elapsed > 0) {
            // A clock that seems to go back earns nothing and moves nothing.
            credit = elapsed >= capacity - credit ? capacity : credit + elapsed;
            last = now;
            started = true;
        }
        if (credit < nanosPerToken) {
            return false;
        }
        credit -= nanosPerToken;
        return true;
    }
}
