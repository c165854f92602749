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

    /**
     * Long enough for anything on loopback, short of the tests' own timeouts: 30 s, as a handshake's confirmation has
     * been seen to take over 10 s on this 2-core machine while benchmarks and builds loaded it (cause not found; the
     * waits that failed so now say the connections' states and counters).
     */
    static final Duration LIMIT = Duration.ofSeconds(30);

    private Waits() {}

    /** Waits until {@code condition} holds, at most {@link #LIMIT}; fails naming {@code what} after it. */
    static void until(String what, BooleanSupplier condition) {
        until(what, condition, () -> "");
    }

    /** As {@link #until(String, BooleanSupplier)}, the failure also saying {@code state}. */
    static void until(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still waiting after " + LIMIT + " until " + what + " " + state.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Waits until {@code client}'s handshake is confirmed (HANDSHAKE_DONE); a failure says both ends' states. */
    static void untilConfirmed(QuicSocket client, QuicSocket server) {
        until("the handshake is confirmed", () -> client.state() == qsock.api.ConnectionState.CONFIRMED,
                () -> "client " + client.state() + " " + client.statistics() + ", server " + server.state() + " "
                        + server.statistics());
    }

    /**
     * Waits until a call is blocked in {@code socket}: waiting on the socket's condition, the endpoint's lock released
     * (a thread still queued for the lock is not counted, though it is parked too).
     */
    static void untilBlocked(QuicSocket socket) {
        until("a call blocks in " + socket, () -> socket.blockedCalls() > 0);
    }
}
