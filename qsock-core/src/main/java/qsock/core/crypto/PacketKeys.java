package qsock.core.crypto;

import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.HashFunction;

/**
 * The three keys that protect packets in one direction at one encryption level and key phase, derived
 * from a traffic secret (RFC 9001 §5.1): the AEAD key, the IV, and the header protection key; with the
 * version's label prefix ("quic " in v1, "quicv2 " in v2; RFC 9369 §3.3.2).
 */
public final class PacketKeys {

    private final CipherSuite suite;
    private final byte[] key;
    private final byte[] iv;
    private final byte[] hp;

    private PacketKeys(CipherSuite suite, byte[] key, byte[] iv, byte[] hp) {
        this.suite = suite;
        this.key = key;
        this.iv = iv;
        this.hp = hp;
    }

    /** {@return the keys derived from {@code secret} for {@code suite} in {@code version}} */
    public static PacketKeys derive(CipherSuite suite, QuicVersion version, byte[] secret) {
        HashFunction hash = suite.hash();
        String prefix = version.labelPrefix();
        // RFC 9001 §5.1: "quic key" and "quic hp" give keys of the algorithms' key lengths; "quic iv" gives
        // max(8, N_MIN) bytes, 12 for every TLS 1.3 AEAD.
        byte[] key = Hkdf.expandLabel(hash, secret, prefix + "key", suite.keyLength());
        byte[] iv = Hkdf.expandLabel(hash, secret, prefix + "iv", CipherSuite.IV_LENGTH);
        byte[] hp = Hkdf.expandLabel(hash, secret, prefix + "hp", suite.keyLength());
        return new PacketKeys(suite, key, iv, hp);
    }

    /**
     * {@return the secret of the next key phase}, for a key update (RFC 9001 §6.1: secret_&lt;n+1&gt; =
     * HKDF-Expand-Label(secret_&lt;n&gt;, "quic ku", "", Hash.length)). The header protection key is not
     * derived again: it stays the same across key updates.
     */
    public static byte[] nextSecret(CipherSuite suite, QuicVersion version, byte[] secret) {
        HashFunction hash = suite.hash();
        return Hkdf.expandLabel(hash, secret, version.labelPrefix() + "ku", hash.length());
    }

    /**
     * Overwrites the key, IV and header protection key with zeros (RFC 9001 §9: key material no longer needed is
     * not kept); called once the keys were handed to the objects that use them. The copies {@link #key()},
     * {@link #iv()} and {@link #hp()} handed out before are the caller's to overwrite.
     */
    void destroy() {
        java.util.Arrays.fill(key, (byte) 0);
        java.util.Arrays.fill(iv, (byte) 0);
        java.util.Arrays.fill(hp, (byte) 0);
    }

    /** {@return the cipher suite these keys are for} */
    public CipherSuite suite() {
        return suite;
    }

    /** {@return a copy of the AEAD key} */
    public byte[] key() {
        return key.clone();
    }

    /** {@return a copy of the IV that packet numbers are combined with into nonces} */
    public byte[] iv() {
        return iv.clone();
    }

    /** {@return a copy of the header protection key} */
    public byte[] hp() {
        return hp.clone();
    }
}
