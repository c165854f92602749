package qsock.core.connection;

import qsock.core.cc.CongestionController;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.recovery.AckOutcome;
import qsock.core.recovery.SentPacket;

/**
 * A connection's use of ECN (RFC 9000 §13.4, Appendix A.4; RFC 9002 §7.1, Appendix B.7): the codepoint of the datagram
 * being received, which the receiver counts per packet; the codepoint to mark sent datagrams with; the validation of
 * the current path from the peer's ECN counts; and the congestion events an increase of the CE count makes.
 *
 * <p>A path starts TESTING: the first {@link #TESTING_PACKETS} packets, or those of the first three PTOs, are marked
 * ECT(0). Then UNKNOWN: nothing is marked until an ACK frame's counts validate the marked packets it newly
 * acknowledges (CAPABLE: every packet is marked from then on) or validation fails (FAILED: nothing is marked on this
 * path again). A new path starts over (§13.4.2: validate on each new path). Without a runtime that can set and read
 * the codepoints, or with {@code ConnectionConfig.ecn()} off, nothing is ever marked: the state stays OFF and costs a
 * field read per datagram.
 */
final class EcnValidation {

    /** Packets marked while testing a path (RFC 9000 Appendix A.4 suggests 10). */
    static final int TESTING_PACKETS = 10;
    /** PTOs a path is tested for at most (Appendix A.4 suggests 3). */
    static final int TESTING_PTOS = 3;

    /** Where a path's validation stands. */
    enum State { OFF, TESTING, UNKNOWN, CAPABLE, FAILED }

    private final boolean configured;
    private State state = State.OFF;
    /** The codepoint of the datagram the next receive processes; taken by it. */
    private Ecn received = Ecn.NOT_ECT;
    /** The codepoint of the datagram being built, or built last. */
    private Ecn marking = Ecn.NOT_ECT;
    private int testingMarked;
    private long testingStart;
    /** On the current path: packets marked, and of them declared lost, while not yet validated. */
    private long unvalidatedMarked;
    private long unvalidatedLost;
    /** Per packet number space, over the connection's life: packets sent marked ECT(0), and the peer's counts. */
    private final long[] sentEct0 = new long[3];
    private final long[] peerEct0 = new long[3];
    private final long[] peerEct1 = new long[3];
    private final long[] peerCe = new long[3];
    private long failures;
    private long congestionEvents;

    EcnValidation(boolean configured) {
        this.configured = configured;
    }

    /** The runtime can read and set codepoints: with ECN configured, the current path starts testing. */
    void enable(long now) {
        if (configured && state == State.OFF) {
            startPath(now);
        }
    }

    /** The connection moved to a new path (RFC 9000 §13.4.2): it is validated again, from TESTING. */
    void onNewPath(long now) {
        if (state != State.OFF) {
            startPath(now);
        }
    }

    private void startPath(long now) {
        state = State.TESTING;
        testingMarked = 0;
        testingStart = now;
        unvalidatedMarked = 0;
        unvalidatedLost = 0;
    }

    State state() {
        return state;
    }

    long failures() {
        return failures;
    }

    long congestionEvents() {
        return congestionEvents;
    }

    // ---- receiving ----

    void setReceived(Ecn ecn) {
        received = ecn;
    }

    /** {@return the codepoint of the datagram being received, once: the next datagram is Not-ECT unless told} */
    Ecn takeReceived() {
        Ecn e = received;
        received = Ecn.NOT_ECT;
        return e;
    }

    // ---- sending ----

    /** Decides the codepoint of the datagram about to be built; {@code pto} is the current probe timeout. */
    void beginDatagram(long now, long pto) {
        if (state == State.TESTING && now - testingStart > TESTING_PTOS * pto) {
            state = State.UNKNOWN;
        }
        marking = state == State.TESTING || state == State.CAPABLE ? Ecn.ECT_0 : Ecn.NOT_ECT;
    }

    /** {@return the codepoint to mark the datagram built last with} */
    Ecn marking() {
        return marking;
    }

    /** A packet of {@code space} was sealed into the datagram being built; {@code sent} is its record, or null. */
    void onPacketSealed(PacketNumberSpace space, SentPacket sent) {
        if (marking != Ecn.ECT_0) {
            return;
        }
        sentEct0[space.ordinal()]++;
        if (sent != null) {
            sent.setEcnMarked(true);
        }
        if (state != State.CAPABLE) {
            unvalidatedMarked++;
        }
        if (state == State.TESTING && ++testingMarked >= TESTING_PACKETS) {
            state = State.UNKNOWN;
        }
    }

    // ---- acknowledgements ----

    /**
     * Checks the ECN counts of an ACK frame of {@code space} against the packets it newly acknowledged ({@code
     * outcome}, before they are released), RFC 9000 §13.4.2.1, and reports an increase of the CE count to {@code
     * congestion} as a congestion event (RFC 9002 §7.1, Appendix B.7).
     *
     * Call it only for a frame that increased the largest acknowledged packet number: §13.4.2.1 forbids failing
     * validation on one that did not (a reordered ACK frame).
     *
     * @param hasCounts whether the frame is of type 0x03
     */
    void onAck(PacketNumberSpace space, boolean hasCounts, long ect0, long ect1, long ce, AckOutcome outcome,
               CongestionController congestion, long now) {
        if (state == State.OFF || outcome.ackedCount() == 0) {
            return;
        }
        int s = space.ordinal();
        long newlyMarked = 0;
        for (int i = 0; i < outcome.ackedCount(); i++) {
            if (outcome.acked(i).isEcnMarked()) {
                newlyMarked++;
            }
        }
        if (!hasCounts) {
            // §13.4.2.1: a marked packet newly acknowledged without counts: the path (or peer) loses the marks.
            if (newlyMarked > 0) {
                fail();
            }
            return;
        }
        long ect0Increase = ect0 - peerEct0[s];
        long ceIncrease = ce - peerCe[s];
        boolean valid = ect0Increase >= 0 && ect1 >= peerEct1[s] && ceIncrease >= 0 // counts never decrease
                // §13.4.2.1: the increase of ECT(0) and CE covers the marked packets newly acknowledged
                && ect0Increase + ceIncrease >= newlyMarked
                // §13.4.2.1: no more ECT(0) than sent, and no ECT(1) at all (never sent): remarked on the way
                && ect0 + ce <= sentEct0[s] && ect1 == 0;
        peerEct0[s] = Math.max(peerEct0[s], ect0);
        peerEct1[s] = Math.max(peerEct1[s], ect1);
        peerCe[s] = Math.max(peerCe[s], ce);
        if (!valid) {
            fail();
            return;
        }
        if (ceIncrease > 0) {
            // RFC 9002 Appendix B.7: a new recovery period unless the largest acknowledged packet was sent in this one.
            congestionEvents++;
            congestion.onCongestionEvent(now, outcome.largestAckedSentTime());
        }
        if (newlyMarked > 0 && (state == State.TESTING || state == State.UNKNOWN)) {
            state = State.CAPABLE;
        }
    }

    /** Counts the marked packets {@code outcome} declares lost: if all those of an unvalidated path are, it fails. */
    void onLost(AckOutcome outcome) {
        if (state != State.TESTING && state != State.UNKNOWN) {
            return;
        }
        for (int i = 0; i < outcome.lostCount(); i++) {
            if (outcome.lost(i).isEcnMarked()) {
                unvalidatedLost++;
            }
        }
        // §13.4.2.1: all packets sent with ECT lost: the marks may be what drops them. Once testing is over only.
        if (state == State.UNKNOWN && unvalidatedMarked > 0 && unvalidatedLost >= unvalidatedMarked) {
            fail();
        }
    }

    private void fail() {
        if (state != State.FAILED) {
            state = State.FAILED;
            failures++;
        }
    }
}
