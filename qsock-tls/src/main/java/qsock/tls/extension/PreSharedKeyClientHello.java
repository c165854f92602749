package qsock.tls.extension;

import java.util.ArrayList;
import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * pre_shared_key in a ClientHello (RFC 8446 §4.2.11): the OfferedPsks, identities and one binder for each,
 * in the same order. It must be the ClientHello's last extension ({@link ExtensionCodec} checks that).
 *
 * <p>The binders are HMACs over the "truncated" ClientHello (RFC 8446 §4.2.11.2): the whole encoded
 * message, its length fields as if the binders were present, minus the binders vector at its very end.
 * {@link #bindersLength()} is the size of that tail, so the truncated message is the first
 * {@code encoded.length - bindersLength()} bytes of the encoded ClientHello; a client first encodes the
 * message with placeholder binders of the right lengths, then computes the real ones over that prefix.
 *
 * @param identities the identities offered, at least one
 * @param binders the binders, one per identity and in the same order, 32 to 255 bytes each
 */
public record PreSharedKeyClientHello(List<PskIdentity> identities, List<Opaque> binders) implements PreSharedKey {

    /**
     * @throws IllegalArgumentException if either list is empty, their sizes differ, or a binder's length is
     *     out of 32..255
     */
    public PreSharedKeyClientHello {
        identities = TlsChecks.list(identities, 1, 0xFFFF / 7, "identities");
        binders = TlsChecks.list(binders, 1, 0xFFFF / 33, "binders");
        for (Opaque b : binders) {
            TlsChecks.length(b, 32, 255, "PskBinderEntry");
        }
        if (identities.size() != binders.size()) {
            throw new IllegalArgumentException(identities.size() + " identities but " + binders.size() + " binders");
        }
    }

    /**
     * {@return the number of bytes the binders take at the end of the encoded ClientHello, their length
     * prefix included}
     */
    public int bindersLength() {
        int n = 2;
        for (Opaque b : binders) {
            n += 1 + b.length();
        }
        return n;
    }

    void encodeData(TlsWriter w) {
        int list = w.startVector16();
        for (PskIdentity i : identities) {
            i.encode(w);
        }
        w.endVector16(list);
        list = w.startVector16();
        for (Opaque b : binders) {
            w.opaque8(b);
        }
        w.endVector16(list);
    }

    static PreSharedKeyClientHello decode(TlsReader data) throws TlsAlertException {
        TlsReader list = data.vector16("identities", 7, 0xFFFF);
        List<PskIdentity> identities = new ArrayList<>();
        while (list.hasRemaining()) {
            identities.add(PskIdentity.decode(list));
        }
        list = data.vector16("binders", 33, 0xFFFF);
        List<Opaque> binders = new ArrayList<>();
        while (list.hasRemaining()) {
            binders.add(list.opaque8("PskBinderEntry", 32, 255));
        }
        // RFC 8446 §4.2.11: "binders: A series of HMAC values, one for each value in the identities list";
        // well-formed vectors of different sizes are inconsistent fields (RFC 8446 §6: illegal_parameter).
        if (identities.size() != binders.size()) {
            throw Alerts.illegalParameter("pre_shared_key: " + identities.size() + " identities but "
                    + binders.size() + " binders");
        }
        return new PreSharedKeyClientHello(identities, binders);
    }
}
