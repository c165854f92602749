package qsock.core.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A connection ID (RFC 9000 §5.1): an immutable string of 0 to 20 bytes.
 *
 * <p>The invariants (RFC 8999 §5.1) allow up to 255 bytes in long headers; QUIC v1 and v2 allow at most
 * 20, and packets of those versions with longer IDs are dropped before one of these is made.
 */
public final class ConnectionId {

    /** The longest connection ID of QUIC v1 and v2 (RFC 9000 §17.2). */
    public static final int MAX_LENGTH = 20;

    /** The zero-length connection ID. */
    public static final ConnectionId EMPTY = new ConnectionId(new byte[0]);

    private final byte[] bytes;
    private final int hash;

    private ConnectionId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** {@return a connection ID holding a copy of {@code bytes}} */
    public static ConnectionId of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    /** {@return a connection ID holding a copy of {@code length} bytes of {@code src} from {@code offset}} */
    public static ConnectionId of(byte[] src, int offset, int length) {
        checkLength(length);
        return length == 0 ? EMPTY : new ConnectionId(Arrays.copyOfRange(src, offset, offset + length));
    }

    /** {@return a connection ID parsed from hex, for tests and configuration} */
    public static ConnectionId ofHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    /** {@return a new connection ID of {@code length} random bytes} */
    public static ConnectionId random(RandomGenerator random, int length) {
        checkLength(length);
        byte[] b = new byte[length];
        random.nextBytes(b);
        return length == 0 ? EMPTY : new ConnectionId(b);
    }

    /**
     * Reads {@code length} bytes at the buffer's position as a connection ID and advances past them.
     *
     * @throws IllegalArgumentException if {@code length} is over {@link #MAX_LENGTH}
     * @throws java.nio.BufferUnderflowException if fewer than {@code length} bytes remain
     */
    public static ConnectionId read(ByteBuffer buf, int length) {
        checkLength(length);
        if (length == 0) {
            return EMPTY;
        }
        byte[] b = new byte[length];
        buf.get(b);
        return new ConnectionId(b);
    }

    private static void checkLength(int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("connection ID length " + length + " is not in 0.." + MAX_LENGTH);
        }
    }

    /** {@return the length in bytes} */
    public int length() {
        return bytes.length;
    }

    /** {@return byte {@code index}} */
    public byte byteAt(int index) {
        return bytes[index];
    }

    /** Writes the ID's bytes (not its length) at the buffer's position. */
    public void writeTo(ByteBuffer buf) {
        buf.put(bytes);
    }

    /** {@return true if the ID equals {@code length} bytes of {@code buf} at absolute {@code index}} */
    public boolean matches(ByteBuffer buf, int index, int length) {
        if (length != bytes.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.get(index + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@return a copy of the ID's bytes} */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionId other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
