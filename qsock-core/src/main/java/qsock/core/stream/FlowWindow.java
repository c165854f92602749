package qsock.core.stream;

/**
 * The receive side of one flow-control limit (RFC 9000 §4.1-§4.2): a stream's MAX_STREAM_DATA or the
 * connection's MAX_DATA, with window auto-tuning.
 *
 * <p>The limit advertised to the peer is the consumed offset plus the window. A new limit is worth
 * sending once the application has consumed half the window ({@link #shouldUpdate()}). When that happens
 * within two round trips of the previous update, the window is what holds the sender back, so it doubles,
 * up to a cap ({@link #update}); this is the auto-tuning of quinn and quiche.
 */
public final class FlowWindow {

    private long limit;
    private long window;
    private final long maxWindow;
    private long consumed;
    private long lastUpdateNanos;
    private boolean started;

    /**
     * @param initialWindow the window, which is also the initial limit (the transport parameter sent)
     * @param maxWindow the cap on auto-tuning; a cap below the initial window is raised to it
     * @throws IllegalArgumentException if {@code initialWindow} is negative
     */
    public FlowWindow(long initialWindow, long maxWindow) {
        if (initialWindow < 0) {
            throw new IllegalArgumentException("negative window: " + initialWindow);
        }
        this.limit = initialWindow;
        this.window = initialWindow;
        this.maxWindow = Math.max(maxWindow, initialWindow);
    }

    /** {@return the limit advertised to the peer: the data may not reach past this offset} */
    public long limit() {
        return limit;
    }

    /** {@return the current window} */
    public long window() {
        return window;
    }

    /** {@return the cap on the window} */
    public long maxWindow() {
        return maxWindow;
    }

    /** {@return the bytes the application consumed} */
    public long consumed() {
        return consumed;
    }

    /** Starts the auto-tuning clock at {@code nowNanos} if it has not started. */
    public void start(long nowNanos) {
        if (!started) {
            started = true;
            lastUpdateNanos = nowNanos;
        }
    }

    /** Adds {@code bytes} to the consumed count. */
    public void consume(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative consumption: " + bytes);
        }
        consumed += bytes;
    }

    /** {@return true once the application has consumed half the window since the last limit} */
    public boolean shouldUpdate() {
        return window > 0 && limit - consumed <= window / 2;
    }

    /**
     * Raises the window to at least {@code minWindow}, capped (the connection window follows the streams'
     * windows so that one stream can use its whole window).
     */
    public void ensureWindow(long minWindow) {
        window = Math.max(window, Math.min(minWindow, maxWindow));
    }

    /**
     * Computes the new limit, consumed plus window, first doubling the window (up to the cap) if the last
     * update was less than two round trips ago.
     *
     * @param nowNanos the current time
     * @param smoothedRttNanos the connection's smoothed RTT
     * @return the new limit, never below the previous one
     */
    public long update(long nowNanos, long smoothedRttNanos) {
        if (started && nowNanos - lastUpdateNanos < 2 * smoothedRttNanos) {
            window = Math.min(maxWindow, window * 2);
        }
        started = true;
        lastUpdateNanos = nowNanos;
        limit = Math.max(limit, consumed + window);
        return limit;
    }

    @Override
    public String toString() {
        return "FlowWindow[limit=" + limit + ", window=" + window + ", consumed=" + consumed + "]";
    }
}
