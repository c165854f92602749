package qsock.core.cc;

/**
 * A token bucket that spreads in-flight packets over the round trip (RFC 9002 §7.7).
 *
 * <p>The bucket fills at {@code N * cwnd / smoothed_rtt} with N = 1.25, the RFC's example: a little above
 * 1, so that the window is still used in full when the RTT varies, while a window's worth of packets
 * still spans 80% of a round trip. The Linux kernel module paces at N = 2, which sends a window in half a
 * round trip, a train closer to the bursts pacing exists to avoid; qsock takes the RFC's value. The cost
 * of 1.25 is in slow start, where the window doubles within a round: the pacer then allows about 1.9
 * windows per round rather than 2.
 *
 * <p>The bucket holds at most {@code max(2 * mds, min(cwnd, max(initial window, rate * burstInterval)))}
 * bytes and starts full. The initial window is RFC 9002 §7.7's recommended burst limit (SHOULD), and it
 * holds while the rate is below an initial window per burst interval (about 118 Mbit/s with the default
 * 1 ms). Above that, the bucket holds one burst interval at the pacing rate: a sender's timers cannot wake
 * it much more precisely than that, and a smaller bucket would cap the rate at bucket size over timer
 * resolution (RFC 9002 §7.7 allows larger bursts where the path absorbs them; a path running at that rate
 * absorbs a millisecond of its own rate). Never more than the window, which the congestion controller
 * limits anyway, and never less than two datagrams, the minimum window.
 *
 * <p>With no RTT estimate (zero or negative smoothed RTT) there is no rate and nothing is paced. Packets
 * that carry only ACK frames should not be paced (RFC 9002 §7.7) and are not reported here. The pacer
 * allocates nothing and reads no clock.
 */
public final class Pacer {

    /** The default burst interval: one millisecond. */
    public static final long DEFAULT_BURST_INTERVAL_NANOS = 1_000_000L;

    // RFC 9002 §7.7: rate = N * congestion_window / smoothed_rtt, N = 1.25 = 5/4.
    private static final double N = 1.25;

    private final long burstIntervalNanos;
    private int maxDatagramSize;
    private double tokens;
    private long lastUpdate;
    private boolean started;

    /** Creates a pacer with the default one millisecond burst interval. */
    public Pacer(int maxDatagramSize) {
        this(maxDatagramSize, DEFAULT_BURST_INTERVAL_NANOS);
    }

    /**
     * Creates a pacer.
     *
     * @param maxDatagramSize the path's maximum datagram size, at least 1200
     * @param burstIntervalNanos how much time at the pacing rate the bucket may hold when that is more than
     *     the initial window; 0 keeps bursts at the initial window strictly
     */
    public Pacer(int maxDatagramSize, long burstIntervalNanos) {
        if (burstIntervalNanos < 0) {
            throw new IllegalArgumentException("negative burst interval: " + burstIntervalNanos);
        }
        this.burstIntervalNanos = burstIntervalNanos;
        setMaxDatagramSize(maxDatagramSize);
    }

    /**
     * Changes the maximum datagram size the bucket bounds are computed from.
     *
     * @throws IllegalArgumentException if {@code maxDatagramSize} is below 1200
     */
    public void setMaxDatagramSize(int maxDatagramSize) {
        if (maxDatagramSize < WindowController.MIN_MAX_DATAGRAM_SIZE) {
            throw new IllegalArgumentException("max datagram size below 1200: " + maxDatagramSize);
        }
        this.maxDatagramSize = maxDatagramSize;
    }

    /**
     * {@return the earliest time a packet of {@code bytes} may leave}: {@code now} if the bucket holds
     * enough, otherwise when it will have filled enough at the current rate. A packet larger than the
     * bucket waits for a full bucket.
     *
     * @param cwnd the congestion window now
     * @param smoothedRtt the RTT estimator's smoothed_rtt; zero or negative means no estimate, no pacing
     */
    public long nextSendTime(long now, int bytes, long cwnd, long smoothedRtt) {
        if (smoothedRtt <= 0 || cwnd <= 0) {
            return now;
        }
        double capacity = capacity(cwnd, smoothedRtt);
        refill(now, capacity, cwnd, smoothedRtt);
        double needed = Math.min(bytes, capacity);
        if (tokens >= needed) {
            return now;
        }
        double waitNanos = (needed - tokens) / rate(cwnd, smoothedRtt);
        return now + (long) Math.ceil(waitNanos);
    }

    /**
     * Takes a sent packet's bytes out of the bucket. The bucket may go into debt when the caller sends
     * without waiting (a probe, say); later packets then wait for it to be repaid.
     */
    public void onPacketSent(long now, int bytes, long cwnd, long smoothedRtt) {
        if (smoothedRtt <= 0 || cwnd <= 0) {
            // No rate to pace at: keep the bucket full for when an estimate arrives.
            started = false;
            return;
        }
        refill(now, capacity(cwnd, smoothedRtt), cwnd, smoothedRtt);
        tokens -= bytes;
    }

    /** {@return the pacing rate in bytes per second for {@code cwnd} and {@code smoothedRtt}, 0 without an RTT} */
    public static double rateBytesPerSecond(long cwnd, long smoothedRtt) {
        return smoothedRtt <= 0 ? 0 : rate(cwnd, smoothedRtt) * 1e9;
    }

    /** {@return the bucket size in bytes for {@code cwnd} and {@code smoothedRtt}} */
    public long burstCapacity(long cwnd, long smoothedRtt) {
        return (long) capacity(cwnd, smoothedRtt);
    }

    private static double rate(long cwnd, long smoothedRtt) {
        return N * cwnd / smoothedRtt;
    }

    private double capacity(long cwnd, long smoothedRtt) {
        double interval = smoothedRtt <= 0 ? 0 : rate(cwnd, smoothedRtt) * burstIntervalNanos;
        double burst = Math.max(CongestionController.initialWindow(maxDatagramSize), interval);
        return Math.max(CongestionController.minimumWindow(maxDatagramSize), Math.min(cwnd, burst));
    }

    private void refill(long now, double capacity, long cwnd, long smoothedRtt) {
        if (!started) {
            started = true;
            tokens = capacity;
            lastUpdate = now;
            return;
        }
        long elapsed = now - lastUpdate;
        if (elapsed > 0) {
            tokens += elapsed * rate(cwnd, smoothedRtt);
            lastUpdate = now;
        }
        // A time before the last update adds nothing and leaves the mark, so no interval counts twice.
        tokens = Math.min(tokens, capacity);
    }
}
