package qsock.core.cc;

import qsock.api.CongestionAlgorithm;

/**
 * A window-based congestion controller for one path (RFC 9002 §7): it counts the bytes in flight and
 * decides how many may be.
 *
 * <p>The connection drives it with what loss detection learns: every in-flight packet it sends, then for
 * each in-flight packet either its acknowledgement, its loss, or its discard with the keys of its space.
 * Packets that count toward bytes in flight are those with at least one ack-eliciting or PADDING frame
 * (RFC 9002 Appendix B.2); ACK-only packets are never passed in. Times are nanoseconds on the caller's
 * clock, compared by subtraction only. A controller is not thread-safe and allocates nothing after
 * construction.
 *
 * <p>Sending is allowed while {@link #canSend} says so; probe packets (RFC 9002 §7.5) and the one packet
 * a sender may send on entering recovery (§7.3.2) are exceptions the caller makes by not asking, but they
 * are still reported through {@link #onPacketSent}.
 */
public sealed interface CongestionController permits NewReno, Cubic {

    /**
     * {@return a new controller running {@code algorithm}}: NewReno with plain slow start (as the kernel
     * module runs it), or CUBIC with HyStart++ in its first slow start (RFC 9438 §4.10).
     *
     * @param maxDatagramSize the path's current maximum datagram size, at least 1200
     */
    static CongestionController create(CongestionAlgorithm algorithm, int maxDatagramSize) {
        return switch (algorithm) {
            case NEW_RENO -> new NewReno(maxDatagramSize);
            case CUBIC -> new Cubic(maxDatagramSize);
        };
    }

    /**
     * {@return the initial congestion window for {@code maxDatagramSize}}: ten datagrams, limited to the
     * larger of 14720 bytes and two datagrams (RFC 9002 §7.2).
     */
    static long initialWindow(int maxDatagramSize) {
        return Math.min(10L * maxDatagramSize, Math.max(2L * maxDatagramSize, 14_720L));
    }

    /** {@return the minimum congestion window for {@code maxDatagramSize}: two datagrams (RFC 9002 §7.2)} */
    static long minimumWindow(int maxDatagramSize) {
        return 2L * maxDatagramSize;
    }

    /** {@return the congestion window, in bytes} */
    long congestionWindow();

    /** {@return the bytes of sent in-flight packets not yet acknowledged, declared lost or discarded} */
    long bytesInFlight();

    /** {@return the slow start threshold in bytes; {@link Long#MAX_VALUE} until the first congestion event} */
    long slowStartThreshold();

    /** {@return whether a packet of {@code bytes} fits: bytes in flight plus {@code bytes} within the window} */
    boolean canSend(int bytes);

    /**
     * Counts an in-flight packet of {@code bytes} as sent at {@code now} (RFC 9002 Appendix B.4).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    void onPacketSent(long now, int bytes);

    /**
     * Takes one newly acknowledged in-flight packet out of flight and grows the window for it unless the
     * sender is application limited or the packet was sent before the current recovery period began
     * (RFC 9002 Appendix B.5).
     *
     * @param timeSent when the packet was sent
     * @param bytes its size, as given to {@link #onPacketSent}
     * @param latestRtt the RTT sample the ACK frame carrying this acknowledgement produced (RFC 9002 §5.1),
     *     or 0 if it produced none; HyStart++ counts one sample per ACK frame
     * @param smoothedRtt the RTT estimator's smoothed_rtt after that sample
     * @param minRtt the RTT estimator's min_rtt
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws IllegalStateException if {@code bytes} exceeds the bytes in flight
     */
    void onPacketAcked(long now, long timeSent, int bytes, long latestRtt, long smoothedRtt, long minRtt);

    /**
     * Ends the batch of {@link #onPacketAcked} calls for one ACK frame. HyStart++ (RFC 9406 §4.2) counts
     * rounds and RTT samples per ACK here, so a controller running it needs this call after every ACK frame
     * that acknowledged in-flight packets.
     */
    void onAckProcessed(long now);

    /**
     * Takes lost in-flight packets out of flight and, unless the newest of them was sent before the current
     * recovery period began, starts a new one: one congestion event per round trip (RFC 9002 §7.3.2,
     * Appendix B.8). Call it before {@link #onPersistentCongestion} for the same losses.
     *
     * @param timeSentOfNewestLost the send time of the most recently sent of the lost in-flight packets
     * @param lostBytes their total size; 0 means no in-flight packet was lost and changes nothing
     * @throws IllegalArgumentException if {@code lostBytes} is negative
     * @throws IllegalStateException if {@code lostBytes} exceeds the bytes in flight
     */
    void onPacketsLost(long now, long timeSentOfNewestLost, long lostBytes);

    /**
     * Reacts to a congestion signal that takes nothing out of flight, an increase of the peer's ECN-CE
     * count (RFC 9002 §7.1, Appendix B.7): a new recovery period unless {@code timeSent}, the send time of
     * the largest packet the ACK acknowledged, falls inside the current one.
     */
    void onCongestionEvent(long now, long timeSent);

    /**
     * Collapses the window to the minimum after loss detection established persistent congestion
     * (RFC 9002 §7.6.2), and ends the recovery period so that the next acknowledgements grow the window
     * again in slow start.
     */
    void onPersistentCongestion(long now);

    /**
     * Takes a packet out of flight without a congestion reaction: its packet number space's keys were
     * discarded (RFC 9002 §6.4, Appendix B.9).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws IllegalStateException if {@code bytes} exceeds the bytes in flight
     */
    void onPacketDiscarded(int bytes);

    /**
     * Tells whether the sender is application or flow-control limited, that is, leaves the window
     * underused for lack of data rather than for pacing. While it is, acknowledgements do not grow the
     * window (RFC 9002 §7.8) and CUBIC's clock stands still (RFC 9438 §4.2, §5.8).
     */
    void setAppLimited(boolean appLimited);

    /**
     * Changes the maximum datagram size, after path MTU discovery or a path change. The minimum window
     * follows it; a window still at the initial value becomes the new initial window (RFC 9002 §7.2).
     *
     * @throws IllegalArgumentException if {@code maxDatagramSize} is below 1200
     */
    void setMaxDatagramSize(int maxDatagramSize);

    /**
     * Returns the window, the slow start threshold and the recovery period to their initial values, as on a new
     * path (RFC 9000 §9.4, RFC 9002 Appendix B.3). Bytes in flight stay counted: the packets already sent leave
     * flight as they are acknowledged or lost.
     */
    void resetToInitial();

    /** {@return whether the window is below the slow start threshold (RFC 9002 §7.3.1)} */
    boolean inSlowStart();

    /** {@return whether a packet sent at {@code timeSent} was sent before the current recovery period began} */
    boolean inRecovery(long timeSent);
}
