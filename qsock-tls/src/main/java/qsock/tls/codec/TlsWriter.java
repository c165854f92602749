package qsock.tls.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Writes TLS structures (RFC 8446 §3) into a growable byte array: numbers in network byte order, byte
 * strings, and vectors whose length prefix is patched in when the vector ends, so that nested vectors
 * can be written in one pass:
 *
 * <pre>{@code
 * int mark = w.startVector16();
 * ... write the content ...
 * w.endVector16(mark);
 * }</pre>
 *
 * <p>Vectors must be ended in the reverse order they were started, each with its own width; a vector
 * longer than its prefix can count, a number outside its field's range, or a mismatched end is our own
 * bug and throws {@link IllegalArgumentException} or {@link IllegalStateException}, after which the
 * content is unspecified until {@link #reset()}. Not thread-safe.
 */
public final class TlsWriter {

    private byte[] buf;
    private int size;
    private int[] openMarks = new int[8];
    private int[] openWidths = new int[8];
    private int depth;

    /** A writer with a small initial capacity. */
    public TlsWriter() {
        this(256);
    }

    /** A writer that can take {@code initialCapacity} bytes before it grows. */
    public TlsWriter(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("negative capacity " + initialCapacity);
        }
        buf = new byte[initialCapacity];
    }

    /** Writes an unsigned 8-bit number; {@return this writer} */
    public TlsWriter u8(int value) {
        TlsChecks.u8(value, "uint8");
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    /** Writes an unsigned 16-bit number; {@return this writer} */
    public TlsWriter u16(int value) {
        TlsChecks.u16(value, "uint16");
        ensure(2);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
        return this;
    }

    /** Writes an unsigned 24-bit number; {@return this writer} */
    public TlsWriter u24(int value) {
        TlsChecks.u24(value, "uint24");
        ensure(3);
        buf[size++] = (byte) (value >>> 16);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
        return this;
    }

    /** Writes an unsigned 32-bit number; {@return this writer} */
    public TlsWriter u32(long value) {
        TlsChecks.u32(value, "uint32");
        ensure(4);
        buf[size++] = (byte) (value >>> 24);
        buf[size++] = (byte) (value >>> 16);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
        return this;
    }

    /** Writes the bytes, with no length prefix; {@return this writer} */
    public TlsWriter bytes(Opaque bytes) {
        return bytes(bytes.array());
    }

    /** Writes the bytes, with no length prefix; {@return this writer} */
    public TlsWriter bytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
        return this;
    }

    /**
     * Writes the bytes between {@code src}'s position and limit, with no length prefix; {@code src} is not
     * moved; {@return this writer}
     */
    public TlsWriter bytes(ByteBuffer src) {
        int n = src.remaining();
        ensure(n);
        src.get(src.position(), buf, size, n);
        size += n;
        return this;
    }

    /** Writes {@code opaque<0..2^8-1>}: an 8-bit length, then the bytes; {@return this writer} */
    public TlsWriter opaque8(Opaque bytes) {
        return u8(prefixed(bytes, 0xFF)).bytes(bytes);
    }

    /** Writes {@code opaque<0..2^16-1>}: a 16-bit length, then the bytes; {@return this writer} */
    public TlsWriter opaque16(Opaque bytes) {
        return u16(prefixed(bytes, 0xFFFF)).bytes(bytes);
    }

    /** Writes {@code opaque<0..2^24-1>}: a 24-bit length, then the bytes; {@return this writer} */
    public TlsWriter opaque24(Opaque bytes) {
        return u24(prefixed(bytes, 0xFF_FFFF)).bytes(bytes);
    }

    /** Writes {@code uint8 list<..>} with an 8-bit length prefix; {@return this writer} */
    public TlsWriter u8List8(List<Integer> values) {
        int mark = startVector8();
        for (int v : values) {
            u8(v);
        }
        endVector8(mark);
        return this;
    }

    /** Writes {@code uint16 list<..>} with an 8-bit length prefix; {@return this writer} */
    public TlsWriter u16List8(List<Integer> values) {
        int mark = startVector8();
        for (int v : values) {
            u16(v);
        }
        endVector8(mark);
        return this;
    }

    /** Writes {@code uint16 list<..>} with a 16-bit length prefix; {@return this writer} */
    public TlsWriter u16List16(List<Integer> values) {
        int mark = startVector16();
        for (int v : values) {
            u16(v);
        }
        endVector16(mark);
        return this;
    }

    /** Starts a vector with an 8-bit length prefix; {@return the mark to pass to {@link #endVector8}} */
    public int startVector8() {
        return start(1);
    }

    /** Starts a vector with a 16-bit length prefix; {@return the mark to pass to {@link #endVector16}} */
    public int startVector16() {
        return start(2);
    }

    /** Starts a vector with a 24-bit length prefix; {@return the mark to pass to {@link #endVector24}} */
    public int startVector24() {
        return start(3);
    }

    /**
     * Ends the innermost open vector, which {@link #startVector8()} started at {@code mark}, writing its length.
     *
     * @throws IllegalArgumentException if its content is longer than 2^8-1 bytes
     * @throws IllegalStateException if it is not the innermost open vector or has another width
     */
    public void endVector8(int mark) {
        end(1, mark);
    }

    /** As {@link #endVector8}, for a vector that {@link #startVector16()} started (at most 2^16-1 bytes). */
    public void endVector16(int mark) {
        end(2, mark);
    }

    /** As {@link #endVector8}, for a vector that {@link #startVector24()} started (at most 2^24-1 bytes). */
    public void endVector24(int mark) {
        end(3, mark);
    }

    /** {@return the number of bytes written} */
    public int size() {
        return size;
    }

    /**
     * {@return a copy of the bytes written}
     *
     * @throws IllegalStateException if a vector is still open
     */
    public byte[] toByteArray() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " vectors still open");
        }
        return Arrays.copyOf(buf, size);
    }

    /** Forgets everything written, keeping the capacity. */
    public void reset() {
        size = 0;
        depth = 0;
    }

    private int start(int width) {
        if (depth == openMarks.length) {
            openMarks = Arrays.copyOf(openMarks, depth * 2);
            openWidths = Arrays.copyOf(openWidths, depth * 2);
        }
        int mark = size;
        ensure(width);
        size += width;
        openMarks[depth] = mark;
        openWidths[depth] = width;
        depth++;
        return mark;
    }

    private void end(int width, int mark) {
        if (depth == 0 || openMarks[depth - 1] != mark || openWidths[depth - 1] != width) {
            throw new IllegalStateException(
                    "vector at " + mark + " (" + width + "-byte prefix) is not the innermost open one");
        }
        int length = size - mark - width;
        long ceiling = (1L << (8 * width)) - 1;
        if (length > ceiling) {
            throw new IllegalArgumentException(
                    "vector of " + length + " bytes exceeds its " + width + "-byte length prefix");
        }
        depth--;
        for (int i = width - 1, v = length; i >= 0; i--, v >>>= 8) {
            buf[mark + i] = (byte) v;
        }
    }

    private static int prefixed(Opaque bytes, int ceiling) {
        if (bytes.length() > ceiling) {
            throw new IllegalArgumentException(bytes.length() + " bytes exceed a length prefix of at most " + ceiling);
        }
        return bytes.length();
    }

    private void ensure(int n) {
        int needed = Math.addExact(size, n);
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, (int) Math.min(Integer.MAX_VALUE - 8, 2L * buf.length + 16)));
        }
    }
}
