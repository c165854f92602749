package qsock.core.cid.lb;

import java.util.Arrays;

/**
 * One QUIC-LB configuration as the configuration agent distributes it to servers and load balancers: both must
 * agree on every field to route, so it is one value shared by {@link QuicLbEncoder} and {@link QuicLbDecoder}.
 *
 * <p>The bounds checked are those of draft-ietf-quic-load-balancers (editor's copy after -21):
 * §"Config Rotation": the rotation codepoint is 3 bits and 0b111 is reserved for unroutable IDs, so 0..6;
 * §"Configuration Agent Actions": the server ID is at least 1 octet, the nonce at least 4, and both sum to at
 * most 19 so the ID with its first octet fits QUIC v1's 20 (RFC 9000 §17.2); the key, if any, is 16 octets
 * (AES-128).
 *
 * @param configRotation the config rotation codepoint carried in the top 3 bits of the first octet, 0..6
 * @param serverIdLength the server ID's length in octets, at least 1
 * @param nonceLength the nonce's length in octets, at least 4
 * @param key the 16-octet AES-128 key, or {@code null} for the plaintext (unencrypted) mode
 * @param selfEncodeLength whether the first octet's low 5 bits carry the ID's length after the first octet
 *     (§"Length Self-Description"); otherwise they are random
 */
public record QuicLbConfig(int configRotation, int serverIdLength, int nonceLength, byte[] key,
        boolean selfEncodeLength) {

    /** The config rotation codepoint reserved for unroutable connection IDs (§"Configuration Failover"). */
    public static final int UNROUTABLE_ROTATION = 0b111;

    /** The AES-128 key length in octets. */
    public static final int KEY_LENGTH = 16;

    /** The least server ID length (§"Configuration Agent Actions"). */
    public static final int MIN_SERVER_ID_LENGTH = 1;

    /** The least nonce length (§"Configuration Agent Actions"). */
    public static final int MIN_NONCE_LENGTH = 4;

    /** The most server ID plus nonce octets: QUIC v1's 20 less the first octet. */
    public static final int MAX_PLAINTEXT_LENGTH = 19;

    /** A configuration refused because a field is out of the draft's bounds. */
    public QuicLbConfig {
        if (configRotation < 0 || configRotation >= UNROUTABLE_ROTATION) {
            throw new IllegalArgumentException("QUIC-LB config rotation " + configRotation
                    + " is not in 0..6 (0b111 is reserved for unroutable connection IDs)");
        }
        if (serverIdLength < MIN_SERVER_ID_LENGTH) {
            throw new IllegalArgumentException("QUIC-LB server ID length " + serverIdLength + " is under 1 octet");
        }
        if (nonceLength < MIN_NONCE_LENGTH) {
            throw new IllegalArgumentException("QUIC-LB nonce length " + nonceLength + " is under 4 octets");
        }
        if (serverIdLength + nonceLength > MAX_PLAINTEXT_LENGTH) {
            throw new IllegalArgumentException("QUIC-LB server ID length " + serverIdLength + " plus nonce length "
                    + nonceLength + " is over 19 octets: the connection ID would exceed 20");
        }
        if (key != null && key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("QUIC-LB key is " + key.length + " octets, not 16 (AES-128)");
        }
        key = key == null ? null : key.clone();
    }

    /** {@return a copy of the key, or {@code null} in the plaintext mode} A copy, so the record stays a value. */
    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** {@return whether connection IDs are encrypted} The plaintext mode lets observers read the server ID. */
    public boolean encrypted() {
        return key != null;
    }

    /** {@return the server ID plus nonce length: every connection ID is one octet longer} */
    public int plaintextLength() {
        return serverIdLength + nonceLength;
    }

    /** {@return the length of every connection ID this configuration makes} */
    public int connectionIdLength() {
        return 1 + plaintextLength();
    }

    byte[] keyUnsafe() {
        return key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuicLbConfig c && c.configRotation == configRotation
                && c.serverIdLength == serverIdLength && c.nonceLength == nonceLength
                && Arrays.equals(c.key, key) && c.selfEncodeLength == selfEncodeLength;
    }

    @Override
    public int hashCode() {
        return ((configRotation * 31 + serverIdLength) * 31 + nonceLength) * 31 + Arrays.hashCode(key)
                + (selfEncodeLength ? 1 : 0);
    }

    /** {@return the fields but the key, which must not reach logs} */
    @Override
    public String toString() {
        return "QuicLbConfig[configRotation=" + configRotation + ", serverIdLength=" + serverIdLength
                + ", nonceLength=" + nonceLength + ", encrypted=" + encrypted() + ", selfEncodeLength="
                + selfEncodeLength + "]";
    }
}
