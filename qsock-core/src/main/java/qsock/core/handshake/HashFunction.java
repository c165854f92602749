package qsock.core.handshake;

/**
 * The hash functions of the TLS 1.3 cipher suites, with their JCA names: the HMAC that HKDF runs on and the
 * message digest (for a TLS transcript hash).
 */
public enum HashFunction {
    /** SHA-256, 32-byte output. */
    SHA256("HmacSHA256", "SHA-256", 32),
    /** SHA-384, 48-byte output. */
    SHA384("HmacSHA384", "SHA-384", 48);

    private final String macAlgorithm;
    private final String digestAlgorithm;
    private final int length;

    HashFunction(String macAlgorithm, String digestAlgorithm, int length) {
        this.macAlgorithm = macAlgorithm;
        this.digestAlgorithm = digestAlgorithm;
        this.length = length;
    }

    /** {@return the JCA name of the HMAC on this hash, for {@link javax.crypto.Mac#getInstance(String)}} */
    public String macAlgorithm() {
        return macAlgorithm;
    }

    /** {@return the JCA name of the digest, for {@link java.security.MessageDigest#getInstance(String)}} */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    /** {@return the output length in bytes (HashLen in RFC 5869)} */
    public int length() {
        return length;
    }
}
