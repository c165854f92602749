package qsock.core.frame;

import static qsock.core.error.TransportErrorCode.CRYPTO_BUFFER_EXCEEDED;
import static qsock.core.error.TransportErrorCode.FRAME_ENCODING_ERROR;
import static qsock.core.error.TransportErrorCode.PROTOCOL_VIOLATION;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * Decodes frames from a decrypted packet payload (RFC 9000 §12.4, §19; RFC 9221 §4).
 *
 * <p>The decoder checks everything a receiver can check from the bytes and the packet type alone: the
 * frame type is known, minimally encoded and permitted in the packet type, every field lies inside the
 * payload, and each frame's own rules of §19 hold. Each failure is a {@link QuicProtocolException} with
 * the RFC's error code and the frame type (0 if the type itself could not be read). Rules that need
 * connection state (stream direction and limits, flow control, which endpoint may send a frame, whether
 * DATAGRAM was negotiated) belong to the layers that hold that state.
 *
 * <p>The decoder never reads outside the payload's position and limit, allocates nothing whose size
 * comes from the peer before checking that the bytes are there, and on success always advances the
 * position by at least one byte. After an exception the position is unspecified: the connection closes.
 *
 * <p>Data-carrying frames hold read-only views of the payload (see {@link Frame}); they are valid as long
 * as the payload buffer's content is.
 *
 * <p>Two ways to read a payload: {@link #decode} one frame at a time, the allocation-light loop of a
 * packet handler ({@code while (payload.hasRemaining()) handle(decode(payload, type));}), or {@link
 * #decodeAll} into a caller-supplied list, which also applies the rule that a packet holds at least one
 * frame.
 */
public final class FrameDecoder {

    private FrameDecoder() {}

    /**
     * Decodes all frames from the payload's position to its limit into {@code out}, in order, and leaves
     * the position at the limit. On an exception, {@code out} keeps the frames decoded before the bad one.
     *
     * @param payload the packet payload, after packet protection is removed
     * @param packetType the type of the packet the payload came in
     * @param out receives the frames
     * @return the number of frames added to {@code out}; a run of PADDING counts as one
     * @throws QuicProtocolException PROTOCOL_VIOLATION if the payload is empty (RFC 9000 §12.4), or any
     *     error of {@link #decode}
     * @throws IllegalArgumentException if {@code packetType} is RETRY, whose packets carry no frames
     */
    public static int decodeAll(ByteBuffer payload, PacketType packetType, List<? super Frame> out)
            throws QuicProtocolException {
        checkPacketType(packetType);
        // RFC 9000 §12.4: a packet containing no frames is a PROTOCOL_VIOLATION.
        if (!payload.hasRemaining()) {
            throw new QuicProtocolException(PROTOCOL_VIOLATION, "packet without frames");
        }
        int count = 0;
        while (payload.hasRemaining()) {
            out.add(decode(payload, packetType));
            count++;
        }
        return count;
    }

    /**
     * Decodes the frame at the payload's position and advances past it. A run of zero bytes is one
     * {@link PaddingFrame}; a STREAM or DATAGRAM frame without a Length field takes the rest of the payload.
     *
     * @param payload the packet payload, positioned at a frame; at least one byte must remain
     * @param packetType the type of the packet the payload came in
     * @return the frame
     * @throws QuicProtocolException FRAME_ENCODING_ERROR for an unknown type, a truncated frame or a
     *     malformed field; PROTOCOL_VIOLATION for a frame type not minimally encoded or not permitted in
     *     {@code packetType}; CRYPTO_BUFFER_EXCEEDED for CRYPTO data ending past 2^62-1
     * @throws IllegalArgumentException if no byte remains or {@code packetType} is RETRY
     */
    public static Frame decode(ByteBuffer payload, PacketType packetType) throws QuicProtocolException {
        checkPacketType(packetType);
        int start = payload.position();
        if (start >= payload.limit()) {
            throw new IllegalArgumentException("no frame to decode: the payload has no bytes left");
        }
        long code = payload.get(start) & 0xff;
        if (code < 0x40) {
            payload.position(start + 1);
        } else {
            code = VarInt.read(payload);
            if (code == VarInt.TRUNCATED) {
                throw new QuicProtocolException(FRAME_ENCODING_ERROR, "truncated frame type");
            }
            // RFC 9000 §12.4: a frame type MUST use the shortest encoding; an endpoint MAY treat a longer
            // one as PROTOCOL_VIOLATION, and we do, for known and unknown types alike.
            if (payload.position() - start != VarInt.size(code)) {
                throw new QuicProtocolException(PROTOCOL_VIOLATION, code, "frame type not minimally encoded");
            }
        }
        FrameType type = FrameType.of(code);
        // RFC 9000 §12.4: a frame of unknown type is a FRAME_ENCODING_ERROR.
        if (type == null) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "unknown frame type");
        }
        // RFC 9000 §12.4, §12.5: a frame in a packet type that does not permit it is a PROTOCOL_VIOLATION.
        if (!type.allowedIn(packetType)) {
            throw new QuicProtocolException(PROTOCOL_VIOLATION, code, "frame not allowed in this packet type");
        }
        return switch (type) {
            case PADDING -> padding(payload, start);
            case PING -> PingFrame.INSTANCE;
            case ACK -> ack(payload, code);
            case RESET_STREAM ->
                new ResetStreamFrame(varint(payload, code), varint(payload, code), varint(payload, code));
            case STOP_SENDING -> new StopSendingFrame(varint(payload, code), varint(payload, code));
            case CRYPTO -> crypto(payload, code);
            case NEW_TOKEN -> newToken(payload, code);
            case STREAM -> stream(payload, code);
            case MAX_DATA -> new MaxDataFrame(varint(payload, code));
            case MAX_STREAM_DATA -> new MaxStreamDataFrame(varint(payload, code), varint(payload, code));
            case MAX_STREAMS -> new MaxStreamsFrame(code == 0x12, streamCount(payload, code));
            case DATA_BLOCKED -> new DataBlockedFrame(varint(payload, code));
            case STREAM_DATA_BLOCKED -> new StreamDataBlockedFrame(varint(payload, code), varint(payload, code));
            case STREAMS_BLOCKED -> new StreamsBlockedFrame(code == 0x16, streamCount(payload, code));
            case NEW_CONNECTION_ID -> newConnectionId(payload, code);
            case RETIRE_CONNECTION_ID -> new RetireConnectionIdFrame(varint(payload, code));
            case PATH_CHALLENGE -> new PathChallengeFrame(eightBytes(payload, code));
            case PATH_RESPONSE -> new PathResponseFrame(eightBytes(payload, code));
            case CONNECTION_CLOSE -> connectionClose(payload, code);
            case APPLICATION_CLOSE -> applicationClose(payload, code);
            case HANDSHAKE_DONE -> HandshakeDoneFrame.INSTANCE;
            case DATAGRAM -> datagram(payload, code);
        };
    }

    private static void checkPacketType(PacketType packetType) {
        if (Objects.requireNonNull(packetType, "packetType") == PacketType.RETRY) {
            throw new IllegalArgumentException("Retry packets carry no frames");
        }
    }

    private static PaddingFrame padding(ByteBuffer payload, int start) {
        int end = start + 1;
        int limit = payload.limit();
        while (end < limit && payload.get(end) == 0) {
            end++;
        }
        payload.position(end);
        return new PaddingFrame(end - start);
    }

    private static AckFrame ack(ByteBuffer payload, long code) throws QuicProtocolException {
        long largestAcknowledged = varint(payload, code);
        long ackDelay = varint(payload, code);
        long ackRangeCount = varint(payload, code);
        long firstAckRange = varint(payload, code);
        // Each further range is a Gap and an ACK Range Length, at least one byte each: refuse a count the
        // rest of the payload cannot hold before sizing the array by it.
        if (ackRangeCount > (payload.remaining() >> 1)) {
            throw truncated(code);
        }
        int rangeCount = (int) ackRangeCount + 1;
        long[] ranges = new long[2 * rangeCount];
        long smallest = largestAcknowledged - firstAckRange;
        // RFC 9000 §19.3.1: any computed packet number below 0 is a FRAME_ENCODING_ERROR.
        if (smallest < 0) {
            throw negativePacketNumber(code);
        }
        ranges[0] = largestAcknowledged;
        ranges[1] = smallest;
        for (int i = 1; i < rangeCount; i++) {
            long gap = varint(payload, code);
            long ackRangeLength = varint(payload, code);
            long largest = smallest - gap - 2;
            smallest = largest - ackRangeLength;
            if (largest < 0 || smallest < 0) {
                throw negativePacketNumber(code);
            }
            ranges[2 * i] = largest;
            ranges[2 * i + 1] = smallest;
        }
        AckFrame.EcnCounts ecn = null;
        if (code == 0x03) {
            ecn = new AckFrame.EcnCounts(varint(payload, code), varint(payload, code), varint(payload, code));
        }
        return new AckFrame(ackDelay, ranges, ecn);
    }

    private static QuicProtocolException negativePacketNumber(long code) {
        return new QuicProtocolException(FRAME_ENCODING_ERROR, code, "ACK range below packet number 0");
    }

    private static CryptoFrame crypto(ByteBuffer payload, long code) throws QuicProtocolException {
        long offset = varint(payload, code);
        int length = length(payload, code);
        // RFC 9000 §19.6: data past 2^62-1 is a FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED; we name the latter.
        if (offset > VarInt.MAX_VALUE - length) {
            throw new QuicProtocolException(CRYPTO_BUFFER_EXCEEDED, code, "CRYPTO data beyond 2^62-1");
        }
        return new CryptoFrame(offset, take(payload, length));
    }

    private static NewTokenFrame newToken(ByteBuffer payload, long code) throws QuicProtocolException {
        int length = length(payload, code);
        // RFC 9000 §19.7: a client MUST treat an empty token as a FRAME_ENCODING_ERROR.
        if (length == 0) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "empty NEW_TOKEN token");
        }
        return new NewTokenFrame(take(payload, length));
    }

    private static StreamFrame stream(ByteBuffer payload, long code) throws QuicProtocolException {
        long streamId = varint(payload, code);
        long offset = (code & 0x04) != 0 ? varint(payload, code) : 0;
        // RFC 9000 §19.8: without the LEN bit the Stream Data runs to the end of the packet.
        int length = (code & 0x02) != 0 ? length(payload, code) : payload.remaining();
        // RFC 9000 §19.8: data past 2^62-1 is a FRAME_ENCODING_ERROR (or FLOW_CONTROL_ERROR, a later layer's).
        if (offset > VarInt.MAX_VALUE - length) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "STREAM data beyond 2^62-1");
        }
        return new StreamFrame(streamId, offset, take(payload, length), (code & 0x01) != 0);
    }

    private static long streamCount(ByteBuffer payload, long code) throws QuicProtocolException {
        long count = varint(payload, code);
        // RFC 9000 §19.11 (MAX_STREAMS) and §19.14 (STREAMS_BLOCKED): a count above 2^60 would name stream
        // IDs beyond 2^62-1 and is a FRAME_ENCODING_ERROR.
        if (count > FrameChecks.MAX_STREAMS) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "stream count above 2^60");
        }
        return count;
    }

    private static NewConnectionIdFrame newConnectionId(ByteBuffer payload, long code) throws QuicProtocolException {
        long sequenceNumber = varint(payload, code);
        long retirePriorTo = varint(payload, code);
        if (!payload.hasRemaining()) {
            throw truncated(code);
        }
        int length = payload.get() & 0xff;
        // RFC 9000 §19.15: a length below 1 or above 20 is a FRAME_ENCODING_ERROR.
        if (length < 1 || length > ConnectionId.MAX_LENGTH) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "connection ID length not in 1..20");
        }
        if (payload.remaining() < length + NewConnectionIdFrame.TOKEN_LENGTH) {
            throw truncated(code);
        }
        // RFC 9000 §19.15: Retire Prior To above the Sequence Number is a FRAME_ENCODING_ERROR.
        if (retirePriorTo > sequenceNumber) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "retire prior to above sequence number");
        }
        ConnectionId connectionId = ConnectionId.read(payload, length);
        byte[] token = new byte[NewConnectionIdFrame.TOKEN_LENGTH];
        payload.get(token);
        return new NewConnectionIdFrame(sequenceNumber, retirePriorTo, connectionId, token);
    }

    private static long eightBytes(ByteBuffer payload, long code) throws QuicProtocolException {
        int pos = payload.position();
        if (payload.limit() - pos < 8) {
            throw truncated(code);
        }
        // Big-endian whatever the buffer's byte order.
        long data = 0;
        for (int i = 0; i < 8; i++) {
            data = data << 8 | (payload.get(pos + i) & 0xff);
        }
        payload.position(pos + 8);
        return data;
    }

    private static ConnectionCloseFrame connectionClose(ByteBuffer payload, long code) throws QuicProtocolException {
        long errorCode = varint(payload, code);
        long frameType = varint(payload, code);
        int length = length(payload, code);
        return new ConnectionCloseFrame(TransportErrorCode.of(errorCode), frameType, take(payload, length));
    }

    private static ApplicationCloseFrame applicationClose(ByteBuffer payload, long code) throws QuicProtocolException {
        long errorCode = varint(payload, code);
        int length = length(payload, code);
        return new ApplicationCloseFrame(errorCode, take(payload, length));
    }

    private static DatagramFrame datagram(ByteBuffer payload, long code) throws QuicProtocolException {
        // RFC 9221 §4: without the LEN bit (0x30) the Datagram Data runs to the end of the packet.
        int length = code == 0x31 ? length(payload, code) : payload.remaining();
        return new DatagramFrame(take(payload, length));
    }

    /** Reads a varint field; a field cut off by the end of the payload is a FRAME_ENCODING_ERROR. */
    private static long varint(ByteBuffer payload, long code) throws QuicProtocolException {
        long value = VarInt.read(payload);
        if (value == VarInt.TRUNCATED) {
            throw truncated(code);
        }
        return value;
    }

    /** Reads a Length field and checks that that many bytes remain. */
    private static int length(ByteBuffer payload, long code) throws QuicProtocolException {
        long length = varint(payload, code);
        if (length > payload.remaining()) {
            throw truncated(code);
        }
        return (int) length;
    }

    /**
     * {@return a view of the next {@code length} bytes, already checked to be there}, advancing past
     * them; the frame record makes it read-only.
     */
    private static ByteBuffer take(ByteBuffer payload, int length) {
        int pos = payload.position();
        ByteBuffer data = payload.slice(pos, length);
        payload.position(pos + length);
        return data;
    }

    private static QuicProtocolException truncated(long code) {
        return new QuicProtocolException(FRAME_ENCODING_ERROR, code, "frame extends past the packet");
    }
}
