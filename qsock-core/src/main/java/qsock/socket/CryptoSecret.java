package qsock.socket;

import java.util.Arrays;
import java.util.Objects;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;

/**
 * The socket draft's {@code struct quic_crypto_secret} ({@code QUIC_SOCKOPT_CRYPTO_SECRET}): a traffic secret an
 * application running its own TLS 1.3 stack derived, for {@link QuicSocketOptions#CRYPTO_SECRET} to install; the
 * transport derives the packet protection keys from it (RFC 9001 §5.1). The same as the handshake channel's
 * {@code installSecret}.
 *
 * <p>The record keeps a copy of the secret, and {@link #secret()} gives a copy: the caller should drop its own arrays
 * once the option is set (RFC 9001 §9). {@link #toString()} leaves the secret out.
 *
 * @param level the draft's {@code level}: {@link EncryptionLevel#HANDSHAKE}, {@link EncryptionLevel#EARLY_DATA} or
 *     {@link EncryptionLevel#APPLICATION}; Initial keys come from the connection ID (RFC 9001 §5.2), as in the kernel
 * @param direction the draft's {@code send}: {@link KeyDirection#WRITE} for what this side sends
 * @param cipherSuite the draft's {@code type}: the TLS 1.3 suite negotiated (qsock has no AES-CCM, see
 *     {@link PayloadCipher#AES_128_CCM})
 * @param secret the secret, as long as the suite's hash (32 or 48 bytes, the draft's {@code secret[48]})
 */
public record CryptoSecret(EncryptionLevel level, KeyDirection direction, CipherSuite cipherSuite, byte[] secret) {

    /**
     * @throws IllegalArgumentException for the Initial level, or a secret not of the suite's hash length (the
     *     kernel's EINVAL)
     */
    public CryptoSecret {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(secret, "secret");
        if (level == EncryptionLevel.INITIAL) {
            throw new IllegalArgumentException("Initial secrets come from the connection ID (RFC 9001 §5.2), not from"
                    + " the TLS stack");
        }
        if (secret.length != cipherSuite.hash().length()) {
            throw new IllegalArgumentException("a " + cipherSuite + " secret has " + cipherSuite.hash().length()
                    + " bytes, not " + secret.length);
        }
        secret = secret.clone();
    }

    /** {@return a copy of the secret} */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CryptoSecret s && level == s.level && direction == s.direction
                && cipherSuite == s.cipherSuite && Arrays.equals(secret, s.secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(level, direction, cipherSuite);
    }

    /** {@return the level, direction and suite; never the secret} */
    @Override
    public String toString() {
        return "CryptoSecret[" + level + " " + direction + " " + cipherSuite + "]";
    }
}
