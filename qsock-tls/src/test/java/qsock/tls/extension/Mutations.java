package qsock.tls.extension;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Damage to valid encodings, for the decoders' robustness properties: flipped, inserted, removed and cut bytes. */
public final class Mutations {

    private Mutations() {}

    /** {@return a copy of {@code valid} with one to three random changes} */
    public static byte[] mutate(SplittableRandom r, byte[] valid) {
        byte[] b = valid.clone();
        for (int changes = 1 + r.nextInt(3); changes > 0; changes--) {
            b = switch (r.nextInt(5)) {
                case 0 -> flipBit(r, b);
                case 1 -> setByte(r, b);
                case 2 -> insert(r, b);
                case 3 -> remove(r, b);
                default -> Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
            };
        }
        return b;
    }

    private static byte[] flipBit(SplittableRandom r, byte[] b) {
        if (b.length > 0) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    private static byte[] setByte(SplittableRandom r, byte[] b) {
        if (b.length > 0) {
            // Length fields are where decoders break: favour the values at their edges.
            int[] edges = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
            b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextInt(256));
        }
        return b;
    }

    private static byte[] insert(SplittableRandom r, byte[] b) {
        int at = r.nextInt(b.length + 1);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = (byte) r.nextInt(256);
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return out;
    }

    private static byte[] remove(SplittableRandom r, byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int at = r.nextInt(b.length);
        byte[] out = new byte[b.length - 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + 1, out, at, b.length - at - 1);
        return out;
    }
}
