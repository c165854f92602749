package qsock.core.connection;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.crypto.OpenedPacket;
import qsock.core.error.ConnectionError;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * Where the frames of an opened packet are dispatched (RFC 9000 §12.4, §19): each is read in place from the
 * packet's payload and handed to its owner: ACK to recovery and then to the fate of what it acknowledged, CRYPTO to
 * its level's stream, STREAM and flow control to the stream manager, connection IDs to their sets, path frames to the
 * path's state, DATAGRAM to the datagram queue, CONNECTION_CLOSE to the closing state machine. A frame the packet
 * type does not allow, or a malformed one, ends the packet with the error that closes the connection.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class FrameDispatcher {

    private final FrameReader frames = new FrameReader();
    /** The buffer that {@link #rxView} is over, as the caller handed it in. */
    private ByteBuffer rxSource;
    /**
     * A read-only view of the buffer packets arrive in, made when that buffer changes: the payload being
     * read and, in turn, the data of each frame handed on. A runtime that receives into one buffer makes
     * it once per connection, so that receiving allocates nothing per datagram or frame.
     */
    private ByteBuffer rxView;
    /** Whether the packet being dispatched carried a non-probing frame (RFC 9000 §9.1). */
    boolean packetNonProbing;

    private final QuicConnection c;

    FrameDispatcher(QuicConnection connection) {
        this.c = connection;
    }

    /**
     * Dispatches the frames of {@code packet}, opened in {@code buf}, a packet of {@code type} in {@code space}.
     *
     * @return whether the packet was ack-eliciting (RFC 9002 §2); false after a CONNECTION_CLOSE, which ends it
     * @throws QuicProtocolException if a frame is malformed, not allowed in the packet type, or breaks a rule
     */
    boolean processFrames(ByteBuffer buf, OpenedPacket packet, PacketType type, PacketSpace space, long now)
            throws QuicProtocolException {
        if (buf != rxSource) {
            rxSource = buf;
            rxView = buf.asReadOnlyBuffer();
        }
        ByteBuffer payload = rxView;
        int next = packet.payloadOffset();
        int end = next + packet.payloadLength();
        if (next == end) {
            // RFC 9000 §12.4: a packet without frames is a PROTOCOL_VIOLATION.
            throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, "packet without frames");
        }
        FrameReader f = frames;
        boolean ackEliciting = false;
        while (next < end) {
            // The view may have been pointed at the last frame's data: back to the rest of the payload.
            payload.limit(end).position(next);
            FrameType frameType = f.read(payload, type);
            next = f.frameEnd();
            // RFC 9000 §9.1: PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID and PADDING are probing frames.
            if (frameType != FrameType.PADDING && frameType != FrameType.PATH_CHALLENGE
                    && frameType != FrameType.PATH_RESPONSE && frameType != FrameType.NEW_CONNECTION_ID) {
                packetNonProbing = true;
            }
            switch (frameType) {
                case PADDING -> { }
                case PING -> ackEliciting = true;
                case ACK -> onAck(space, now);
                case CRYPTO -> {
                    ackEliciting = true;
                    space.crypto.receive(f.offset(), f.positionOnData(payload));
                }
                case CONNECTION_CLOSE -> {
                    c.closing.enterDraining(ConnectionError.transport(TransportErrorCode.of(f.errorCode()),
                            f.errorFrameType(), reason(f.positionOnData(payload)), true), now);
                    return false;
                }
                case APPLICATION_CLOSE -> {
                    c.closing.enterDraining(ConnectionError.application(f.errorCode(),
                            reason(f.positionOnData(payload)), true), now);
                    return false;
                }
                default -> {
                    ackEliciting = true;
                    onApplicationFrame(f, payload, now);
                }
            }
        }
        return ackEliciting;
    }

    /**
     * Acts on the ack-eliciting frame {@code f} holds, other than PING and CRYPTO; {@code payload} is the
     * read-only view it was read from, which may be pointed at the frame's data and handed on.
     */
    private void onApplicationFrame(FrameReader f, ByteBuffer payload, long now) throws QuicProtocolException {
        switch (f.type()) {
            case STREAM -> c.streams.onStreamFrame(f.streamId(), f.offset(), f.positionOnData(payload), f.fin(),
                    now);
            case RESET_STREAM -> c.streams.onResetStream(f.streamId(), f.errorCode(), f.finalSize());
            case STOP_SENDING -> c.streams.onStopSending(f.streamId(), f.errorCode());
            case MAX_DATA -> c.streams.onMaxData(f.maximum());
            case MAX_STREAM_DATA -> c.streams.onMaxStreamData(f.streamId(), f.maximum());
            case MAX_STREAMS -> c.streams.onMaxStreams(f.bidirectional(), f.maximum());
            case DATA_BLOCKED -> c.streams.onDataBlocked(f.maximum());
            case STREAM_DATA_BLOCKED -> c.streams.onStreamDataBlocked(f.streamId(), f.maximum());
            case STREAMS_BLOCKED -> c.streams.onStreamsBlocked(f.bidirectional(), f.maximum());
            case NEW_CONNECTION_ID -> {
                // Rare: the ID and its token outlive the packet, so they are copied out.
                byte[] id = new byte[f.dataLength()];
                payload.get(f.dataOffset(), id);
                byte[] token = new byte[StatelessResetToken.LENGTH];
                payload.get(f.statelessResetTokenOffset(), token);
                c.peerIds.onNewConnectionId(f.sequenceNumber(), f.retirePriorTo(), ConnectionId.of(id),
                        StatelessResetToken.of(token));
            }
            case RETIRE_CONNECTION_ID -> c.localIds.onRetireConnectionId(f.sequenceNumber(),
                    c.receiver.header.dcid(c.receiver.currentDatagram));
            // RFC 9000 §8.2.2: answered on the path the challenge came from.
            case PATH_CHALLENGE -> c.paths.onChallengeReceived(f.pathData(),
                    c.receivingFromNewAddress || c.receivingOnProbePath);
            case PATH_RESPONSE -> {
                // RFC 9000 §8.2.2: the echo of an outstanding challenge validates the path it was sent on, whichever
                // path the echo came on (§8.2.3); §19.18: any other PATH_RESPONSE is ignored.
                if (c.probe.isActive() && c.probe.validation.onResponseReceived(f.pathData())) {
                    c.onProbeAnswered(now);
                } else if (c.paths.onResponseReceived(f.pathData())) {
                    c.onPathValidated(now);
                }
            }
            case NEW_TOKEN -> {
                // RFC 9000 §19.7: only servers send NEW_TOKEN.
                if (c.role == Role.SERVER) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.NEW_TOKEN.firstCode(), "NEW_TOKEN from a client");
                }
                // RFC 9000 §8.1.3: the client keeps it for a later connection to this server.
                ByteBuffer token = f.positionOnData(payload);
                byte[] bytes = new byte[token.remaining()];
                token.get(bytes);
                c.newTokenReceived(bytes);
            }
            case HANDSHAKE_DONE -> {
                // RFC 9000 §19.20: a server receiving HANDSHAKE_DONE closes with PROTOCOL_VIOLATION.
                if (c.role == Role.SERVER) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.HANDSHAKE_DONE.firstCode(), "HANDSHAKE_DONE from a client");
                }
                if (c.state == ConnectionState.ESTABLISHED) {
                    c.confirmHandshake();
                } else if (c.state == ConnectionState.HANDSHAKING) {
                    // Only a server whose handshake completed sends it, in a 1-RTT packet we could open: our TLS
                    // stack has not said so yet, and the frame, acknowledged, is not sent again (RFC 9001 §4.1.2).
                    c.handshakeDoneEarly = true;
                }
            }
            case DATAGRAM -> {
                // RFC 9221 §3: beyond the max_datagram_frame_size we advertised (0: none at all), the frame
                // (type, Length and data together) is a PROTOCOL_VIOLATION.
                int size = f.frameEnd() - f.frameStart();
                if (c.config.maxDatagramFrameSize() == 0 || size > c.config.maxDatagramFrameSize()) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.DATAGRAM.firstCode(), c.config.maxDatagramFrameSize() == 0
                                    ? "DATAGRAM frame without max_datagram_frame_size"
                                    : "DATAGRAM frame of " + size + " bytes, above max_datagram_frame_size "
                                            + c.config.maxDatagramFrameSize());
                }
                c.datagrams.onReceived(payload, f.dataOffset(), f.dataLength());
            }
            case PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE, APPLICATION_CLOSE ->
                throw new IllegalStateException("frame handled by the packet loop: " + f);
        }
    }

    private static String reason(ByteBuffer phrase) {
        ByteBuffer b = phrase.duplicate();
        byte[] bytes = new byte[Math.min(b.remaining(), 1024)];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Acts on the ACK frame {@link #frames} holds. */
    private void onAck(PacketSpace space, long now) throws QuicProtocolException {
        FrameReader ack = frames;
        // RFC 9000 §19.3: the delay is scaled by the sender's exponent; Initial ACKs carry none (§5.3 of 9002).
        long ackDelayNanos = space.id == PacketNumberSpace.INITIAL ? 0
                : Math.min(ack.ackDelay() << Math.min(c.peerAckDelayExponent, 20), Long.MAX_VALUE / 2000) * 1000;
        c.outcome.clear();
        long largestBefore = c.recovery.largestAcked(space.id);
        c.recovery.onAckReceived(space.id, ack.ackRanges(), ack.ackRangeCount(), ack.typeCode(), ackDelayNanos, now,
                c.outcome);
        if (c.recovery.largestAcked(space.id) > largestBefore) {
            // RFC 9000 §13.4.2.1, RFC 9002 Appendix B.7: the ECN counts, before the acknowledged packets go.
            c.ecn.onAck(space.id, ack.hasEcnCounts(), ack.ect0(), ack.ect1(), ack.ecnCe(), c.outcome, c.congestion,
                    now);
        }
        if (space.id == PacketNumberSpace.APPLICATION) {
            c.oneRtt.onAcknowledged(c.recovery.largestAcked(space.id));
        }
        c.fate.onAcked(space, c.outcome, now);
    }
}
