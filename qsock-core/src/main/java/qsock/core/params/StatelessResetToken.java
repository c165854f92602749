package qsock.core.params;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A stateless reset token (RFC 9000 §10.3): 16 bytes bound to a connection ID, carried in the
 * stateless_reset_token and preferred_address transport parameters and in NEW_CONNECTION_ID frames.
 *
 * <p>Comparisons run in constant time, as RFC 9000 §10.3.1 asks of the check against a received datagram.
 */
public final class StatelessResetToken {

    /** The length of every token, in bytes. */
    public static final int LENGTH = 16;

    private final byte[] bytes;

    private StatelessResetToken(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * {@return a token holding a copy of {@code bytes}}
     *
     * @throws IllegalArgumentException if {@code bytes} is not 16 bytes long
     */
    public static StatelessResetToken of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a stateless reset token has 16 bytes, not " + bytes.length);
        }
        return new StatelessResetToken(bytes.clone());
    }

    /** {@return a token parsed from 32 hex digits, for tests and configuration} */
    public static StatelessResetToken ofHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    /**
     * Reads 16 bytes at the buffer's position as a token and advances past them.
     *
     * @throws java.nio.BufferUnderflowException if fewer than 16 bytes remain (callers check first)
     */
    public static StatelessResetToken read(ByteBuffer buf) {
        byte[] b = new byte[LENGTH];
        buf.get(b);
        return new StatelessResetToken(b);
    }

    /** Writes the 16 bytes at the buffer's position. */
    public void writeTo(ByteBuffer buf) {
        buf.put(bytes);
    }

    /**
     * {@return true if the 16 bytes of {@code buf} at absolute {@code index} equal this token} The
     * comparison takes the same time whatever the bytes (RFC 9000 §10.3.1).
     */
    public boolean matches(ByteBuffer buf, int index) {
        int diff = 0;
        for (int i = 0; i < LENGTH; i++) {
            diff |= buf.get(index + i) ^ bytes[i];
        }
        return diff == 0;
    }

    /** {@return a copy of the token's bytes} */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatelessResetToken other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
