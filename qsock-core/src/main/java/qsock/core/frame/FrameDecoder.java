package qsock.core.frame;

import static qsock.core.error.TransportErrorCode.PROTOCOL_VIOLATION;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import qsock.core.error.QuicProtocolException;
import qsock.core.packet.PacketType;

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
 * <p>Two ways to read a payload into records: {@link #decode} one frame at a time ({@code while
 * (payload.hasRemaining()) handle(decode(payload, type));}), or {@link #decodeAll} into a caller-supplied
 * list, which also applies the rule that a packet holds at least one frame. Both are built on {@link
 * FrameReader}, which does all the reading and checking; a receive path that must not allocate per frame
 * uses that reader directly and gets the same frames and the same errors.
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
        FrameReader reader = new FrameReader();
        int count = 0;
        while (payload.hasRemaining()) {
            reader.read(payload, packetType);
            out.add(reader.toFrame(payload));
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
        // One reader per call: this is the convenient path, whose records allocate anyway; the
        // allocation-free path uses a FrameReader directly.
        FrameReader reader = new FrameReader();
        reader.read(payload, packetType);
        return reader.toFrame(payload);
    }

    private static void checkPacketType(PacketType packetType) {
        if (Objects.requireNonNull(packetType, "packetType") == PacketType.RETRY) {
            throw new IllegalArgumentException("Retry packets carry no frames");
        }
    }
}
