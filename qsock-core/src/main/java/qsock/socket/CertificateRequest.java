package qsock.socket;

/**
 * The socket draft's {@code certificate_request} of {@code struct quic_config} ({@link QuicConfig#certificateRequest()}):
 * whether a server's handshake asks the client for a certificate (RFC 8446 §4.3.2). qsock-tls's
 * {@code QuicHandshake.serverHandshake} applies it as its {@code ClientAuth} policy when the TLS configuration sets
 * none.
 */
public enum CertificateRequest {
    /** No CertificateRequest (the draft's 0, IGNORE; the default). */
    NONE,
    /** A CertificateRequest; a client without a certificate is still accepted (the draft's 1). */
    REQUEST,
    /** A CertificateRequest; a client without a certificate is refused with certificate_required (the draft's 2). */
    REQUIRE
}
