package qsock.tls.codec;

import java.util.List;
import java.util.Objects;

/**
 * Range checks for the values that handshake message and extension records are built from, so that every
 * record that exists fits its wire format. Each throws {@link IllegalArgumentException}, naming the field,
 * for a value its field cannot carry: these are our own bugs, never the peer's (whose bytes are checked by
 * {@link TlsReader}).
 */
public final class TlsChecks {

    private TlsChecks() {}

    /** {@return {@code value}} if it fits a uint8 */
    public static int u8(int value, String what) {
        if ((value & ~0xFF) != 0) {
            throw new IllegalArgumentException(what + ": " + value + " is not a uint8");
        }
        return value;
    }

    /** {@return {@code value}} if it fits a uint16 */
    public static int u16(int value, String what) {
        if ((value & ~0xFFFF) != 0) {
            throw new IllegalArgumentException(what + ": " + value + " is not a uint16");
        }
        return value;
    }

    /** {@return {@code value}} if it fits a uint24 */
    public static int u24(int value, String what) {
        if ((value & ~0xFF_FFFF) != 0) {
            throw new IllegalArgumentException(what + ": " + value + " is not a uint24");
        }
        return value;
    }

    /** {@return {@code value}} if it fits a uint32 */
    public static long u32(long value, String what) {
        if ((value & ~0xFFFF_FFFFL) != 0) {
            throw new IllegalArgumentException(what + ": " + value + " is not a uint32");
        }
        return value;
    }

    /** {@return {@code value}} if it is not null and its length is in {@code [min, max]} */
    public static Opaque length(Opaque value, int min, int max, String what) {
        Objects.requireNonNull(value, what);
        if (value.length() < min || value.length() > max) {
            throw new IllegalArgumentException(what + ": " + value.length() + " bytes, not in " + min + ".." + max);
        }
        return value;
    }

    /**
     * {@return an unmodifiable copy of {@code values}} if it has between {@code minCount} and {@code maxCount}
     * elements, none null
     */
    public static <T> List<T> list(List<T> values, int minCount, int maxCount, String what) {
        List<T> copy = List.copyOf(Objects.requireNonNull(values, what));
        if (copy.size() < minCount || copy.size() > maxCount) {
            throw new IllegalArgumentException(
                    what + ": " + copy.size() + " entries, not in " + minCount + ".." + maxCount);
        }
        return copy;
    }

    /** {@return an unmodifiable copy of {@code values}} if it has the allowed size and each value fits a uint16 */
    public static List<Integer> u16List(List<Integer> values, int minCount, int maxCount, String what) {
        List<Integer> copy = list(values, minCount, maxCount, what);
        for (int v : copy) {
            u16(v, what);
        }
        return copy;
    }

    /** {@return an unmodifiable copy of {@code values}} if it has the allowed size and each value fits a uint8 */
    public static List<Integer> u8List(List<Integer> values, int minCount, int maxCount, String what) {
        List<Integer> copy = list(values, minCount, maxCount, what);
        for (int v : copy) {
            u8(v, what);
        }
        return copy;
    }
}
