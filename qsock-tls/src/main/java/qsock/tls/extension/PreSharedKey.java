package qsock.tls.extension;

/**
 * pre_shared_key (RFC 8446 §4.2.11), in either of its forms: the client's offered PSKs
 * ({@link PreSharedKeyClientHello}) or the identity the server selected ({@link PreSharedKeyServerHello}).
 */
public sealed interface PreSharedKey extends Extension permits PreSharedKeyClientHello, PreSharedKeyServerHello {

    @Override
    default int typeCode() {
        return ExtensionType.PRE_SHARED_KEY.code();
    }
}
