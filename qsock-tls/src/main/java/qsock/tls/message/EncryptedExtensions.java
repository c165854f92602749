package qsock.tls.message;

import java.util.List;
import java.util.Optional;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.extension.Extensions;

/**
 * EncryptedExtensions (RFC 8446 §4.3.1): the server's responses that are not needed to establish keys,
 * such as ALPN and QUIC transport parameters. An extension the table forbids here is illegal_parameter
 * ("The client MUST check EncryptedExtensions for the presence of any forbidden extensions").
 *
 * @param extensions the extensions, in order
 */
public record EncryptedExtensions(List<Extension> extensions) implements HandshakeMessage {

    /** @throws IllegalArgumentException if the extensions break RFC 8446 §4.2's rules for this message */
    public EncryptedExtensions {
        extensions = ExtensionCodec.checkBlock(HandshakeType.ENCRYPTED_EXTENSIONS, false, extensions);
    }

    /** {@return the extension of this kind, if present} */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.ENCRYPTED_EXTENSIONS;
    }

    void encodeBody(TlsWriter w) {
        ExtensionCodec.encodeBlock(w, extensions);
    }

    static EncryptedExtensions decodeBody(TlsReader r) throws TlsAlertException {
        List<Extension> extensions = ExtensionCodec.decodeBlock(HandshakeType.ENCRYPTED_EXTENSIONS, false, r);
        r.expectEnd("encrypted_extensions");
        return new EncryptedExtensions(extensions);
    }
}
