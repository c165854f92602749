package qsock.core.recovery;

import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.packet.PacketNumberSpace;

/**
 * Loss detection for one connection (RFC 9002 §6 and Appendix A): a {@link SentPacketLog} per packet
 * number space, the path's {@link RttEstimator}, acknowledgment processing, packet and time threshold
 * loss detection, the probe timeout with its handshake rules, persistent congestion (§7.6) and
 * discarding a space (§6.4).
 *
 * <p><b>Driving it.</b> Time is passed in as nanoseconds on any clock; times are compared by
 * subtraction. Record each packet with {@link #onPacketSent}, feed each ACK frame to {@link
 * #onAckReceived}, and call {@link #onLossDetectionTimeout} once {@link #lossDetectionDeadline()} has
 * passed. Each of those fills an {@link AckOutcome} that the connection hands to its congestion
 * controller and uses to retransmit the frames of lost packets and to send probes. The setters for
 * handshake state re-arm the timer at the time of the last event passed in.
 *
 * <p><b>Choices where RFC 9002 leaves room.</b>
 * <ul>
 *   <li>The ack delay of ACK frames in Initial packets is ignored (§5.3 allows it: the peer does not
 *       delay them).
 *   <li>A PTO asks for {@link #PTO_PROBE_COUNT} probes (§6.2.4 allows one or two); a client's
 *       anti-deadlock timeout asks for one.
 *   <li>The backoff doubles the PTO period up to 2^{@link #MAX_PTO_BACKOFF_EXPONENT}, while {@link
 *       #ptoCount()} keeps counting; the idle timeout ends the connection long before.
 *   <li>Persistent congestion (§7.6.2) is judged within the acknowledged space only, which §7.6.2
 *       allows: among the ack-eliciting packets declared lost by one acknowledgment and sent after the
 *       first RTT sample, two whose send times lie more than the persistent congestion duration apart
 *       with no acknowledged packet of that space sent between them. Packets declared lost earlier
 *       do not interrupt such a run; numbers the sender skipped were never sent and do not either.
 *   <li>A client that has not seen the peer complete address validation arms the anti-deadlock timer
 *       not only with nothing in flight (Appendix A.8) but also when only Application Data is in
 *       flight before the handshake is confirmed, as §6.2.2.1 requires ("even if there are no packets
 *       in flight"); Appendix A's pseudocode would leave the timer unset then.
 *   <li>Either side holding Handshake keys keeps that timer armed, with nothing in flight, until the handshake
 *       is confirmed, each expiry asking for one Handshake probe: with its own packets all acknowledged it
 *       may still lack the peer's flight (or a client the server's HANDSHAKE_DONE), and a probe that the peer
 *       acknowledges, acknowledged in turn, makes the peer's loss detection send it again (§6.2.4 allows
 *       probes beyond those required). A server blocked by the anti-amplification limit still waits.
 * </ul>
 */
public final class LossDetector {

    /** kPacketThreshold (RFC 9002 §6.1.1). */
    public static final int PACKET_THRESHOLD = 3;

    /** kTimeThreshold numerator (RFC 9002 §6.1.2: 9/8). */
    public static final int TIME_THRESHOLD_NUMERATOR = 9;

    /** kTimeThreshold denominator (RFC 9002 §6.1.2: 9/8). */
    public static final int TIME_THRESHOLD_DENOMINATOR = 8;

    /** kPersistentCongestionThreshold (RFC 9002 §7.6.1). */
    public static final int PERSISTENT_CONGESTION_THRESHOLD = 3;

    /** Probe packets to send on a PTO (RFC 9002 §6.2.4: one or two). */
    public static final int PTO_PROBE_COUNT = 2;

    /** The PTO period doubles at most this many times. */
    public static final int MAX_PTO_BACKOFF_EXPONENT = 16;

    /** The default max_ack_delay of the peer, 25 ms (RFC 9000 §18.2). */
    public static final long DEFAULT_MAX_ACK_DELAY_NANOS = 25_000_000L;

    /** No deadline, no loss time. */
    /** The first application packet sent on the current path, after a move (RFC 9000 §9.4); 0 before any. */
    private long newPathFirstPacket;
    private static final long NONE = Long.MAX_VALUE;

    private static final PacketNumberSpace[] SPACES = PacketNumberSpace.values();
    private static final int APP = PacketNumberSpace.APPLICATION.ordinal();

    private final Role role;
    private final RttEstimator rtt;
    private final SentPacketLog[] logs = {new SentPacketLog(), new SentPacketLog(), new SentPacketLog()};
    private final long[] largestAcked = {-1, -1, -1};
    private final long[] lossTime = {NONE, NONE, NONE};
    private final long[] timeOfLastAckEliciting = new long[3];
    private final boolean[] discarded = new boolean[3];

    private int ptoCount;
    /** Packets declared lost, over the connection's life. */
    private long packetsLost;
    private long deadline = NONE;
    private long lastNow;
    private boolean hasFirstRttSample;
    private long firstRttSampleTime;
    private long maxAckDelay = DEFAULT_MAX_ACK_DELAY_NANOS;
    private boolean handshakeConfirmed;
    private boolean hasHandshakeKeys;
    private boolean handshakeAckReceived;
    private boolean peerValidatedMark;
    private boolean amplificationLimited;
    private long maxPtoPeriod = NONE;

    /** The ranges of an {@link AckFrame} being processed, copied out of the record. */
    private long[] ackRanges = new long[16];

    // Result of ptoTimeAndSpace besides the time.
    private int ptoSpace;
    private boolean ptoAntiDeadlock;

    /** Creates a detector for {@code role} starting from the default initial RTT of 333 ms. */
    public LossDetector(Role role) {
        this(role, RttEstimator.DEFAULT_INITIAL_RTT_NANOS);
    }

    /**
     * Creates a detector for {@code role} starting from {@code initialRttNanos}.
     *
     * @throws IllegalArgumentException if the initial RTT is not positive
     */
    public LossDetector(Role role, long initialRttNanos) {
        this.role = java.util.Objects.requireNonNull(role, "role");
        this.rtt = new RttEstimator(initialRttNanos);
    }

    // ---- inputs ----

    /**
     * Records a sent packet (RFC 9002 Appendix A.5) and returns its entry, for the connection to {@link
     * SentPacket#setFrames fill} with what the packet carried.
     *
     * @param space the packet's number space
     * @param packetNumber its packet number, larger than any sent before in the space
     * @param timeSent the send time, now
     * @param sentBytes its size
     * @param ackEliciting whether it is ack-eliciting
     * @param inFlight whether it counts towards bytes in flight
     * @throws IllegalStateException if the space was discarded or its log {@link SentPacketLog#isFull is
     *     full}
     * @throws IllegalArgumentException if the packet number does not increase
     */
    public SentPacket onPacketSent(PacketNumberSpace space, long packetNumber, long timeSent, int sentBytes,
            boolean ackEliciting, boolean inFlight) {
        int s = space.ordinal();
        if (discarded[s]) {
            throw new IllegalStateException(space + " space was discarded");
        }
        SentPacket p = logs[s].add(packetNumber, timeSent, sentBytes, ackEliciting, inFlight);
        lastNow = timeSent;
        if (inFlight) {
            if (ackEliciting) {
                timeOfLastAckEliciting[s] = timeSent;
            }
            setLossDetectionTimer(timeSent);
        }
        return p;
    }

    /**
     * The connection moved to a new path with application packet {@code packetNumber} as its first (RFC 9000 §9.4):
     * the acknowledgement of an earlier one, sent on the old path, gives no RTT sample for the new one.
     */
    public void startNewPath(long packetNumber) {
        newPathFirstPacket = packetNumber;
    }

    /** {@return whether application packet {@code packetNumber} went on the path before the last move (§9.4)} */
    public boolean sentOnOldPath(long packetNumber) {
        return packetNumber < newPathFirstPacket;
    }

    /**
     * Processes an ACK frame received in {@code space} (RFC 9002 Appendix A.7): removes the newly
     * acknowledged packets, takes an RTT sample, detects losses, resets the PTO backoff and re-arms the
     * timer. {@code out} is cleared first, then lists the newly acknowledged and lost packets.
     *
     * @param ackDelayNanos the frame's ACK Delay, already scaled by the peer's ack_delay_exponent
     * @param now the time the frame was received
     * @throws QuicProtocolException PROTOCOL_VIOLATION if the frame acknowledges a packet number never
     *     sent in this space (RFC 9000 §13.1): above the largest sent, or one the sender skipped among the
     *     last {@value SentPacketLog#REMEMBERED_SKIPS} skipped ranges
     */
    public void onAckReceived(PacketNumberSpace space, AckFrame ack, long ackDelayNanos, long now, AckOutcome out)
            throws QuicProtocolException {
        int rangeCount = ack.rangeCount();
        if (ackRanges.length < 2 * rangeCount) {
            ackRanges = new long[2 * rangeCount];
        }
        // The record hands out only copies of its array; this reused one keeps the path allocation-free.
        for (int r = 0; r < rangeCount; r++) {
            ackRanges[2 * r] = ack.largest(r);
            ackRanges[2 * r + 1] = ack.smallest(r);
        }
        onAckReceived(space, ackRanges, rangeCount, ack.typeCode(), ackDelayNanos, now, out);
    }

    /**
     * Processes an ACK frame received in {@code space} given as its ranges, as {@link #onAckReceived(
     * PacketNumberSpace, AckFrame, long, long, AckOutcome)} does, for a receive path that reads frames
     * without building records (see {@link qsock.core.frame.FrameReader}).
     *
     * @param ranges the acknowledged ranges in {@link AckFrame}'s layout, (largest, smallest) pairs in
     *     descending order, as a frame decoder checked them; only read, and only during the call
     * @param rangeCount how many ranges {@code ranges} begins with, at least 1
     * @param frameType the ACK frame's type code, 0x02 or 0x03, for the errors it raises
     * @param ackDelayNanos the frame's ACK Delay, already scaled by the peer's ack_delay_exponent
     * @param now the time the frame was received
     * @throws QuicProtocolException as the other form
     * @throws IllegalArgumentException if {@code rangeCount} is below 1 or beyond the array
     */
    public void onAckReceived(PacketNumberSpace space, long[] ranges, int rangeCount, long frameType,
            long ackDelayNanos, long now, AckOutcome out) throws QuicProtocolException {
        if (rangeCount < 1 || rangeCount > ranges.length / 2) {
            throw new IllegalArgumentException("rangeCount " + rangeCount + " for an array of " + ranges.length);
        }
        out.clear();
        lastNow = now;
        int s = space.ordinal();
        SentPacketLog log = logs[s];
        long largest = ranges[0];
        // RFC 9000 §13.1: "An endpoint SHOULD treat receipt of an acknowledgment for a packet it did not
        // send as a connection error of type PROTOCOL_VIOLATION, if it is able to detect the condition."
        if (largest > log.largestSent()) {
            throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, frameType,
                    "ACK of packet " + largest + " in " + space + ", largest sent " + log.largestSent());
        }
        for (int r = 0; r < rangeCount; r++) {
            if (log.overlapsSkipped(ranges[2 * r + 1], ranges[2 * r])) {
                throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, frameType,
                        "ACK of a skipped packet number in " + ranges[2 * r + 1] + ".." + ranges[2 * r]);
            }
        }
        out.space = space;
        boolean wasValidated = peerCompletedAddressValidation();
        if (space == PacketNumberSpace.HANDSHAKE) {
            // RFC 9002 §6.2.2.1, Appendix A.8: a Handshake ACK shows the server validated our address.
            handshakeAckReceived = true;
        }
        largestAcked[s] = Math.max(largestAcked[s], largest);

        // DetectAndRemoveAckedPackets, smallest range first so that out.acked is in increasing order.
        for (int r = rangeCount - 1; r >= 0; r--) {
            long hi = ranges[2 * r];
            for (int i = log.lowerBound(ranges[2 * r + 1]); i < log.slots() && log.pnAt(i) <= hi; i++) {
                if (log.stateAt(i) == SentPacketLog.LIVE) {
                    out.addAcked(log.removeAt(i, SentPacketLog.ACKED));
                }
            }
        }
        if (out.ackedCount() == 0) {
            log.trimHead();
            if (wasValidated != peerCompletedAddressValidation()) {
                setLossDetectionTimer(now);
            }
            return;
        }
        SentPacket newest = out.acked(out.ackedCount() - 1);
        out.largestAckedSentTime = newest.timeSent;
        // RFC 9002 §5.1: a sample only if the largest acknowledged is newly acknowledged and an
        // ack-eliciting packet is among the newly acknowledged.
        if (newest.packetNumber == largest && out.ackedAckEliciting
                && !(space == PacketNumberSpace.APPLICATION && largest < newPathFirstPacket)) {
            // RFC 9002 §5.3: MAY ignore the ack delay for Initial packets, which the peer does not delay.
            long ackDelay = space == PacketNumberSpace.INITIAL ? 0 : ackDelayNanos;
            rtt.update(now - newest.timeSent, ackDelay, handshakeConfirmed, maxAckDelay);
            if (!hasFirstRttSample) {
                hasFirstRttSample = true;
                firstRttSampleTime = now;
            }
            out.rttSampleTaken = true;
        }
        detectAndRemoveLostPackets(s, now, out, true);
        // RFC 9002 §6.2.1: a client unsure that the server validated its address keeps the backoff.
        if (peerCompletedAddressValidation()) {
            ptoCount = 0;
        }
        setLossDetectionTimer(now);
    }

    /**
     * Handles the loss detection timer (RFC 9002 Appendix A.9). Before {@link #lossDetectionDeadline()}
     * this does nothing. Otherwise either the time threshold declares packets lost ({@code out} lists
     * them), or a probe timeout fires: {@code out.probeCount()} ack-eliciting probes are due in {@code
     * out.ptoSpace()}, and the PTO count grows. {@code out} is cleared first.
     */
    public void onLossDetectionTimeout(long now, AckOutcome out) {
        out.clear();
        if (deadline == NONE || now - deadline < 0) {
            return;
        }
        lastNow = now;
        int s = earliestLossTimeSpace();
        if (s >= 0) {
            // Time threshold loss detection.
            out.space = SPACES[s];
            detectAndRemoveLostPackets(s, now, out, false);
            setLossDetectionTimer(now);
            return;
        }
        if (ptoTimeAndSpace(now) == NONE) {
            setLossDetectionTimer(now);
            return;
        }
        out.ptoSpace = SPACES[ptoSpace];
        out.space = out.ptoSpace;
        if (ptoAntiDeadlock) {
            // RFC 9002 §6.2.2.1: one Handshake packet if we have Handshake keys, else a padded Initial.
            out.antiDeadlock = true;
            out.probeCount = 1;
        } else {
            out.probeCount = PTO_PROBE_COUNT;
        }
        ptoCount++;
        setLossDetectionTimer(now);
    }

    /**
     * Discards a packet number space with its keys (RFC 9002 §6.4, Appendix A.11): every packet of the
     * space leaves the log and is listed in {@code out} as discarded, with the in-flight bytes to remove
     * from the congestion controller's count; the space's loss time is forgotten, the PTO backoff is
     * reset and the timer re-armed. No packet may be sent in a discarded Initial or Handshake space
     * afterwards. Discarding the Application Data space is for rejected 0-RTT (RFC 9002 §6.4): its
     * packets are dropped and the space stays usable for 1-RTT packets, which continue the numbering.
     */
    public void discardSpace(PacketNumberSpace space, AckOutcome out) {
        out.clear();
        int s = space.ordinal();
        out.space = space;
        removeAll(s, out);
        if (s != APP) {
            discarded[s] = true;
            // Nothing is sent in the space any more: its log lets go of its arrays and pooled entries.
            logs[s].release();
        }
        ptoCount = 0;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Resets loss recovery after a client receives a Retry (RFC 9002 §6.3): the Initial and 0-RTT packets
     * sent so far were not processed, so they are listed in {@code out} as discarded (their bytes leave
     * flight; their frames need sending again in new packets, whose numbers continue, RFC 9000
     * §17.2.5.3), and the PTO backoff, loss times and RTT estimate return to their initial state.
     */
    public void onRetry(AckOutcome out) {
        out.clear();
        out.space = PacketNumberSpace.INITIAL;
        removeAll(PacketNumberSpace.INITIAL.ordinal(), out);
        removeAll(APP, out);
        largestAcked[PacketNumberSpace.INITIAL.ordinal()] = -1;
        largestAcked[APP] = -1;
        rtt.resetToInitial();
        hasFirstRttSample = false;
        ptoCount = 0;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Takes a packet that never left out of the log: the datagram carrying it could not be sent (the socket refused
     * it, too large for the route, say). It is listed in {@code out} as discarded, not lost: its bytes leave flight
     * without a congestion reaction, and its frames need sending again. {@code out} is cleared first.
     *
     * @return false if the packet is not (or no longer) in the log
     */
    public boolean onPacketNotSent(PacketNumberSpace space, long packetNumber, AckOutcome out) {
        out.clear();
        out.space = space;
        SentPacketLog log = logs[space.ordinal()];
        int i = log.lowerBound(packetNumber);
        if (i >= log.slots() || log.pnAt(i) != packetNumber || log.stateAt(i) != SentPacketLog.LIVE) {
            return false;
        }
        out.addDiscarded(log.removeAt(i, SentPacketLog.GONE));
        log.trimHead();
        setLossDetectionTimer(lastNow);
        return true;
    }

    /**
     * Copies the oldest ack-eliciting packets still in flight in {@code space}, oldest first, into {@code into}, at
     * most its length: what a PTO probe sends again when it has no new data (RFC 9002 §6.2.4). The entries stay
     * in the log.
     *
     * @return how many were copied
     */
    public int oldestAckElicitingInFlight(PacketNumberSpace space, SentPacket[] into) {
        SentPacketLog log = logs[space.ordinal()];
        int n = 0;
        for (int i = 0; i < log.slots() && n < into.length; i++) {
            if (log.stateAt(i) == SentPacketLog.LIVE) {
                SentPacket p = log.entryAt(i);
                if (p.ackEliciting && p.inFlight) {
                    into[n++] = p;
                }
            }
        }
        return n;
    }

    /** Records that the handshake is confirmed (RFC 9001 §4.1.2), which allows Application Data PTOs. */
    public void setHandshakeConfirmed() {
        handshakeConfirmed = true;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Marks the peer as having completed address validation (RFC 9002 Appendix A.8), in addition to what
     * the detector infers itself: always for a server, and for a client once it received an ACK in a
     * Handshake packet or the handshake is confirmed.
     */
    public void setPeerCompletedAddressValidation(boolean completed) {
        peerValidatedMark = completed;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Records whether Handshake keys are available, which picks the space of a client's anti-deadlock probe; while
     * they are and the handshake is not confirmed, the probe timer stays armed with nothing in flight (see the class
     * description).
     */
    public void setHasHandshakeKeys(boolean has) {
        hasHandshakeKeys = has;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Sets the peer's max_ack_delay transport parameter.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setMaxAckDelay(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative max_ack_delay " + nanos);
        }
        maxAckDelay = nanos;
        setLossDetectionTimer(lastNow);
    }

    /**
     * Records whether a server is blocked by the anti-amplification limit (RFC 9000 §8.1): while it is,
     * no PTO is armed (RFC 9002 §6.2.2.1). When a datagram from the client lifts the block, call this with
     * false and, if {@link #lossDetectionDeadline()} has already passed, {@link #onLossDetectionTimeout}
     * at once (Appendix A.6).
     */
    public void setAmplificationLimited(boolean limited) {
        amplificationLimited = limited;
        setLossDetectionTimer(lastNow);
    }

    // ---- state ----

    /** {@return when to call {@link #onLossDetectionTimeout}, or {@link Long#MAX_VALUE} if the timer is unset} */
    public long lossDetectionDeadline() {
        return deadline;
    }

    /** {@return pto_count: probe timeouts since the last acknowledgment that reset it} */
    public int ptoCount() {
        return ptoCount;
    }

    /** {@return the packets declared lost so far (RFC 9002 §6.1), over the connection's life} */
    public long packetsLost() {
        return packetsLost;
    }

    /** {@return the RTT estimator of the path} */
    public RttEstimator rtt() {
        return rtt;
    }

    /** {@return the sent packet log of {@code space}, for inspection} */
    public SentPacketLog log(PacketNumberSpace space) {
        return logs[space.ordinal()];
    }

    /** {@return the largest packet number acknowledged in {@code space}, -1 if none} */
    public long largestAcked(PacketNumberSpace space) {
        return largestAcked[space.ordinal()];
    }

    /** {@return whether an ack-eliciting packet is in flight in any space} */
    public boolean hasAckElicitingInFlight() {
        return logs[0].ackElicitingInFlight() + logs[1].ackElicitingInFlight() + logs[2].ackElicitingInFlight() > 0;
    }

    /** {@return the bytes in flight in {@code space}} */
    public long bytesInFlight(PacketNumberSpace space) {
        return logs[space.ordinal()].bytesInFlight();
    }

    /** {@return the bytes in flight over all spaces} */
    public long bytesInFlight() {
        return logs[0].bytesInFlight() + logs[1].bytesInFlight() + logs[2].bytesInFlight();
    }

    /** {@return whether the handshake is confirmed} */
    public boolean isHandshakeConfirmed() {
        return handshakeConfirmed;
    }

    /** {@return PeerCompletedAddressValidation() of RFC 9002 Appendix A.8} */
    public boolean peerCompletedAddressValidation() {
        // Servers assume clients validate the server's address implicitly.
        return role == Role.SERVER || peerValidatedMark || handshakeAckReceived || handshakeConfirmed;
    }

    // ---- internals ----

    /** DetectAndRemoveLostPackets (RFC 9002 Appendix A.10), with the persistent congestion check. */
    private void detectAndRemoveLostPackets(int s, long now, AckOutcome out, boolean dueToAck) {
        SentPacketLog log = logs[s];
        lossTime[s] = NONE;
        long la = largestAcked[s];
        if (la < 0) {
            return;
        }
        // RFC 9002 §6.1.2: max(kTimeThreshold * max(smoothed_rtt, latest_rtt), kGranularity).
        long lossDelay = Math.max(rtt.latestRtt(), rtt.smoothedRtt()) * TIME_THRESHOLD_NUMERATOR
                / TIME_THRESHOLD_DENOMINATOR;
        lossDelay = Math.max(lossDelay, RttEstimator.GRANULARITY_NANOS);
        long lostSendTime = now - lossDelay;

        // RFC 9002 §7.6.2: persistent congestion needs an acknowledgment and a prior RTT sample.
        boolean checkPersistent = dueToAck && hasFirstRttSample;
        long pcDuration = rtt.persistentCongestionDuration(maxAckDelay);
        boolean runStarted = false;
        long runStart = 0;

        for (int i = 0; i < log.slots(); i++) {
            long pn = log.pnAt(i);
            if (pn > la) {
                break;
            }
            byte state = log.stateAt(i);
            if (state == SentPacketLog.ACKED) {
                runStarted = false;  // an acknowledged packet sent between two losses
                continue;
            }
            if (state != SentPacketLog.LIVE) {
                continue;  // declared lost before: not acknowledged, so the run goes on
            }
            SentPacket p = log.entryAt(i);
            // RFC 9002 §6.1: lost by the time threshold or the packet threshold.
            if (p.timeSent - lostSendTime <= 0 || la - pn >= PACKET_THRESHOLD) {
                log.removeAt(i, SentPacketLog.GONE);
                out.addLost(p);
                packetsLost++;
                // RFC 9002 §7.6.2: only ack-eliciting packets sent after the first RTT sample count.
                if (checkPersistent && p.ackEliciting && p.timeSent - firstRttSampleTime > 0) {
                    if (!runStarted) {
                        runStarted = true;
                        runStart = p.timeSent;
                    } else if (p.timeSent - runStart > pcDuration) {
                        out.persistentCongestion = true;
                    }
                }
            } else {
                long t = p.timeSent + lossDelay;
                if (lossTime[s] == NONE || t - lossTime[s] < 0) {
                    lossTime[s] = t;
                }
                runStarted = false;
            }
        }
        log.trimHead();
        if (out.persistentCongestion) {
            // RFC 9002 §5.2: SHOULD set min_rtt to the newest sample after persistent congestion.
            rtt.reset();
        }
    }

    private void removeAll(int s, AckOutcome out) {
        SentPacketLog log = logs[s];
        for (int i = 0; i < log.slots(); i++) {
            if (log.stateAt(i) == SentPacketLog.LIVE) {
                out.addDiscarded(log.removeAt(i, SentPacketLog.GONE));
            }
        }
        log.trimHead();
        timeOfLastAckEliciting[s] = 0;
        lossTime[s] = NONE;
    }

    /** GetLossTimeAndSpace (RFC 9002 Appendix A.8): the space with the earliest loss time, or -1. */
    private int earliestLossTimeSpace() {
        int space = -1;
        for (int s = 0; s < 3; s++) {
            if (lossTime[s] != NONE && (space < 0 || lossTime[s] - lossTime[space] < 0)) {
                space = s;
            }
        }
        return space;
    }

    /**
     * GetPtoTimeAndSpace (RFC 9002 Appendix A.8): returns the PTO deadline, or NONE, and leaves the space
     * in {@code ptoSpace} and whether it is an anti-deadlock probe in {@code ptoAntiDeadlock}.
     */
    private long ptoTimeAndSpace(long now) {
        int shift = Math.min(ptoCount, MAX_PTO_BACKOFF_EXPONENT);
        long duration = rtt.pto(0, false) << shift;
        ptoAntiDeadlock = false;
        long timeout = NONE;
        int space = 0;
        if (hasAckElicitingInFlight()) {
            for (int s = 0; s < 3; s++) {
                if (logs[s].ackElicitingInFlight() == 0) {
                    continue;
                }
                if (s == APP) {
                    // RFC 9002 §6.2.1: MUST NOT arm the Application Data PTO before confirmation.
                    if (!handshakeConfirmed) {
                        break;
                    }
                    duration += maxAckDelay << shift;
                }
                long t = timeOfLastAckEliciting[s] + capped(duration);
                if (timeout == NONE || t - timeout < 0) {
                    timeout = t;
                    space = s;
                }
            }
        }
        if (timeout == NONE && (!peerCompletedAddressValidation() || handshakeUnconfirmedWithKeys())) {
            // RFC 9002 §6.2.2.1: the client MUST arm the PTO timer, even with nothing in flight, until it
            // knows the server validated its address; the timeout starts now. Past that, either side keeps it
            // armed until the handshake is confirmed (see handshakeUnconfirmedWithKeys).
            ptoAntiDeadlock = true;
            space = hasHandshakeKeys ? PacketNumberSpace.HANDSHAKE.ordinal() : PacketNumberSpace.INITIAL.ordinal();
            timeout = now + capped(rtt.pto(0, false) << shift);
        }
        ptoSpace = space;
        return timeout;
    }

    /**
     * Whether the probe timer stays armed with nothing in flight because the handshake is not yet confirmed while we
     * hold Handshake keys: the peer's part of the handshake may be missing (a client without the server's whole
     * flight, a server without the client's Finished), or, for a client, the server's HANDSHAKE_DONE. Our own packets
     * all acknowledged, RFC 9002 leaves the repair to the peer's loss detection, and a peer whose timer backs off
     * without a cap (quiche: 11, 23, 46 s) or never fires (Kwik 0.10.8 once left its corrupted Handshake flight unsent
     * for two minutes) stalls the handshake. The probe this arms is one ack-eliciting packet (a PING with our ACK) in
     * the Handshake space, sent like the client's anti-deadlock probe (§6.2.2.1): the peer acknowledges it, and our
     * next probe acknowledges that acknowledgment, so the peer's packet or time threshold (§6.1) declares what it
     * sent before lost and sends it again at once. RFC 9002 §6.2.4 lets a sender send probes beyond those it must;
     * the backoff grows while nothing answers, and every acknowledgment resets it (Appendix A.7). A server's timer
     * still waits while the anti-amplification limit blocks it (§6.2.2.1); a server's handshake is confirmed when it
     * completes (RFC 9001 §4.1.2), a client's with HANDSHAKE_DONE, and the Handshake keys go then (§4.9.2).
     */
    private boolean handshakeUnconfirmedWithKeys() {
        return hasHandshakeKeys && !handshakeConfirmed && !discarded[PacketNumberSpace.HANDSHAKE.ordinal()];
    }

    /**
     * The PTO period, at most {@link #setMaxPtoPeriod the cap}. Past it, the connection would send too few probes
     * before it idles out: after a few doublings on a lossy path, or when the RTT estimate was inflated by a stale
     * first sample (an ACK the peer had to repeat for seconds, because its packets were lost, measures those seconds:
     * RFC 9002 §5.3 takes the first sample as it is), a connection that lost its Finished probed once in 15 s against
     * a 30 s idle timeout. Probes are not congestion controlled and one more round costs two small packets.
     */
    private long capped(long duration) {
        return maxPtoPeriod == NONE ? duration : Math.min(duration, maxPtoPeriod);
    }

    /**
     * Caps the PTO period (RFC 9002 §6.2.1 lets it double without bound, and bases it on an estimate a lossy
     * handshake can inflate; the idle timeout ends the connection long before). The connection sets it to a quarter
     * of its idle timeout, so that at least four probes go out before it gives up; {@link Long#MAX_VALUE} removes the
     * cap. It applies from the next time the timer is armed (a packet sent or acknowledged), so that setting it never
     * moves a deadline by itself.
     */
    public void setMaxPtoPeriod(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("PTO period cap must be positive: " + nanos);
        }
        maxPtoPeriod = nanos;
    }

    /** SetLossDetectionTimer (RFC 9002 Appendix A.8). */
    private void setLossDetectionTimer(long now) {
        int s = earliestLossTimeSpace();
        if (s >= 0) {
            // Time threshold loss detection; RFC 9002 §6.2.1: no PTO while it is set.
            deadline = lossTime[s];
            return;
        }
        if (amplificationLimited) {
            // RFC 9002 §6.2.2.1: the server's timer is not set if nothing can be sent.
            deadline = NONE;
            return;
        }
        if (!hasAckElicitingInFlight() && peerCompletedAddressValidation() && !handshakeUnconfirmedWithKeys()) {
            deadline = NONE;
            return;
        }
        deadline = ptoTimeAndSpace(now);
    }

    @Override
    public String toString() {
        return "LossDetector[" + role + ", " + rtt + ", ptoCount=" + ptoCount + ", deadline="
                + (deadline == NONE ? "none" : deadline) + "]";
    }
}
