package qsock.tls.extension;

import java.util.Objects;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * key_share in a ServerHello (RFC 8446 §4.2.8): the server's share, in a group the client offered a share
 * for (the engine's check).
 *
 * @param serverShare the server's share
 */
public record KeyShareServerHello(KeyShareEntry serverShare) implements KeyShare {

    /** Checks that the share is present. */
    public KeyShareServerHello {
        Objects.requireNonNull(serverShare, "serverShare");
    }

    void encodeData(TlsWriter w) {
        serverShare.encode(w);
    }

    static KeyShareServerHello decode(TlsReader data) throws TlsAlertException {
        return new KeyShareServerHello(KeyShareEntry.decode(data));
    }
}
