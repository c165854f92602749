package qsock.tls.message;

import java.util.List;
import java.util.Optional;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.extension.Extensions;

/**
 * One CertificateEntry of a {@link Certificate} (RFC 8446 §4.4.2): an X.509 certificate's DER bytes, not
 * parsed here, and the entry's extensions (status_request and signed_certificate_timestamp are the ones
 * the table allows). Raw public keys (RFC 7250) are not supported: the engine never negotiates
 * server_certificate_type or client_certificate_type, so cert_data is always X.509.
 *
 * @param certData the certificate's DER encoding, 1 to 2^24-1 bytes
 * @param extensions the entry's extensions
 */
public record CertificateEntry(Opaque certData, List<Extension> extensions) {

    /**
     * @throws IllegalArgumentException if the certificate is empty or too long, or the extensions break
     *     RFC 8446 §4.2's rules for a Certificate
     */
    public CertificateEntry {
        TlsChecks.length(certData, 1, 0xFF_FFFF, "cert_data");
        extensions = ExtensionCodec.checkBlock(HandshakeType.CERTIFICATE, false, extensions);
    }

    /** {@return an entry with this certificate and no extensions} */
    public static CertificateEntry of(Opaque certData) {
        return new CertificateEntry(certData, List.of());
    }

    /** {@return the extension of this kind, if present} */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    void encode(TlsWriter w) {
        w.opaque24(certData);
        ExtensionCodec.encodeBlock(w, extensions);
    }

    static CertificateEntry decode(TlsReader r) throws TlsAlertException {
        Opaque certData = r.opaque24("cert_data", 1, 0xFF_FFFF);
        return new CertificateEntry(certData, ExtensionCodec.decodeBlock(HandshakeType.CERTIFICATE, false, r));
    }
}
