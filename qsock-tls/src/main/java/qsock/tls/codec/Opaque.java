package qsock.tls.codec;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An immutable byte string: the value of an {@code opaque} field of a TLS structure (RFC 8446 §3.2), such
 * as a random, a key share, a certificate's DER bytes or a signature.
 *
 * <p>Records of handshake messages and extensions hold their byte fields as {@code Opaque} so that they are
 * values: equality, hash code and text go by content, and no holder can change the bytes another sees.
 * Building one from an array or buffer copies it; {@link #toByteArray()} returns a copy.
 */
public final class Opaque {

    /** The empty byte string. */
    public static final Opaque EMPTY = new Opaque(new byte[0]);

    /** How many bytes {@code toString} shows before it elides the rest. */
    private static final int SHOWN = 32;

    private final byte[] bytes;

    /** Takes ownership of {@code bytes}: only this package's readers hand over arrays nobody else holds. */
    Opaque(byte[] bytes) {
        this.bytes = bytes;
    }

    /** {@return a byte string holding a copy of {@code bytes}} */
    public static Opaque of(byte... bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return bytes.length == 0 ? EMPTY : new Opaque(bytes.clone());
    }

    /**
     * {@return a byte string holding a copy of the bytes between {@code src}'s position and limit};
     * {@code src} is not moved
     */
    public static Opaque copyOf(ByteBuffer src) {
        byte[] b = new byte[src.remaining()];
        src.get(src.position(), b);
        return b.length == 0 ? EMPTY : new Opaque(b);
    }

    /**
     * {@return the byte string written in hexadecimal}, as in test vectors
     *
     * @throws IllegalArgumentException if {@code hex} is not an even number of hex digits
     */
    public static Opaque fromHex(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        return b.length == 0 ? EMPTY : new Opaque(b);
    }

    /** {@return the number of bytes} */
    public int length() {
        return bytes.length;
    }

    /** {@return true if there are no bytes} */
    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /**
     * {@return the byte at {@code index}}
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, length())}
     */
    public byte byteAt(int index) {
        return bytes[index];
    }

    /** {@return a copy of the bytes} */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** {@return a new read-only buffer over the bytes, position 0 and limit at the end} */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /**
     * {@return true if {@code expected} holds the same bytes}, compared in time that depends only on the
     * lengths: for MAC values such as Finished.verify_data and PSK binders (RFC 8446 §4.4.4, §4.2.11.2)
     */
    public boolean contentEqualsConstantTime(byte[] expected) {
        return MessageDigest.isEqual(bytes, expected);
    }

    /** {@return the bytes in lower-case hexadecimal, in full} */
    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** The backing array, for this package's writer only: never handed out. */
    byte[] array() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Opaque other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** {@return the bytes in hexadecimal, elided after the first few} */
    @Override
    public String toString() {
        if (bytes.length <= SHOWN) {
            return HexFormat.of().formatHex(bytes);
        }
        return HexFormat.of().formatHex(bytes, 0, SHOWN) + "...(" + bytes.length + " bytes)";
    }
}
