package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.HashFunction;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class HkdfTest {

    private static final byte[] EMPTY = new byte[0];

    // RFC 5869 Appendix A.1, Test Case 1 (SHA-256).
    @Test
    void matchesRfc5869TestCase1() {
        byte[] ikm = Hex.bytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = Hex.bytes("000102030405060708090a0b0c");
        byte[] info = Hex.bytes("f0f1f2f3f4f5f6f7f8f9");
        byte[] prk = Hkdf.extract(HashFunction.SHA256, salt, ikm);
        assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", Hex.of(prk));
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                Hex.of(Hkdf.expand(HashFunction.SHA256, prk, info, 42)));
    }

    // RFC 5869 Appendix A.3, Test Case 3: no salt, no info.
    @Test
    void matchesRfc5869TestCase3WithoutSaltOrInfo() {
        byte[] ikm = Hex.bytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] prk = Hkdf.extract(HashFunction.SHA256, null, ikm);
        assertEquals("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", Hex.of(prk));
        assertArrayEquals(prk, Hkdf.extract(HashFunction.SHA256, EMPTY, ikm));
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                Hex.of(Hkdf.expand(HashFunction.SHA256, prk, EMPTY, 42)));
    }

    /** HKDF-Expand straight from RFC 5869 §2.3, one T(i) at a time into a stream, for both hashes. */
    private static byte[] expandByDefinition(HashFunction hash, byte[] prk, byte[] info, int length) {
        try {
            Mac mac = Mac.getInstance(hash.macAlgorithm());
            mac.init(new SecretKeySpec(prk, hash.macAlgorithm()));
            ByteArrayOutputStream okm = new ByteArrayOutputStream();
            byte[] t = EMPTY;
            for (int i = 1; okm.size() < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                okm.write(t, 0, t.length);
            }
            byte[] out = new byte[length];
            System.arraycopy(okm.toByteArray(), 0, out, 0, length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void expandAgreesWithTheDefinitionForEveryHashAndLength() {
        Properties.forAll(200, r -> r.split(), r -> {
            for (HashFunction hash : HashFunction.values()) {
                byte[] prk = Generators.bytes(r, hash.length());
                byte[] info = Generators.bytesUpTo(r, 80);
                int length = r.nextInt(255 * hash.length() + 1);
                assertArrayEquals(expandByDefinition(hash, prk, info, length), Hkdf.expand(hash, prk, info, length));
            }
        });
    }

    @Test
    void expandLabelIsExpandOfTheEncodedLabel() {
        byte[] secret = Hex.bytes("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        byte[] context = Hex.bytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        for (HashFunction hash : HashFunction.values()) {
            // RFC 8446 §7.1: struct { uint16 length; opaque label<7..255>; opaque context<0..255>; }.
            byte[] label = Hex.bytes("0030" + "0d" + Hex.of("tls13 derived".getBytes()) + "20" + Hex.of(context));
            assertArrayEquals(label, Hkdf.hkdfLabel("derived", context, 48));
            assertArrayEquals(Hkdf.expand(hash, secret, label, 48),
                    Hkdf.expandLabel(hash, secret, "derived", context, 48));
        }
    }

    @Test
    void refusesLengthsAndLabelsThatDoNotFit() {
        byte[] prk = new byte[32];
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(HashFunction.SHA256, prk, EMPTY, 255 * 32 + 1));
        assertEquals(255 * 48, Hkdf.expand(HashFunction.SHA384, prk, EMPTY, 255 * 48).length);
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(HashFunction.SHA256, prk, EMPTY, -1));
        assertThrows(IllegalArgumentException.class,
                () -> Hkdf.expandLabel(HashFunction.SHA256, prk, "x".repeat(250), 16));
        assertThrows(IllegalArgumentException.class,
                () -> Hkdf.expandLabel(HashFunction.SHA256, prk, "quic key", new byte[256], 16));
    }
}
