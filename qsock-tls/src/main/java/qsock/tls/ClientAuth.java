package qsock.tls;

/**
 * Whether a server asks for a client certificate (RFC 8446 §4.3.2, §4.4.2.4): the kernel TLS handshake
 * draft's {@code certificate_request} 0, 1 and 2.
 */
public enum ClientAuth {
    /** No CertificateRequest is sent. */
    NONE,
    /** A CertificateRequest is sent; a client without a certificate is still accepted. */
    REQUEST,
    /** A CertificateRequest is sent; a client without a certificate gets certificate_required. */
    REQUIRE
}
