package qsock.core.frame;

import static qsock.core.error.TransportErrorCode.CRYPTO_BUFFER_EXCEEDED;
import static qsock.core.error.TransportErrorCode.FRAME_ENCODING_ERROR;
import static qsock.core.error.TransportErrorCode.PROTOCOL_VIOLATION;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * Reads frames from a decrypted packet payload into this reusable cursor, one at a time, without
 * allocating (RFC 9000 §12.4, §19; RFC 9221 §4): the allocation-free form of {@link FrameDecoder}, which
 * is built on it, so both accept and refuse exactly the same bytes with the same errors.
 *
 * <p>{@link #read} checks the frame at the payload's position as {@link FrameDecoder#decode} documents
 * (known, minimally encoded type permitted in the packet type; every field inside the payload; each
 * frame's own rules of §19), fills the cursor and advances the position past the frame. The cursor then
 * holds the frame until the next {@code read}: its type, its numeric fields as primitives, and for the
 * bytes it carries their place in the payload buffer ({@link #dataOffset()}, {@link #dataLength()}), not a
 * copy or a view. ACK ranges go into a reused array in {@link AckFrame}'s layout.
 *
 * <p>Which accessors mean something depends on {@link #type()}; each accessor names the frames that set
 * it. The others keep stale values: read only what the frame type defines.
 *
 * <p>Not thread-safe: one reader per thread (a connection owns one).
 */
public final class FrameReader {

    /** ACK ranges the array holds when the first ACK frame arrives; one with more grows it. */
    private static final int INITIAL_RANGES = 4;

    private FrameType type;
    private long typeCode;
    private int start;
    private int end;

    private long streamId;
    private long offset;
    private boolean fin;
    private int dataOffset;
    private int dataLength;
    private long errorCode;
    private long errorFrameType;
    private long finalSize;
    private long maximum;
    private long sequenceNumber;
    private long retirePriorTo;
    private long pathData;

    private long ackDelay;
    // Each reader owns its array: readers of different connections run on different I/O threads.
    private long[] ranges = new long[2 * INITIAL_RANGES];
    private int rangeCount;
    private boolean hasEcnCounts;
    private long ect0;
    private long ect1;
    private long ecnCe;

    /** Creates a reader; its cursor is empty until the first {@link #read}. */
    public FrameReader() {}

    /**
     * Reads the frame at the payload's position into this cursor and advances past it. A run of zero bytes
     * is one PADDING frame ({@link #paddingLength()}); a STREAM or DATAGRAM frame without a Length field
     * takes the rest of the payload.
     *
     * @param payload the packet payload, positioned at a frame; at least one byte must remain
     * @param packetType the type of the packet the payload came in
     * @return the frame's type, also {@link #type()}
     * @throws QuicProtocolException FRAME_ENCODING_ERROR for an unknown type, a truncated frame or a
     *     malformed field; PROTOCOL_VIOLATION for a frame type not minimally encoded or not permitted in
     *     {@code packetType}; CRYPTO_BUFFER_EXCEEDED for CRYPTO data ending past 2^62-1. After an exception
     *     the cursor and the payload's position are unspecified.
     * @throws IllegalArgumentException if no byte remains or {@code packetType} is RETRY
     */
    public FrameType read(ByteBuffer payload, PacketType packetType) throws QuicProtocolException {
        checkPacketType(packetType);
        int pos = payload.position();
        if (pos >= payload.limit()) {
            throw new IllegalArgumentException("no frame to read: the payload has no bytes left");
        }
        type = null;
        start = pos;
        long code = payload.get(pos) & 0xff;
        if (code < 0x40) {
            payload.position(pos + 1);
        } else {
            code = VarInt.read(payload);
            if (code == VarInt.TRUNCATED) {
                throw new QuicProtocolException(FRAME_ENCODING_ERROR, "truncated frame type");
            }
            // RFC 9000 §12.4: a frame type MUST use the shortest encoding; an endpoint MAY treat a longer
            // one as PROTOCOL_VIOLATION, and we do, for known and unknown types alike.
            if (payload.position() - pos != VarInt.size(code)) {
                throw new QuicProtocolException(PROTOCOL_VIOLATION, code, "frame type not minimally encoded");
            }
        }
        FrameType t = FrameType.of(code);
        // RFC 9000 §12.4: a frame of unknown type is a FRAME_ENCODING_ERROR.
        if (t == null) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "unknown frame type");
        }
        // RFC 9000 §12.4, §12.5: a frame in a packet type that does not permit it is a PROTOCOL_VIOLATION.
        if (!t.allowedIn(packetType)) {
            throw new QuicProtocolException(PROTOCOL_VIOLATION, code, "frame not allowed in this packet type");
        }
        typeCode = code;
        switch (t) {
            case PADDING -> padding(payload, pos);
            case PING, HANDSHAKE_DONE -> { }
            case ACK -> ack(payload, code);
            case RESET_STREAM -> {
                streamId = varint(payload, code);
                errorCode = varint(payload, code);
                finalSize = varint(payload, code);
            }
            case STOP_SENDING -> {
                streamId = varint(payload, code);
                errorCode = varint(payload, code);
            }
            case CRYPTO -> crypto(payload, code);
            case NEW_TOKEN -> newToken(payload, code);
            case STREAM -> stream(payload, code);
            case MAX_DATA, DATA_BLOCKED -> maximum = varint(payload, code);
            case MAX_STREAM_DATA, STREAM_DATA_BLOCKED -> {
                streamId = varint(payload, code);
                maximum = varint(payload, code);
            }
            case MAX_STREAMS, STREAMS_BLOCKED -> maximum = streamCount(payload, code);
            case NEW_CONNECTION_ID -> newConnectionId(payload, code);
            case RETIRE_CONNECTION_ID -> sequenceNumber = varint(payload, code);
            case PATH_CHALLENGE, PATH_RESPONSE -> pathData = eightBytes(payload, code);
            case CONNECTION_CLOSE -> {
                errorCode = varint(payload, code);
                errorFrameType = varint(payload, code);
                data(payload, length(payload, code));
            }
            case APPLICATION_CLOSE -> {
                errorCode = varint(payload, code);
                data(payload, length(payload, code));
            }
            // RFC 9221 §4: without the LEN bit (0x30) the Datagram Data runs to the end of the packet.
            case DATAGRAM -> data(payload, code == 0x31 ? length(payload, code) : payload.remaining());
        }
        end = payload.position();
        type = t;
        return t;
    }

    private static void checkPacketType(PacketType packetType) {
        if (Objects.requireNonNull(packetType, "packetType") == PacketType.RETRY) {
            throw new IllegalArgumentException("Retry packets carry no frames");
        }
    }

    private void padding(ByteBuffer payload, int pos) {
        int e = pos + 1;
        int limit = payload.limit();
        while (e < limit && payload.get(e) == 0) {
            e++;
        }
        payload.position(e);
        dataLength = e - pos;
    }

    private void ack(ByteBuffer payload, long code) throws QuicProtocolException {
        long largestAcknowledged = varint(payload, code);
        ackDelay = varint(payload, code);
        long ackRangeCount = varint(payload, code);
        long firstAckRange = varint(payload, code);
        // Each further range is a Gap and an ACK Range Length, at least one byte each: refuse a count the
        // rest of the payload cannot hold before sizing the array by it.
        if (ackRangeCount > (payload.remaining() >> 1)) {
            throw truncated(code);
        }
        int count = (int) ackRangeCount + 1;
        if (ranges.length < 2 * count) {
            // Sized on first use, so that a reader made for one frame (FrameDecoder) costs little.
            ranges = new long[Math.max(2 * count, 2 * ranges.length)];
        }
        long[] r = ranges;
        long smallest = largestAcknowledged - firstAckRange;
        // RFC 9000 §19.3.1: any computed packet number below 0 is a FRAME_ENCODING_ERROR.
        if (smallest < 0) {
            throw negativePacketNumber(code);
        }
        r[0] = largestAcknowledged;
        r[1] = smallest;
        for (int i = 1; i < count; i++) {
            long gap = varint(payload, code);
            long ackRangeLength = varint(payload, code);
            long largest = smallest - gap - 2;
            smallest = largest - ackRangeLength;
            if (largest < 0 || smallest < 0) {
                throw negativePacketNumber(code);
            }
            r[2 * i] = largest;
            r[2 * i + 1] = smallest;
        }
        rangeCount = count;
        // RFC 9000 §19.3.2: type 0x03 carries the ECN counts.
        hasEcnCounts = code == 0x03;
        if (hasEcnCounts) {
            ect0 = varint(payload, code);
            ect1 = varint(payload, code);
            ecnCe = varint(payload, code);
        }
    }

    private static QuicProtocolException negativePacketNumber(long code) {
        return new QuicProtocolException(FRAME_ENCODING_ERROR, code, "ACK range below packet number 0");
    }

    private void crypto(ByteBuffer payload, long code) throws QuicProtocolException {
        long o = varint(payload, code);
        int length = length(payload, code);
        // RFC 9000 §19.6: data past 2^62-1 is a FRAME_ENCODING_ERROR or CRYPTO_BUFFER_EXCEEDED; we name the latter.
        if (o > VarInt.MAX_VALUE - length) {
            throw new QuicProtocolException(CRYPTO_BUFFER_EXCEEDED, code, "CRYPTO data beyond 2^62-1");
        }
        offset = o;
        data(payload, length);
    }

    private void newToken(ByteBuffer payload, long code) throws QuicProtocolException {
        int length = length(payload, code);
        // RFC 9000 §19.7: a client MUST treat an empty token as a FRAME_ENCODING_ERROR.
        if (length == 0) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "empty NEW_TOKEN token");
        }
        data(payload, length);
    }

    private void stream(ByteBuffer payload, long code) throws QuicProtocolException {
        streamId = varint(payload, code);
        long o = (code & 0x04) != 0 ? varint(payload, code) : 0;
        // RFC 9000 §19.8: without the LEN bit the Stream Data runs to the end of the packet.
        int length = (code & 0x02) != 0 ? length(payload, code) : payload.remaining();
        // RFC 9000 §19.8: data past 2^62-1 is a FRAME_ENCODING_ERROR (or FLOW_CONTROL_ERROR, a later layer's).
        if (o > VarInt.MAX_VALUE - length) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "STREAM data beyond 2^62-1");
        }
        offset = o;
        fin = (code & 0x01) != 0;
        data(payload, length);
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

    private void newConnectionId(ByteBuffer payload, long code) throws QuicProtocolException {
        long sequence = varint(payload, code);
        long retire = varint(payload, code);
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
        if (retire > sequence) {
            throw new QuicProtocolException(FRAME_ENCODING_ERROR, code, "retire prior to above sequence number");
        }
        sequenceNumber = sequence;
        retirePriorTo = retire;
        data(payload, length);
        payload.position(payload.position() + NewConnectionIdFrame.TOKEN_LENGTH);
    }

    private static long eightBytes(ByteBuffer payload, long code) throws QuicProtocolException {
        int pos = payload.position();
        if (payload.limit() - pos < 8) {
            throw truncated(code);
        }
        // Big-endian whatever the buffer's byte order.
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (payload.get(pos + i) & 0xff);
        }
        payload.position(pos + 8);
        return value;
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

    /** Records the next {@code length} bytes, already checked to be there, as the frame's data and skips them. */
    private void data(ByteBuffer payload, int length) {
        int pos = payload.position();
        dataOffset = pos;
        dataLength = length;
        payload.position(pos + length);
    }

    private static QuicProtocolException truncated(long code) {
        return new QuicProtocolException(FRAME_ENCODING_ERROR, code, "frame extends past the packet");
    }

    // ---- the cursor ----

    /** {@return the type of the frame last read, or null before the first read and after a failed one} */
    public FrameType type() {
        return type;
    }

    /** {@return the wire type code of the frame last read, flag bits included (0x08-0x0f for STREAM)} */
    public long typeCode() {
        return typeCode;
    }

    /** {@return the index in the payload buffer where the frame last read starts} */
    public int frameStart() {
        return start;
    }

    /** {@return the index in the payload buffer just past the frame last read} */
    public int frameEnd() {
        return end;
    }

    /** {@return how many zero bytes the PADDING run holds, at least 1} PADDING. */
    public int paddingLength() {
        return dataLength;
    }

    /**
     * {@return the Stream ID} STREAM, RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA, STREAM_DATA_BLOCKED.
     */
    public long streamId() {
        return streamId;
    }

    /** {@return the offset of the first data byte: 0 for a STREAM frame without the OFF bit} STREAM, CRYPTO. */
    public long offset() {
        return offset;
    }

    /** {@return true if the FIN bit is set} STREAM. */
    public boolean fin() {
        return fin;
    }

    /**
     * {@return the index in the payload buffer of the bytes the frame carries} The Stream Data (STREAM),
     * Crypto Data (CRYPTO), Token (NEW_TOKEN), Datagram Data (DATAGRAM), Reason Phrase (CONNECTION_CLOSE
     * of both types), or the Connection ID (NEW_CONNECTION_ID, whose Stateless Reset Token follows it, see
     * {@link #statelessResetTokenOffset()}).
     */
    public int dataOffset() {
        return dataOffset;
    }

    /** {@return the number of bytes at {@link #dataOffset()}}; may be 0 */
    public int dataLength() {
        return dataLength;
    }

    /** {@return the index in the payload buffer of the 16-byte Stateless Reset Token} NEW_CONNECTION_ID. */
    public int statelessResetTokenOffset() {
        return dataOffset + dataLength;
    }

    /**
     * Points {@code view}, a buffer over the same content as the payload last read from, at the frame's
     * bytes ({@link #dataOffset()}, {@link #dataLength()}): sets its limit and position, nothing else.
     *
     * @return {@code view}
     * @throws IllegalArgumentException if the bytes lie beyond {@code view}'s capacity
     */
    public ByteBuffer positionOnData(ByteBuffer view) {
        return view.limit(dataOffset + dataLength).position(dataOffset);
    }

    /**
     * {@return the Application Protocol Error Code (RESET_STREAM, STOP_SENDING, CONNECTION_CLOSE of type
     * 0x1d) or the transport Error Code (CONNECTION_CLOSE of type 0x1c)}
     */
    public long errorCode() {
        return errorCode;
    }

    /** {@return the Frame Type field, the type of the frame that triggered the error} CONNECTION_CLOSE 0x1c. */
    public long errorFrameType() {
        return errorFrameType;
    }

    /** {@return the Final Size} RESET_STREAM. */
    public long finalSize() {
        return finalSize;
    }

    /**
     * {@return the Maximum Data (MAX_DATA, DATA_BLOCKED), Maximum Stream Data (MAX_STREAM_DATA,
     * STREAM_DATA_BLOCKED) or Maximum Streams (MAX_STREAMS, STREAMS_BLOCKED) field}
     */
    public long maximum() {
        return maximum;
    }

    /**
     * {@return true for the bidirectional form of MAX_STREAMS (0x12) and STREAMS_BLOCKED (0x16)} MAX_STREAMS,
     * STREAMS_BLOCKED.
     */
    public boolean bidirectional() {
        return typeCode == 0x12 || typeCode == 0x16;
    }

    /** {@return the Sequence Number} NEW_CONNECTION_ID, RETIRE_CONNECTION_ID. */
    public long sequenceNumber() {
        return sequenceNumber;
    }

    /** {@return the Retire Prior To field, at most {@link #sequenceNumber()}} NEW_CONNECTION_ID. */
    public long retirePriorTo() {
        return retirePriorTo;
    }

    /** {@return the 8 bytes of Data as a big-endian long} PATH_CHALLENGE, PATH_RESPONSE. */
    public long pathData() {
        return pathData;
    }

    /** {@return the ACK Delay field as sent, not yet scaled by the sender's ack_delay_exponent} ACK. */
    public long ackDelay() {
        return ackDelay;
    }

    /**
     * {@return the acknowledged ranges in {@link AckFrame}'s layout, (largest, smallest) pairs in descending
     * order, in the first {@code 2 * }{@link #ackRangeCount()} slots} ACK. The array is the reader's own,
     * reused by the next read: do not keep or change it.
     */
    public long[] ackRanges() {
        return ranges;
    }

    /** {@return the number of acknowledged ranges, at least 1 (one more than the ACK Range Count field)} ACK. */
    public int ackRangeCount() {
        return rangeCount;
    }

    /** {@return the Largest Acknowledged field} ACK. */
    public long largestAcknowledged() {
        return ranges[0];
    }

    /** {@return true for an ACK frame of type 0x03, which carries ECN counts} ACK. */
    public boolean hasEcnCounts() {
        return hasEcnCounts;
    }

    /** {@return the ECT0 Count} ACK of type 0x03. */
    public long ect0() {
        return ect0;
    }

    /** {@return the ECT1 Count} ACK of type 0x03. */
    public long ect1() {
        return ect1;
    }

    /** {@return the ECN-CE Count} ACK of type 0x03. */
    public long ecnCe() {
        return ecnCe;
    }

    // ---- records, for FrameDecoder ----

    /**
     * {@return the frame last read as a record} Data-carrying records hold a read-only view of {@code
     * payload}'s bytes (see {@link Frame}); NEW_CONNECTION_ID copies its connection ID and token.
     *
     * @param payload the buffer the frame was read from
     * @throws IllegalStateException if no frame has been read successfully
     */
    Frame toFrame(ByteBuffer payload) {
        if (type == null) {
            throw new IllegalStateException("no frame read");
        }
        return switch (type) {
            case PADDING -> new PaddingFrame(dataLength);
            case PING -> PingFrame.INSTANCE;
            case ACK -> new AckFrame(ackDelay, Arrays.copyOf(ranges, 2 * rangeCount),
                    hasEcnCounts ? new AckFrame.EcnCounts(ect0, ect1, ecnCe) : null);
            case RESET_STREAM -> new ResetStreamFrame(streamId, errorCode, finalSize);
            case STOP_SENDING -> new StopSendingFrame(streamId, errorCode);
            case CRYPTO -> new CryptoFrame(offset, slice(payload));
            case NEW_TOKEN -> new NewTokenFrame(slice(payload));
            case STREAM -> new StreamFrame(streamId, offset, slice(payload), fin);
            case MAX_DATA -> new MaxDataFrame(maximum);
            case MAX_STREAM_DATA -> new MaxStreamDataFrame(streamId, maximum);
            case MAX_STREAMS -> new MaxStreamsFrame(bidirectional(), maximum);
            case DATA_BLOCKED -> new DataBlockedFrame(maximum);
            case STREAM_DATA_BLOCKED -> new StreamDataBlockedFrame(streamId, maximum);
            case STREAMS_BLOCKED -> new StreamsBlockedFrame(bidirectional(), maximum);
            case NEW_CONNECTION_ID -> {
                byte[] bytes = new byte[dataLength + NewConnectionIdFrame.TOKEN_LENGTH];
                payload.get(dataOffset, bytes);
                yield new NewConnectionIdFrame(sequenceNumber, retirePriorTo, ConnectionId.of(bytes, 0, dataLength),
                        Arrays.copyOfRange(bytes, dataLength, bytes.length));
            }
            case RETIRE_CONNECTION_ID -> new RetireConnectionIdFrame(sequenceNumber);
            case PATH_CHALLENGE -> new PathChallengeFrame(pathData);
            case PATH_RESPONSE -> new PathResponseFrame(pathData);
            case CONNECTION_CLOSE -> new ConnectionCloseFrame(TransportErrorCode.of(errorCode), errorFrameType,
                    slice(payload));
            case APPLICATION_CLOSE -> new ApplicationCloseFrame(errorCode, slice(payload));
            case HANDSHAKE_DONE -> HandshakeDoneFrame.INSTANCE;
            case DATAGRAM -> new DatagramFrame(slice(payload));
        };
    }

    private ByteBuffer slice(ByteBuffer payload) {
        return payload.slice(dataOffset, dataLength);
    }

    @Override
    public String toString() {
        return "FrameReader[" + (type == null ? "empty" : type + " 0x" + Long.toHexString(typeCode) + " at "
                + start + ".." + end) + "]";
    }
}
