package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.wire.ConnectionId;

/**
 * What the next datagram carries (RFC 9000 §12.2, §13): the packets of each space that has something to send, their
 * frames in order (ACK first, CRYPTO, then HANDSHAKE_DONE, path and connection ID frames, DATAGRAM and stream
 * frames), within the anti-amplification budget, congestion control and pacing (RFC 9002 §7); path MTU probes on
 * their own (RFC 9000 §14.4); padding where a datagram must be 1200 bytes. Every packet is built by the connection's
 * {@link PacketBuilder}; a datagram the socket refused leaves flight here.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class PacketSender {

    private static final PacketNumberSpace[] SPACES = PacketNumberSpace.values();

    /** Whether recovery was told that the anti-amplification limit blocks us (RFC 9002 §6.2.2.1). */
    private boolean amplificationLimited;
    /** The datagram being built holds a PATH_CHALLENGE or PATH_RESPONSE: it is expanded (RFC 9000 §8.2). */
    private boolean pathFrameWritten;
    /** The datagram being built holds a PATH_CHALLENGE. */
    private boolean challengeWritten;

    private final QuicConnection c;

    PacketSender(QuicConnection connection) {
        this.c = connection;
    }

    /** Writes the next datagram into {@code out}; {@return its length, 0 if nothing is to be sent now} */
    int send(ByteBuffer out, long now) {
        c.lastDatagramToPreviousPeer = false;
        c.lastDatagramOnOtherPath = false;
        if (c.state == ConnectionState.CLOSED || c.state == ConnectionState.DRAINING) {
            return 0;
        }
        if (c.paths.previousPathChallengePending() && !c.state.isClosingOrClosed() && c.oneRtt.canSend()
                && !c.spaces[2].discarded && !c.aeadLimits.nearlyExhausted(c.oneRtt.sealer)
                && out.remaining() >= ConnectionConfig.MIN_DATAGRAM_SIZE) {
            return sendPreviousPathChallenge(out, now);
        }
        if ((c.probe.challengePending() || c.paths.hasOtherPathResponse()) && !c.state.isClosingOrClosed()
                && c.oneRtt.canSend() && !c.spaces[2].discarded && !c.aeadLimits.nearlyExhausted(c.oneRtt.sealer)) {
            int length = sendOnOtherPath(out, now);
            if (length > 0) {
                return length;
            }
        }
        int budget = c.amplification.budget(Math.min(c.maxDatagramSize, out.remaining()));
        boolean handshakeOnly = false;
        if (c.amplification.blocks(budget)) {
            if (!handshakeFitsUnderLimit(budget)) {
                // Anti-amplification blocks us (RFC 9000 §8.1): wait for the client to send more.
                setAmplificationLimited(!c.amplification.isAddressValidated());
                return 0;
            }
            handshakeOnly = true;
        }
        setAmplificationLimited(false);
        if (c.state == ConnectionState.CLOSING) {
            if (c.oneRtt.canSend() && c.aeadLimits.exhausted(c.oneRtt.sealer)) {
                // RFC 9001 §6.6: keys at their confidentiality limit seal nothing more, not even a CONNECTION_CLOSE.
                return 0;
            }
            return c.closing.answerPending() ? c.closing.writeClose(out, budget, now) : 0;
        }
        if (c.state == ConnectionState.CONFIRMED && c.oneRtt.canSend()) {
            // RFC 9001 §6.6: a new write key before the current one nears its confidentiality limit; §6.1: only
            // once the handshake is confirmed.
            c.oneRtt.maybeInitiate(c.aeadLimits.keyUpdateThreshold(c.oneRtt.sealer.suite(),
                    c.config.keyUpdateInterval()));
        }
        if (c.oneRtt.canSend() && c.aeadLimits.nearlyExhausted(c.oneRtt.sealer)) {
            // RFC 9001 §6.6: no key update could happen in time; close while one packet is left under the limit.
            c.closeWithError(TransportErrorCode.AEAD_LIMIT_REACHED, 0, "the 1-RTT write key sealed "
                    + c.oneRtt.sealer.packetsSealed() + " packets and no key update was possible", now);
            return c.closing.answerPending() ? c.closing.writeClose(out, budget, now) : 0;
        }
        if (pathMtuProbeDue(out, now)) {
            return sendPathMtuProbe(out, now);
        }
        boolean congestionBlocked = !c.congestion.canSend(c.maxDatagramSize) && !probesPending();
        // RFC 9000 §8.2.2: a PATH_RESPONSE is not delayed, not even by the pacer.
        if (!congestionBlocked && !probesPending() && !c.paths.hasResponse()) {
            long release = c.pacer.nextSendTime(now, c.maxDatagramSize, c.congestion.congestionWindow(),
                    c.recovery.rtt().smoothedRtt());
            if (release - now > 0 && !ackDue(now)) {
                // RFC 9002 §7.7: paced; an ACK that is due still leaves at once.
                c.timers.set(Timer.PACING, release);
                return 0;
            }
        }
        PacketBuilder b = c.builder;
        b.startDatagram(out, budget);
        pathFrameWritten = false;
        challengeWritten = false;
        boolean padDatagram = false;
        boolean probeCarried = false;
        for (PacketNumberSpace id : SPACES) {
            PacketSpace space = c.spaces[id.ordinal()];
            if (handshakeOnly && id != PacketNumberSpace.HANDSHAKE) {
                continue;
            }
            if (!c.canSendIn(space)) {
                if (id == PacketNumberSpace.APPLICATION && c.earlyData.canSend() && !space.discarded
                        && b.room() >= PacketBuilder.MIN_PACKET_ROOM) {
                    buildZeroRttPacket(space, now, congestionBlocked);
                }
                continue;
            }
            // Handshake bytes of lower levels leave before any application data (DESIGN: no overtaking).
            boolean lowerCryptoPending = id == PacketNumberSpace.APPLICATION
                    && (c.spaces[0].canSend() && c.spaces[0].crypto.hasPendingSend()
                        || c.spaces[1].canSend() && c.spaces[1].crypto.hasPendingSend());
            if (!wantsToSend(space, now, congestionBlocked)) {
                continue;
            }
            if (b.room() < PacketBuilder.MIN_PACKET_ROOM) {
                break;
            }
            boolean probe = space.probesPending > 0;
            if (probe && probeCarried && id == PacketNumberSpace.APPLICATION) {
                // RFC 9002 §6.2.4: a 1-RTT probe sent beside a handshake-level probe, because the peer may hold
                // the keys of only one of them, goes in a datagram of its own. A server confirmed by the client's
                // Finished has discarded its Handshake keys, and stacks such as quiche drop the rest of a datagram
                // after a packet they cannot open: a client's 1-RTT probe behind its Handshake probe would never
                // reach a server whose HANDSHAKE_DONE and the request were both lost, and neither side would
                // repair it. Lower levels stay coalesced (the server's Initial and Handshake probes share a
                // datagram under the anti-amplification limit; the client repairs its own Handshake flight).
                break;
            }
            if (buildPacket(space, now, congestionBlocked, lowerCryptoPending)) {
                probeCarried |= probe;
                if (id == PacketNumberSpace.INITIAL && (c.role == Role.CLIENT || b.lastAckEliciting())) {
                    // RFC 9000 §14.1: datagrams carrying a client Initial, or an ack-eliciting server
                    // Initial, are at least 1200 bytes.
                    padDatagram = true;
                }
            }
        }
        if (b.packetCount() == 0) {
            return 0;
        }
        if (pathFrameWritten) {
            // RFC 9000 §8.2.1, §8.2.2: a datagram with a PATH_CHALLENGE or PATH_RESPONSE is expanded to at least
            // 1200 bytes, or as far as the anti-amplification limit allows; a challenge in a smaller datagram does
            // not validate the path by itself (PathValidation).
            padDatagram = true;
            if (challengeWritten && budget >= ConnectionConfig.MIN_DATAGRAM_SIZE) {
                c.paths.onChallengeDatagramFullSize();
            }
            pathFrameWritten = false;
            challengeWritten = false;
        }
        if (padDatagram) {
            b.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        }
        int length = b.seal(now);
        onDatagramSealed(length, now);
        if (!c.handshakePacketSent && c.role == Role.CLIENT && b.holds(PacketNumberSpace.HANDSHAKE)) {
            // RFC 9001 §4.9.1: a client discards Initial keys when it first sends a Handshake packet.
            c.handshakePacketSent = true;
            c.discardSpace(c.spaces[0]);
        }
        return length;
    }

    /** Accounts for a datagram the builder sealed: anti-amplification, and the idle timer (RFC 9000 §10.1). */
    private void onDatagramSealed(int length, long now) {
        c.amplification.onSent(length);
        if (c.builder.sealedAckEliciting() && !c.ackElicitingSentSinceReceive) {
            // RFC 9000 §10.1: sending the first ack-eliciting packet after receiving restarts the idle timer.
            c.ackElicitingSentSinceReceive = true;
            c.timeouts.restartIdleTimer(now);
        }
    }

    /**
     * {@return whether a path MTU probe goes out now} Only once the handshake is confirmed (RFC 9000 §14.3 lets
     * probes wait for that; the peer's parameters are known by then), and only when congestion control and pacing
     * let a datagram of the current size leave. Asking room for the probe's own size would starve the search on a
     * side that only acknowledges: its window stays at the initial ten datagrams, below a jumbo probe.
     */
    private boolean pathMtuProbeDue(ByteBuffer out, long now) {
        if (c.pathMtu == null || c.state != ConnectionState.CONFIRMED || !c.oneRtt.canSend() || c.spaces[2].discarded
                || !c.amplification.isPathValidated() || !c.pathMtu.wantsProbe(now)) {
            return false;
        }
        return out.remaining() >= c.pathMtu.nextProbeSize() && c.congestion.canSend(c.maxDatagramSize)
                && c.pacer.nextSendTime(now, c.maxDatagramSize, c.congestion.congestionWindow(),
                        c.recovery.rtt().smoothedRtt()) - now <= 0;
    }

    /**
     * Sends a path MTU probe: one 1-RTT packet of PING and PADDING filling a datagram of the probed size
     * (RFC 9000 §14.4), alone in its datagram so that only its size decides whether it arrives.
     */
    private int sendPathMtuProbe(ByteBuffer out, long now) {
        int size = c.pathMtu.nextProbeSize();
        PacketSpace space = c.spaces[2];
        long pn = space.nextPacketNumber;
        PacketBuilder b = c.builder;
        b.startDatagram(out, size);
        b.begin(space, c.oneRtt.sealer, c.peerIds.current(), null, null);
        FrameEncoder.writePing(out);
        b.finish(true, c.fate.take());
        b.padDatagram(size);
        b.countAsAtMost(c.maxDatagramSize);
        int length = b.seal(now);
        onDatagramSealed(length, now);
        c.pathMtu.onProbeSent(pn, size);
        return length;
    }

    /**
     * Sends a PATH_CHALLENGE to the peer's previously active, validated address after an apparent migration
     * (RFC 9000 §9.3.3): one 1-RTT packet expanded to 1200 bytes (§8.2.1), alone in its datagram, which the caller
     * sends there ({@link QuicConnection#lastDatagramToPreviousPeer()}). It is not counted against the new address's
     * anti-amplification budget, and it is sent once: a genuine peer still there answers and moves us back with its
     * next packets; if none comes, the new address's validation decides.
     */
    private int sendPreviousPathChallenge(ByteBuffer out, long now) {
        PacketBuilder b = c.builder;
        b.startDatagram(out, ConnectionConfig.MIN_DATAGRAM_SIZE);
        // RFC 9000 §9.5: the old path's ID, if the peer moved to a new one.
        ConnectionId dcid = c.previousPathIdSequence >= 0 ? c.peerIds.activeId(c.previousPathIdSequence) : null;
        b.begin(c.spaces[2], c.oneRtt.sealer, dcid != null ? dcid : c.peerIds.current(), null, null);
        long data = c.random.nextLong();
        FrameEncoder.writePathChallenge(out, data);
        SentFrames frames = c.fate.take();
        frames.otherPath = true;
        b.finish(true, frames);
        b.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        int length = b.seal(now);
        c.paths.onPreviousPathChallengeWritten(data);
        c.amplification.onSentToPreviousAddress(length);
        // RFC 9000 §9.4: this packet goes on the old path too; the new path's packets start after it.
        c.recovery.startNewPath(c.spaces[2].nextPacketNumber);
        c.lastDatagramToPreviousPeer = true;
        return length;
    }

    /**
     * Sends what goes on the other path, alone in a 1-RTT packet of probing frames (RFC 9000 §9.1): a client's
     * PATH_CHALLENGE on the path it probes to move to, with the server's connection ID reserved for that path (§9.5),
     * in a datagram of 1200 bytes (§8.2.1); and the PATH_RESPONSEs owed to the path their challenges came from
     * (§8.2.2), expanded to 1200 bytes as far as three times what came from there allows (§8.1). The caller sends it
     * on that path ({@link QuicConnection#lastDatagramOnOtherPath()}).
     *
     * @return its length, 0 if nothing could be sent now
     */
    private int sendOnOtherPath(ByteBuffer out, long now) {
        boolean probing = c.probe.isActive();
        ConnectionId dcid = c.peerIds.current();
        int size;
        if (probing) {
            dcid = c.peerIds.activeId(c.probe.cidSequence());
            if (dcid == null) {
                // The peer retired the ID the new path was to use (its Retire Prior To): the probe is given up.
                c.onProbeTimeout();
                return 0;
            }
            size = Math.min(ConnectionConfig.MIN_DATAGRAM_SIZE, out.remaining());
        } else {
            size = c.amplification.otherPathBudget(Math.min(ConnectionConfig.MIN_DATAGRAM_SIZE, out.remaining()));
            if (c.otherPathIdSequence >= 0) {
                // RFC 9000 §9.5: a peer that probes with a new ID of ours gets a new ID of its own there.
                ConnectionId id = c.peerIds.activeId(c.otherPathIdSequence);
                if (id == null) {
                    c.paths.dropOtherPathResponses();
                    return 0;
                }
                dcid = id;
            }
        }
        if (size < PacketBuilder.MIN_PACKET_ROOM) {
            return 0;
        }
        PacketBuilder b = c.builder;
        b.startDatagram(out, size);
        b.beginOnOtherPath(c.spaces[2], c.oneRtt.sealer, dcid);
        SentFrames frames = c.fate.take();
        int limit = b.payloadLimit();
        if (c.probe.challengePending() && limit - out.position() >= 9) {
            // RFC 9000 §8.2.1: unpredictable data, new for every challenge.
            long data = c.random.nextLong();
            FrameEncoder.writePathChallenge(out, data);
            c.probe.validation.onChallengeWritten(data);
            if (size >= ConnectionConfig.MIN_DATAGRAM_SIZE) {
                c.probe.validation.onChallengeDatagramFullSize();
            }
            frames.probeChallenge = true;
        }
        while (c.paths.hasOtherPathResponse() && limit - out.position() >= 9) {
            FrameEncoder.writePathResponse(out, c.paths.nextOtherPathResponse());
            c.paths.onOtherPathResponseWritten();
        }
        if (b.isEmpty()) {
            b.abandon();
            c.fate.recycle(frames);
            return 0;
        }
        frames.otherPath = true;
        b.finish(true, frames);
        b.padDatagram(size);
        int length = b.seal(now);
        c.amplification.onSentOnOtherPath(length);
        c.lastDatagramOnOtherPath = true;
        return length;
    }

    /**
     * {@return whether a server whose anti-amplification budget is below a full datagram may still send a Handshake
     * packet in it} Only an ack-eliciting Initial needs a 1200-byte datagram (RFC 9000 §14.1); a Handshake packet
     * fits what is left, so the server is not blocked while it has Handshake data in flight (RFC 9002 §6.2.2.1 stops
     * its probe timer only when nothing can be sent). That probe is what gets the client to answer in a Handshake
     * packet, which validates its address (RFC 9000 §8.1): a client whose Initial acknowledgments were lost but which
     * has the server's flight sends only small packets (its Finished, its 1-RTT packets), and the budget they add
     * never reaches a full datagram while the client's own probes back off (quiche's client: 3, 12, 50 s).
     */
    private boolean handshakeFitsUnderLimit(int budget) {
        PacketSpace handshake = c.spaces[1];
        return !c.amplification.isAddressValidated() && c.state == ConnectionState.HANDSHAKING
                && budget >= PacketBuilder.MIN_PACKET_ROOM
                && c.canSendIn(handshake) && c.recovery.log(PacketNumberSpace.HANDSHAKE).ackElicitingInFlight() > 0;
    }

    private void setAmplificationLimited(boolean limited) {
        if (limited != amplificationLimited) {
            amplificationLimited = limited;
            c.recovery.setAmplificationLimited(limited);
        }
    }

    private boolean probesPending() {
        return c.spaces[0].probesPending > 0 || c.spaces[1].probesPending > 0 || c.spaces[2].probesPending > 0;
    }

    private boolean ackDue(long now) {
        for (PacketSpace s : c.spaces) {
            if (!s.discarded && s.acks.hasSomethingToAck()
                    && (s.acks.ackNow() || s.acks.ackDeadline() - now <= 0)) {
                return true;
            }
        }
        return false;
    }

    private boolean wantsToSend(PacketSpace space, long now, boolean congestionBlocked) {
        // RFC 9000 §13.2.1: only ack-eliciting packets call for an ACK of their own; what else is unacknowledged
        // rides along with the next packet sent anyway. (Answering ACK-only packets with ACKs ping-pongs.)
        boolean ack = space.acks.hasSomethingToAck()
                && (space.acks.ackNow() || space.acks.ackDeadline() - now <= 0);
        if (ack || space.probesPending > 0) {
            return true;
        }
        if (space.id != PacketNumberSpace.APPLICATION && space.crypto.hasPendingSend()) {
            // Handshake data is not held back by the congestion window: 1-RTT data the peer cannot yet
            // acknowledge (it has no 1-RTT keys before the handshake ends, RFC 9001 §5.7) may fill the window,
            // and with no PTO for application data before confirmation (RFC 9002 §6.2.1) a lost Finished
            // would then never be sent again. Handshake flights are small and bounded by the TLS stack.
            return true;
        }
        if (space.id == PacketNumberSpace.APPLICATION && (c.paths.challengePending() || c.paths.hasResponse())) {
            // RFC 9000 §9.4: path validation is not held back by a window the old path filled (probe packets may be
            // exempted); the anti-amplification limit still bounds what goes to an unvalidated address.
            return true;
        }
        if (congestionBlocked) {
            return false;
        }
        if (space.crypto.hasPendingSend()) {
            return true;
        }
        if (space.id == PacketNumberSpace.APPLICATION) {
            return c.handshakeDonePending || newTokenDue() || c.paths.hasResponse() || c.paths.challengePending()
                    || c.pingPending
                    || c.localIds.hasPending()
                    || c.peerIds.hasPending()
                    || (c.mayWriteApplicationData() && (c.streams.hasPendingFrames() || c.datagrams.hasOutgoing()));
        }
        return false;
    }

    /** {@return the keys packets of {@code space} are sealed with now} */
    PacketProtection sealerOf(PacketSpace space) {
        return space.id == PacketNumberSpace.APPLICATION ? c.oneRtt.sealer : space.sealer;
    }

    /** Builds the next packet of {@code space} in the builder's datagram; {@return false if it had nothing to carry} */
    private boolean buildPacket(PacketSpace space, long now, boolean congestionBlocked, boolean lowerCryptoPending) {
        PacketBuilder b = c.builder;
        b.begin(space, sealerOf(space), c.peerIds.current(), c.localIds.initial(), tokenFor(space));
        ByteBuffer out = b.buffer();
        int payloadLimit = b.payloadLimit();
        SentFrames frames = c.fate.take();
        boolean ackEliciting = false;
        // ACK first: it is small and never congestion controlled (RFC 9002 §7). At the Initial and Handshake
        // levels every packet carrying CRYPTO data or a probe repeats the ACK even when nothing arrived since the
        // last one (RFC 9000 §13.2.1 lets any packet carry one): a server's ACK-only Initial goes out before its
        // TLS stack answers, and when that datagram is lost the ServerHello would otherwise leave the client without
        // an RTT sample and with its Initial unacknowledged, its probes backing off from the initial PTO.
        // A 1-RTT probe repeats the ACK too: the peer's loss detection learns from it what of its own to send again,
        // and the probe may follow one that carried the last ACK and was lost (Timeouts.oneRttPingDue).
        boolean repeatAck = space.acks.rangeCount() > 0 && (space.probesPending > 0
                || space.id != PacketNumberSpace.APPLICATION && space.crypto.hasPendingSend());
        if (space.acks.hasSomethingToAck() || repeatAck) {
            // The oldest ranges give way when the whole frame does not fit (a small anti-amplification budget):
            // one range always fits a packet the builder begins (AntiAmplification.blocksSending), so an ACK that
            // is due always leaves and its deadline always clears.
            int limit = out.limit();
            out.limit(Math.min(limit, payloadLimit));
            int written = space.acks.writeAck(out, now, c.config.ackDelayExponent());
            out.limit(limit);
            if (written > 0) {
                frames.ackLargest = space.acks.largestReceived();
            }
        }
        boolean mayAddData = !congestionBlocked || space.probesPending > 0;
        if (space.probesPending > 0 && space.id != PacketNumberSpace.APPLICATION && !space.crypto.hasPendingSend()
                && space.crypto.hasUnacked()) {
            // Every probe of a handshake level carries the unacknowledged CRYPTO data again, the second of a pair
            // too, rather than a PING: a peer may ignore a PING-only Initial (Kwik does, for 2 s), and each copy
            // is one more chance for the flight to get through a lossy path (RFC 9002 §6.2.4).
            space.crypto.retransmitUnacked();
        }
        if (space.crypto.hasPendingSend() && (mayAddData || space.id != PacketNumberSpace.APPLICATION)
                && space.crypto.writeFrames(out, payloadLimit, frames)) {
            ackEliciting = true;
        }
        if (!mayAddData && space.id == PacketNumberSpace.APPLICATION) {
            ackEliciting |= writePathFrames(out, payloadLimit, frames);
        }
        if (mayAddData) {
            if (space.id == PacketNumberSpace.APPLICATION) {
                ackEliciting |= writeApplicationFrames(out, payloadLimit, frames, now, lowerCryptoPending);
            }
            if (space.probesPending > 0 || (c.pingPending && space.id == PacketNumberSpace.APPLICATION)) {
                if (!ackEliciting && out.position() < payloadLimit) {
                    FrameEncoder.writePing(out);
                    ackEliciting = true;
                }
                if (space.probesPending > 0) {
                    space.probesPending--;
                }
                if (space.id == PacketNumberSpace.APPLICATION) {
                    c.pingPending = false;
                }
            }
        }
        if (b.isEmpty()) {
            b.abandon();
            c.fate.recycle(frames);
            return false;
        }
        b.finish(ackEliciting, frames);
        return true;
    }

    /**
     * Builds a client's 0-RTT packet of stream data (RFC 9001 §4.6.1) in the builder's datagram, if there is any to
     * send and congestion control allows; the handshake bytes of lower levels leave first. Only stream frames go in
     * 0-RTT here: ACK, CRYPTO, NEW_TOKEN, PATH_RESPONSE, HANDSHAKE_DONE and RETIRE_CONNECTION_ID may not (RFC 9000
     * §12.4, §17.2.3), and the rest waits for 1-RTT. Stream data is bounded by the limits in force: the remembered
     * ones until the server's arrive (RFC 9000 §7.4.1).
     */
    private void buildZeroRttPacket(PacketSpace space, long now, boolean congestionBlocked) {
        if (congestionBlocked || !c.streams.hasPendingFrames() || c.state.isClosingOrClosed()
                || c.spaces[0].canSend() && c.spaces[0].crypto.hasPendingSend()
                || c.spaces[1].canSend() && c.spaces[1].crypto.hasPendingSend()) {
            return;
        }
        PacketBuilder b = c.builder;
        b.beginZeroRtt(space, c.earlyData.sealer, c.peerIds.current(), c.localIds.initial());
        ByteBuffer out = b.buffer();
        SentFrames frames = c.fate.take();
        c.streams.writeFrames(out, b.payloadLimit() - out.position(), frames, now);
        if (b.isEmpty()) {
            b.abandon();
            c.fate.recycle(frames);
            return;
        }
        b.finish(true, frames);
        c.earlyData.packetsSent++;
    }

    /** {@return the token an Initial packet carries: a client's Retry token, else its NEW_TOKEN token, else none} */
    ByteBuffer tokenFor(PacketSpace space) {
        if (space.id != PacketNumberSpace.INITIAL) {
            return null;
        }
        // RFC 9000 §17.2.5.2: after a Retry, its token; RFC 9000 §8.1.3: else a NEW_TOKEN token, if we have one.
        return c.retryToken != null ? c.retryToken : c.initialToken;
    }

    private boolean writeApplicationFrames(ByteBuffer out, int limit, SentFrames frames, long now,
                                           boolean lowerCryptoPending) {
        boolean wrote = false;
        if (c.handshakeDonePending && out.position() < limit) {
            FrameEncoder.writeHandshakeDone(out);
            frames.handshakeDone = true;
            c.handshakeDonePending = false;
            wrote = true;
        }
        if (newTokenDue() && limit - out.position() >= 1 + 2 + c.newToken.length) {
            writeNewToken(out);
            frames.newToken = true;
            wrote = true;
        }
        wrote |= writePathFrames(out, limit, frames);
        if (c.localIds.hasPending()) {
            wrote |= c.localIds.writeFrames(out, limit - out.position(), frames::addNewConnectionId) > 0;
        }
        if (c.peerIds.hasPending()) {
            wrote |= c.peerIds.writeFrames(out, limit - out.position(), frames::addRetireConnectionId) > 0;
        }
        if (c.mayWriteApplicationData() && !lowerCryptoPending && c.datagrams.hasOutgoing()) {
            wrote |= c.datagrams.writeFrames(out, limit, c.largestDatagramFrame());
        }
        if (c.mayWriteApplicationData() && !lowerCryptoPending && c.streams.hasPendingFrames()) {
            int before = out.position();
            c.streams.writeFrames(out, limit - out.position(), frames, now);
            wrote |= out.position() > before;
        }
        return wrote;
    }

    /** Writes our PATH_CHALLENGE and the PATH_RESPONSEs owed on the current path; {@return true if any} */
    private boolean writePathFrames(ByteBuffer out, int limit, SentFrames frames) {
        boolean wrote = false;
        if (c.paths.challengePending() && limit - out.position() >= 9) {
            // RFC 9000 §8.2.1: unpredictable data, new for every challenge.
            long data = c.random.nextLong();
            FrameEncoder.writePathChallenge(out, data);
            c.paths.onChallengeWritten(data);
            frames.pathChallenge = true;
            pathFrameWritten = true;
            challengeWritten = true;
            wrote = true;
        }
        // RFC 9000 §8.2.2: every challenge is answered with its own data.
        while (c.paths.hasResponse() && limit - out.position() >= 9) {
            FrameEncoder.writePathResponse(out, c.paths.nextResponse());
            c.paths.onResponseWritten();
            pathFrameWritten = true;
            wrote = true;
        }
        return wrote;
    }

    /** The datagram last written never left: its packets leave flight and their frames are queued again. */
    void onDatagramNotSent(long now) {
        if (c.lastDatagramToPreviousPeer) {
            c.amplification.onNotSentToPreviousAddress(c.builder.lastDatagramLength());
        } else if (c.lastDatagramOnOtherPath) {
            c.amplification.onNotSentOnOtherPath(c.builder.lastDatagramLength());
        } else {
            c.amplification.onNotSent(c.builder.lastDatagramLength());
        }
        for (int i = 0; i < c.builder.lastDatagramPackets(); i++) {
            PacketNumberSpace id = c.builder.lastDatagramSpace(i);
            long pn = c.builder.lastDatagramPacketNumber(i);
            c.outcome.clear();
            if (!c.recovery.onPacketNotSent(id, pn, c.outcome)) {
                continue;
            }
            if (c.pathMtu != null && id == PacketNumberSpace.APPLICATION && c.pathMtu.isProbe(pn)) {
                c.pathMtu.onProbeRefused(now);
            }
            c.fate.leaveFlight(c.outcome, c.spaces[id.ordinal()]);
        }
        c.outcome.clear();
        c.builder.forgetLastDatagram();
    }

    /** {@return whether a server's NEW_TOKEN frame is to be sent: RFC 9000 §8.1.3, once the handshake is confirmed} */
    private boolean newTokenDue() {
        return c.newTokenPending && c.state == qsock.api.ConnectionState.CONFIRMED;
    }

    /** Writes the NEW_TOKEN frame (RFC 9000 §19.7) of {@link QuicConnection#newToken}. */
    private void writeNewToken(ByteBuffer out) {
        out.put((byte) 0x07);
        qsock.core.wire.VarInt.write(out, c.newToken.length);
        out.put(c.newToken);
        c.newTokenPending = false;
    }
}
