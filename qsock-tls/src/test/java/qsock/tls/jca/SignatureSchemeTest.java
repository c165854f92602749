package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlertException;
import qsock.tls.cert.TestPki;

@Timeout(120)
class SignatureSchemeTest {

    /** A key pair for every scheme usable in TLS 1.3, and a second pair of the same kind as the "wrong key". */
    private static final Map<SignatureScheme, KeyPair[]> KEYS = new java.util.EnumMap<>(SignatureScheme.class);
    private static final byte[] HASH = new byte[32];

    @BeforeAll
    static void keys() throws GeneralSecurityException {
        new SecureRandom(new byte[] {1}).nextBytes(HASH);
        KeyPair rsa = pki("rsa");
        KeyPair rsa2 = generate("RSA", 2048);
        for (SignatureScheme s : List.of(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA384,
                SignatureScheme.RSA_PSS_RSAE_SHA512)) {
            KEYS.put(s, new KeyPair[] {rsa, rsa2});
        }
        KeyPair pss = generate("RSASSA-PSS", 2048);
        KeyPair pss2 = generate("RSASSA-PSS", 2048);
        for (SignatureScheme s : List.of(SignatureScheme.RSA_PSS_PSS_SHA256, SignatureScheme.RSA_PSS_PSS_SHA384,
                SignatureScheme.RSA_PSS_PSS_SHA512)) {
            KEYS.put(s, new KeyPair[] {pss, pss2});
        }
        KEYS.put(SignatureScheme.ECDSA_SECP256R1_SHA256, new KeyPair[] {pki("ecdsa-p256"), ec("secp256r1")});
        KEYS.put(SignatureScheme.ECDSA_SECP384R1_SHA384, new KeyPair[] {pki("ecdsa-p384"), ec("secp384r1")});
        KEYS.put(SignatureScheme.ECDSA_SECP521R1_SHA512, new KeyPair[] {ec("secp521r1"), ec("secp521r1")});
        KEYS.put(SignatureScheme.ED25519, new KeyPair[] {pki("ed25519"), generate("Ed25519", 0)});
        KEYS.put(SignatureScheme.ED448, new KeyPair[] {generate("Ed448", 0), generate("Ed448", 0)});
    }

    private static KeyPair pki(String name) {
        return new KeyPair(TestPki.leaf(name).getPublicKey(), TestPki.leafKey(name));
    }

    private static int seed;

    /** A fresh key pair from a seeded random: the same keys every run, different keys on every call. */
    private static KeyPair generate(String algorithm, int bits) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        SecureRandom random = TestPki.seeded(++seed);
        if (bits > 0) {
            g.initialize(bits, random);
        } else {
            g.initialize(algorithm.equals("Ed448") ? 448 : 255, random);
        }
        return g.generateKeyPair();
    }

    private static KeyPair ec(String curve) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static List<SignatureScheme> tls13Schemes() {
        List<SignatureScheme> out = new ArrayList<>();
        for (SignatureScheme s : SignatureScheme.values()) {
            if (s.usableInTls13CertificateVerify()) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void codePointsAreTheRegistryValues() {
        // RFC 8446 §4.2.3 SignatureScheme values.
        int[][] expected = {
            {0x0401, SignatureScheme.RSA_PKCS1_SHA256.code()}, {0x0501, SignatureScheme.RSA_PKCS1_SHA384.code()},
            {0x0601, SignatureScheme.RSA_PKCS1_SHA512.code()}, {0x0403, SignatureScheme.ECDSA_SECP256R1_SHA256.code()},
            {0x0503, SignatureScheme.ECDSA_SECP384R1_SHA384.code()}, {0x0603, SignatureScheme.ECDSA_SECP521R1_SHA512.code()},
            {0x0804, SignatureScheme.RSA_PSS_RSAE_SHA256.code()}, {0x0805, SignatureScheme.RSA_PSS_RSAE_SHA384.code()},
            {0x0806, SignatureScheme.RSA_PSS_RSAE_SHA512.code()}, {0x0807, SignatureScheme.ED25519.code()},
            {0x0808, SignatureScheme.ED448.code()}, {0x0809, SignatureScheme.RSA_PSS_PSS_SHA256.code()},
            {0x080a, SignatureScheme.RSA_PSS_PSS_SHA384.code()}, {0x080b, SignatureScheme.RSA_PSS_PSS_SHA512.code()},
            {0x0201, SignatureScheme.RSA_PKCS1_SHA1.code()}, {0x0203, SignatureScheme.ECDSA_SHA1.code()},
        };
        for (int[] pair : expected) {
            assertEquals(pair[0], pair[1]);
        }
        assertEquals(expected.length, SignatureScheme.values().length);
        for (SignatureScheme s : SignatureScheme.values()) {
            assertSame(s, SignatureScheme.fromCode(s.code()));
        }
        assertNull(SignatureScheme.fromCode(0x0402)); // dsa_sha256 (TLS 1.2 only)
        assertNull(SignatureScheme.fromCode(0xfe00)); // private use
        assertEquals("rsa_pss_rsae_sha256(0x0804)", SignatureScheme.RSA_PSS_RSAE_SHA256.toString());
    }

    @Test
    void onlyPssEcdsaAndEddsaAreUsableInCertificateVerify() {
        Set<SignatureScheme> legacy = EnumSet.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                SignatureScheme.RSA_PKCS1_SHA512, SignatureScheme.RSA_PKCS1_SHA1, SignatureScheme.ECDSA_SHA1);
        for (SignatureScheme s : SignatureScheme.values()) {
            assertEquals(!legacy.contains(s), s.usableInTls13CertificateVerify(), s::toString);
        }
        assertEquals(Set.copyOf(tls13Schemes()), Set.copyOf(SignatureScheme.DEFAULT_PREFERENCE));
    }

    @Test
    void signedContentIsTheRfc8446Layout() {
        // RFC 8446 §4.4.3: 64 x 0x20, the context string, a 0 octet, then the transcript hash.
        byte[] hash = {1, 2, 3};
        String spaces = "20".repeat(64);
        String server = HexFormat.of().formatHex("TLS 1.3, server CertificateVerify".getBytes());
        String client = HexFormat.of().formatHex("TLS 1.3, client CertificateVerify".getBytes());
        assertEquals(spaces + server + "00" + "010203",
                HexFormat.of().formatHex(SignatureScheme.signedContent(hash, true)));
        assertEquals(spaces + client + "00" + "010203",
                HexFormat.of().formatHex(SignatureScheme.signedContent(hash, false)));
    }

    @Test
    void everySchemeSignsAndVerifies() throws TlsAlertException {
        assertEquals(Set.copyOf(tls13Schemes()), KEYS.keySet());
        for (SignatureScheme s : tls13Schemes()) {
            KeyPair kp = KEYS.get(s)[0];
            for (boolean server : new boolean[] {true, false}) {
                byte[] sig = s.sign(kp.getPrivate(), HASH, server, TestPki.seeded(1));
                assertTrue(s.verify(kp.getPublic(), HASH, server, sig), () -> s + " does not verify its own signature");
            }
        }
    }

    @Test
    void signaturesMatchTheJcaAlgorithmsOfRfc8446() throws GeneralSecurityException, TlsAlertException {
        // The signature must be what a peer computes with the RFC's algorithm, not only what we verify:
        // ECDSA with the scheme's hash in DER, PureEdDSA. (PSS is randomised; its parameters are checked by
        // signing with an RSASSA-PSS key restricted to them, in the PEM tests.)
        byte[] content = SignatureScheme.signedContent(HASH, true);
        Map<SignatureScheme, String> jca = Map.of(SignatureScheme.ECDSA_SECP256R1_SHA256, "SHA256withECDSA",
                SignatureScheme.ECDSA_SECP384R1_SHA384, "SHA384withECDSA",
                SignatureScheme.ECDSA_SECP521R1_SHA512, "SHA512withECDSA",
                SignatureScheme.ED25519, "Ed25519", SignatureScheme.ED448, "Ed448");
        for (Map.Entry<SignatureScheme, String> e : jca.entrySet()) {
            KeyPair kp = KEYS.get(e.getKey())[0];
            Signature v = Signature.getInstance(e.getValue());
            v.initVerify(kp.getPublic());
            v.update(content);
            assertTrue(v.verify(e.getKey().sign(kp.getPrivate(), HASH, true, TestPki.seeded(2))), e.getKey()::toString);
        }
    }

    @Test
    void verifyRejectsAFlippedBitTheOtherContextAnotherHashAndAnotherKey() throws TlsAlertException {
        for (SignatureScheme s : tls13Schemes()) {
            KeyPair kp = KEYS.get(s)[0];
            KeyPair other = KEYS.get(s)[1];
            byte[] sig = s.sign(kp.getPrivate(), HASH, true, TestPki.seeded(3));
            for (int bit : new int[] {0, 7, 8 * sig.length / 2, 8 * sig.length - 1}) {
                byte[] flipped = sig.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                assertFalse(s.verify(kp.getPublic(), HASH, true, flipped), () -> s + " accepted bit " + bit + " flipped");
            }
            assertFalse(s.verify(kp.getPublic(), HASH, false, sig), () -> s + " accepted the client context");
            byte[] otherHash = HASH.clone();
            otherHash[31] ^= 1;
            assertFalse(s.verify(kp.getPublic(), otherHash, true, sig), () -> s + " accepted another hash");
            assertFalse(s.verify(other.getPublic(), HASH, true, sig), () -> s + " accepted another key");
        }
    }

    @Test
    void verifyRejectsAKeyOfAnotherKindOrAnotherSchemesSignature() throws TlsAlertException {
        KeyPair rsa = KEYS.get(SignatureScheme.RSA_PSS_RSAE_SHA256)[0];
        KeyPair p256 = KEYS.get(SignatureScheme.ECDSA_SECP256R1_SHA256)[0];
        byte[] ecdsa = SignatureScheme.ECDSA_SECP256R1_SHA256.sign(p256.getPrivate(), HASH, true, TestPki.seeded(4));
        assertFalse(SignatureScheme.RSA_PSS_RSAE_SHA256.verify(p256.getPublic(), HASH, true, ecdsa));
        assertFalse(SignatureScheme.ECDSA_SECP384R1_SHA384.verify(p256.getPublic(), HASH, true, ecdsa));
        byte[] pss256 = SignatureScheme.RSA_PSS_RSAE_SHA256.sign(rsa.getPrivate(), HASH, true, TestPki.seeded(4));
        assertFalse(SignatureScheme.RSA_PSS_RSAE_SHA384.verify(rsa.getPublic(), HASH, true, pss256));
        // An rsae key presented for a pss scheme (RFC 8446 §4.2.3: the OIDs differ) fails, valid or not.
        assertFalse(SignatureScheme.RSA_PSS_PSS_SHA256.verify(rsa.getPublic(), HASH, true, pss256));
    }

    @Test
    void legacySchemesNeitherSignNorVerify() throws GeneralSecurityException {
        KeyPair rsa = KEYS.get(SignatureScheme.RSA_PSS_RSAE_SHA256)[0];
        assertThrows(IllegalArgumentException.class,
                () -> SignatureScheme.RSA_PKCS1_SHA256.sign(rsa.getPrivate(), HASH, true, TestPki.seeded(5)));
        // A genuine PKCS#1 v1.5 signature over the right content is still refused: RFC 8446 §4.4.3.
        Signature pkcs1 = Signature.getInstance("SHA256withRSA");
        pkcs1.initSign(rsa.getPrivate());
        pkcs1.update(SignatureScheme.signedContent(HASH, true));
        byte[] sig = pkcs1.sign();
        assertFalse(SignatureScheme.RSA_PKCS1_SHA256.verify(rsa.getPublic(), HASH, true, sig));
    }

    @Test
    void signRefusesAKeyTheSchemeDoesNotFit() {
        KeyPair p256 = KEYS.get(SignatureScheme.ECDSA_SECP256R1_SHA256)[0];
        KeyPair rsa = KEYS.get(SignatureScheme.RSA_PSS_RSAE_SHA256)[0];
        assertThrows(IllegalArgumentException.class,
                () -> SignatureScheme.ECDSA_SECP384R1_SHA384.sign(p256.getPrivate(), HASH, true, TestPki.seeded(6)));
        assertThrows(IllegalArgumentException.class,
                () -> SignatureScheme.RSA_PSS_PSS_SHA256.sign(rsa.getPrivate(), HASH, true, TestPki.seeded(6)));
        assertThrows(IllegalArgumentException.class,
                () -> SignatureScheme.ED25519.sign(rsa.getPrivate(), HASH, true, TestPki.seeded(6)));
    }

    @Test
    void signingDrawsOnTheInjectedRandom() throws TlsAlertException {
        for (SignatureScheme s : List.of(SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA256,
                SignatureScheme.RSA_PSS_PSS_SHA384)) {
            PrivateKey key = KEYS.get(s)[0].getPrivate();
            byte[] a = s.sign(key, HASH, true, TestPki.seeded(42));
            byte[] b = s.sign(key, HASH, true, TestPki.seeded(42));
            byte[] c = s.sign(key, HASH, true, TestPki.seeded(43));
            assertArrayEquals(a, b, s::toString);
            assertFalse(Arrays.equals(a, c), s::toString);
        }
    }

    @Test
    void keysMatchTheirSchemesOnly() throws GeneralSecurityException {
        PublicKey rsa = TestPki.leaf("rsa").getPublicKey();
        PublicKey p256 = TestPki.leaf("ecdsa-p256").getPublicKey();
        PublicKey p384 = TestPki.leaf("ecdsa-p384").getPublicKey();
        PublicKey ed25519 = TestPki.leaf("ed25519").getPublicKey();
        PublicKey pss = KEYS.get(SignatureScheme.RSA_PSS_PSS_SHA256)[0].getPublic();
        PublicKey x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair().getPublic();
        assertEquals(EnumSet.of(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA384,
                SignatureScheme.RSA_PSS_RSAE_SHA512, SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                SignatureScheme.RSA_PKCS1_SHA512, SignatureScheme.RSA_PKCS1_SHA1), matching(rsa));
        assertEquals(EnumSet.of(SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.ECDSA_SHA1), matching(p256));
        assertEquals(EnumSet.of(SignatureScheme.ECDSA_SECP384R1_SHA384, SignatureScheme.ECDSA_SHA1), matching(p384));
        assertEquals(EnumSet.of(SignatureScheme.ED25519), matching(ed25519));
        assertEquals(EnumSet.of(SignatureScheme.RSA_PSS_PSS_SHA256, SignatureScheme.RSA_PSS_PSS_SHA384,
                SignatureScheme.RSA_PSS_PSS_SHA512), matching(pss));
        assertEquals(EnumSet.noneOf(SignatureScheme.class), matching(x25519));
        // Private keys match as their public halves do.
        assertEquals(matching(rsa), matching(TestPki.leafKey("rsa")));
        assertEquals(matching(p256), matching(TestPki.leafKey("ecdsa-p256")));
        assertEquals(matching(ed25519), matching(TestPki.leafKey("ed25519")));
    }

    @Test
    void aModulusTooShortForTheSaltDoesNotMatch() throws GeneralSecurityException {
        // RFC 8017 §9.1.1 with salt = hash length: emLen >= 2 hLen + 2. A 1024-bit key has emLen 128, enough for
        // SHA-384 (98) but not for SHA-512 (130).
        KeyPair small = generate("RSA", 1024);
        assertTrue(SignatureScheme.RSA_PSS_RSAE_SHA256.matches(small.getPublic()));
        assertTrue(SignatureScheme.RSA_PSS_RSAE_SHA384.matches(small.getPublic()));
        assertFalse(SignatureScheme.RSA_PSS_RSAE_SHA512.matches(small.getPublic()));
        assertTrue(SignatureScheme.RSA_PKCS1_SHA512.matches(small.getPublic()));
    }

    private static Set<SignatureScheme> matching(java.security.Key key) {
        Set<SignatureScheme> out = EnumSet.noneOf(SignatureScheme.class);
        for (SignatureScheme s : SignatureScheme.values()) {
            if (s.matches(key)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void selectHonoursThePeersListAndOurPreference() {
        PrivateKey rsa = TestPki.leafKey("rsa");
        PrivateKey p256 = TestPki.leafKey("ecdsa-p256");
        List<SignatureScheme> ours = List.of(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.RSA_PSS_RSAE_SHA512,
                SignatureScheme.ECDSA_SECP256R1_SHA256);
        // Our order wins among what the peer offers, whatever the peer's order.
        assertEquals(SignatureScheme.RSA_PSS_RSAE_SHA256, SignatureScheme.select(rsa, List.of(0x0806, 0x0804), ours));
        // Only what the peer offers.
        assertEquals(SignatureScheme.RSA_PSS_RSAE_SHA512, SignatureScheme.select(rsa, List.of(0x0806, 0x0403), ours));
        // Only what fits the key.
        assertEquals(SignatureScheme.ECDSA_SECP256R1_SHA256,
                SignatureScheme.select(p256, List.of(0x0804, 0x0403), ours));
        // Only what we prefer at all.
        assertNull(SignatureScheme.select(rsa, List.of(0x0805), ours));
        // Never a legacy scheme, even if both sides list it.
        assertNull(SignatureScheme.select(rsa, List.of(0x0401, 0x0201),
                List.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA1)));
        assertNull(SignatureScheme.select(rsa, List.of(), SignatureScheme.DEFAULT_PREFERENCE));
        // The certificate form selects by its public key.
        assertEquals(SignatureScheme.ED25519, SignatureScheme.select(TestPki.leaf("ed25519"),
                List.of(0x0403, 0x0807, 0x0804), SignatureScheme.DEFAULT_PREFERENCE));
        assertEquals(SignatureScheme.ECDSA_SECP384R1_SHA384, SignatureScheme.select(TestPki.leaf("ecdsa-p384"),
                List.of(0x0403, 0x0503), SignatureScheme.DEFAULT_PREFERENCE));
    }

    @Test
    void verifyNeverThrowsOnPeerBytes() throws TlsAlertException {
        List<SignatureScheme> schemes = List.of(SignatureScheme.values());
        Map<SignatureScheme, byte[]> genuine = new java.util.EnumMap<>(SignatureScheme.class);
        for (SignatureScheme s : tls13Schemes()) {
            genuine.put(s, s.sign(KEYS.get(s)[0].getPrivate(), HASH, true, TestPki.seeded(7)));
        }
        PublicKey[] keys = KEYS.values().stream().map(k -> k[0].getPublic()).distinct().toArray(PublicKey[]::new);
        Properties.forAll(r -> {
            SignatureScheme s = schemes.get(r.nextInt(schemes.size()));
            PublicKey key = keys[r.nextInt(keys.length)];
            byte[] sig;
            byte[] real = genuine.get(s);
            if (real != null && r.nextBoolean()) {
                // A genuine signature truncated, extended or with one byte changed.
                sig = Arrays.copyOf(real, Math.max(0, real.length + r.nextInt(-4, 5)));
                if (sig.length > 0) {
                    sig[r.nextInt(sig.length)] ^= (byte) (1 + r.nextInt(255));
                }
            } else {
                sig = Generators.bytesUpTo(r, 600);
            }
            return new Object[] {s, key, sig};
        }, input -> {
            SignatureScheme s = (SignatureScheme) input[0];
            // Every input differs from a genuine signature for this exact key, so none may verify.
            boolean ok = s.verify((PublicKey) input[1], HASH, true, (byte[]) input[2]);
            assertFalse(ok && !Arrays.equals(genuine.get(s), (byte[]) input[2]), s::toString);
        });
    }

    @Test
    void aPssKeyMadeFromItsPrivateHalfVerifies() throws GeneralSecurityException, TlsAlertException {
        // The OpenSSL-made RSASSA-PSS key of the fixtures signs; its public half comes from the CRT key.
        RSAPrivateCrtKey pss = (RSAPrivateCrtKey) TestPki.key("rsa-pss.key");
        PublicKey pub = KeyFactory.getInstance("RSASSA-PSS")
                .generatePublic(new RSAPublicKeySpec(pss.getModulus(), pss.getPublicExponent()));
        byte[] sig = SignatureScheme.RSA_PSS_PSS_SHA512.sign(pss, HASH, false, TestPki.seeded(8));
        assertTrue(SignatureScheme.RSA_PSS_PSS_SHA512.verify(pub, HASH, false, sig));
        assertFalse(SignatureScheme.RSA_PSS_PSS_SHA512.verify(pub, HASH, true, sig));
        assertEquals(BigInteger.valueOf(65537), pss.getPublicExponent());
    }

    @Test
    void aPssKeyRestrictedToSha384MatchesOnlyThatScheme() throws TlsAlertException {
        // rsa-pss-sha384.key carries RSASSA-PSS parameters (SHA-384, MGF1 SHA-384, salt 48): RFC 4055 §3.1.
        PrivateKey restricted = TestPki.key("rsa-pss-sha384.key");
        assertEquals(EnumSet.of(SignatureScheme.RSA_PSS_PSS_SHA384), matching(restricted));
        byte[] sig = SignatureScheme.RSA_PSS_PSS_SHA384.sign(restricted, HASH, true, TestPki.seeded(9));
        assertEquals(256, sig.length);
        assertThrows(IllegalArgumentException.class,
                () -> SignatureScheme.RSA_PSS_PSS_SHA256.sign(restricted, HASH, true, TestPki.seeded(9)));
    }
}
