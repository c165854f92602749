package qsock.tls.message;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One whole handshake message as it arrived: its type code, its body, and its exact bytes on the wire
 * (type, 24-bit length, body), which is what the transcript hash takes (RFC 8446 §4.4.1). Decode it with
 * {@link HandshakeCodec#decode(FramedMessage, int)}.
 *
 * <p>The record holds read-only views that share one array; its accessors return a new view each call
 * (position 0, limit at the end), which the caller may move freely. Equality goes by content.
 *
 * @param type the msg_type code, which may be one TLS 1.3 does not define
 * @param body the message's body, after the 4-byte header
 * @param message the whole message, header included
 */
public record FramedMessage(int type, ByteBuffer body, ByteBuffer message) {

    /** The size of a handshake message's header: msg_type and a 24-bit length. */
    public static final int HEADER_LENGTH = 4;

    /**
     * Keeps read-only views of the bytes between each buffer's position and limit, without copying.
     *
     * @throws IllegalArgumentException if {@code message} is not {@code type}, the body's length and the body
     */
    public FramedMessage {
        body = view(Objects.requireNonNull(body, "body"));
        message = view(Objects.requireNonNull(message, "message"));
        int length = body.capacity();
        if (message.capacity() != HEADER_LENGTH + length || (message.get(0) & 0xFF) != type
                || ((message.get(1) & 0xFF) << 16 | (message.get(2) & 0xFF) << 8 | message.get(3) & 0xFF) != length
                || !message.slice(HEADER_LENGTH, length).equals(body)) {
            throw new IllegalArgumentException("message is not the header and body of a type " + type + " message");
        }
    }

    /**
     * {@return the message in these bytes}: a whole handshake message, header included, shared without copying
     *
     * @throws IllegalArgumentException if the bytes are not exactly one message
     */
    public static FramedMessage of(ByteBuffer message) {
        ByteBuffer m = message.slice();
        if (m.remaining() < HEADER_LENGTH) {
            throw new IllegalArgumentException("shorter than a handshake header");
        }
        int length = (m.get(1) & 0xFF) << 16 | (m.get(2) & 0xFF) << 8 | m.get(3) & 0xFF;
        if (m.remaining() != HEADER_LENGTH + length) {
            throw new IllegalArgumentException(
                    "header declares " + length + " body bytes, " + (m.remaining() - 4) + " present");
        }
        return new FramedMessage(m.get(0) & 0xFF, m.slice(HEADER_LENGTH, length), m);
    }

    /** {@return the message's type, or null if TLS 1.3 defines none with this code} */
    public HandshakeType handshakeType() {
        return HandshakeType.fromCode(type);
    }

    /** {@return a new read-only view of the body} */
    @Override
    public ByteBuffer body() {
        return body.duplicate();
    }

    /** {@return a new read-only view of the whole message, header included} */
    @Override
    public ByteBuffer message() {
        return message.duplicate();
    }

    /** {@return the body's length} */
    public int bodyLength() {
        return body.capacity();
    }

    /** {@return a copy of the whole message, header included} */
    public byte[] toByteArray() {
        byte[] b = new byte[message.capacity()];
        message.get(0, b);
        return b;
    }

    @Override
    public String toString() {
        HandshakeType t = handshakeType();
        return "FramedMessage[" + (t != null ? t : "type " + type) + ", " + body.capacity() + " body bytes]";
    }

    private static ByteBuffer view(ByteBuffer src) {
        return src.slice().asReadOnlyBuffer();
    }
}
