package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECFieldFp;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.cert.TestPki;

class NamedGroupTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void codePointsAreTheRegistryValues() {
        // RFC 8446 §4.2.7 NamedGroup values.
        assertEquals(0x0017, NamedGroup.SECP256R1.code());
        assertEquals(0x0018, NamedGroup.SECP384R1.code());
        assertEquals(0x0019, NamedGroup.SECP521R1.code());
        assertEquals(0x001d, NamedGroup.X25519.code());
        assertEquals(0x001e, NamedGroup.X448.code());
        for (NamedGroup g : NamedGroup.values()) {
            assertSame(g, NamedGroup.fromCode(g.code()));
        }
        assertNull(NamedGroup.fromCode(0x0100)); // ffdhe2048: not implemented
        assertEquals(0x11ec, NamedGroup.X25519MLKEM768.code()); // draft-ietf-tls-ecdhe-mlkem §4
        assertNull(NamedGroup.fromCode(-1));
        assertEquals("x25519(0x001d)", NamedGroup.X25519.toString());
    }

    @ParameterizedTest
    @EnumSource(NamedGroup.class)
    void keyExchangeBothWaysGivesEqualSecrets(NamedGroup group) throws TlsAlertException {
        SecureRandom random = TestPki.seeded(7);
        for (int i = 0; i < 20; i++) {
            KeyShare client = group.generate(random);
            // The server's side as the engine runs it: for (EC)DHE a share of its own, for a KEM an encapsulation.
            KeyShareResponse server = group.respond(client.publicBytes(), random);
            assertEquals(group.keyExchangeLength(), client.publicBytes().length);
            assertEquals(group.serverKeyExchangeLength(), server.publicBytes().length);
            byte[] clientSecret = client.sharedSecret(server.publicBytes());
            assertArrayEquals(clientSecret, server.sharedSecret());
            // RFC 8446 §7.4: X25519 32, X448 56, ECDH the field size with leading zeros kept;
            // draft-ietf-tls-ecdhe-mlkem §3: 32 + 32 for the hybrid.
            int expected = switch (group) {
                case X25519 -> 32;
                case X448 -> 56;
                case SECP256R1 -> 32;
                case SECP384R1 -> 48;
                case SECP521R1 -> 66;
                case X25519MLKEM768 -> 64;
            };
            assertEquals(expected, clientSecret.length);
        }
    }

    @ParameterizedTest
    @EnumSource(NamedGroup.class)
    void generationReplaysForTheSameSeed(NamedGroup group) {
        KeyShare a = group.generate(TestPki.seeded(1234));
        KeyShare b = group.generate(TestPki.seeded(1234));
        KeyShare c = group.generate(TestPki.seeded(1235));
        assertArrayEquals(a.publicBytes(), b.publicBytes());
        assertEquals(a.privateKey(), b.privateKey());
        assertFalse(Arrays.equals(a.publicBytes(), c.publicBytes()));
    }

    @Test
    void x25519ReproducesRfc7748Section61() throws TlsAlertException {
        KeyShare alice = NamedGroup.X25519.keyShareFromPrivate(
                hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        KeyShare bob = NamedGroup.X25519.keyShareFromPrivate(
                hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", hex(alice.publicBytes()));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", hex(bob.publicBytes()));
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
                hex(alice.sharedSecret(bob.publicBytes())));
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
                hex(bob.sharedSecret(alice.publicBytes())));
    }

    @Test
    void x25519ReproducesRfc8448SimpleOneRtt() throws TlsAlertException {
        // RFC 8448 §3: the client's and server's x25519 key shares and the (EC)DHE input to the key schedule.
        KeyShare client = NamedGroup.X25519.keyShareFromPrivate(
                hex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005"));
        KeyShare server = NamedGroup.X25519.keyShareFromPrivate(
                hex("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e"));
        assertEquals("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c", hex(client.publicBytes()));
        assertEquals("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f", hex(server.publicBytes()));
        assertEquals("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d",
                hex(client.sharedSecret(server.publicBytes())));
    }

    @Test
    void x448ReproducesRfc7748Section62() throws TlsAlertException {
        KeyShare alice = NamedGroup.X448.keyShareFromPrivate(hex("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
                + "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b"));
        KeyShare bob = NamedGroup.X448.keyShareFromPrivate(hex("1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
                + "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d"));
        assertEquals("9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53"
                + "177f80e532c41fa0", hex(alice.publicBytes()));
        assertEquals("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae"
                + "07bdc1c67bf33609", hex(bob.publicBytes()));
        assertEquals("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a"
                + "449a5037514a879d", hex(alice.sharedSecret(bob.publicBytes())));
    }

    @ParameterizedTest
    @EnumSource(value = NamedGroup.class, names = {"SECP256R1", "SECP384R1", "SECP521R1"})
    void ecKeyShareFromPrivateMatchesTheJcaPublicKey(NamedGroup group) throws TlsAlertException {
        SecureRandom random = TestPki.seeded(99);
        int orderLength = group == NamedGroup.SECP521R1 ? 66 : group == NamedGroup.SECP384R1 ? 48 : 32;
        for (int i = 0; i < 10; i++) {
            KeyShare generated = group.generate(random);
            byte[] d = new byte[orderLength];
            EcCurve.putFixed(((ECPrivateKey) generated.privateKey()).getS(), d, 0, orderLength);
            KeyShare rebuilt = group.keyShareFromPrivate(d);
            assertArrayEquals(generated.publicBytes(), rebuilt.publicBytes());
            KeyShare peer = group.generate(random);
            assertArrayEquals(generated.sharedSecret(peer.publicBytes()), rebuilt.sharedSecret(peer.publicBytes()));
        }
    }

    @Test
    void keyShareFromPrivateRefusesBadScalars() {
        assertThrows(IllegalArgumentException.class, () -> NamedGroup.X25519.keyShareFromPrivate(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> NamedGroup.X448.keyShareFromPrivate(new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> NamedGroup.SECP256R1.keyShareFromPrivate(new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> NamedGroup.SECP256R1.keyShareFromPrivate(new byte[33]));
        byte[] order = new byte[32];
        EcCurve.putFixed(EcCurve.SECP256R1.params().getOrder(), order, 0, 32);
        assertThrows(IllegalArgumentException.class, () -> NamedGroup.SECP256R1.keyShareFromPrivate(order));
    }

    @Test
    void sharedSecretRefusesAPrivateKeyOfAnotherGroup() {
        KeyShare x = NamedGroup.X25519.generate(TestPki.seeded(1));
        KeyShare p256 = NamedGroup.SECP256R1.generate(TestPki.seeded(1));
        assertThrows(IllegalArgumentException.class,
                () -> NamedGroup.SECP256R1.sharedSecret(x.privateKey(), p256.publicBytes()));
        assertThrows(IllegalArgumentException.class,
                () -> NamedGroup.SECP384R1.sharedSecret(p256.privateKey(), p256.publicBytes()));
        assertThrows(IllegalArgumentException.class,
                () -> NamedGroup.X448.sharedSecret(x.privateKey(), new byte[56]));
    }

    @ParameterizedTest
    @EnumSource(NamedGroup.class)
    void sharesOfTheWrongLengthAreIllegalParameter(NamedGroup group) throws TlsAlertException {
        KeyShare ours = group.generate(TestPki.seeded(3));
        byte[] good = group.respond(group.generate(TestPki.seeded(4)).publicBytes(), TestPki.seeded(5)).publicBytes();
        assertIllegalParameter(group, ours, new byte[0]);
        assertIllegalParameter(group, ours, Arrays.copyOf(good, good.length - 1));
        assertIllegalParameter(group, ours, Arrays.copyOf(good, good.length + 1));
    }

    @ParameterizedTest
    @EnumSource(value = NamedGroup.class, names = {"SECP256R1", "SECP384R1", "SECP521R1"})
    void malformedEcPointsAreIllegalParameter(NamedGroup group) {
        KeyShare ours = group.generate(TestPki.seeded(5));
        byte[] good = group.generate(TestPki.seeded(6)).publicBytes();
        int n = (good.length - 1) / 2;

        byte[] compressedForm = good.clone();
        compressedForm[0] = 0x02; // RFC 8446 §4.2.8.2: only the uncompressed form (4) exists in TLS 1.3
        assertIllegalParameter(group, ours, compressedForm);

        byte[] yPlusOne = good.clone(); // off the curve: the JCA is not trusted to notice
        EcCurve.putFixed(new BigInteger(1, Arrays.copyOfRange(good, 1 + n, good.length)).add(BigInteger.ONE)
                .mod(fieldPrime(group)), yPlusOne, 1 + n, n);
        assertIllegalParameter(group, ours, yPlusOne);

        byte[] origin = new byte[good.length]; // (0, 0) is not on a curve with b != 0
        origin[0] = 4;
        assertIllegalParameter(group, ours, origin);

        byte[] xIsP = good.clone(); // a coordinate equal to the field prime is out of range
        EcCurve.putFixed(fieldPrime(group), xIsP, 1, n);
        assertIllegalParameter(group, ours, xIsP);

        byte[] allOnes = new byte[good.length];
        Arrays.fill(allOnes, (byte) 0xFF);
        allOnes[0] = 4;
        assertIllegalParameter(group, ours, allOnes);
    }

    @ParameterizedTest
    @EnumSource(value = NamedGroup.class, names = {"X25519", "X448"})
    void smallOrderXdhSharesAreIllegalParameter(NamedGroup group) {
        KeyShare ours = group.generate(TestPki.seeded(8));
        int length = group.keyExchangeLength();
        byte[] zero = new byte[length];
        byte[] one = new byte[length];
        one[0] = 1;
        assertIllegalParameter(group, ours, zero); // u = 0: the output is all zeros (RFC 7748 §6)
        assertIllegalParameter(group, ours, one);
        if (group == NamedGroup.X25519) {
            // u = p (2^255 - 19), non-canonical for 0, and u = p + 1 for 1: still the peer's fault.
            assertIllegalParameter(group, ours, hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
            assertIllegalParameter(group, ours, hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
            // A point of order 8 (RFC 7748 §7 lists checking for these; the output is all zeros).
            assertIllegalParameter(group, ours, hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"));
        }
    }

    @Test
    void x25519MasksTheTopBitOfThePeerShare() throws TlsAlertException {
        // RFC 7748 §5: the most significant bit of the final byte is ignored.
        KeyShare ours = NamedGroup.X25519.generate(TestPki.seeded(10));
        byte[] peer = NamedGroup.X25519.generate(TestPki.seeded(11)).publicBytes();
        byte[] flagged = peer.clone();
        flagged[31] |= (byte) 0x80;
        assertArrayEquals(ours.sharedSecret(peer), ours.sharedSecret(flagged));
    }

    @Test
    void randomPeerSharesGiveASecretOrIllegalParameter() {
        // The (EC)DHE groups, whose peer shares are points; X25519MLKEM768Test has the hybrid's.
        NamedGroup[] groups = Arrays.stream(NamedGroup.values()).filter(g -> g != NamedGroup.X25519MLKEM768)
                .toArray(NamedGroup[]::new);
        KeyShare[] ours = new KeyShare[groups.length];
        for (int i = 0; i < groups.length; i++) {
            ours[i] = groups[i].generate(TestPki.seeded(i));
        }
        Properties.forAll(r -> {
            int g = r.nextInt(groups.length);
            return new Object[] {g, peerBytes(r, groups[g])};
        }, input -> {
            NamedGroup group = groups[(int) input[0]];
            byte[] peer = (byte[]) input[1];
            try {
                byte[] secret = ours[(int) input[0]].sharedSecret(peer);
                assertEquals(group.keyExchangeLength(), peer.length);
                assertTrue(secret.length > 0);
            } catch (TlsAlertException e) {
                assertEquals(TlsAlert.ILLEGAL_PARAMETER, e.alert());
            }
        });
    }

    /** Random bytes, often of the right length, sometimes an uncompressed-form prefix on random coordinates. */
    private static byte[] peerBytes(SplittableRandom r, NamedGroup group) {
        int length = group.keyExchangeLength();
        byte[] b = switch (r.nextInt(3)) {
            case 0 -> Generators.bytesUpTo(r, length + 8);
            default -> Generators.bytes(r, length);
        };
        if (b.length > 0 && r.nextBoolean()) {
            b[0] = 4;
        }
        return b;
    }

    @Test
    void keyShareCopiesItsPublicBytesAndHidesThePrivateKey() {
        KeyShare share = NamedGroup.X25519.generate(TestPki.seeded(12));
        byte[] first = share.publicBytes();
        first[0] ^= 1;
        assertFalse(Arrays.equals(first, share.publicBytes()));
        assertEquals(share, new KeyShare(share.group(), share.privateKey(), share.publicBytes()));
        assertTrue(share.toString().contains(hex(share.publicBytes())));
        assertFalse(share.toString().contains(share.privateKey().toString()));
    }

    private static BigInteger fieldPrime(NamedGroup group) {
        EcCurve curve = switch (group) {
            case SECP256R1 -> EcCurve.SECP256R1;
            case SECP384R1 -> EcCurve.SECP384R1;
            default -> EcCurve.SECP521R1;
        };
        return ((ECFieldFp) curve.params().getCurve().getField()).getP();
    }

    private static void assertIllegalParameter(NamedGroup group, KeyShare ours, byte[] peer) {
        TlsAlertException e = assertThrows(TlsAlertException.class, () -> group.sharedSecret(ours.privateKey(), peer),
                () -> group + " accepted " + hex(peer));
        assertEquals(TlsAlert.ILLEGAL_PARAMETER, e.alert(), e::getMessage);
    }
}
