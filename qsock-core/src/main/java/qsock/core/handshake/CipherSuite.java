package qsock.core.handshake;

/**
 * The TLS 1.3 cipher suites QUIC can use (RFC 9001 §5.3), with what packet protection needs of each: key
 * length, hash, AEAD and header protection algorithms by their JCA names, and the AEAD usage limits of
 * RFC 9001 §6.6.
 *
 * <p>TLS_AES_128_CCM_SHA256 is not offered: the JDK has no AES-CCM. TLS_AES_128_CCM_8_SHA256 cannot be
 * used with QUIC at all (RFC 9001 §5.3: no header protection scheme is defined for it).
 */
public enum CipherSuite {
    /** AES-128-GCM with SHA-256; also the suite of Initial packets (RFC 9001 §5.2). */
    TLS_AES_128_GCM_SHA256(0x1301, 16, HashFunction.SHA256, "AES/GCM/NoPadding", "AES",
            "AES/ECB/NoPadding", 1L << 23, 1L << 52),
    /** AES-256-GCM with SHA-384. */
    TLS_AES_256_GCM_SHA384(0x1302, 32, HashFunction.SHA384, "AES/GCM/NoPadding", "AES",
            "AES/ECB/NoPadding", 1L << 23, 1L << 52),
    /** ChaCha20-Poly1305 with SHA-256. */
    TLS_CHACHA20_POLY1305_SHA256(0x1303, 32, HashFunction.SHA256, "ChaCha20-Poly1305", "ChaCha20",
            "ChaCha20", Long.MAX_VALUE, 1L << 36);

    /** Length of every suite's AEAD nonce and of the "quic iv" (RFC 9001 §5.1: max(8, N_MIN) = 12). */
    public static final int IV_LENGTH = 12;

    /** Length of every suite's authentication tag: each adds 16 bytes to a packet (RFC 9001 §5.3). */
    public static final int TAG_LENGTH = 16;

    /** Length of the ciphertext sample every suite's header protection takes (RFC 9001 §5.4.2). */
    public static final int SAMPLE_LENGTH = 16;

    private static final CipherSuite[] VALUES = values();

    private final int code;
    private final int keyLength;
    private final HashFunction hash;
    private final String aeadTransformation;
    private final String keyAlgorithm;
    private final String headerProtectionTransformation;
    private final long confidentialityLimit;
    private final long integrityLimit;

    CipherSuite(int code, int keyLength, HashFunction hash, String aeadTransformation, String keyAlgorithm,
            String headerProtectionTransformation, long confidentialityLimit, long integrityLimit) {
        this.code = code;
        this.keyLength = keyLength;
        this.hash = hash;
        this.aeadTransformation = aeadTransformation;
        this.keyAlgorithm = keyAlgorithm;
        this.headerProtectionTransformation = headerProtectionTransformation;
        this.confidentialityLimit = confidentialityLimit;
        this.integrityLimit = integrityLimit;
    }

    /** {@return the suite with this TLS code point, or null if QUIC or qsock cannot use it} */
    public static CipherSuite fromCode(int code) {
        for (CipherSuite s : VALUES) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }

    /** {@return the TLS code point, e.g. 0x1301} */
    public int code() {
        return code;
    }

    /** {@return the length in bytes of the AEAD key, which is also that of the header protection key} */
    public int keyLength() {
        return keyLength;
    }

    /** {@return the hash of the suite: HKDF's hash for every key derived from this suite's secrets} */
    public HashFunction hash() {
        return hash;
    }

    /** {@return the JCA transformation of the AEAD, for {@link javax.crypto.Cipher#getInstance(String)}} */
    public String aeadTransformation() {
        return aeadTransformation;
    }

    /** {@return the JCA algorithm name of the AEAD and header protection keys ("AES" or "ChaCha20")} */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /**
     * {@return the JCA transformation of header protection}: AES in ECB mode on one block for the AES
     * suites (RFC 9001 §5.4.3), raw ChaCha20 for ChaCha20-Poly1305 (RFC 9001 §5.4.4)
     */
    public String headerProtectionTransformation() {
        return headerProtectionTransformation;
    }

    /** {@return true if header protection is ChaCha20 rather than AES-ECB} */
    public boolean usesChaCha20() {
        return this == TLS_CHACHA20_POLY1305_SHA256;
    }

    /**
     * {@return how many packets may be sealed with one key before a key update} (RFC 9001 §6.6: 2^23 for
     * AES-GCM; for ChaCha20-Poly1305 the limit exceeds the 2^62 packet numbers, so {@link Long#MAX_VALUE})
     */
    public long confidentialityLimit() {
        return confidentialityLimit;
    }

    /**
     * {@return how many packets may fail authentication in a connection, across all keys, before it must
     * close with AEAD_LIMIT_REACHED} (RFC 9001 §6.6: 2^52 for AES-GCM, 2^36 for ChaCha20-Poly1305)
     */
    public long integrityLimit() {
        return integrityLimit;
    }

    @Override
    public String toString() {
        return name() + "(0x" + Integer.toHexString(code) + ")";
    }
}
