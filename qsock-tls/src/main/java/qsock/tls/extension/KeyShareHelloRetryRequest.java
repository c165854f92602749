package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * key_share in a HelloRetryRequest (RFC 8446 §4.2.8): the group the server wants a share for. The engine
 * checks that the client listed it in supported_groups and had not already sent a share for it.
 *
 * @param selectedGroup the NamedGroup code
 */
public record KeyShareHelloRetryRequest(int selectedGroup) implements KeyShare {

    /** @throws IllegalArgumentException if the group is not a uint16 */
    public KeyShareHelloRetryRequest {
        TlsChecks.u16(selectedGroup, "selected_group");
    }

    void encodeData(TlsWriter w) {
        w.u16(selectedGroup);
    }

    static KeyShareHelloRetryRequest decode(TlsReader data) throws TlsAlertException {
        return new KeyShareHelloRetryRequest(data.u16());
    }
}
