package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * supported_versions in a ServerHello or HelloRetryRequest (RFC 8446 §4.2.1): the version the server
 * selected; the engine checks that it is one the client offered.
 *
 * @param selectedVersion the ProtocolVersion code
 */
public record SupportedVersionsServerHello(int selectedVersion) implements SupportedVersions {

    /** @throws IllegalArgumentException if the version is not a uint16 */
    public SupportedVersionsServerHello {
        TlsChecks.u16(selectedVersion, "selected_version");
    }

    void encodeData(TlsWriter w) {
        w.u16(selectedVersion);
    }

    static SupportedVersionsServerHello decode(TlsReader data) throws TlsAlertException {
        return new SupportedVersionsServerHello(data.u16());
    }
}
