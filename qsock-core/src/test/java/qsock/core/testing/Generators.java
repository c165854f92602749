package qsock.core.testing;

import java.util.SplittableRandom;
import qsock.core.wire.VarInt;

/** Value generators for property checks, biased towards the edges where encodings change. */
public final class Generators {

    private Generators() {}

    /** {@return a varint value, often at or near a boundary of the 1/2/4/8-byte encodings} */
    public static long varint(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> r.nextLong(64);
            case 1 -> r.nextLong(1L << 14);
            case 2 -> r.nextLong(1L << 30);
            case 3 -> edge(r);
            default -> r.nextLong(VarInt.MAX_VALUE + 1);
        };
    }

    /** {@return a value that sits on a varint encoding boundary} */
    public static long edge(SplittableRandom r) {
        long[] edges = {0, 1, 63, 64, 16383, 16384, (1L << 30) - 1, 1L << 30, VarInt.MAX_VALUE - 1, VarInt.MAX_VALUE};
        return edges[r.nextInt(edges.length)];
    }

    /** {@return {@code length} random bytes} */
    public static byte[] bytes(SplittableRandom r, int length) {
        byte[] b = new byte[length];
        r.nextBytes(b);
        return b;
    }

    /** {@return between 0 and {@code maxLength} random bytes} */
    public static byte[] bytesUpTo(SplittableRandom r, int maxLength) {
        return bytes(r, r.nextInt(maxLength + 1));
    }
}
