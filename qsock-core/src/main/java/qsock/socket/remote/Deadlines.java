package qsock.socket.remote;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes what a session blocks on once its time is up: a blocking read on a Unix domain socket has no timeout of
 * its own (a {@code SocketChannel} of that family has no socket adaptor), so one shared timer thread ends it by
 * closing the channel. A daemon thread: it never keeps a JVM alive.
 */
public final class Deadlines {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qsock-handshake-deadlines");
        t.setDaemon(true);
        return t;
    });

    private Deadlines() {}

    /**
     * Runs {@code action} after {@code delay} unless the returned handle is cancelled first.
     *
     * @return the handle; cancel it when the session ends in time
     */
    public static ScheduledFuture<?> after(Duration delay, Runnable action) {
        return TIMER.schedule(() -> {
            // An action that throws would cancel nothing else, but say nothing either: it is a close, and a close
            // that fails has nothing left to do.
            try {
                action.run();
            } catch (RuntimeException ignored) {
                // Nothing to do: the channel is unusable either way.
            }
        }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }
}
