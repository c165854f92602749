package qsock.tls.extension;

/**
 * supported_versions (RFC 8446 §4.2.1), in either of its forms: the client's list
 * ({@link SupportedVersionsClientHello}) or the version a ServerHello or HelloRetryRequest selected
 * ({@link SupportedVersionsServerHello}).
 */
public sealed interface SupportedVersions extends Extension
        permits SupportedVersionsClientHello, SupportedVersionsServerHello {

    /** The ProtocolVersion code of TLS 1.3. */
    int TLS13 = 0x0304;

    @Override
    default int typeCode() {
        return ExtensionType.SUPPORTED_VERSIONS.code();
    }
}
