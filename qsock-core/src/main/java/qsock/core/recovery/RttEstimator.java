package qsock.core.recovery;

/**
 * The round-trip time estimate of one path (RFC 9002 §5): latest_rtt, min_rtt, smoothed_rtt and rttvar,
 * all in nanoseconds.
 *
 * <p>Before the first sample, smoothed_rtt is the initial RTT and rttvar half of it (RFC 9002 §5.3);
 * min_rtt and latest_rtt are 0. The first sample replaces all of them; later samples are smoothed with
 * the weights 1/8 and 1/4 after subtracting the peer's ack delay where that is plausible.
 *
 * <p>The update follows RFC 9002 Appendix A.7, which computes rttvar from the smoothed_rtt of before
 * the sample (as RFC 6298 does); the prose of §5.3 lists the two assignments in the other order.
 * Integer division truncates towards zero, so values can differ from exact fractions by a nanosecond.
 */
public final class RttEstimator {

    /** kGranularity (RFC 9002 §6.1.2): the local timer granularity, 1 ms. */
    public static final long GRANULARITY_NANOS = 1_000_000L;

    /** kInitialRtt (RFC 9002 §6.2.2): 333 ms when no previous RTT is known. */
    public static final long DEFAULT_INITIAL_RTT_NANOS = 333_000_000L;

    private final long initialRtt;
    private long latestRtt;
    private long smoothedRtt;
    private long rttVar;
    private long minRtt;
    private boolean hasSample;

    /** Creates an estimator that starts from {@link #DEFAULT_INITIAL_RTT_NANOS}. */
    public RttEstimator() {
        this(DEFAULT_INITIAL_RTT_NANOS);
    }

    /**
     * Creates an estimator that starts from {@code initialRttNanos}, for instance a resumed connection's
     * last smoothed RTT (RFC 9002 §6.2.2).
     *
     * @throws IllegalArgumentException if the initial RTT is not positive
     */
    public RttEstimator(long initialRttNanos) {
        if (initialRttNanos <= 0) {
            throw new IllegalArgumentException("initial RTT must be positive: " + initialRttNanos);
        }
        this.initialRtt = initialRttNanos;
        resetToInitial();
    }

    /**
     * Takes an RTT sample (RFC 9002 §5.3, Appendix A.7).
     *
     * @param latestRttNanos ack time minus the send time of the largest acknowledged packet; negative
     *     values (a caller's clock going backwards) count as 0
     * @param ackDelayNanos the peer's ACK Delay, already scaled by its ack_delay_exponent
     * @param handshakeConfirmed whether the handshake is confirmed: only then is the ack delay capped at
     *     {@code maxAckDelayNanos}
     * @param maxAckDelayNanos the peer's max_ack_delay transport parameter
     */
    public void update(long latestRttNanos, long ackDelayNanos, boolean handshakeConfirmed, long maxAckDelayNanos) {
        long latest = Math.max(0, latestRttNanos);
        latestRtt = latest;
        if (!hasSample) {
            // RFC 9002 §5.2, §5.3: the first sample resets the estimator.
            hasSample = true;
            minRtt = latest;
            smoothedRtt = latest;
            rttVar = latest / 2;
            return;
        }
        // RFC 9002 §5.2: min_rtt ignores the ack delay.
        minRtt = Math.min(minRtt, latest);
        long ackDelay = Math.max(0, ackDelayNanos);
        if (handshakeConfirmed) {
            // RFC 9002 §5.3: MUST use the lesser of the ack delay and max_ack_delay once confirmed.
            ackDelay = Math.min(ackDelay, maxAckDelayNanos);
        }
        long adjusted = latest;
        // RFC 9002 §5.3: MUST NOT subtract the ack delay if that would go below min_rtt.
        if (latest - minRtt >= ackDelay) {
            adjusted = latest - ackDelay;
        }
        rttVar = (3 * rttVar + Math.abs(smoothedRtt - adjusted)) / 4;
        smoothedRtt = (7 * smoothedRtt + adjusted) / 8;
    }

    /** {@return latest_rtt: the most recent sample, 0 before the first} */
    public long latestRtt() {
        return latestRtt;
    }

    /** {@return smoothed_rtt} */
    public long smoothedRtt() {
        return smoothedRtt;
    }

    /** {@return rttvar} */
    public long rttVar() {
        return rttVar;
    }

    /** {@return min_rtt, 0 before the first sample} */
    public long minRtt() {
        return minRtt;
    }

    /** {@return whether a sample has been taken since construction or {@link #resetToInitial()}} */
    public boolean hasSample() {
        return hasSample;
    }

    /** {@return the initial RTT this estimator starts from} */
    public long initialRtt() {
        return initialRtt;
    }

    /**
     * {@return the base probe timeout, without backoff (RFC 9002 §6.2.1): smoothed_rtt + max(4 * rttvar,
     * kGranularity), plus max_ack_delay if {@code includeAckDelay}}
     *
     * @param maxAckDelayNanos the peer's max_ack_delay
     * @param includeAckDelay false for the Initial and Handshake spaces, whose acknowledgments the peer
     *     does not delay on purpose
     */
    public long pto(long maxAckDelayNanos, boolean includeAckDelay) {
        long pto = smoothedRtt + Math.max(4 * rttVar, GRANULARITY_NANOS);
        return includeAckDelay ? pto + maxAckDelayNanos : pto;
    }

    /**
     * {@return the persistent congestion duration (RFC 9002 §7.6.1): (smoothed_rtt + max(4 * rttvar,
     * kGranularity) + max_ack_delay) * kPersistentCongestionThreshold, max_ack_delay included whatever
     * the packet number space}
     */
    public long persistentCongestionDuration(long maxAckDelayNanos) {
        return pto(maxAckDelayNanos, true) * LossDetector.PERSISTENT_CONGESTION_THRESHOLD;
    }

    /**
     * Resets min_rtt to latest_rtt after persistent congestion is established (RFC 9002 §5.2: "Endpoints
     * SHOULD set the min_rtt to the newest RTT sample after persistent congestion is established"), so
     * that a path whose RTT grew does not keep declaring persistent congestion. smoothed_rtt and rttvar
     * are kept. Without a sample this does nothing.
     */
    public void reset() {
        if (hasSample) {
            minRtt = latestRtt;
        }
    }

    /**
     * Returns to the state before any sample (RFC 9002 §5.3), as on a new path (RFC 9000 §9.4) or after a
     * Retry (RFC 9002 §6.3): smoothed_rtt is the initial RTT, rttvar half of it.
     */
    public void resetToInitial() {
        hasSample = false;
        latestRtt = 0;
        minRtt = 0;
        smoothedRtt = initialRtt;
        rttVar = initialRtt / 2;
    }

    @Override
    public String toString() {
        return "RttEstimator[latest=" + latestRtt + ", smoothed=" + smoothedRtt + ", var=" + rttVar + ", min="
                + minRtt + "]";
    }
}
