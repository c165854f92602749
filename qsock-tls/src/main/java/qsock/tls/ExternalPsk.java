package qsock.tls;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import qsock.core.handshake.HashFunction;

/**
 * An external pre-shared key (RFC 8446 §4.2.11, §2.2): an identity both sides know, the secret key, and the
 * hash it is used with (a PSK is bound to one hash; only cipher suites with that hash can use it). The key
 * never appears in {@link #toString()}; the identity neither, so that logging a configuration leaks nothing.
 *
 * @param identity the identity as text (sent UTF-8 encoded), 1 to 65535 bytes
 * @param key the secret, at least 1 byte; copied
 * @param hash the hash the key is used with; SHA-256 by default, as OpenSSL and GnuTLS use for TLS 1.3
 *     external PSKs
 */
public record ExternalPsk(String identity, byte[] key, HashFunction hash) {

    /** @throws IllegalArgumentException if the identity or key is empty or the identity is too long */
    public ExternalPsk {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(hash, "hash");
        int length = identity.getBytes(StandardCharsets.UTF_8).length;
        if (length < 1 || length > 0xFFFF) {
            throw new IllegalArgumentException("a PSK identity must be 1 to 65535 bytes, not " + length);
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("a PSK must not be empty");
        }
        key = key.clone();
    }

    /** An external PSK used with SHA-256. */
    public ExternalPsk(String identity, byte[] key) {
        this(identity, key, HashFunction.SHA256);
    }

    /** {@return a copy of the key} */
    @Override
    public byte[] key() {
        return key.clone();
    }

    /** {@return the identity as sent on the wire} */
    public byte[] identityBytes() {
        return identity.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExternalPsk p && p.identity.equals(identity) && p.hash == hash
                && java.security.MessageDigest.isEqual(p.key, key);
    }

    @Override
    public int hashCode() {
        return identity.hashCode();
    }

    /** Neither the identity nor the key: only the hash and the key's size. */
    @Override
    public String toString() {
        return "ExternalPsk[" + hash + ", " + key.length + "-byte key]";
    }
}
