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
 * CertificateRequest (RFC 8446 §4.3.2): the server asks for the client's certificate. signature_algorithms
 * "MUST be specified" (the engine's missing_extension check); the context is empty during the handshake.
 *
 * @param certificateRequestContext 0 to 255 bytes, echoed in the client's Certificate
 * @param extensions the extensions, at least one ({@code Extension extensions<2..2^16-1>})
 */
public record CertificateRequest(Opaque certificateRequestContext, List<Extension> extensions)
        implements HandshakeMessage {

    /**
     * @throws IllegalArgumentException if the context is longer than 255 bytes, there are no extensions, or
     *     they break RFC 8446 §4.2's rules for this message
     */
    public CertificateRequest {
        TlsChecks.length(certificateRequestContext, 0, 255, "certificate_request_context");
        extensions = ExtensionCodec.checkBlock(HandshakeType.CERTIFICATE_REQUEST, false, extensions);
        if (extensions.isEmpty()) {
            throw new IllegalArgumentException("a CertificateRequest has at least one extension");
        }
    }

    /** {@return the extension of this kind, if present}, for instance {@code extension(SignatureAlgorithms.class)} */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.CERTIFICATE_REQUEST;
    }

    void encodeBody(TlsWriter w) {
        w.opaque8(certificateRequestContext);
        ExtensionCodec.encodeBlock(w, extensions);
    }

    static CertificateRequest decodeBody(TlsReader r) throws TlsAlertException {
        Opaque context = r.opaque8("certificate_request_context", 0, 255);
        List<Extension> extensions = ExtensionCodec.decodeBlock(HandshakeType.CERTIFICATE_REQUEST, false, r);
        r.expectEnd("certificate_request");
        return new CertificateRequest(context, extensions);
    }
}
