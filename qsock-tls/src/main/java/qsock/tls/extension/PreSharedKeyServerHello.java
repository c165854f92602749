package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * pre_shared_key in a ServerHello (RFC 8446 §4.2.11): the 0-based index of the identity the server
 * accepted; the client checks that it is in range (illegal_parameter otherwise).
 *
 * @param selectedIdentity the index
 */
public record PreSharedKeyServerHello(int selectedIdentity) implements PreSharedKey {

    /** @throws IllegalArgumentException if the index is not a uint16 */
    public PreSharedKeyServerHello {
        TlsChecks.u16(selectedIdentity, "selected_identity");
    }

    void encodeData(TlsWriter w) {
        w.u16(selectedIdentity);
    }

    static PreSharedKeyServerHello decode(TlsReader data) throws TlsAlertException {
        return new PreSharedKeyServerHello(data.u16());
    }
}
