package qsock.core.frame;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import qsock.core.wire.VarInt;

/**
 * Encodes frames (RFC 9000 §19; RFC 9221 §4) at a buffer's position, in their shortest form: minimal
 * varints, the STREAM Offset field only for a non-zero offset.
 *
 * <p>Two levels. {@link #encode(ByteBuffer, Frame, boolean)} and {@link #encodedLength(Frame, boolean)}
 * take any {@link Frame} record. The static writers ({@link #writeStreamHeader}, {@link
 * #writeCryptoHeader}, {@link #writeDatagramHeader}, {@link #writeAckFrame}, {@link #writePadding})
 * serve the sender's hot path without building a record: a header writer writes everything up to the
 * data, and the sender then puts the data bytes straight into the packet buffer behind it.
 *
 * <p>Every method checks first that the whole frame or header fits in the buffer's remaining space and
 * throws {@link BufferOverflowException} without writing anything if it does not. Values that cannot
 * be encoded are refused with {@link IllegalArgumentException}: they are the caller's bug, never the
 * peer's.
 */
public final class FrameEncoder {

    private FrameEncoder() {}

    /** {@return the exact number of bytes {@link #encode(ByteBuffer, Frame)} writes for {@code frame}} */
    public static int encodedLength(Frame frame) {
        return encodedLength(frame, false);
    }

    /**
     * {@return the exact number of bytes {@link #encode(ByteBuffer, Frame, boolean)} writes for
     * {@code frame} with the same {@code endsPacket}}
     */
    public static int encodedLength(Frame frame, boolean endsPacket) {
        return switch (frame) {
            case PaddingFrame f -> f.length();
            case PingFrame _ -> 1;
            case AckFrame f -> ackLength(f.ackDelay(), f.rangesArray(), f.rangeCount(), f.ecnCounts() != null,
                    ecnLength(f.ecnCounts()));
            case ResetStreamFrame f -> 1 + VarInt.size(f.streamId()) + VarInt.size(f.applicationProtocolErrorCode())
                    + VarInt.size(f.finalSize());
            case StopSendingFrame f -> 1 + VarInt.size(f.streamId()) + VarInt.size(f.applicationProtocolErrorCode());
            case CryptoFrame f -> cryptoHeaderLength(f.offset(), f.length()) + f.length();
            case NewTokenFrame f -> 1 + VarInt.size(f.tokenView().capacity()) + f.tokenView().capacity();
            case StreamFrame f -> streamHeaderLength(f.streamId(), f.offset(), f.length(), !endsPacket) + f.length();
            case MaxDataFrame f -> 1 + VarInt.size(f.maximumData());
            case MaxStreamDataFrame f -> 1 + VarInt.size(f.streamId()) + VarInt.size(f.maximumStreamData());
            case MaxStreamsFrame f -> 1 + VarInt.size(f.maximumStreams());
            case DataBlockedFrame f -> 1 + VarInt.size(f.maximumData());
            case StreamDataBlockedFrame f -> 1 + VarInt.size(f.streamId()) + VarInt.size(f.maximumStreamData());
            case StreamsBlockedFrame f -> 1 + VarInt.size(f.maximumStreams());
            case NewConnectionIdFrame f -> 1 + VarInt.size(f.sequenceNumber()) + VarInt.size(f.retirePriorTo()) + 1
                    + f.connectionId().length() + NewConnectionIdFrame.TOKEN_LENGTH;
            case RetireConnectionIdFrame f -> 1 + VarInt.size(f.sequenceNumber());
            case PathChallengeFrame _ -> 1 + 8;
            case PathResponseFrame _ -> 1 + 8;
            case ConnectionCloseFrame f -> 1 + VarInt.size(f.errorCode().value()) + VarInt.size(f.frameType())
                    + VarInt.size(f.reasonPhraseView().capacity()) + f.reasonPhraseView().capacity();
            case ApplicationCloseFrame f -> 1 + VarInt.size(f.errorCode())
                    + VarInt.size(f.reasonPhraseView().capacity()) + f.reasonPhraseView().capacity();
            case HandshakeDoneFrame _ -> 1;
            case DatagramFrame f -> datagramHeaderLength(f.length(), !endsPacket) + f.length();
        };
    }

    /**
     * Writes {@code frame} at the buffer's position, with its Length field if it has one, and advances
     * past it.
     *
     * @return the number of bytes written, {@link #encodedLength(Frame)}
     * @throws BufferOverflowException if the frame does not fit in the remaining space (nothing is written)
     */
    public static int encode(ByteBuffer buf, Frame frame) {
        return encode(buf, frame, false);
    }

    /**
     * Writes {@code frame} at the buffer's position and advances past it.
     *
     * @param endsPacket true if nothing will follow this frame in the packet: a STREAM or DATAGRAM frame
     *     is then written without its Length field (types 0x08-0x0d with the LEN bit clear, 0x30), its
     *     data running to the end of the packet, which saves one to eight bytes. Other frames are written
     *     the same either way. The caller must not put any byte after such a frame, padding included.
     * @return the number of bytes written, {@link #encodedLength(Frame, boolean)}
     * @throws BufferOverflowException if the frame does not fit in the remaining space (nothing is written)
     */
    public static int encode(ByteBuffer buf, Frame frame, boolean endsPacket) {
        int length = encodedLength(frame, endsPacket);
        requireRoom(buf, length);
        switch (frame) {
            case PaddingFrame f -> putZeros(buf, f.length());
            case PingFrame _ -> buf.put((byte) 0x01);
            case AckFrame f -> {
                AckFrame.EcnCounts ecn = f.ecnCounts();
                if (ecn == null) {
                    putAck(buf, f.ackDelay(), f.rangesArray(), f.rangeCount(), false, 0, 0, 0);
                } else {
                    putAck(buf, f.ackDelay(), f.rangesArray(), f.rangeCount(), true, ecn.ect0(), ecn.ect1(),
                            ecn.ecnCe());
                }
            }
            case ResetStreamFrame f -> {
                buf.put((byte) 0x04);
                VarInt.write(buf, f.streamId());
                VarInt.write(buf, f.applicationProtocolErrorCode());
                VarInt.write(buf, f.finalSize());
            }
            case StopSendingFrame f -> {
                buf.put((byte) 0x05);
                VarInt.write(buf, f.streamId());
                VarInt.write(buf, f.applicationProtocolErrorCode());
            }
            case CryptoFrame f -> {
                putCryptoHeader(buf, f.offset(), f.length());
                FrameBytes.put(buf, f.dataView());
            }
            case NewTokenFrame f -> {
                buf.put((byte) 0x07);
                VarInt.write(buf, f.tokenView().capacity());
                FrameBytes.put(buf, f.tokenView());
            }
            case StreamFrame f -> {
                putStreamHeader(buf, f.streamId(), f.offset(), f.length(), f.fin(), !endsPacket);
                FrameBytes.put(buf, f.dataView());
            }
            case MaxDataFrame f -> putTypeAndVarint(buf, 0x10, f.maximumData());
            case MaxStreamDataFrame f -> {
                buf.put((byte) 0x11);
                VarInt.write(buf, f.streamId());
                VarInt.write(buf, f.maximumStreamData());
            }
            case MaxStreamsFrame f -> putTypeAndVarint(buf, f.typeCode(), f.maximumStreams());
            case DataBlockedFrame f -> putTypeAndVarint(buf, 0x14, f.maximumData());
            case StreamDataBlockedFrame f -> {
                buf.put((byte) 0x15);
                VarInt.write(buf, f.streamId());
                VarInt.write(buf, f.maximumStreamData());
            }
            case StreamsBlockedFrame f -> putTypeAndVarint(buf, f.typeCode(), f.maximumStreams());
            case NewConnectionIdFrame f -> {
                buf.put((byte) 0x18);
                VarInt.write(buf, f.sequenceNumber());
                VarInt.write(buf, f.retirePriorTo());
                buf.put((byte) f.connectionId().length());
                f.connectionId().writeTo(buf);
                f.putStatelessResetToken(buf);
            }
            case RetireConnectionIdFrame f -> putTypeAndVarint(buf, 0x19, f.sequenceNumber());
            case PathChallengeFrame f -> putTypeAndEightBytes(buf, 0x1a, f.data());
            case PathResponseFrame f -> putTypeAndEightBytes(buf, 0x1b, f.data());
            case ConnectionCloseFrame f -> {
                buf.put((byte) 0x1c);
                VarInt.write(buf, f.errorCode().value());
                VarInt.write(buf, f.frameType());
                VarInt.write(buf, f.reasonPhraseView().capacity());
                FrameBytes.put(buf, f.reasonPhraseView());
            }
            case ApplicationCloseFrame f -> {
                buf.put((byte) 0x1d);
                VarInt.write(buf, f.errorCode());
                VarInt.write(buf, f.reasonPhraseView().capacity());
                FrameBytes.put(buf, f.reasonPhraseView());
            }
            case HandshakeDoneFrame _ -> buf.put((byte) 0x1e);
            case DatagramFrame f -> {
                putDatagramHeader(buf, f.length(), !endsPacket);
                FrameBytes.put(buf, f.dataView());
            }
        }
        return length;
    }

    // ---- STREAM ----

    /**
     * {@return the length of a STREAM frame header (type, Stream ID, Offset if non-zero, Length if
     * {@code withLength})} for data of {@code length} bytes
     *
     * @throws IllegalArgumentException if a value cannot be encoded
     */
    public static int streamHeaderLength(long streamId, long offset, int length, boolean withLength) {
        FrameChecks.varint(streamId, "streamId");
        FrameChecks.endOffset(offset, length);
        return 1 + VarInt.size(streamId) + (offset != 0 ? VarInt.size(offset) : 0)
                + (withLength ? VarInt.size(length) : 0);
    }

    /**
     * Writes the header of a STREAM frame (RFC 9000 §19.8) whose {@code length} data bytes the caller
     * writes next. The Offset field is written only for a non-zero offset.
     *
     * @param fin true to mark the end of the stream at {@code offset + length}
     * @param withLength false to leave out the Length field: the data must then run to the end of the
     *     packet
     * @return the number of header bytes written
     * @throws IllegalArgumentException if the stream ID or offset is not a varint or the data would end
     *     past 2^62-1
     * @throws BufferOverflowException if the header does not fit (nothing is written)
     */
    public static int writeStreamHeader(ByteBuffer buf, long streamId, long offset, int length, boolean fin,
            boolean withLength) {
        int headerLength = streamHeaderLength(streamId, offset, length, withLength);
        requireRoom(buf, headerLength);
        putStreamHeader(buf, streamId, offset, length, fin, withLength);
        return headerLength;
    }

    private static void putStreamHeader(ByteBuffer buf, long streamId, long offset, int length, boolean fin,
            boolean withLength) {
        int type = 0x08 | (offset != 0 ? 0x04 : 0) | (withLength ? 0x02 : 0) | (fin ? 0x01 : 0);
        buf.put((byte) type);
        VarInt.write(buf, streamId);
        if (offset != 0) {
            VarInt.write(buf, offset);
        }
        if (withLength) {
            VarInt.write(buf, length);
        }
    }

    // ---- CRYPTO ----

    /**
     * {@return the length of a CRYPTO frame header (type, Offset, Length)} for data of {@code length} bytes
     *
     * @throws IllegalArgumentException if the data would end past 2^62-1
     */
    public static int cryptoHeaderLength(long offset, int length) {
        FrameChecks.endOffset(offset, length);
        return 1 + VarInt.size(offset) + VarInt.size(length);
    }

    /**
     * Writes the header of a CRYPTO frame (RFC 9000 §19.6) whose {@code length} data bytes the caller
     * writes next.
     *
     * @return the number of header bytes written
     * @throws IllegalArgumentException if the offset is not a varint or the data would end past 2^62-1
     * @throws BufferOverflowException if the header does not fit (nothing is written)
     */
    public static int writeCryptoHeader(ByteBuffer buf, long offset, int length) {
        int headerLength = cryptoHeaderLength(offset, length);
        requireRoom(buf, headerLength);
        putCryptoHeader(buf, offset, length);
        return headerLength;
    }

    private static void putCryptoHeader(ByteBuffer buf, long offset, int length) {
        buf.put((byte) 0x06);
        VarInt.write(buf, offset);
        VarInt.write(buf, length);
    }

    // ---- DATAGRAM ----

    /**
     * {@return the length of a DATAGRAM frame header: the type, and the Length field if {@code withLength}}
     *
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public static int datagramHeaderLength(int length, boolean withLength) {
        if (length < 0) {
            throw new IllegalArgumentException("negative datagram length: " + length);
        }
        return 1 + (withLength ? VarInt.size(length) : 0);
    }

    /**
     * Writes the header of a DATAGRAM frame (RFC 9221 §4) whose {@code length} data bytes the caller
     * writes next: type 0x31 with a Length field, or type 0x30 without, the data then running to the
     * end of the packet.
     *
     * @return the number of header bytes written
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws BufferOverflowException if the header does not fit (nothing is written)
     */
    public static int writeDatagramHeader(ByteBuffer buf, int length, boolean withLength) {
        int headerLength = datagramHeaderLength(length, withLength);
        requireRoom(buf, headerLength);
        putDatagramHeader(buf, length, withLength);
        return headerLength;
    }

    private static void putDatagramHeader(ByteBuffer buf, int length, boolean withLength) {
        if (withLength) {
            buf.put((byte) 0x31);
            VarInt.write(buf, length);
        } else {
            buf.put((byte) 0x30);
        }
    }

    // ---- ACK ----

    /**
     * {@return the length of the ACK frame (type 0x02) that {@link #writeAckFrame} writes}
     *
     * @param ranges acknowledged ranges in the layout of {@link AckFrame}: (largest, smallest) pairs, descending
     * @param rangeCount how many pairs of {@code ranges} to use, from the start (the highest)
     * @throws IllegalArgumentException if the ranges break that layout or the ack delay is not a varint
     */
    public static int ackFrameLength(long ackDelay, long[] ranges, int rangeCount) {
        FrameChecks.varint(ackDelay, "ackDelay");
        FrameChecks.ackRanges(ranges, rangeCount);
        return ackLength(ackDelay, ranges, rangeCount, false, 0);
    }

    /**
     * {@return the length of the ACK frame with ECN counts (type 0x03) that {@link #writeAckEcnFrame} writes}
     *
     * @throws IllegalArgumentException as {@link #ackFrameLength}, or if a count is not a varint
     */
    public static int ackEcnFrameLength(long ackDelay, long[] ranges, int rangeCount, long ect0, long ect1,
            long ecnCe) {
        FrameChecks.varint(ackDelay, "ackDelay");
        FrameChecks.ackRanges(ranges, rangeCount);
        return ackLength(ackDelay, ranges, rangeCount, true, ecnLength(ect0, ect1, ecnCe));
    }

    /**
     * Writes an ACK frame of type 0x02 (RFC 9000 §19.3) from the first {@code rangeCount} ranges of
     * {@code ranges}, which a sender can keep and reuse across packets.
     *
     * @param ackDelay the ACK Delay field, already divided by 2^ack_delay_exponent
     * @param ranges acknowledged ranges in the layout of {@link AckFrame}: (largest, smallest) pairs, descending
     * @param rangeCount how many pairs of {@code ranges} to write, from the start (the highest)
     * @return the number of bytes written
     * @throws IllegalArgumentException if the ranges break that layout or the ack delay is not a varint
     * @throws BufferOverflowException if the frame does not fit (nothing is written)
     */
    public static int writeAckFrame(ByteBuffer buf, long ackDelay, long[] ranges, int rangeCount) {
        int length = ackFrameLength(ackDelay, ranges, rangeCount);
        requireRoom(buf, length);
        putAck(buf, ackDelay, ranges, rangeCount, false, 0, 0, 0);
        return length;
    }

    /**
     * Writes an ACK frame of type 0x03, with the ECN counts {@code ect0}, {@code ect1} and {@code ecnCe}
     * (RFC 9000 §19.3.2); otherwise as {@link #writeAckFrame}.
     *
     * @return the number of bytes written
     * @throws IllegalArgumentException as {@link #writeAckFrame}, or if a count is not a varint
     * @throws BufferOverflowException if the frame does not fit (nothing is written)
     */
    public static int writeAckEcnFrame(ByteBuffer buf, long ackDelay, long[] ranges, int rangeCount, long ect0,
            long ect1, long ecnCe) {
        int length = ackEcnFrameLength(ackDelay, ranges, rangeCount, ect0, ect1, ecnCe);
        requireRoom(buf, length);
        putAck(buf, ackDelay, ranges, rangeCount, true, ect0, ect1, ecnCe);
        return length;
    }

    private static int ackLength(long ackDelay, long[] ranges, int rangeCount, boolean ecn, int ecnLength) {
        int length = 1 + VarInt.size(ranges[0]) + VarInt.size(ackDelay) + VarInt.size(rangeCount - 1)
                + VarInt.size(ranges[0] - ranges[1]);
        for (int i = 1; i < rangeCount; i++) {
            length += VarInt.size(ranges[2 * i - 1] - ranges[2 * i] - 2)
                    + VarInt.size(ranges[2 * i] - ranges[2 * i + 1]);
        }
        return ecn ? length + ecnLength : length;
    }

    private static int ecnLength(AckFrame.EcnCounts ecn) {
        return ecn == null ? 0 : ecnLength(ecn.ect0(), ecn.ect1(), ecn.ecnCe());
    }

    private static int ecnLength(long ect0, long ect1, long ecnCe) {
        return VarInt.size(ect0) + VarInt.size(ect1) + VarInt.size(ecnCe);
    }

    private static void putAck(ByteBuffer buf, long ackDelay, long[] ranges, int rangeCount, boolean ecn, long ect0,
            long ect1, long ecnCe) {
        buf.put((byte) (ecn ? 0x03 : 0x02));
        VarInt.write(buf, ranges[0]);
        VarInt.write(buf, ackDelay);
        VarInt.write(buf, rangeCount - 1);
        VarInt.write(buf, ranges[0] - ranges[1]);
        for (int i = 1; i < rangeCount; i++) {
            // RFC 9000 §19.3.1: largest = previous_smallest - gap - 2; smallest = largest - ack_range.
            VarInt.write(buf, ranges[2 * i - 1] - ranges[2 * i] - 2);
            VarInt.write(buf, ranges[2 * i] - ranges[2 * i + 1]);
        }
        if (ecn) {
            VarInt.write(buf, ect0);
            VarInt.write(buf, ect1);
            VarInt.write(buf, ecnCe);
        }
    }

    // ---- frames of a type and fixed fields, for the sender's hot path ----

    /**
     * Writes a PING frame (RFC 9000 §19.2).
     *
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static void writePing(ByteBuffer buf) {
        requireRoom(buf, 1);
        buf.put((byte) FrameType.PING.firstCode());
    }

    /**
     * Writes a HANDSHAKE_DONE frame (RFC 9000 §19.20).
     *
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static void writeHandshakeDone(ByteBuffer buf) {
        requireRoom(buf, 1);
        buf.put((byte) FrameType.HANDSHAKE_DONE.firstCode());
    }

    /**
     * Writes a PATH_CHALLENGE frame (RFC 9000 §19.17) carrying {@code data}, big-endian.
     *
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static void writePathChallenge(ByteBuffer buf, long data) {
        requireRoom(buf, 9);
        putTypeAndEightBytes(buf, (int) FrameType.PATH_CHALLENGE.firstCode(), data);
    }

    /**
     * Writes a PATH_RESPONSE frame (RFC 9000 §19.18) echoing {@code data}, big-endian.
     *
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static void writePathResponse(ByteBuffer buf, long data) {
        requireRoom(buf, 9);
        putTypeAndEightBytes(buf, (int) FrameType.PATH_RESPONSE.firstCode(), data);
    }

    /** {@return the length of a frame made of a one-byte type and the varints {@code a} and, if not negative, {@code b}} */
    private static int typeAndVarintsLength(long a, long b) {
        return 1 + VarInt.size(a) + (b >= 0 ? VarInt.size(b) : 0);
    }

    /** {@return the length of the RETIRE_CONNECTION_ID frame {@link #writeRetireConnectionId} writes} */
    public static int retireConnectionIdLength(long sequenceNumber) {
        return typeAndVarintsLength(sequenceNumber, -1);
    }

    /**
     * Writes a RETIRE_CONNECTION_ID frame (RFC 9000 §19.16).
     *
     * @return the number of bytes written
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static int writeRetireConnectionId(ByteBuffer buf, long sequenceNumber) {
        return writeTypeAndVarints(buf, FrameType.RETIRE_CONNECTION_ID.firstCode(), sequenceNumber, -1);
    }

    /**
     * Writes a MAX_DATA (0x10) or DATA_BLOCKED (0x14) frame (RFC 9000 §19.9, §19.12): the type and one varint.
     * Also MAX_STREAMS (0x12, 0x13) and STREAMS_BLOCKED (0x16, 0x17), whose type codes carry the direction.
     *
     * @param typeCode one of 0x10, 0x12, 0x13, 0x14, 0x16, 0x17
     * @return the number of bytes written
     * @throws IllegalArgumentException for another type code
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static int writeConnectionLimit(ByteBuffer buf, int typeCode, long value) {
        FrameType type = FrameType.of(typeCode);
        if (type != FrameType.MAX_DATA && type != FrameType.DATA_BLOCKED && type != FrameType.MAX_STREAMS
                && type != FrameType.STREAMS_BLOCKED) {
            throw new IllegalArgumentException("not a connection limit frame: 0x" + Integer.toHexString(typeCode));
        }
        return writeTypeAndVarints(buf, typeCode, value, -1);
    }

    /**
     * Writes a frame about one stream: RESET_STREAM (0x04: stream ID, error code, final size), STOP_SENDING (0x05:
     * stream ID, error code), MAX_STREAM_DATA (0x11) or STREAM_DATA_BLOCKED (0x15) (stream ID, limit) (RFC 9000
     * §19.4, §19.5, §19.10, §19.13).
     *
     * @param finalSize the final size of a RESET_STREAM; -1 for the other frames
     * @return the number of bytes written
     * @throws IllegalArgumentException for another type code, or a final size where none belongs
     * @throws BufferOverflowException if it does not fit (nothing is written)
     */
    public static int writeStreamControl(ByteBuffer buf, int typeCode, long streamId, long value, long finalSize) {
        FrameType type = FrameType.of(typeCode);
        if (type != FrameType.RESET_STREAM && type != FrameType.STOP_SENDING && type != FrameType.MAX_STREAM_DATA
                && type != FrameType.STREAM_DATA_BLOCKED) {
            throw new IllegalArgumentException("not a stream control frame: 0x" + Integer.toHexString(typeCode));
        }
        if ((type == FrameType.RESET_STREAM) != (finalSize >= 0)) {
            throw new IllegalArgumentException("a final size belongs to RESET_STREAM only");
        }
        int length = typeAndVarintsLength(value, finalSize) + VarInt.size(streamId);
        requireRoom(buf, length);
        buf.put((byte) typeCode);
        VarInt.write(buf, streamId);
        VarInt.write(buf, value);
        if (finalSize >= 0) {
            VarInt.write(buf, finalSize);
        }
        return length;
    }

    private static int writeTypeAndVarints(ByteBuffer buf, long typeCode, long a, long b) {
        int length = typeAndVarintsLength(a, b);
        requireRoom(buf, length);
        buf.put((byte) typeCode);
        VarInt.write(buf, a);
        if (b >= 0) {
            VarInt.write(buf, b);
        }
        return length;
    }

    // ---- PADDING ----

    /**
     * Writes {@code length} PADDING frames (zero bytes).
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws BufferOverflowException if they do not fit (nothing is written)
     */
    public static void writePadding(ByteBuffer buf, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative padding length: " + length);
        }
        requireRoom(buf, length);
        putZeros(buf, length);
    }

    private static void putZeros(ByteBuffer buf, int length) {
        int pos = buf.position();
        for (int i = 0; i < length; i++) {
            buf.put(pos + i, (byte) 0);
        }
        buf.position(pos + length);
    }

    // ---- helpers ----

    private static void requireRoom(ByteBuffer buf, int length) {
        if (buf.remaining() < length) {
            throw new BufferOverflowException();
        }
    }

    private static void putTypeAndVarint(ByteBuffer buf, long type, long value) {
        buf.put((byte) type);
        VarInt.write(buf, value);
    }

    private static void putTypeAndEightBytes(ByteBuffer buf, int type, long data) {
        buf.put((byte) type);
        // Big-endian whatever the buffer's byte order.
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf.put((byte) (data >>> shift));
        }
    }
}
