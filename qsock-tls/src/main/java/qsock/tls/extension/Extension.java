package qsock.tls.extension;

/**
 * A TLS extension (RFC 8446 §4.2): one record per wire form, so that a {@code switch} over an extension is
 * exhaustive. Extensions whose data has several forms, depending on the message that carries them, group
 * their records under a sealed interface: {@link SupportedVersions}, {@link KeyShare}, {@link PreSharedKey},
 * {@link EarlyData}.
 *
 * <p>Records check their values when built and refuse, with {@link IllegalArgumentException}, what their
 * own field bounds cannot carry. Decoding and encoding are {@link ExtensionCodec}'s.
 */
public sealed interface Extension
        permits ServerName, SupportedGroups, SignatureAlgorithms, SignatureAlgorithmsCert, CertificateAuthorities,
                ApplicationLayerProtocolNegotiation, SupportedVersions, KeyShare, PskKeyExchangeModes, PreSharedKey,
                EarlyData, Cookie, QuicTransportParameters, Unknown {

    /** {@return the extension_type code point on the wire} */
    int typeCode();
}
