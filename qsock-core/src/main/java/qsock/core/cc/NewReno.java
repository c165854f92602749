package qsock.core.cc;

/**
 * NewReno congestion control as RFC 9002 §7 and Appendix B specify it: slow start by bytes acknowledged,
 * a recovery period per congestion event that halves the window once, and congestion avoidance adding
 * one maximum datagram size per window of bytes acknowledged.
 *
 * <p>Slow start is plain by default, as the Linux kernel module runs it; HyStart++ (RFC 9406) can be
 * switched on for the first slow start.
 */
public final class NewReno extends WindowController implements CongestionController {

    // Bytes acknowledged in congestion avoidance since the window last grew: RFC 9002 Appendix B.5
    // suggests RFC 3465 §2.1's counting instead of dividing mds * acked / cwnd in integers.
    private long bytesAckedInAvoidance;

    /** Creates a NewReno controller with plain slow start. */
    public NewReno(int maxDatagramSize) {
        this(maxDatagramSize, false);
    }

    /**
     * Creates a NewReno controller.
     *
     * @param maxDatagramSize the path's maximum datagram size, at least 1200
     * @param hyStart whether the first slow start runs HyStart++
     */
    public NewReno(int maxDatagramSize, boolean hyStart) {
        super(maxDatagramSize, hyStart);
    }

    @Override
    void congestionAvoidance(long now, int bytes, long smoothedRtt) {
        // RFC 9002 §7.3.3: at most one maximum datagram size per congestion window acknowledged.
        bytesAckedInAvoidance += bytes;
        long window = congestionWindow();
        if (bytesAckedInAvoidance >= window) {
            bytesAckedInAvoidance -= window;
            setCongestionWindow(window + maxDatagramSize());
        }
    }

    @Override
    void reduceWindow(long now) {
        // RFC 9002 Appendix B.6: ssthresh = cwnd * kLossReductionFactor (0.5); cwnd = max(ssthresh, kMinimumWindow).
        long threshold = congestionWindow() / 2;
        setSlowStartThreshold(threshold);
        setCongestionWindow(Math.max(threshold, minimumWindow()));
        bytesAckedInAvoidance = 0;
    }

    @Override
    void afterResetToInitial() {
        bytesAckedInAvoidance = 0;
    }

    @Override
    void afterPersistentCongestion() {
        bytesAckedInAvoidance = 0;
    }
}
