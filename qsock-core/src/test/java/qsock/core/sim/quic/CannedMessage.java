package qsock.core.sim.quic;

import java.nio.ByteBuffer;
import qsock.core.handshake.EncryptionLevel;

/**
 * A message of the {@link FixedSecretHandshake}, framed as TLS frames its handshake messages (RFC 8446 §4): a type
 * byte, a 3-byte length, the body. What a body holds is the handshake's business; this only frames and unframes.
 *
 * @param type the message
 * @param body its bytes
 */
public record CannedMessage(Type type, byte[] body) {

    /** Bytes before the body: type and length. */
    static final int HEADER = 4;

    /** The messages, with the TLS code point each stands in for and the level it travels at. */
    public enum Type {
        /** The client's first flight: cipher suite, ALPN, transport parameters (Initial). */
        CLIENT_HELLO(1, EncryptionLevel.INITIAL),
        /** The server's answer at Initial: the cipher suite it took. */
        SERVER_HELLO(2, EncryptionLevel.INITIAL),
        /** The server's Handshake flight: ALPN, transport parameters and a canned certificate. */
        SERVER_FLIGHT(8, EncryptionLevel.HANDSHAKE),
        /** The client's Finished (Handshake). */
        FINISHED(20, EncryptionLevel.HANDSHAKE);

        final int code;
        final EncryptionLevel level;

        Type(int code, EncryptionLevel level) {
            this.code = code;
            this.level = level;
        }

        /** {@return the level this message travels at} */
        public EncryptionLevel level() {
            return level;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@return the framed message: type, 3-byte length, body} */
    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + body.length);
        b.put((byte) type.code).put((byte) (body.length >>> 16)).put((byte) (body.length >>> 8))
                .put((byte) body.length).put(body);
        return b.flip();
    }

    /**
     * {@return the length of the whole message at the start of {@code bytes[0, length)}, or -1 if it has not all
     * arrived yet}
     */
    static int framedLength(byte[] bytes, int length) {
        if (length < HEADER) {
            return -1;
        }
        int bodyLength = (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
        return length - HEADER >= bodyLength ? HEADER + bodyLength : -1;
    }
}
