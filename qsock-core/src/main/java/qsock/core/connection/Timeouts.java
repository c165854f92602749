package qsock.core.connection;

import qsock.api.ConnectionState;
import qsock.core.error.ConnectionError;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.recovery.LossDetector;
import qsock.core.recovery.SentPacket;

/**
 * What the connection's timers do: the deadlines that recovery, the ACK state, the keys and the path MTU search keep
 * are copied into the {@link TimerTable} (whose minimum is the connection's next deadline), and when time reaches
 * one the timer acts: the idle timeout closes silently (RFC 9000 §10.1), a keep-alive queues a PING, loss detection
 * declares packets lost or a probe timeout queues probes with data (RFC 9002 §6), old keys are discarded (RFC 9001
 * §6.5), the path MTU search looks up again (RFC 8899 §5.1.1). Nothing that {@link #onTimeout} and polling cannot
 * clear stays in the table: an ACK held by the anti-amplification limit has no deadline until bytes arrive.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class Timeouts {

    /** Consecutive PTOs after which a size found by path MTU discovery is suspected of a black hole. */
    private static final int BLACK_HOLE_PTOS = 2;
    /** The most in-flight packets whose frames one PTO queues again, as many as the probes it sends. */
    private static final int PROBE_REPEATS = 2;

    private final SentPacket[] probeSources = new SentPacket[PROBE_REPEATS];

    private final QuicConnection c;

    Timeouts(QuicConnection connection) {
        this.c = connection;
    }

    /** Copies into the timer table the deadlines that recovery, the ACK state, the keys and the PMTU search keep. */
    void refresh() {
        c.timers.set(Timer.LOSS_DETECTION, c.recovery.lossDetectionDeadline());
        c.timers.set(Timer.ACK_DELAY, c.amplification.blocksSending(c.maxDatagramSize) ? TimerTable.STOPPED
                : c.spaces[2].acks.ackDeadline());
        c.timers.set(Timer.KEY_DISCARD, c.oneRtt.previousDiscardDeadline);
        c.timers.set(Timer.PATH_MTU_RAISE, c.pathMtu == null ? TimerTable.STOPPED : c.pathMtu.raiseDeadline());
    }

    /** Acts on every timer that {@code now} reached. */
    void onTimeout(long now) {
        if (c.state == ConnectionState.CLOSED) {
            return;
        }
        if (c.state == ConnectionState.CLOSING || c.state == ConnectionState.DRAINING) {
            c.closing.onTimeout(now);
            return;
        }
        if (c.timers.isExpired(Timer.IDLE, now)) {
            // RFC 9000 §10.1: silently closed.
            c.closing.closeSilently(new ConnectionError(ConnectionError.Kind.IDLE_TIMEOUT, 0, 0,
                    "no packet for " + c.idleTimeoutNanos / 1_000_000 + " ms", false));
            return;
        }
        if (c.timers.isExpired(Timer.PATH_VALIDATION, now)) {
            c.onPathValidationTimeout();
        }
        if (c.timers.isExpired(Timer.PATH_PROBE, now)) {
            c.onProbeTimeout();
        }
        if (c.timers.isExpired(Timer.PACING, now)) {
            c.timers.stop(Timer.PACING);
        }
        if (c.pathMtu != null) {
            c.pathMtu.onTimeout(now);
        }
        c.oneRtt.onTimeout(now);
        if (c.timers.isExpired(Timer.KEEP_ALIVE, now)) {
            c.pingPending = true;
            c.timers.stop(Timer.KEEP_ALIVE);
        }
        if (lossDetectionDue(now) && !onLossDetectionTimeout(now) && lossDetectionDue(now)) {
            // Packets declared lost by the time threshold can leave a probe timeout that is already due (the last
            // ack-eliciting packet of a space left more than a PTO ago): it fires now too, or the deadline would
            // stay in the past.
            onLossDetectionTimeout(now);
        }
    }

    private boolean lossDetectionDue(long now) {
        long deadline = c.recovery.lossDetectionDeadline();
        return deadline != Long.MAX_VALUE && now - deadline >= 0;
    }

    /** Acts on the loss detection timer; {@return whether a probe timeout fired (RFC 9002 §6.2)} */
    private boolean onLossDetectionTimeout(long now) {
        c.outcome.clear();
        c.recovery.onLossDetectionTimeout(now, c.outcome);
        if (c.outcome.lostCount() > 0) {
            c.fate.onLost(c.outcome, now);
        }
        if (c.outcome.probeCount() == 0) {
            return false;
        }
        PacketSpace space = c.spaces[c.outcome.ptoSpace().ordinal()];
        space.probesPending = Math.max(space.probesPending, c.outcome.probeCount());
        if (c.pathMtu != null && c.recovery.ptoCount() >= BLACK_HOLE_PTOS && c.pathMtu.onBlackHole(now)) {
            // RFC 8899 §4.3: nothing acknowledged through several PTOs while sending above the base size
            // may be a path that shrank; its losses are never acknowledged, so persistent congestion
            // cannot tell. The probes go out at the base size, which every path carries.
            c.setMaxDatagramSize(c.pathMtu.current());
        }
        queueProbeData(space);
        // RFC 9002 §6.2.4: the sender SHOULD also send ack-eliciting packets from the other spaces with
        // data in flight, coalesced. A Handshake PTO of a client whose request went in 1-RTT packets the
        // server could not yet read (or lost) thus repairs the request too, where waiting for confirmation
        // (no Application Data PTO before it, §6.2.1) could leave it lost until the peer gives up.
        for (PacketSpace other : c.spaces) {
            if (other != space && c.canSendIn(other)
                    && (c.recovery.log(other.id).ackElicitingInFlight() > 0 || oneRttPingDue(space, other))) {
                other.probesPending = Math.max(other.probesPending, 1);
                queueProbeData(other);
            }
        }
        return true;
    }

    /**
     * {@return whether a Handshake PTO of a client whose handshake is complete but not confirmed probes 1-RTT too, with
     * nothing in flight there} The server may have our Finished (its acknowledgment lost) and then has discarded its
     * Handshake keys (RFC 9001 §4.9.2), so that our Handshake probe is unreadable to it, while its HANDSHAKE_DONE, or
     * the answer to our acknowledged request, was lost. A 1-RTT PING carrying our 1-RTT ACK lets the server's
     * loss detection see what of its own it must send again (RFC 9002 §6.1), where its probe timer may back off
     * without a cap (quiche's answer lost five times waited 11, 23, 46 s). RFC 9002 §6.2.4 allows the extra probe.
     */
    private boolean oneRttPingDue(PacketSpace ptoSpace, PacketSpace other) {
        return c.role == qsock.api.Role.CLIENT && ptoSpace.id == PacketNumberSpace.HANDSHAKE
                && other.id == PacketNumberSpace.APPLICATION && c.state == ConnectionState.ESTABLISHED;
    }

    /**
     * Makes a PTO probe carry data rather than a bare PING (RFC 9002 §6.2.4: new or previously sent unacknowledged
     * data MUST be sent): the unacknowledged CRYPTO data of a handshake level; in 1-RTT, new data if there is some,
     * else the frames of the oldest ack-eliciting packets in flight. Those stay in flight: whichever copy is
     * acknowledged first counts, and the buffers ignore the other.
     */
    private void queueProbeData(PacketSpace space) {
        if (space.id != PacketNumberSpace.APPLICATION) {
            space.crypto.retransmitUnacked();
            return;
        }
        if (c.state.isEstablished() && (c.streams.hasPendingFrames() || c.datagrams.hasOutgoing())) {
            // New data is there to carry the probe; resending in-flight data would only displace it.
            return;
        }
        int n = c.recovery.oldestAckElicitingInFlight(space.id, probeSources);
        for (int i = 0; i < n; i++) {
            if (probeSources[i].frames() instanceof SentFrames f) {
                c.fate.onFramesLost(space, f);
            }
            probeSources[i] = null;
        }
    }

    /** At least four probes go out within an idle timeout, however many were lost before (see {@link LossDetector#setMaxPtoPeriod}). */
    void capPtoPeriod() {
        c.recovery.setMaxPtoPeriod(c.idleTimeoutNanos > 0 ? Math.max(1, c.idleTimeoutNanos / 4) : Long.MAX_VALUE);
    }

    void restartIdleTimer(long now) {
        if (c.state.isClosingOrClosed()) {
            // Only the closing period's timer runs now.
            return;
        }
        if (c.idleTimeoutNanos == 0) {
            c.timers.stop(Timer.IDLE);
            return;
        }
        // RFC 9000 §10.1: at least three PTOs, so that probes get their chance.
        long timeout = Math.max(c.idleTimeoutNanos, 3 * c.recovery.rtt().pto(c.peerMaxAckDelayNanos, true));
        c.timers.set(Timer.IDLE, now + timeout);
        if (c.config.keepAliveMillis() > 0) {
            c.timers.set(Timer.KEEP_ALIVE, now + c.config.keepAliveMillis() * 1_000_000L);
        }
    }
}
