package qsock.tls.extension;

/**
 * key_share (RFC 8446 §4.2.8), in one of its three forms: the client's shares ({@link KeyShareClientHello}),
 * the server's share ({@link KeyShareServerHello}), or the group a HelloRetryRequest asks for
 * ({@link KeyShareHelloRetryRequest}).
 */
public sealed interface KeyShare extends Extension
        permits KeyShareClientHello, KeyShareServerHello, KeyShareHelloRetryRequest {

    @Override
    default int typeCode() {
        return ExtensionType.KEY_SHARE.code();
    }
}
