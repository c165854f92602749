package qsock.core.wire;

import java.nio.ByteBuffer;

/**
 * QUIC variable-length integers (RFC 9000 §16): 62-bit unsigned values in 1, 2, 4 or 8 bytes, the
 * length in the two most significant bits of the first byte.
 *
 * <p>Buffers must be in network (big-endian) order, the default of every {@link ByteBuffer}: the multi-byte
 * forms go through {@code getShort}/{@code putInt} and friends, which follow the buffer's order.
 *
 * <p>Reads never throw on short input: they return {@link #TRUNCATED} and leave the buffer where it
 * was, so each caller maps a short read to its own protocol error without an exception on the hot path.
 */
public final class VarInt {

    /** The largest value a varint holds, 2^62-1. */
    public static final long MAX_VALUE = (1L << 62) - 1;

    /** Returned by the read methods when the input ends inside the integer. Never a valid value. */
    public static final long TRUNCATED = -1;

    private VarInt() {}

    /** {@return the minimal encoded length of {@code value}: 1, 2, 4 or 8} */
    public static int size(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("varint out of range: " + value);
        }
        if (value < (1L << 6)) {
            return 1;
        }
        if (value < (1L << 14)) {
            return 2;
        }
        if (value < (1L << 30)) {
            return 4;
        }
        return 8;
    }

    /** {@return the encoded length announced by the first byte of a varint: 1, 2, 4 or 8} */
    public static int lengthOf(byte firstByte) {
        return 1 << ((firstByte & 0xff) >>> 6);
    }

    /** {@return true if {@code value} fits a varint of {@code length} bytes} */
    public static boolean fits(long value, int length) {
        return value >= 0 && switch (length) {
            case 1 -> value < (1L << 6);
            case 2 -> value < (1L << 14);
            case 4 -> value < (1L << 30);
            case 8 -> value <= MAX_VALUE;
            default -> false;
        };
    }

    /** Writes {@code value} in its minimal encoding at the buffer's position. */
    public static void write(ByteBuffer buf, long value) {
        write(buf, value, size(value));
    }

    /**
     * Writes {@code value} in exactly {@code length} bytes (RFC 9000 §16 allows longer encodings than
     * needed, used for example to reserve room for a Length field before the payload is known).
     */
    public static void write(ByteBuffer buf, long value, int length) {
        if (!fits(value, length)) {
            throw new IllegalArgumentException("varint " + value + " does not fit " + length + " bytes");
        }
        switch (length) {
            case 1 -> buf.put((byte) value);
            case 2 -> buf.putShort((short) (0x4000 | value));
            case 4 -> buf.putInt((int) (0x8000_0000L | value));
            default -> buf.putLong(0xC000_0000_0000_0000L | value);
        }
    }

    /** Writes {@code value} in exactly {@code length} bytes at absolute {@code index}, leaving the position. */
    public static void put(ByteBuffer buf, int index, long value, int length) {
        if (!fits(value, length)) {
            throw new IllegalArgumentException("varint " + value + " does not fit " + length + " bytes");
        }
        switch (length) {
            case 1 -> buf.put(index, (byte) value);
            case 2 -> buf.putShort(index, (short) (0x4000 | value));
            case 4 -> buf.putInt(index, (int) (0x8000_0000L | value));
            default -> buf.putLong(index, 0xC000_0000_0000_0000L | value);
        }
    }

    /**
     * Reads a varint at the buffer's position and advances past it.
     *
     * @return the value, or {@link #TRUNCATED} (position unchanged) if the buffer ends inside it
     */
    public static long read(ByteBuffer buf) {
        int pos = buf.position();
        if (pos >= buf.limit()) {
            return TRUNCATED;
        }
        int first = buf.get(pos) & 0xff;
        int length = 1 << (first >>> 6);
        if (buf.limit() - pos < length) {
            return TRUNCATED;
        }
        long value = switch (length) {
            case 1 -> first;
            case 2 -> buf.getShort(pos) & 0x3fff;
            case 4 -> buf.getInt(pos) & 0x3fff_ffffL;
            default -> buf.getLong(pos) & 0x3fff_ffff_ffff_ffffL;
        };
        buf.position(pos + length);
        return value;
    }

    /**
     * Reads a varint at absolute {@code index}, leaving the position alone.
     *
     * @return the value, or {@link #TRUNCATED} if it would run past {@code limit}
     */
    public static long get(ByteBuffer buf, int index, int limit) {
        if (index < 0 || index >= limit) {
            return TRUNCATED;
        }
        int first = buf.get(index) & 0xff;
        int length = 1 << (first >>> 6);
        if (limit - index < length) {
            return TRUNCATED;
        }
        return switch (length) {
            case 1 -> first;
            case 2 -> buf.getShort(index) & 0x3fff;
            case 4 -> buf.getInt(index) & 0x3fff_ffffL;
            default -> buf.getLong(index) & 0x3fff_ffff_ffff_ffffL;
        };
    }
}
