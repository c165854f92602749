package qsock.core.cc;

/**
 * CUBIC congestion control (RFC 9438) over the RFC 9002 framework, with HyStart++ (RFC 9406) in the first
 * slow start.
 *
 * <p>Windows are kept in bytes; RFC 9438's segment formulas are scaled by the maximum datagram size
 * (§4.1.1 allows this), so {@code C} is 0.4 datagrams per second cubed. The cubic clock {@code t} runs in
 * nanoseconds from the start of the congestion avoidance stage (the epoch) and is turned into seconds only
 * to evaluate {@code W_cubic}. Stretches in which the window was not grown because the sender was idle or
 * application limited are cut out of {@code t} by moving the epoch start forward (RFC 9438 §4.2, §5.8).
 * The window reduction uses the congestion window rather than the flight size (RFC 9438 §4.6 allows it;
 * the application-limited rule of RFC 9002 §7.8 is the "other measure" it then requires). The optional undo
 * after a spurious loss (RFC 9438 §4.9, a MAY) is left out on purpose: the loss detector does not detect
 * spurious losses.
 */
public final class Cubic extends WindowController implements CongestionController {

    /** RFC 9438 §4.6: multiplicative decrease factor beta_cubic. */
    static final double BETA = 0.7;
    /** RFC 9438 §5.1: aggressiveness C, in segments per second cubed. */
    static final double C = 0.4;
    /** RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta), Reno-friendly additive increase. */
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    private static final double NANOS_PER_SECOND = 1e9;

    private final boolean fastConvergence;

    // RFC 9438 §4.1.2 variables, in bytes; wMax == 0 means "undefined" (no congestion event yet).
    private double wMax;
    private double cwndPrior;
    private double k;
    private double wEst;
    private boolean epochStarted;
    private long epochStart;
    // RFC 9438 §4.8, §4.10: after persistent congestion or a loss-free slow start exit, the next epoch
    // takes K = 0 and W_max = cwnd_epoch.
    private boolean originAtNextEpoch;
    // The fractional part of the window that integer bytes cannot hold.
    private double windowFraction;
    private long lastAckTime;
    private boolean flightEmptied;
    private long flightEmptiedAt;

    /** Creates a CUBIC controller with HyStart++ and fast convergence. */
    public Cubic(int maxDatagramSize) {
        this(maxDatagramSize, true, true);
    }

    /**
     * Creates a CUBIC controller.
     *
     * @param maxDatagramSize the path's maximum datagram size, at least 1200
     * @param hyStart whether the first slow start runs HyStart++ (RFC 9438 §4.10: SHOULD)
     * @param fastConvergence whether W_max is lowered further on a congestion event below the previous
     *     W_max (RFC 9438 §4.7: SHOULD, except for a flow known to be alone on its path)
     */
    public Cubic(int maxDatagramSize, boolean hyStart, boolean fastConvergence) {
        super(maxDatagramSize, hyStart);
        this.fastConvergence = fastConvergence;
    }

    @Override
    public void onPacketSent(long now, int bytes) {
        if (flightEmptied && bytesInFlight() == 0 && epochStarted) {
            // RFC 9438 §5.8: t excludes idle periods, here from the moment the flight emptied.
            long idle = now - flightEmptiedAt;
            if (idle > 0) {
                epochStart += idle;
                lastAckTime += idle;
            }
        }
        flightEmptied = false;
        super.onPacketSent(now, bytes);
    }

    @Override
    public void onPacketAcked(long now, long timeSent, int bytes, long latestRtt, long smoothedRtt, long minRtt) {
        super.onPacketAcked(now, timeSent, bytes, latestRtt, smoothedRtt, minRtt);
        noteFlightEmptied(now);
    }

    @Override
    public void onPacketsLost(long now, long timeSentOfNewestLost, long lostBytes) {
        super.onPacketsLost(now, timeSentOfNewestLost, lostBytes);
        noteFlightEmptied(now);
    }

    private void noteFlightEmptied(long now) {
        if (bytesInFlight() == 0 && !flightEmptied) {
            flightEmptied = true;
            flightEmptiedAt = now;
        }
    }

    @Override
    void onAppLimitedAck(long now) {
        // RFC 9438 §4.2: t MUST NOT include periods in which cwnd was not updated because the
        // application limited the sender; the time since the previous acknowledgement is cut out.
        if (epochStarted) {
            long gap = now - lastAckTime;
            if (gap > 0) {
                epochStart += gap;
            }
            lastAckTime = now;
        }
    }

    @Override
    void congestionAvoidance(long now, int bytes, long smoothedRtt) {
        if (!epochStarted) {
            startEpoch(now);
        }
        lastAckTime = now;
        double cwnd = congestionWindow() + windowFraction;
        double mds = maxDatagramSize();
        double t = (now - epochStart) / NANOS_PER_SECOND;
        double rtt = Math.max(0, smoothedRtt) / NANOS_PER_SECOND;

        // RFC 9438 §4.2: target = W_cubic(t + RTT), bounded to [cwnd, 1.5 * cwnd].
        double target = Math.min(Math.max(wCubic(t + rtt), cwnd), 1.5 * cwnd);

        // RFC 9438 §4.3: W_est += alpha * segments_acked / cwnd (in bytes: alpha * mds * bytes / cwnd), with
        // alpha = 1 once W_est has reached cwnd_prior.
        double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
        wEst += alpha * mds * bytes / cwnd;

        double next;
        if (wCubic(t) < wEst) {
            // RFC 9438 §4.3: Reno-friendly region, cwnd = W_est (never below the current window).
            next = Math.max(cwnd, wEst);
        } else {
            // RFC 9438 §4.4, §4.5: concave and convex regions, cwnd += (target - cwnd) / cwnd per segment.
            next = cwnd + (target - cwnd) * bytes / cwnd;
        }
        long whole = (long) next;
        windowFraction = next - whole;
        setCongestionWindow(whole);
    }

    private void startEpoch(long now) {
        epochStarted = true;
        epochStart = now;
        lastAckTime = now;
        double cwndEpoch = congestionWindow() + windowFraction;
        // RFC 9438 §4.3: W_est is set to cwnd_epoch at the start of the congestion avoidance stage.
        wEst = cwndEpoch;
        if (originAtNextEpoch || wMax <= cwndEpoch) {
            // RFC 9438 §4.8 (after a timeout) and §4.10 (slow start left without loss): K = 0 and W_max =
            // cwnd_epoch. A W_max at or below cwnd_epoch (a window held up by the minimum) is treated
            // the same, so the curve starts flat at the current window instead of past its plateau.
            k = 0;
            wMax = cwndEpoch;
            originAtNextEpoch = false;
        } else {
            // RFC 9438 §4.2 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C).
            k = Math.cbrt((wMax - cwndEpoch) / (C * maxDatagramSize()));
        }
    }

    /** {@return W_cubic(t) = C * (t - K)^3 + W_max (RFC 9438 §4.2 Figure 1), in bytes, t in seconds} */
    double wCubic(double t) {
        double d = t - k;
        return C * maxDatagramSize() * d * d * d + wMax;
    }

    @Override
    void reduceWindow(long now) {
        double cwnd = congestionWindow() + windowFraction;
        // RFC 9438 §4.7: fast convergence lowers W_max when the window did not get back to the last one.
        if (fastConvergence && cwnd < wMax) {
            wMax = cwnd * (1 + BETA) / 2;
        } else {
            wMax = cwnd;
        }
        // RFC 9438 §4.6: cwnd_prior = cwnd; ssthresh = cwnd * beta, at least 2 segments; cwnd = ssthresh.
        cwndPrior = cwnd;
        long threshold = Math.max((long) (cwnd * BETA), minimumWindow());
        setSlowStartThreshold(threshold);
        setCongestionWindow(threshold);
        windowFraction = 0;
        epochStarted = false;
        originAtNextEpoch = false;
    }

    @Override
    void afterResetToInitial() {
        // RFC 9438 §4.1.2: W_max undefined again, no epoch: as a new controller.
        wMax = 0;
        cwndPrior = 0;
        k = 0;
        wEst = 0;
        epochStarted = false;
        epochStart = 0;
        originAtNextEpoch = false;
        windowFraction = 0;
        flightEmptied = false;
    }

    @Override
    void afterPersistentCongestion() {
        // RFC 9438 §4.8: the first congestion avoidance stage after a timeout uses K = 0 and W_max =
        // cwnd_epoch; ssthresh was set by the congestion event that preceded it (RFC 9002 Appendix B.8).
        windowFraction = 0;
        epochStarted = false;
        originAtNextEpoch = true;
    }

    @Override
    void afterSlowStartExitWithoutLoss() {
        // RFC 9438 §4.10: W_max is undefined, so cwnd_prior = cwnd and the epoch starts at the window.
        cwndPrior = congestionWindow();
        epochStarted = false;
        originAtNextEpoch = true;
    }

    // ---- observability for tests and diagnostics ----

    /** {@return W_max in bytes, 0 before the first congestion event} */
    double wMax() {
        return wMax;
    }

    /** {@return K in seconds for the current epoch} */
    double k() {
        return k;
    }

    /** {@return the Reno-friendly estimate W_est in bytes} */
    double wEst() {
        return wEst;
    }

    /** {@return cwnd_prior in bytes} */
    double cwndPrior() {
        return cwndPrior;
    }

    /** {@return whether a congestion avoidance epoch is running} */
    boolean epochStarted() {
        return epochStarted;
    }

    /** {@return when the current epoch started, shifted by the idle and application-limited time cut out} */
    long epochStart() {
        return epochStart;
    }
}
