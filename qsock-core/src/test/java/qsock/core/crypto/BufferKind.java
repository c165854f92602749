package qsock.core.crypto;

import java.nio.ByteBuffer;

/**
 * The kinds of buffer packet protection must work in: a plain heap buffer, a heap buffer that is a slice
 * of a larger array (non-zero array offset), and a direct buffer.
 */
enum BufferKind {
    HEAP,
    HEAP_SLICE,
    DIRECT;

    /** {@return a zeroed buffer of this kind with {@code capacity} bytes, position 0, limit = capacity} */
    ByteBuffer allocate(int capacity) {
        return switch (this) {
            case HEAP -> ByteBuffer.allocate(capacity);
            case HEAP_SLICE -> ByteBuffer.allocate(capacity + 37).position(37).slice();
            case DIRECT -> ByteBuffer.allocateDirect(capacity);
        };
    }

    /** {@return a buffer of this kind holding a copy of {@code bytes}, with {@code extra} zero bytes after} */
    ByteBuffer wrap(byte[] bytes, int extra) {
        ByteBuffer b = allocate(bytes.length + extra);
        b.put(0, bytes);
        return b;
    }

    /** {@return a copy of {@code length} bytes of {@code b} at {@code offset}} */
    static byte[] bytes(ByteBuffer b, int offset, int length) {
        byte[] out = new byte[length];
        b.get(offset, out);
        return out;
    }
}
