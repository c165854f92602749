package qsock.tls.jca;

import java.io.Serial;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.EncodedKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.DecapsulateException;
import javax.crypto.KEM;
import javax.crypto.SecretKey;
import qsock.core.error.PeerText;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * The hybrid group X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3) on the JDK's ML-KEM-768 ({@code javax.crypto.KEM},
 * FIPS 203) and X25519 ({@code XDH}): nothing here computes cryptography, it only concatenates and splits.
 *
 * <ul>
 *   <li>client share: the ML-KEM-768 encapsulation key (1184 bytes) || the X25519 public key (32 bytes);
 *   <li>server share: the ML-KEM-768 ciphertext (1088 bytes) || the X25519 public key (32 bytes);
 *   <li>shared secret: the ML-KEM shared secret (32 bytes) || the X25519 shared secret (32 bytes).
 * </ul>
 *
 * <p>ML-KEM comes first in all three, unlike the draft's other hybrids. The alerts are the draft's: a share of
 * the wrong length, an encapsulation key that fails the FIPS 203 §7.2 check, or an X25519 share whose
 * output is all zeros is illegal_parameter; a decapsulation that fails otherwise is internal_error.
 */
final class MlKemHybrid {

    /** The ML-KEM-768 encapsulation key's length (FIPS 203 §8, table 3: 384k + 32). */
    static final int ENCAPSULATION_KEY_LENGTH = 1184;
    /** The ML-KEM-768 ciphertext's length (FIPS 203 §8, table 3: 32(du k + dv)). */
    static final int CIPHERTEXT_LENGTH = 1088;
    /** The X25519 public key's length (RFC 7748 §5). */
    static final int X25519_LENGTH = 32;
    /** The client's key_exchange length. */
    static final int CLIENT_SHARE_LENGTH = ENCAPSULATION_KEY_LENGTH + X25519_LENGTH;
    /** The server's key_exchange length. */
    static final int SERVER_SHARE_LENGTH = CIPHERTEXT_LENGTH + X25519_LENGTH;

    private static final String ML_KEM_768 = "ML-KEM-768";

    private MlKemHybrid() {}

    /**
     * The client's private half: the ML-KEM-768 decapsulation key and the X25519 private key, kept together
     * in one {@link PrivateKey} so that a {@link KeyShare} holds it like any other group's. It has no encoding.
     */
    record HybridPrivateKey(PrivateKey mlKem, PrivateKey x25519) implements PrivateKey {
        @Serial
        private static final long serialVersionUID = 1L;

        HybridPrivateKey {
            Objects.requireNonNull(mlKem, "mlKem");
            Objects.requireNonNull(x25519, "x25519");
        }

        @Override
        public String getAlgorithm() {
            return "X25519MLKEM768";
        }

        /** {@return null: the pair has no standard encoding} */
        @Override
        public String getFormat() {
            return null;
        }

        /** {@return null: the pair has no standard encoding} */
        @Override
        public byte[] getEncoded() {
            return null;
        }

        /** {@return the group's name only; the keys stay out of logs} */
        @Override
        public String toString() {
            return "X25519MLKEM768 private key";
        }
    }

    /** The client's share: a fresh ML-KEM-768 key pair and a fresh X25519 key pair, both from {@code random}. */
    static KeyShare generate(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(ML_KEM_768);
            g.initialize(NamedParameterSpec.ML_KEM_768, random);
            KeyPair mlKem = g.generateKeyPair();
            return keyShare(mlKem, NamedGroup.X25519.generate(random));
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /**
     * The client's share of an ML-KEM-768 key pair and an X25519 share made elsewhere: for {@link #generate}, and
     * for tests that fix the X25519 half to RFC 7748's keys.
     */
    static KeyShare keyShare(KeyPair mlKem, KeyShare x25519) {
        if (x25519.group() != NamedGroup.X25519) {
            throw new IllegalArgumentException("not an x25519 share: " + x25519.group());
        }
        try {
            byte[] encapsulationKey = KeyFactory.getInstance(ML_KEM_768)
                    .getKeySpec(mlKem.getPublic(), EncodedKeySpec.class).getEncoded();
            if (encapsulationKey.length != ENCAPSULATION_KEY_LENGTH) {
                throw new IllegalStateException("the JCA's raw ML-KEM-768 key has " + encapsulationKey.length
                        + " bytes, not " + ENCAPSULATION_KEY_LENGTH);
            }
            return new KeyShare(NamedGroup.X25519MLKEM768,
                    new HybridPrivateKey(mlKem.getPrivate(), x25519.privateKey()),
                    concat(encapsulationKey, x25519.publicBytes()));
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /**
     * The server's half: encapsulates to the client's ML-KEM key and answers its X25519 share with a fresh one.
     *
     * @param clientShare the client's key_exchange, untrusted
     * @param random the source of the encapsulation's randomness and of our X25519 key
     * @return the server's key_exchange and the 64-byte shared secret
     * @throws TlsAlertException illegal_parameter if the share has the wrong length, its encapsulation key fails
     *     the FIPS 203 §7.2 check, or its X25519 key gives the all-zero output
     */
    static KeyShareResponse respond(byte[] clientShare, SecureRandom random) throws TlsAlertException {
        checkLength(clientShare, CLIENT_SHARE_LENGTH, "client");
        byte[] encapsulationKey = Arrays.copyOfRange(clientShare, 0, ENCAPSULATION_KEY_LENGTH);
        byte[] peerX25519 = Arrays.copyOfRange(clientShare, ENCAPSULATION_KEY_LENGTH, clientShare.length);
        try {
            KEM.Encapsulated encapsulated;
            try {
                PublicKey peer = KeyFactory.getInstance(ML_KEM_768).generatePublic(new RawKeySpec(encapsulationKey));
                // The JDK's encapsulator runs FIPS 203 §7.2's modulus check and refuses a key that fails it.
                encapsulated = KEM.getInstance(ML_KEM_768).newEncapsulator(peer, random).encapsulate();
            } catch (InvalidKeySpecException | InvalidKeyException e) {
                // draft-ietf-tls-ecdhe-mlkem: a failed encapsulation key check is illegal_parameter.
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                        "ML-KEM-768 encapsulation key refused: " + PeerText.escape(e.getMessage()));
            }
            KeyShare ours = NamedGroup.X25519.generate(random);
            byte[] x25519Secret = NamedGroup.X25519.sharedSecret(ours.privateKey(), peerX25519);
            byte[] ciphertext = encapsulated.encapsulation();
            if (ciphertext.length != CIPHERTEXT_LENGTH) {
                throw new IllegalStateException("the JCA's ML-KEM-768 ciphertext has " + ciphertext.length + " bytes");
            }
            return new KeyShareResponse(NamedGroup.X25519MLKEM768, concat(ciphertext, ours.publicBytes()),
                    concat(secretBytes(encapsulated.key()), x25519Secret));
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    /**
     * The client's shared secret: decapsulates the server's ciphertext and completes X25519.
     *
     * @throws TlsAlertException illegal_parameter if the share has the wrong length or its X25519 key gives the
     *     all-zero output, internal_error if decapsulation fails otherwise
     */
    static byte[] sharedSecret(HybridPrivateKey ours, byte[] serverShare) throws TlsAlertException {
        // draft-ietf-tls-ecdhe-mlkem: the client MUST check the ciphertext's length (illegal_parameter).
        checkLength(serverShare, SERVER_SHARE_LENGTH, "server");
        byte[] ciphertext = Arrays.copyOfRange(serverShare, 0, CIPHERTEXT_LENGTH);
        byte[] peerX25519 = Arrays.copyOfRange(serverShare, CIPHERTEXT_LENGTH, serverShare.length);
        try {
            SecretKey mlKemSecret;
            try {
                // ML-KEM decapsulation does not fail on a well-formed ciphertext (implicit rejection gives a
                // pseudorandom secret, and the Finished check then fails), so this is never the peer's doing.
                mlKemSecret = KEM.getInstance(ML_KEM_768).newDecapsulator(ours.mlKem()).decapsulate(ciphertext);
            } catch (DecapsulateException e) {
                throw new TlsAlertException(TlsAlert.INTERNAL_ERROR, "ML-KEM-768 decapsulation failed", e);
            }
            byte[] x25519Secret = NamedGroup.X25519.sharedSecret(ours.x25519(), peerX25519);
            return concat(secretBytes(mlKemSecret), x25519Secret);
        } catch (GeneralSecurityException e) {
            throw missingAlgorithm(e);
        }
    }

    private static void checkLength(byte[] share, int expected, String whose) throws TlsAlertException {
        if (share.length != expected) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "X25519MLKEM768 " + whose + " key share of " + share.length + " bytes, expected " + expected);
        }
    }

    private static byte[] secretBytes(SecretKey key) {
        byte[] b = key.getEncoded();
        if (b == null || b.length != 32) {
            throw new IllegalStateException("the JCA's ML-KEM-768 shared secret is not 32 bytes");
        }
        return b;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }

    private static IllegalStateException missingAlgorithm(GeneralSecurityException e) {
        // Our own inputs were valid, so this is a runtime without ML-KEM (before JDK 24) or XDH.
        return new IllegalStateException("the JCA cannot do X25519MLKEM768: " + e.getMessage(), e);
    }

    /** The JDK's raw ("RAW" format) encoding of an ML-KEM key: FIPS 203's byte string, no ASN.1 wrapping. */
    private static final class RawKeySpec extends EncodedKeySpec {
        RawKeySpec(byte[] raw) {
            super(raw);
        }

        @Override
        public String getFormat() {
            return "RAW";
        }
    }
}
