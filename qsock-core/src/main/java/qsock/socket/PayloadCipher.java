package qsock.socket;

import qsock.core.handshake.CipherSuite;

/**
 * The socket draft's {@code payload_cipher_type} of {@code struct quic_config} ({@link QuicConfig#payloadCipher()}):
 * the cipher a kernel consumer asks its userspace handshake to protect packets with. qsock-tls's {@code QuicHandshake}
 * takes it as the preferred cipher suite (see {@link QuicConfig#payloadCipher()} for how each side applies it).
 */
public enum PayloadCipher {
    /** No preference: the TLS configuration's suites as they are (the draft's 0, the default). */
    ANY(null),
    /** TLS_AES_128_GCM_SHA256 (the draft's AES_GCM_128). */
    AES_128_GCM(CipherSuite.TLS_AES_128_GCM_SHA256),
    /** TLS_AES_256_GCM_SHA384 (the draft's AES_GCM_256). */
    AES_256_GCM(CipherSuite.TLS_AES_256_GCM_SHA384),
    /**
     * TLS_AES_128_CCM_SHA256 (the draft's AES_CCM_128): named so that the draft's list is whole, but refused by
     * {@link QuicSocketOptions#CONFIG}: the JDK has no AES-CCM cipher, so qsock cannot protect packets with it.
     */
    AES_128_CCM(null),
    /** TLS_CHACHA20_POLY1305_SHA256 (the draft's CHACHA20_POLY1305). */
    CHACHA20_POLY1305(CipherSuite.TLS_CHACHA20_POLY1305_SHA256);

    private final CipherSuite suite;

    PayloadCipher(CipherSuite suite) {
        this.suite = suite;
    }

    /** {@return the TLS 1.3 cipher suite of this cipher; null for {@link #ANY} and {@link #AES_128_CCM}} */
    public CipherSuite cipherSuite() {
        return suite;
    }
}
