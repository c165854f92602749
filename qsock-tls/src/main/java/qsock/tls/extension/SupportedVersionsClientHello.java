package qsock.tls.extension;

import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * supported_versions in a ClientHello (RFC 8446 §4.2.1): the versions the client supports, most preferred
 * first; on the wire {@code ProtocolVersion versions<2..254>}.
 *
 * @param versions the ProtocolVersion codes (TLS 1.3 is {@link SupportedVersions#TLS13}), 1 to 127 of them
 */
public record SupportedVersionsClientHello(List<Integer> versions) implements SupportedVersions {

    /** @throws IllegalArgumentException if the list is empty, longer than 127, or holds a value that is not a uint16 */
    public SupportedVersionsClientHello {
        versions = TlsChecks.u16List(versions, 1, 127, "versions");
    }

    /** {@return the extension for these versions} */
    public static SupportedVersionsClientHello of(Integer... versions) {
        return new SupportedVersionsClientHello(List.of(versions));
    }

    void encodeData(TlsWriter w) {
        w.u16List8(versions);
    }

    static SupportedVersionsClientHello decode(TlsReader data) throws TlsAlertException {
        return new SupportedVersionsClientHello(data.u16List8("versions", 2, 254));
    }
}
