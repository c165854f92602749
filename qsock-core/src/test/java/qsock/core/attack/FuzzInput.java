package qsock.core.attack;

/**
 * A fuzz input read front to back, for targets that decode it into operations ({@link ConnectionFuzzTest}). Past its
 * end every number reads as zero and every byte string as empty, so that any input decodes to something.
 */
final class FuzzInput {

    private final byte[] data;
    private int pos;

    FuzzInput(byte[] data) {
        this.data = data;
    }

    /** {@return true while bytes are left} */
    boolean hasMore() {
        return pos < data.length;
    }

    /** {@return the next byte, unsigned} */
    int u8() {
        return pos < data.length ? data[pos++] & 0xff : 0;
    }

    /** {@return the next two bytes, big-endian, unsigned} */
    int u16() {
        return (u8() << 8) | u8();
    }

    /** {@return the next {@code n} bytes, or as many as are left} */
    byte[] bytes(int n) {
        int k = Math.min(n, data.length - pos);
        byte[] out = new byte[k];
        System.arraycopy(data, pos, out, 0, k);
        pos += k;
        return out;
    }
}
