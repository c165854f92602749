package qsock.core.frame;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The byte-string conventions of the frame records that hold a {@link ByteBuffer}.
 *
 * <p>A record keeps a read-only view that it made itself at construction and never hands out: position
 * 0, limit and capacity equal to the length. Its accessor returns a {@link ByteBuffer#duplicate()} of
 * it, so a reader may move that buffer's position and limit freely without changing the frame.
 * Equality, hash codes, text and encoding go by the view's content.
 */
final class FrameBytes {

    /** How many bytes {@code toString} shows before it elides the rest. */
    private static final int SHOWN = 32;

    private FrameBytes() {}

    /**
     * {@return a new read-only view of the bytes between {@code src}'s position and limit, at index 0
     * and with a capacity of exactly that length}; no bytes are copied, and {@code src} is not moved.
     * The result is a new object even when {@code src} already looks like one, so that only the record
     * holds it.
     */
    static ByteBuffer view(ByteBuffer src, String what) {
        Objects.requireNonNull(src, what);
        if (src.isReadOnly()) {
            return src.slice();
        }
        return (src.position() == 0 && src.limit() == src.capacity() ? src : src.slice()).asReadOnlyBuffer();
    }

    /** {@return a read-only view of a copy of {@code bytes}} */
    static ByteBuffer copyOf(byte[] bytes) {
        return ByteBuffer.wrap(bytes.clone()).asReadOnlyBuffer();
    }

    /** {@return true if two record-held views have the same bytes} */
    static boolean contentEquals(ByteBuffer a, ByteBuffer b) {
        return a.equals(b);
    }

    /** {@return a hash of a record-held view's bytes} */
    static int contentHash(ByteBuffer b) {
        return b.hashCode();
    }

    /** {@return the content as hex, elided after the first few bytes, for toString} */
    static String toHex(ByteBuffer b) {
        int n = b.capacity();
        byte[] shown = new byte[Math.min(n, SHOWN)];
        b.get(0, shown);
        String hex = HexFormat.of().formatHex(shown);
        return n > SHOWN ? hex + "...(" + n + " bytes)" : hex;
    }

    /** Writes a record-held view's bytes at {@code dst}'s position and advances it; {@code src} is not moved. */
    static void put(ByteBuffer dst, ByteBuffer src) {
        int n = src.capacity();
        dst.put(dst.position(), src, 0, n);
        dst.position(dst.position() + n);
    }
}
