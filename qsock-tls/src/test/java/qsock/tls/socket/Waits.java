package qsock.tls.socket;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import qsock.socket.QuicSocket;

/**
 * Bounded waits for the socket tests, on what the socket reports under its lock (its statistics snapshot, its
 * blocked calls, its accept queue): checked until it holds, and a failure naming what was awaited once the deadline
 * passed.
 */
final class Waits {

    /** Long enough for anything on loopback, short of the tests' own timeouts. */
    static final Duration LIMIT = Duration.ofSeconds(10);

    private Waits() {}

    /** Waits until {@code condition} holds, at most {@link #LIMIT}; fails naming {@code what} after it. */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still waiting after " + LIMIT + " until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits until a call is blocked in {@code socket}: waiting on the socket's condition, the endpoint's lock released
     * (a thread still queued for the lock is not counted, though it is parked too).
     */
    static void untilBlocked(QuicSocket socket) {
        until("a call blocks in " + socket, () -> socket.blockedCalls() > 0);
    }
}
