package qsock.core.connection;

import java.util.Arrays;

/**
 * The deadlines of one connection's {@link Timer}s in one array, as quinn's {@code TimerTable}: the next deadline is
 * the minimum over it, and a timer is either stopped ({@link Long#MAX_VALUE}) or armed at a time of the caller's
 * clock. Times compare by difference, so a clock may wrap as {@link System#nanoTime()} does. Allocates nothing.
 *
 * <p>Not thread-safe; the connection owns it.
 */
final class TimerTable {

    /** The deadline of a stopped timer. */
    static final long STOPPED = Long.MAX_VALUE;

    private final long[] deadlines = new long[Timer.COUNT];

    TimerTable() {
        Arrays.fill(deadlines, STOPPED);
    }

    /** Arms {@code timer} at {@code deadline}, or stops it if that is {@link #STOPPED}. */
    void set(Timer timer, long deadline) {
        deadlines[timer.ordinal()] = deadline;
    }

    /** Stops {@code timer}. */
    void stop(Timer timer) {
        deadlines[timer.ordinal()] = STOPPED;
    }

    /** Stops every timer. */
    void stopAll() {
        Arrays.fill(deadlines, STOPPED);
    }

    /** {@return the deadline of {@code timer}, {@link #STOPPED} if it is stopped} */
    long get(Timer timer) {
        return deadlines[timer.ordinal()];
    }

    /** {@return whether {@code timer} is armed and {@code now} has reached its deadline} */
    boolean isExpired(Timer timer, long now) {
        long d = deadlines[timer.ordinal()];
        return d != STOPPED && now - d >= 0;
    }

    /** {@return the earliest deadline of the armed timers, {@link #STOPPED} if none is armed} */
    long next() {
        long next = STOPPED;
        for (long d : deadlines) {
            if (d != STOPPED && (next == STOPPED || d - next < 0)) {
                next = d;
            }
        }
        return next;
    }

    private static final Timer[] TIMERS = Timer.values();

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("TimerTable[");
        for (Timer t : TIMERS) {
            if (deadlines[t.ordinal()] != STOPPED) {
                s.append(s.length() > 11 ? ", " : "").append(t).append('=').append(deadlines[t.ordinal()]);
            }
        }
        return s.append(']').toString();
    }
}
