package qsock.core.cc;

/**
 * What NewReno and CUBIC share (RFC 9002 §7 and Appendix B): bytes in flight, the recovery period, slow
 * start with optional HyStart++, the application-limited rule and the window bounds. Subclasses supply
 * congestion avoidance and the window reduction.
 *
 * <p>Every method here implements the matching {@link CongestionController} method of the subclass.
 */
abstract sealed class WindowController permits NewReno, Cubic {

    /** RFC 9000 §14: every path carries datagrams of at least 1200 bytes. */
    static final int MIN_MAX_DATAGRAM_SIZE = 1200;

    private int maxDatagramSize;
    private long congestionWindow;
    private long ssthresh = Long.MAX_VALUE;
    private long bytesInFlight;
    // RFC 9002 Appendix B.2 congestion_recovery_start_time; a flag stands for its "0 = never" value
    // because nanosecond clocks may read 0 or negative.
    private boolean recoveryStarted;
    private long recoveryStartTime;
    private boolean appLimited;
    private final HyStart hyStart;
    // Bytes acknowledged in conservative slow start not yet turned into window growth (divided by 4).
    private long cssCarry;

    WindowController(int maxDatagramSize, boolean hyStartEnabled) {
        this.maxDatagramSize = checkDatagramSize(maxDatagramSize);
        this.congestionWindow = CongestionController.initialWindow(maxDatagramSize);
        this.hyStart = new HyStart(hyStartEnabled);
    }

    private static int checkDatagramSize(int size) {
        if (size < MIN_MAX_DATAGRAM_SIZE) {
            throw new IllegalArgumentException("max datagram size below 1200: " + size);
        }
        return size;
    }

    // ---- subclass hooks ----

    /** Grows the window in congestion avoidance for {@code bytes} newly acknowledged. */
    abstract void congestionAvoidance(long now, int bytes, long smoothedRtt);

    /**
     * Sets the slow start threshold and reduces the window on a new congestion event; the recovery period
     * has already started.
     */
    abstract void reduceWindow(long now);

    /** Lets a subclass reset its state when persistent congestion collapsed the window. */
    void afterPersistentCongestion() {}

    /** Lets a subclass return its own state to the initial values (see {@link #resetToInitial()}). */
    void afterResetToInitial() {}

    /** Lets a subclass react to HyStart++ ending slow start without a loss (RFC 9406 §4.2, CSS_ROUNDS). */
    void afterSlowStartExitWithoutLoss() {}

    /** Lets a subclass note an acknowledgement that did not grow the window because of the application. */
    void onAppLimitedAck(long now) {}

    // ---- state for subclasses ----

    final int maxDatagramSize() {
        return maxDatagramSize;
    }

    final void setCongestionWindow(long window) {
        congestionWindow = window;
    }

    final void setSlowStartThreshold(long threshold) {
        ssthresh = threshold;
    }

    final long minimumWindow() {
        return CongestionController.minimumWindow(maxDatagramSize);
    }

    /** See {@link CongestionController#resetToInitial()}. */
    public final void resetToInitial() {
        congestionWindow = CongestionController.initialWindow(maxDatagramSize);
        ssthresh = Long.MAX_VALUE;
        recoveryStarted = false;
        recoveryStartTime = 0;
        cssCarry = 0;
        afterResetToInitial();
    }

    /** {@return whether HyStart++ is in conservative slow start (RFC 9406 §4.2)} */
    public final boolean inConservativeSlowStart() {
        return hyStartActive() && hyStart.inCss();
    }

    // ---- CongestionController ----

    /** See {@link CongestionController#congestionWindow()}. */
    public final long congestionWindow() {
        return congestionWindow;
    }

    /** See {@link CongestionController#bytesInFlight()}. */
    public final long bytesInFlight() {
        return bytesInFlight;
    }

    /** See {@link CongestionController#slowStartThreshold()}. */
    public final long slowStartThreshold() {
        return ssthresh;
    }

    /** See {@link CongestionController#canSend(int)}. */
    public final boolean canSend(int bytes) {
        return bytesInFlight + bytes <= congestionWindow;
    }

    /** See {@link CongestionController#onPacketSent(long, int)}. */
    public void onPacketSent(long now, int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("in-flight packet of " + bytes + " bytes");
        }
        bytesInFlight += bytes;
        if (hyStartActive()) {
            hyStart.onPacketSent(now);
        }
    }

    /** See {@link CongestionController#onPacketAcked(long, long, int, long, long, long)}. */
    public void onPacketAcked(long now, long timeSent, int bytes, long latestRtt, long smoothedRtt, long minRtt) {
        removeFromFlight(bytes);
        if (hyStartActive()) {
            hyStart.onPacketAcked(timeSent, latestRtt);
        }
        // RFC 9002 §7.8: an underused window is not grown.
        if (appLimited) {
            onAppLimitedAck(now);
            return;
        }
        // RFC 9002 §7.3.2: no growth for packets sent before the recovery period began.
        if (inRecovery(timeSent)) {
            return;
        }
        if (congestionWindow < ssthresh) {
            slowStart(bytes);
        } else {
            congestionAvoidance(now, bytes, smoothedRtt);
        }
    }

    private void slowStart(int bytes) {
        // RFC 9002 §7.3.1: grow by the bytes acknowledged. RFC 9406 §4.2: in CSS by a quarter of them.
        // HyStart++'s per-ACK cap L * SMSS is infinite because qsock paces (RFC 9406 §4.3).
        long increase = bytes;
        if (inConservativeSlowStart()) {
            long total = cssCarry + bytes;
            increase = total / HyStart.CSS_GROWTH_DIVISOR;
            cssCarry = total % HyStart.CSS_GROWTH_DIVISOR;
        }
        congestionWindow += increase;
    }

    /** See {@link CongestionController#onAckProcessed(long)}. */
    public final void onAckProcessed(long now) {
        if (!hyStartActive()) {
            return;
        }
        if (hyStart.onAckProcessed(now) && congestionWindow < ssthresh) {
            // RFC 9406 §4.2: after CSS_ROUNDS rounds of CSS, enter congestion avoidance at this window.
            ssthresh = congestionWindow;
            hyStart.disable();
            afterSlowStartExitWithoutLoss();
        }
    }

    /** See {@link CongestionController#onPacketsLost(long, long, long)}. */
    public void onPacketsLost(long now, long timeSentOfNewestLost, long lostBytes) {
        if (lostBytes < 0) {
            throw new IllegalArgumentException("negative lost bytes: " + lostBytes);
        }
        if (lostBytes == 0) {
            return;
        }
        removeFromFlight(lostBytes);
        onCongestionEvent(now, timeSentOfNewestLost);
    }

    /** See {@link CongestionController#onCongestionEvent(long, long)}. */
    public final void onCongestionEvent(long now, long timeSent) {
        // RFC 9002 §7.3.2: a sender already in a recovery period stays in it and does not reenter it.
        if (inRecovery(timeSent)) {
            return;
        }
        recoveryStarted = true;
        recoveryStartTime = now;
        cssCarry = 0;
        // RFC 9406 §4.2: a loss (or ECN-CE) in slow start or CSS ends HyStart++ for good (§4.3: only the
        // initial slow start uses it).
        hyStart.disable();
        reduceWindow(now);
    }

    /** See {@link CongestionController#onPersistentCongestion(long)}. */
    public final void onPersistentCongestion(long now) {
        // RFC 9002 §7.6.2 and Appendix B.8: minimum window, and recovery_start_time back to "never".
        congestionWindow = minimumWindow();
        recoveryStarted = false;
        cssCarry = 0;
        hyStart.disable();
        afterPersistentCongestion();
    }

    /** See {@link CongestionController#onPacketDiscarded(int)}. */
    public final void onPacketDiscarded(int bytes) {
        removeFromFlight(bytes);
    }

    /** See {@link CongestionController#setAppLimited(boolean)}. */
    public final void setAppLimited(boolean appLimited) {
        this.appLimited = appLimited;
    }

    /** {@return whether {@link #setAppLimited} last said the sender is application limited} */
    public final boolean isAppLimited() {
        return appLimited;
    }

    /** See {@link CongestionController#setMaxDatagramSize(int)}. */
    public final void setMaxDatagramSize(int size) {
        checkDatagramSize(size);
        long oldInitial = CongestionController.initialWindow(maxDatagramSize);
        maxDatagramSize = size;
        // RFC 9002 §7.2: the initial window is recalculated with the new size; a window that is still
        // the old initial one (nothing grew or shrank it) becomes the new one, which also covers a size
        // decreased to complete the handshake.
        if (congestionWindow == oldInitial) {
            congestionWindow = CongestionController.initialWindow(size);
        }
        congestionWindow = Math.max(congestionWindow, minimumWindow());
    }

    /** See {@link CongestionController#inSlowStart()}. */
    public final boolean inSlowStart() {
        return congestionWindow < ssthresh;
    }

    /** See {@link CongestionController#inRecovery(long)}. */
    public final boolean inRecovery(long timeSent) {
        // RFC 9002 Appendix B.5 InCongestionRecovery: sent_time <= congestion_recovery_start_time.
        return recoveryStarted && timeSent - recoveryStartTime <= 0;
    }

    private boolean hyStartActive() {
        // RFC 9406 §4.3: HyStart++ only while ssthresh still has its initial, infinite value.
        return hyStart.enabled() && ssthresh == Long.MAX_VALUE;
    }

    private void removeFromFlight(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("in-flight packet of " + bytes + " bytes");
        }
        if (bytes > bytesInFlight) {
            throw new IllegalStateException(bytes + " bytes leave flight but only " + bytesInFlight + " are in it");
        }
        bytesInFlight -= bytes;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[cwnd=" + congestionWindow + ", ssthresh="
                + (ssthresh == Long.MAX_VALUE ? "inf" : Long.toString(ssthresh)) + ", inFlight=" + bytesInFlight
                + (recoveryStarted ? ", recoveryStart=" + recoveryStartTime : "") + (appLimited ? ", appLimited" : "")
                + (inConservativeSlowStart() ? ", css" : "") + "]";
    }
}
