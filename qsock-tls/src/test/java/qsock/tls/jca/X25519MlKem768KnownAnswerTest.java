package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.EncodedKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.junit.jupiter.api.Test;
import qsock.tls.cert.TestPki;

/**
 * Known-answer tests of X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3): qsock's shares and secrets, made on the
 * JDK's ML-KEM-768, against values computed independently by BouncyCastle's ML-KEM-768 (test scope only) from
 * fixed inputs, and by RFC 7748 §6.1 for the X25519 half. The JDK's KEM cannot be seeded through its API, so the
 * fixed ML-KEM key reaches it as a PKCS#8 encoding of BouncyCastle's decapsulation key, and its encapsulation
 * randomness as a SecureRandom that hands out the fixed message m.
 *
 * <p>The draft orders X25519MLKEM768 ML-KEM first, unlike its other hybrids: client share = encapsulation key
 * (1184) || X25519 key (32), server share = ciphertext (1088) || X25519 key (32), secret = ML-KEM secret (32) ||
 * X25519 secret (32). Every expected value below is built from those parts, none from qsock's output.
 *
 * <p>BouncyCastle itself is pinned first to a published answer: C2SP CCTV's accumulated ML-KEM-768 vectors.
 */
class X25519MlKem768KnownAnswerTest {

    private static final NamedGroup GROUP = NamedGroup.X25519MLKEM768;
    private static final HexFormat HEX = HexFormat.of();

    /** RFC 7748 §6.1: Alice's and Bob's private keys, their public keys and their shared secret. */
    private static final byte[] ALICE = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] ALICE_PUBLIC =
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] BOB_PUBLIC = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] RFC7748_SECRET =
            hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    /** The fixed ML-KEM-768 key generation seed d || z (FIPS 203 Algorithm 19), 0x00..0x3f. */
    private static final byte[] SEED = counting(0x00, 64);
    /** The fixed ML-KEM-768 encapsulation message m (FIPS 203 Algorithm 20), 0x80..0x9f. */
    private static final byte[] M = counting(0x80, 32);

    /**
     * DER prefixes of the IETF LAMPS ML-KEM key formats (draft-ietf-lamps-kyber-certificates) for ML-KEM-768, OID
     * 2.16.840.1.101.3.4.4.2: SubjectPublicKeyInfo { AlgorithmIdentifier, BIT STRING ek(1184) } and
     * PrivateKeyInfo { version 0, AlgorithmIdentifier, OCTET STRING { expandedKey OCTET STRING dk(2400) } }.
     * JDK 25's KeyFactory takes the expandedKey choice of the private key (not the 64-byte seed choice), which
     * is also what it produces itself.
     */
    private static final byte[] SPKI_PREFIX = hex("308204b2300b0609608648016503040402038204a100");
    private static final byte[] PKCS8_PREFIX = hex("30820978020100300b06096086480165030404020482096404820960");

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    private static byte[] counting(int first, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** BouncyCastle's ML-KEM-768 key pair from the seed d || z (FIPS 203 ML-KEM.KeyGen_internal). */
    private static MLKEMPrivateKeyParameters bcKey(byte[] seed) {
        return new MLKEMPrivateKeyParameters(MLKEMParameters.ml_kem_768, seed);
    }

    /** BouncyCastle's expanded decapsulation key dk (FIPS 203 §7.1, 2400 bytes). */
    private static byte[] expandedDk(MLKEMPrivateKeyParameters key) {
        return key.withPreferredFormat(MLKEMPrivateKeyParameters.EXPANDED_KEY).getEncoded();
    }

    /** The JDK's ML-KEM-768 key pair holding BouncyCastle's key, through the standard encodings. */
    private static KeyPair jdkKeyPair(MLKEMPrivateKeyParameters key) throws Exception {
        KeyFactory f = KeyFactory.getInstance("ML-KEM");
        PublicKey pub = f.generatePublic(new X509EncodedKeySpec(concat(SPKI_PREFIX, key.getPublicKey())));
        PrivateKey priv = f.generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, expandedDk(key))));
        return new KeyPair(pub, priv);
    }

    /** BouncyCastle's X25519 (RFC 7748 §5), independent of the JDK's XDH that qsock uses. */
    private static byte[] bcX25519(byte[] privateKey, byte[] peerPublic) {
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(new X25519PrivateKeyParameters(privateKey, 0));
        byte[] out = new byte[agreement.getAgreementSize()];
        agreement.calculateAgreement(new X25519PublicKeyParameters(peerPublic, 0), out, 0);
        return out;
    }

    /**
     * A SecureRandom that hands out the given bytes in order and then fails: a way to give the JDK the fixed
     * values FIPS 203 and RFC 7748 draw at random (d and z, m, an X25519 private key). It fails rather than
     * repeat, so a JDK that drew more or other bytes than those would be noticed, not silently replayed.
     */
    private static final class FixedBytes extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;
        private int next;

        FixedBytes(byte[] bytes) {
            super(new byte[0]);
            this.bytes = bytes.clone();
        }

        @Override
        public void nextBytes(byte[] out) {
            if (out.length > bytes.length - next) {
                throw new IllegalStateException("asked for " + out.length + " bytes, " + (bytes.length - next) + " left");
            }
            System.arraycopy(bytes, next, out, 0, out.length);
            next += out.length;
        }

        boolean exhausted() {
            return next == bytes.length;
        }
    }

    @Test
    void bouncyCastleGivesCctvsAccumulatedMlKem768Answer() {
        // C2SP CCTV, ML-KEM "Accumulated pq-crystals vectors" (https://c2sp.org/CCTV/ML-KEM, README.md of
        // github.com/C2SP/CCTV, CC0), for FIPS 203 final (k appended to d): the RNG is SHAKE-128 of the empty
        // string, whose stream starts 7f9c2ba4e88f827d616045507605853e; each test draws d, z, m and a random
        // ciphertext, and writes ek, dk, ct, K and the random ciphertext's (implicitly rejected) K to a running
        // SHAKE-128. After 10 000 tests ML-KEM-768's 32-byte output is f959d18d...5bc1c1.
        SHAKEDigest rng = new SHAKEDigest(128);
        SHAKEDigest accumulator = new SHAKEDigest(128);
        byte[] start = new byte[16];
        new SHAKEDigest(128).doFinal(start, 0, start.length);
        assertArrayEquals(hex("7f9c2ba4e88f827d616045507605853e"), start);
        for (int i = 0; i < 10_000; i++) {
            byte[] seed = new byte[64];
            byte[] m = new byte[32];
            byte[] randomCiphertext = new byte[1088];
            rng.doOutput(seed, 0, seed.length);
            rng.doOutput(m, 0, m.length);
            rng.doOutput(randomCiphertext, 0, randomCiphertext.length);
            MLKEMPrivateKeyParameters key = bcKey(seed);
            SecretWithEncapsulation encapsulated = MLKEMGenerator.internalGenerateEncapsulated(
                    key.getPublicKeyParameters(), m);
            MLKEMExtractor extractor = new MLKEMExtractor(key);
            byte[] k = encapsulated.getSecret();
            if (!Arrays.equals(k, extractor.extractSecret(encapsulated.getEncapsulation()))) {
                throw new AssertionError("BouncyCastle's decapsulation disagrees with its encapsulation, test " + i);
            }
            for (byte[] out : new byte[][] {key.getPublicKey(), expandedDk(key), encapsulated.getEncapsulation(), k,
                    extractor.extractSecret(randomCiphertext)}) {
                accumulator.update(out, 0, out.length);
            }
        }
        byte[] hash = new byte[32];
        accumulator.doFinal(hash, 0, hash.length);
        assertEquals("f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1", HEX.formatHex(hash));
    }

    @Test
    void bouncyCastlesX25519IsRfc7748s() {
        assertArrayEquals(RFC7748_SECRET, bcX25519(ALICE, BOB_PUBLIC));
        assertArrayEquals(RFC7748_SECRET, bcX25519(BOB, ALICE_PUBLIC));
    }

    @Test
    void theJdkGeneratesBouncyCastlesKeyFromTheSameSeed() throws Exception {
        // FIPS 203 Algorithm 19 draws d then z; the JDK takes both from the SecureRandom it is given, so from
        // d || z it must make the same ek and dk as BouncyCastle, and encode dk as the PKCS#8 built by hand here.
        MLKEMPrivateKeyParameters bc = bcKey(SEED);
        KeyPairGenerator g = KeyPairGenerator.getInstance("ML-KEM-768");
        FixedBytes random = new FixedBytes(SEED);
        g.initialize(NamedParameterSpec.ML_KEM_768, random);
        KeyPair jdk = g.generateKeyPair();
        assertTrue(random.exhausted(), "the JDK drew d || z");
        byte[] jdkEk = KeyFactory.getInstance("ML-KEM-768").getKeySpec(jdk.getPublic(), EncodedKeySpec.class)
                .getEncoded();
        assertArrayEquals(bc.getPublicKey(), jdkEk);
        assertArrayEquals(concat(PKCS8_PREFIX, expandedDk(bc)), jdk.getPrivate().getEncoded());
        assertArrayEquals(concat(SPKI_PREFIX, bc.getPublicKey()), jdk.getPublic().getEncoded());
    }

    @Test
    void theClientShareAndSecretAreBouncyCastlesMlKemThenRfc7748s() throws Exception {
        MLKEMPrivateKeyParameters bc = bcKey(SEED);
        byte[] ek = bc.getPublicKey();
        assertEquals(1184, ek.length);
        KeyShare client = MlKemHybrid.keyShare(jdkKeyPair(bc), NamedGroup.X25519.keyShareFromPrivate(ALICE));
        // Client share: ML-KEM-768 encapsulation key, then Alice's X25519 public key.
        assertArrayEquals(concat(ek, ALICE_PUBLIC), client.publicBytes());
        assertEquals(1216, client.publicBytes().length);

        // The server's side done by BouncyCastle with the fixed m, answering with RFC 7748's Bob.
        SecretWithEncapsulation server = MLKEMGenerator.internalGenerateEncapsulated(bc.getPublicKeyParameters(), M);
        byte[] ciphertext = server.getEncapsulation();
        assertEquals(1088, ciphertext.length);
        byte[] serverShare = concat(ciphertext, BOB_PUBLIC);
        assertEquals(1120, serverShare.length);

        // Secret: BouncyCastle's ML-KEM-768 secret, then RFC 7748's X25519 secret; 32 + 32 bytes.
        byte[] secret = client.sharedSecret(serverShare);
        assertEquals(64, secret.length);
        assertArrayEquals(concat(server.getSecret(), RFC7748_SECRET), secret);
    }

    @Test
    void theServerShareDecapsulatesInBouncyCastleToTheMlKemHalfOfItsSecret() throws Exception {
        MLKEMPrivateKeyParameters bc = bcKey(SEED);
        byte[] clientShare = concat(bc.getPublicKey(), ALICE_PUBLIC);
        KeyShareResponse response = GROUP.respond(clientShare, TestPki.seeded(31));
        byte[] serverShare = response.publicBytes();
        byte[] secret = response.sharedSecret();
        assertEquals(1120, serverShare.length);
        assertEquals(64, secret.length);
        byte[] ciphertext = Arrays.copyOfRange(serverShare, 0, 1088);
        byte[] serverX25519 = Arrays.copyOfRange(serverShare, 1088, 1120);
        // The ML-KEM half first: BouncyCastle's decapsulation of the ciphertext, the share's first 1088 bytes.
        assertArrayEquals(new MLKEMExtractor(bc).extractSecret(ciphertext), Arrays.copyOfRange(secret, 0, 32));
        // The X25519 half last: Alice's key with the server's, the share's last 32 bytes, in BouncyCastle.
        assertArrayEquals(bcX25519(ALICE, serverX25519), Arrays.copyOfRange(secret, 32, 64));
        assertFalse(Arrays.equals(Arrays.copyOfRange(secret, 0, 32), Arrays.copyOfRange(secret, 32, 64)));
    }

    @Test
    void theServerGivenMAndBobsKeyAnswersExactlyAsBouncyCastleAndRfc7748() throws Exception {
        // The server's randomness fixed too: the JDK's encapsulation draws m (FIPS 203 Algorithm 20), then the
        // server's X25519 key pair draws its 32-byte private key (RFC 7748 §6.1), here Bob's. The whole answer
        // is then known: BouncyCastle's ciphertext for m || Bob's public key, and its secret || RFC 7748's.
        MLKEMPrivateKeyParameters bc = bcKey(SEED);
        SecretWithEncapsulation expected = MLKEMGenerator.internalGenerateEncapsulated(bc.getPublicKeyParameters(), M);
        FixedBytes random = new FixedBytes(concat(M, BOB));
        KeyShareResponse response = GROUP.respond(concat(bc.getPublicKey(), ALICE_PUBLIC), random);
        assertTrue(random.exhausted(), "the server drew m and one X25519 key");
        assertArrayEquals(concat(expected.getEncapsulation(), BOB_PUBLIC), response.publicBytes());
        assertArrayEquals(concat(expected.getSecret(), RFC7748_SECRET), response.sharedSecret());
    }

    @Test
    void aClientAndServerOnTheFixedKeysAgreeOnTheKnownSecret() throws Exception {
        // qsock on both sides, every input fixed: the secret both report is the one computed without qsock.
        MLKEMPrivateKeyParameters bc = bcKey(SEED);
        KeyShare client = MlKemHybrid.keyShare(jdkKeyPair(bc), NamedGroup.X25519.keyShareFromPrivate(ALICE));
        KeyShareResponse server = GROUP.respond(client.publicBytes(), new FixedBytes(concat(M, BOB)));
        byte[] expected = concat(
                MLKEMGenerator.internalGenerateEncapsulated(bc.getPublicKeyParameters(), M).getSecret(), RFC7748_SECRET);
        assertArrayEquals(expected, server.sharedSecret());
        assertArrayEquals(expected, client.sharedSecret(server.publicBytes()));
    }
}
