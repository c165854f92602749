package qsock.tls.cert;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Just enough DER (ITU-T X.690) to look inside private keys: a bounded cursor over one encoding that reads
 * single-octet tags with definite lengths, and an encoder for the wrappers that turn PKCS#1 and SEC1 keys
 * into PKCS#8. Anything it cannot read is a {@link PemFormatException} naming {@code what} was being read.
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OBJECT_IDENTIFIER = 0x06;
    static final int SEQUENCE = 0x30;
    /** [0] EXPLICIT, constructed. */
    static final int CONTEXT_0 = 0xA0;

    private final byte[] data;
    private final int end;
    private final String what;
    private int pos;

    /** A cursor over all of {@code data}, which encodes {@code what} (for messages). */
    Der(byte[] data, String what) {
        this(data, 0, data.length, what);
    }

    private Der(byte[] data, int start, int end, String what) {
        this.data = data;
        this.pos = start;
        this.end = end;
        this.what = what;
    }

    /** {@return whether another element follows} */
    boolean hasMore() {
        return pos < end;
    }

    /** {@return the tag of the next element, which must exist} */
    int peekTag() throws PemFormatException {
        if (pos >= end) {
            throw malformed("ends early");
        }
        return data[pos] & 0xFF;
    }

    /** {@return a cursor over the contents of the next element}, which must have tag {@code tag} */
    Der enter(int tag) throws PemFormatException {
        int length = header(tag);
        Der inner = new Der(data, pos, pos + length, what);
        pos += length;
        return inner;
    }

    /** {@return a copy of the contents of the next element}, which must have tag {@code tag} */
    byte[] read(int tag) throws PemFormatException {
        int length = header(tag);
        byte[] value = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return value;
    }

    /** Checks that nothing follows the elements read. */
    void expectEnd() throws PemFormatException {
        if (pos != end) {
            throw malformed("has " + (end - pos) + " unexpected trailing bytes");
        }
    }

    /** Reads a tag and a length, leaving the position at the contents; returns the length. */
    private int header(int tag) throws PemFormatException {
        int actual = peekTag();
        if (actual != tag) {
            throw malformed(String.format("has tag 0x%02x where 0x%02x was expected", actual, tag));
        }
        pos++;
        if (pos >= end) {
            throw malformed("ends inside a length");
        }
        int first = data[pos++] & 0xFF;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            // X.690 §10.1: DER uses the definite form; 0x80 (indefinite) and lengths over 4 octets are refused.
            int octets = first & 0x7F;
            if (octets == 0 || octets > 4 || end - pos < octets) {
                throw malformed("has an unsupported or truncated length");
            }
            length = 0;
            for (int i = 0; i < octets; i++) {
                length = (length << 8) | (data[pos++] & 0xFF);
            }
        }
        if (length > end - pos) {
            throw malformed("declares " + length + " bytes where " + (end - pos) + " remain");
        }
        return (int) length;
    }

    private PemFormatException malformed(String problem) {
        return new PemFormatException(what + " is malformed: DER " + problem);
    }

    /** {@return the DER element with tag {@code tag} whose contents are the concatenation of {@code parts}} */
    static byte[] encode(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int octets = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | octets);
            for (int i = octets - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** {@return the dotted form of an OBJECT IDENTIFIER's contents, for messages} */
    static String oidString(byte[] contents) {
        StringBuilder sb = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (byte b : contents) {
            if (value > (Long.MAX_VALUE >>> 7)) {
                return "(unreadable OID)";
            }
            value = (value << 7) | (b & 0x7F);
            if ((b & 0x80) == 0) {
                if (first) {
                    // X.690 §8.19.4: the first subidentifier packs the first two arcs.
                    long arc1 = Math.min(value / 40, 2);
                    sb.append(arc1).append('.').append(value - 40 * arc1);
                    first = false;
                } else {
                    sb.append('.').append(value);
                }
                value = 0;
            }
        }
        return sb.isEmpty() ? "(empty OID)" : sb.toString();
    }
}
