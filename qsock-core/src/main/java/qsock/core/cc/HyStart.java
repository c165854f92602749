package qsock.core.cc;

/**
 * HyStart++ (RFC 9406): leaves the first slow start when the round's minimum RTT rises, through a
 * conservative slow start (CSS) that grows a quarter as fast and returns to slow start if the RTT falls
 * back.
 *
 * <p>Rounds are counted without packet numbers. RFC 9406 §4.2 ends a round when windowEnd, the value
 * of SND.NXT when the round began, is acknowledged: that is, when a packet sent after the round began is
 * acknowledged. Here a round begins at the time of the ACK that ended the previous one (the first round
 * at the first packet sent), and ends when a packet sent strictly later is acknowledged. A packet sent at
 * the very nanosecond the round began counts as sent before it, so on a coarse clock a round may end a
 * packet late, never early. RTT samples are counted once per ACK frame, as RFC 9406 §4.2 counts them per
 * arriving ACK. The controller that owns it stops calling it once ssthresh is finite (RFC 9406 §4.3:
 * only the initial slow start).
 */
final class HyStart {

    // RFC 9406 §4.3 recommended constants.
    static final long MIN_RTT_THRESH = 4_000_000L;
    static final long MAX_RTT_THRESH = 16_000_000L;
    static final int MIN_RTT_DIVISOR = 8;
    static final int N_RTT_SAMPLE = 8;
    static final int CSS_GROWTH_DIVISOR = 4;
    static final int CSS_ROUNDS = 5;

    private static final long INFINITY = Long.MAX_VALUE;

    private boolean enabled;
    private boolean roundStarted;
    private long roundStart;
    private boolean roundEnded;
    private long ackRttSample;
    private long lastRoundMinRtt = INFINITY;
    private long currentRoundMinRtt = INFINITY;
    private int rttSampleCount;
    private long cssBaselineMinRtt = INFINITY;
    private int cssRounds;

    HyStart(boolean enabled) {
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    /** Turns HyStart++ off for the rest of the connection. */
    void disable() {
        enabled = false;
    }

    /** {@return whether HyStart++ is in conservative slow start} */
    boolean inCss() {
        return enabled && cssBaselineMinRtt != INFINITY;
    }

    void onPacketSent(long now) {
        // The first round begins with the first packet sent.
        if (enabled && !roundStarted && !roundEnded) {
            roundStart = now;
            roundStarted = true;
        }
    }

    void onPacketAcked(long timeSent, long latestRtt) {
        if (!enabled) {
            return;
        }
        // RFC 9406 §4.2: when windowEnd (the first packet sent after the round began) is ACKed, the
        // current round ends.
        if (roundStarted && timeSent - roundStart > 0) {
            roundStarted = false;
            roundEnded = true;
        }
        if (latestRtt > 0) {
            ackRttSample = latestRtt;
        }
    }

    /**
     * Finishes one ACK frame: starts a new round if it acknowledged the round's end marker, takes its RTT
     * sample and checks the RFC 9406 §4.2 exits.
     *
     * @return true when CSS_ROUNDS rounds of CSS are complete and the sender enters congestion avoidance
     */
    boolean onAckProcessed(long now) {
        long sample = ackRttSample;
        ackRttSample = 0;
        if (!enabled) {
            roundEnded = false;
            return false;
        }
        if (roundEnded) {
            roundEnded = false;
            roundStarted = true;
            roundStart = now;
            // RFC 9406 §4.2: at the start of each round, lastRoundMinRTT = currentRoundMinRTT,
            // currentRoundMinRTT = infinity, rttSampleCount = 0.
            lastRoundMinRtt = currentRoundMinRtt;
            currentRoundMinRtt = INFINITY;
            rttSampleCount = 0;
            if (inCss() && ++cssRounds >= CSS_ROUNDS) {
                // RFC 9406 §4.2: if CSS_ROUNDS rounds are complete, enter congestion avoidance.
                return true;
            }
        }
        if (sample <= 0) {
            return false;
        }
        currentRoundMinRtt = Math.min(currentRoundMinRtt, sample);
        rttSampleCount++;
        if (rttSampleCount < N_RTT_SAMPLE) {
            return false;
        }
        if (!inCss()) {
            if (currentRoundMinRtt != INFINITY && lastRoundMinRtt != INFINITY) {
                long rttThresh = Math.max(MIN_RTT_THRESH, Math.min(lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH));
                // RFC 9406 §4.2: a delay increase of RttThresh exits slow start into CSS.
                if (currentRoundMinRtt - lastRoundMinRtt >= rttThresh) {
                    cssBaselineMinRtt = currentRoundMinRtt;
                    cssRounds = 0;
                }
            }
        } else if (currentRoundMinRtt < cssBaselineMinRtt) {
            // RFC 9406 §4.2: the RTT fell below the CSS baseline, so the exit was spurious: resume slow start.
            cssBaselineMinRtt = INFINITY;
            cssRounds = 0;
        }
        return false;
    }
}
