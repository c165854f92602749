package qsock.socket.remote;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one frame's payload, refusing to grow past {@link FrameChannel#MAX_PAYLOAD} or to write a string longer
 * than its length field holds (caller misuse: {@link IllegalArgumentException}).
 */
public final class PayloadWriter {

    private byte[] buf = new byte[64];
    private int length;

    private void ensure(int n) {
        if (length + n > FrameChannel.MAX_PAYLOAD) {
            throw new IllegalArgumentException("a frame's payload is at most " + FrameChannel.MAX_PAYLOAD + " bytes");
        }
        if (length + n > buf.length) {
            int size = Math.min(FrameChannel.MAX_PAYLOAD, Math.max(buf.length * 2, length + n));
            byte[] bigger = Arrays.copyOf(buf, size);
            // A payload may hold a secret (RFC 9001 §9): the old array leaves no copy behind.
            Arrays.fill(buf, (byte) 0);
            buf = bigger;
        }
    }

    /** Appends one byte. */
    public PayloadWriter u8(int v) {
        if (v < 0 || v > 0xFF) {
            throw new IllegalArgumentException("not a byte: " + v);
        }
        ensure(1);
        buf[length++] = (byte) v;
        return this;
    }

    /** Appends two bytes, big-endian. */
    public PayloadWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("not a 16-bit value: " + v);
        }
        ensure(2);
        buf[length++] = (byte) (v >>> 8);
        buf[length++] = (byte) v;
        return this;
    }

    /** Appends four bytes, big-endian. */
    public PayloadWriter u32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit value: " + v);
        }
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[length++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** Appends bytes as they are. */
    public PayloadWriter bytes(byte[] b, int offset, int n) {
        ensure(n);
        System.arraycopy(b, offset, buf, length, n);
        length += n;
        return this;
    }

    /** Appends bytes as they are. */
    public PayloadWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    /** Appends a byte string with a two-byte length. */
    public PayloadWriter bytes16(byte[] b) {
        return u16(b.length).bytes(b);
    }

    /** Appends a UTF-8 string (null: empty) with a one-byte length. */
    public PayloadWriter str8(String s) {
        byte[] b = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        return u8(b.length).bytes(b);
    }

    /**
     * Writes a UTF-8 string with a two-byte length, whole: for what must arrive as it was given (a peer name, a PSK
     * identity), never cut. Null is written as empty.
     *
     * @throws IllegalArgumentException if its UTF-8 form is over 65535 bytes
     */
    public PayloadWriter str16Whole(String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("a string of " + b.length + " UTF-8 bytes does not fit a two-byte length");
        }
        return u16(b.length).bytes(b);
    }

    /** Appends a UTF-8 string (null: empty) with a two-byte length, cut at a character to fit. */
    public PayloadWriter str16(String s) {
        String text = s == null ? "" : s;
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        // A reason is for a person: one too long to carry is cut, at most 4 KiB, rather than fail the request.
        int max = 4096;
        if (b.length > max) {
            int end = max;
            while (end > 0 && (b[end] & 0xC0) == 0x80) {
                end--;
            }
            b = Arrays.copyOf(b, end);
        }
        return u16(b.length).bytes(b);
    }

    /** {@return the payload so far, a copy} */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, length);
    }

    /** Overwrites the payload with zeros: it held a secret (RFC 9001 §9). */
    public void wipe() {
        Arrays.fill(buf, (byte) 0);
        length = 0;
    }
}
