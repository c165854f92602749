package qsock.core.connection;

import java.util.ArrayDeque;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.recovery.AckOutcome;
import qsock.core.recovery.RttEstimator;
import qsock.core.recovery.SentPacket;
import qsock.core.stream.ControlFrame;

/**
 * The fate of what the connection sent: when recovery says packets were acknowledged, lost, or left flight unsent,
 * their bytes go to congestion control (and the path MTU search, for its probes), and the frames they carried to
 * their owners, freed on acknowledgement or queued again on loss (RFC 9000 §13.3). It also keeps the pool of
 * {@link SentFrames} records, so that recording a packet allocates nothing in the steady state.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class SentFrameFate {

    private static final ControlFrame[] CONTROL_FRAMES = ControlFrame.values();

    private final QuicConnection c;
    private final ArrayDeque<SentFrames> pool = new ArrayDeque<>();

    SentFrameFate(QuicConnection connection) {
        this.c = connection;
    }

    /** {@return an empty record for the frames of a packet being built} */
    SentFrames take() {
        SentFrames f = pool.poll();
        return f != null ? f : new SentFrames();
    }

    /** Gives back a record {@link #take} gave that no packet carries. */
    void recycle(SentFrames f) {
        f.clear();
        pool.add(f);
    }

    /**
     * Acts on the packets an ACK frame of {@code space} acknowledged, which {@code outcome} lists, then on those it
     * declared lost: congestion control, the path MTU search, and the frames they carried.
     */
    void onAcked(PacketSpace space, AckOutcome outcome, long now) {
        RttEstimator rtt = c.recovery.rtt();
        for (int i = 0; i < outcome.ackedCount(); i++) {
            SentPacket p = outcome.acked(i);
            if (c.pathMtu != null && space.id == PacketNumberSpace.APPLICATION
                    && c.pathMtu.isProbe(p.packetNumber()) && c.pathMtu.onProbeAcked(now)) {
                c.setMaxDatagramSize(c.pathMtu.current());
            }
            if (p.isInFlight() && space.id == PacketNumberSpace.APPLICATION && notOfCurrentPath(p)) {
                // RFC 9000 §9.4: a packet of the old path, or of another one, tells nothing of the current one's
                // capacity.
                c.congestion.onPacketDiscarded(p.sentBytes());
            } else if (p.isInFlight()) {
                // The controller wants the sample this ACK produced, once, or 0 (qsock.core.cc contract).
                long sample = outcome.rttSampleTaken() ? rtt.latestRtt() : 0;
                c.congestion.onPacketAcked(now, p.timeSent(), p.sentBytes(), sample, rtt.smoothedRtt(),
                        rtt.minRtt());
            }
            onFramesAcked(space, (SentFrames) p.frames());
            release(p);
        }
        if (outcome.ackedCount() > 0) {
            c.congestion.onAckProcessed(now);
        }
        if (outcome.rttSampleTaken()) {
            c.streams.onRttUpdated(rtt.smoothedRtt());
        }
        onLost(outcome, now);
    }

    /** Acts on the packets {@code outcome} declares lost (RFC 9002 §6.1, §7.3): congestion, their frames again. */
    void onLost(AckOutcome outcome, long now) {
        if (outcome.lostCount() == 0) {
            return;
        }
        c.ecn.onLost(outcome);
        long lostBytes = outcome.lostBytesInFlight();
        int oldPathLosses = 0;
        for (int i = 0; i < outcome.lostCount(); i++) {
            SentPacket p = outcome.lost(i);
            if (c.pathMtu != null && outcome.space() == PacketNumberSpace.APPLICATION
                    && c.pathMtu.isProbe(p.packetNumber())) {
                // RFC 9000 §14.4: a lost probe says the size is too large, not that the path is congested.
                c.pathMtu.onProbeLost(now);
                c.congestion.onPacketDiscarded(p.sentBytes());
                lostBytes -= p.sentBytes();
            } else if (outcome.space() == PacketNumberSpace.APPLICATION && p.isInFlight() && notOfCurrentPath(p)) {
                // RFC 9000 §9.4: nor does the loss of one. A probe of another path is lost spuriously when the
                // current path's later packets are acknowledged first (the paths' delays differ); that is no sign of
                // congestion either.
                c.congestion.onPacketDiscarded(p.sentBytes());
                lostBytes -= p.sentBytes();
                oldPathLosses++;
            }
            onFramesLost(c.spaces[outcome.space().ordinal()], (SentFrames) p.frames());
            release(p);
        }
        if (lostBytes > 0) {
            c.congestion.onPacketsLost(now, outcome.newestLostSentTime(), lostBytes);
        }
        if (outcome.persistentCongestion() && oldPathLosses < outcome.lostCount()) {
            c.congestion.onPersistentCongestion(now);
            if (c.pathMtu != null && c.pathMtu.onBlackHole(now)) {
                c.setMaxDatagramSize(c.pathMtu.current());
            }
        }
    }

    /**
     * Takes the packets {@code outcome} lists as discarded out of flight, without a congestion reaction (they were
     * never sent, or their keys are gone); their frames are queued again in {@code resend}, or forgotten if it is null.
     */
    void leaveFlight(AckOutcome outcome, PacketSpace resend) {
        for (int i = 0; i < outcome.discardedCount(); i++) {
            SentPacket p = outcome.discarded(i);
            if (p.isInFlight()) {
                c.congestion.onPacketDiscarded(p.sentBytes());
            }
            if (resend != null) {
                onFramesLost(resend, (SentFrames) p.frames());
            }
            release(p);
        }
    }

    /** The frames {@code f} recorded were acknowledged in {@code space}: their owners let them go. */
    void onFramesAcked(PacketSpace space, SentFrames f) {
        if (f == null) {
            return;
        }
        for (int i = 0; i < f.cryptoCount; i++) {
            space.crypto.onAcked(f.cryptoOffsets[i], f.cryptoLengths[i]);
        }
        for (int i = 0; i < f.streamCount; i++) {
            c.streams.onStreamFrameAcked(f.streamIds[i], f.streamOffsets[i], f.streamLengths[i], f.streamFins[i]);
        }
        for (int i = 0; i < f.controlCount; i++) {
            c.streams.onControlFrameAcked(CONTROL_FRAMES[f.controlKinds[i]], f.controlIds[i], f.controlValues[i]);
        }
        for (int i = 0; i < f.newConnectionIdCount; i++) {
            c.localIds.onNewConnectionIdAcked(f.newConnectionIdSequences[i]);
        }
        for (int i = 0; i < f.retireConnectionIdCount; i++) {
            c.peerIds.onRetireConnectionIdAcked(f.retireConnectionIdSequences[i]);
        }
        if (f.ackLargest >= 0) {
            // RFC 9000 §13.2.4: once an ACK frame is acknowledged, the ranges it covered need not be repeated.
            space.acks.onAckOfOurAckFrame(f.ackLargest);
        }
        if (f.pathChallenge) {
            // RFC 9000 §8.2.2: the peer answers a PATH_CHALLENGE at once, in the packet that acknowledges it (whose
            // frames come after this ACK) or before. If the validation still waits after that packet, the answer was
            // lost: a new challenge (§8.2.1), at most one per round trip, else the validation would wait for its
            // timeout and go back to an address the peer left (§8.2.4). An echo merely late still counts.
            c.paths.onChallengeLost();
        }
        if (f.probeChallenge) {
            // The same for a probe of a new path: an acknowledged challenge whose echo did not come with or before
            // the acknowledgment had its echo lost, and a PATH_RESPONSE is never sent again (RFC 9000 §13.3). Without
            // a new challenge the probe would wait for its deadline and give the move up.
            c.probe.validation.onChallengeLost();
        }
    }

    /**
     * {@return whether 1-RTT packet {@code p} went on the path before the current one, or on another one than the
     * current (see {@link SentFrames#otherPath})}
     */
    private boolean notOfCurrentPath(SentPacket p) {
        return c.recovery.sentOnOldPath(p.packetNumber()) || p.frames() instanceof SentFrames f && f.otherPath;
    }

    /** The frames {@code f} recorded are taken as lost in {@code space}: what must be repeated is queued again. */
    void onFramesLost(PacketSpace space, SentFrames f) {
        if (f == null) {
            return;
        }
        if (!space.discarded) {
            for (int i = 0; i < f.cryptoCount; i++) {
                space.crypto.onLost(f.cryptoOffsets[i], f.cryptoLengths[i]);
            }
        }
        for (int i = 0; i < f.streamCount; i++) {
            c.streams.onStreamFrameLost(f.streamIds[i], f.streamOffsets[i], f.streamLengths[i], f.streamFins[i]);
        }
        for (int i = 0; i < f.controlCount; i++) {
            c.streams.onControlFrameLost(CONTROL_FRAMES[f.controlKinds[i]], f.controlIds[i], f.controlValues[i]);
        }
        for (int i = 0; i < f.newConnectionIdCount; i++) {
            c.localIds.onNewConnectionIdLost(f.newConnectionIdSequences[i]);
        }
        for (int i = 0; i < f.retireConnectionIdCount; i++) {
            c.peerIds.onRetireConnectionIdLost(f.retireConnectionIdSequences[i]);
        }
        if (f.handshakeDone) {
            c.handshakeDonePending = true;
        }
        if (f.newToken) {
            c.newTokenPending = true;
        }
        if (f.pathChallenge) {
            // A new challenge, with new data, while the validation runs (RFC 9000 §8.2.1, §13.3).
            c.paths.onChallengeLost();
        }
        if (f.probeChallenge) {
            c.probe.validation.onChallengeLost();
        }
    }

    /** Recovery is done with {@code p}: its frame record goes back to the pool. */
    void release(SentPacket p) {
        if (p.frames() instanceof SentFrames f) {
            p.setFrames(null);
            recycle(f);
        }
    }
}
