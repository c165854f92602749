package qsock.tls.codec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * A bounded cursor over TLS structures (RFC 8446 §3): numbers in network byte order and vectors with a
 * length prefix, read from a fixed range of bytes.
 *
 * <p>Every read checks that its bytes are present, and every vector read checks its declared length first
 * against the vector's bounds and then against what remains, before anything is allocated; a failure
 * throws {@link TlsAlertException} with {@link TlsAlert#DECODE_ERROR} (RFC 8446 §6: "a message could not be
 * decoded because some field was out of the specified range or the length of the message was
 * incorrect") and leaves the cursor where it was. Vector bounds are given as in the RFC's notation
 * {@code <min..max>}, in bytes.
 *
 * <p>A reader shares its source's bytes and never changes them, nor the source buffer's position or
 * limit. Not thread-safe.
 */
public final class TlsReader {

    private final ByteBuffer buf;
    private final int end;
    private int pos;

    /** A reader over the bytes between {@code source}'s position and limit; {@code source} is not moved. */
    public TlsReader(ByteBuffer source) {
        this.buf = source.slice();
        this.end = buf.limit();
    }

    /** {@return a reader over all of {@code bytes}}, which it shares without copying */
    public static TlsReader of(byte[] bytes) {
        return new TlsReader(ByteBuffer.wrap(bytes));
    }

    /** {@return the number of bytes not read yet} */
    public int remaining() {
        return end - pos;
    }

    /** {@return true if bytes remain} */
    public boolean hasRemaining() {
        return pos < end;
    }

    /** {@return the number of bytes read so far} */
    public int position() {
        return pos;
    }

    /** {@return an unsigned 8-bit number} */
    public int u8() throws TlsAlertException {
        need(1, "uint8");
        return buf.get(pos++) & 0xFF;
    }

    /** {@return an unsigned 16-bit number} */
    public int u16() throws TlsAlertException {
        need(2, "uint16");
        int v = (buf.get(pos) & 0xFF) << 8 | buf.get(pos + 1) & 0xFF;
        pos += 2;
        return v;
    }

    /** {@return an unsigned 24-bit number} */
    public int u24() throws TlsAlertException {
        need(3, "uint24");
        int v = (buf.get(pos) & 0xFF) << 16 | (buf.get(pos + 1) & 0xFF) << 8 | buf.get(pos + 2) & 0xFF;
        pos += 3;
        return v;
    }

    /** {@return an unsigned 32-bit number} */
    public long u32() throws TlsAlertException {
        need(4, "uint32");
        long v = (buf.get(pos) & 0xFFL) << 24 | (buf.get(pos + 1) & 0xFF) << 16 | (buf.get(pos + 2) & 0xFF) << 8
                | buf.get(pos + 3) & 0xFF;
        pos += 4;
        return v;
    }

    /**
     * {@return the next {@code length} bytes}, as for a fixed-length field such as {@code opaque Random[32]}
     *
     * @param what the field's name, for the alert's reason
     */
    public Opaque bytes(int length, String what) throws TlsAlertException {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        need(length, what);
        return take(length);
    }

    /** {@return all the bytes not read yet}, leaving none */
    public Opaque rest() {
        return take(end - pos);
    }

    /** Skips the next {@code length} bytes. */
    public void skip(int length, String what) throws TlsAlertException {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        need(length, what);
        pos += length;
    }

    /** {@return the content of {@code opaque what<min..max>} with an 8-bit length prefix} */
    public Opaque opaque8(String what, int min, int max) throws TlsAlertException {
        return take(vectorLength(1, what, min, max));
    }

    /** {@return the content of {@code opaque what<min..max>} with a 16-bit length prefix} */
    public Opaque opaque16(String what, int min, int max) throws TlsAlertException {
        return take(vectorLength(2, what, min, max));
    }

    /** {@return the content of {@code opaque what<min..max>} with a 24-bit length prefix} */
    public Opaque opaque24(String what, int min, int max) throws TlsAlertException {
        return take(vectorLength(3, what, min, max));
    }

    /** {@return a reader over the content of a vector with an 8-bit length prefix}; this reader moves past it */
    public TlsReader vector8(String what, int min, int max) throws TlsAlertException {
        return sub(vectorLength(1, what, min, max));
    }

    /** {@return a reader over the content of a vector with a 16-bit length prefix}; this reader moves past it */
    public TlsReader vector16(String what, int min, int max) throws TlsAlertException {
        return sub(vectorLength(2, what, min, max));
    }

    /** {@return a reader over the content of a vector with a 24-bit length prefix}; this reader moves past it */
    public TlsReader vector24(String what, int min, int max) throws TlsAlertException {
        return sub(vectorLength(3, what, min, max));
    }

    /** {@return the values of {@code uint8 what<min..max>}, an 8-bit length prefix then one byte each} */
    public List<Integer> u8List8(String what, int min, int max) throws TlsAlertException {
        int length = vectorLength(1, what, min, max);
        List<Integer> values = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            values.add(buf.get(pos + i) & 0xFF);
        }
        pos += length;
        return List.copyOf(values);
    }

    /** {@return the values of {@code uint16 what<min..max>} with an 8-bit length prefix} */
    public List<Integer> u16List8(String what, int min, int max) throws TlsAlertException {
        return u16s(1, what, min, max);
    }

    /** {@return the values of {@code uint16 what<min..max>} with a 16-bit length prefix} */
    public List<Integer> u16List16(String what, int min, int max) throws TlsAlertException {
        return u16s(2, what, min, max);
    }

    /**
     * Checks that every byte has been read.
     *
     * @throws TlsAlertException {@link TlsAlert#DECODE_ERROR} if bytes remain after the structure {@code what}
     */
    public void expectEnd(String what) throws TlsAlertException {
        if (pos != end) {
            throw decodeError(what + ": " + (end - pos) + " bytes left over at its end");
        }
    }

    private List<Integer> u16s(int prefix, String what, int min, int max) throws TlsAlertException {
        int start = pos;
        int length = vectorLength(prefix, what, min, max);
        if ((length & 1) != 0) {
            pos = start;
            throw decodeError(what + ": odd length " + length + " for a list of uint16");
        }
        List<Integer> values = new ArrayList<>(length / 2);
        for (int i = 0; i < length; i += 2) {
            values.add((buf.get(pos + i) & 0xFF) << 8 | buf.get(pos + i + 1) & 0xFF);
        }
        pos += length;
        return List.copyOf(values);
    }

    /** Reads a length prefix and checks it; on failure the cursor stays before the prefix. */
    private int vectorLength(int prefix, String what, int min, int max) throws TlsAlertException {
        long ceiling = (1L << (8 * prefix)) - 1;
        if (min < 0 || min > max || max > ceiling) {
            throw new IllegalArgumentException("bounds " + min + ".." + max + " for a " + prefix + "-byte prefix");
        }
        int start = pos;
        need(prefix, what + " length");
        int length = 0;
        for (int i = 0; i < prefix; i++) {
            length = length << 8 | buf.get(pos + i) & 0xFF;
        }
        if (length < min || length > max) {
            throw decodeError(what + ": length " + length + " outside " + min + ".." + max);
        }
        pos += prefix;
        if (length > end - pos) {
            pos = start;
            throw decodeError(what + ": declares " + length + " bytes, " + (end - start - prefix) + " left");
        }
        return length;
    }

    private Opaque take(int length) {
        if (length == 0) {
            return Opaque.EMPTY;
        }
        byte[] b = new byte[length];
        buf.get(pos, b);
        pos += length;
        return new Opaque(b);
    }

    private TlsReader sub(int length) {
        TlsReader r = new TlsReader(buf.slice(pos, length));
        pos += length;
        return r;
    }

    private void need(int n, String what) throws TlsAlertException {
        if (n > end - pos) {
            throw decodeError(what + ": needs " + n + " bytes at offset " + pos + ", " + (end - pos) + " left");
        }
    }

    private static TlsAlertException decodeError(String reason) {
        return new TlsAlertException(TlsAlert.DECODE_ERROR, reason);
    }
}
