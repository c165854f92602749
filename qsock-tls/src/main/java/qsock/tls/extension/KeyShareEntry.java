package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * One KeyShareEntry (RFC 8446 §4.2.8): a group and a public value for it. The codec does not judge the
 * group or the value's form (RFC 8446 §4.2.8.1-2); that is the key exchange's job.
 *
 * @param group the NamedGroup code
 * @param keyExchange the public value, 1 to 2^16-1 bytes
 */
public record KeyShareEntry(int group, Opaque keyExchange) {

    /** @throws IllegalArgumentException if the group is not a uint16 or the value is empty or too long */
    public KeyShareEntry {
        TlsChecks.u16(group, "group");
        TlsChecks.length(keyExchange, 1, 0xFFFF, "key_exchange");
    }

    void encode(TlsWriter w) {
        w.u16(group);
        w.opaque16(keyExchange);
    }

    static KeyShareEntry decode(TlsReader r) throws TlsAlertException {
        int group = r.u16();
        return new KeyShareEntry(group, r.opaque16("key_exchange", 1, 0xFFFF));
    }
}
