package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.EncodedKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KEM;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.cert.TestPki;

/**
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3) against the draft's construction, rebuilt here from its parts
 * on the JCA: the client share is the ML-KEM-768 encapsulation key then the X25519 key, the server share the
 * ciphertext then the X25519 key, and the secret the ML-KEM secret then the X25519 secret. The X25519 halves
 * are RFC 7748 §6.1's keys, so their secret is the RFC's.
 */
class X25519MlKem768Test {

    private static final NamedGroup GROUP = NamedGroup.X25519MLKEM768;
    /** RFC 7748 §6.1: Alice's and Bob's private keys, Bob's public key and their shared secret. */
    private static final byte[] ALICE = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] BOB = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] ALICE_PUBLIC =
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB_PUBLIC = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] RFC7748_SECRET =
            hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static KeyPair mlKemKeyPair(long seed) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("ML-KEM-768");
        g.initialize(NamedParameterSpec.ML_KEM_768, TestPki.seeded(seed));
        return g.generateKeyPair();
    }

    private static byte[] rawEncapsulationKey(KeyPair mlKem) throws Exception {
        return KeyFactory.getInstance("ML-KEM-768").getKeySpec(mlKem.getPublic(), EncodedKeySpec.class).getEncoded();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void codePointAndLengthsAreTheDrafts() {
        // draft-ietf-tls-ecdhe-mlkem §3-4: 0x11EC; 1184 + 32 from the client, 1088 + 32 from the server.
        assertEquals(0x11ec, GROUP.code());
        assertEquals(GROUP, NamedGroup.fromCode(0x11ec));
        assertEquals("X25519MLKEM768(0x11ec)", GROUP.toString());
        assertEquals(1216, GROUP.keyExchangeLength());
        assertEquals(1120, GROUP.serverKeyExchangeLength());
    }

    @Test
    void theClientShareIsTheEncapsulationKeyThenTheX25519Key() throws Exception {
        KeyPair mlKem = mlKemKeyPair(1);
        KeyShare share = MlKemHybrid.keyShare(mlKem, NamedGroup.X25519.keyShareFromPrivate(ALICE));
        byte[] encapsulationKey = rawEncapsulationKey(mlKem);
        assertEquals(1184, encapsulationKey.length);
        assertArrayEquals(concat(encapsulationKey, ALICE_PUBLIC), share.publicBytes());

        // generate() draws the same two key pairs from the same seed, ML-KEM first.
        SecureRandom replay = TestPki.seeded(2);
        KeyPairGenerator g = KeyPairGenerator.getInstance("ML-KEM-768");
        g.initialize(NamedParameterSpec.ML_KEM_768, replay);
        KeyPair expectedMlKem = g.generateKeyPair();
        KeyShare expectedX25519 = NamedGroup.X25519.generate(replay);
        assertArrayEquals(concat(rawEncapsulationKey(expectedMlKem), expectedX25519.publicBytes()),
                GROUP.generate(TestPki.seeded(2)).publicBytes());
    }

    @Test
    void theClientSecretIsTheMlKemSecretThenTheX25519Secret() throws Exception {
        KeyPair mlKem = mlKemKeyPair(3);
        KeyShare client = MlKemHybrid.keyShare(mlKem, NamedGroup.X25519.keyShareFromPrivate(ALICE));
        // The server's side done by hand on the JCA: encapsulate to the client's key, answer with Bob's key.
        KEM.Encapsulated encapsulated = KEM.getInstance("ML-KEM-768")
                .newEncapsulator(mlKem.getPublic(), TestPki.seeded(4)).encapsulate();
        assertEquals(1088, encapsulated.encapsulation().length);
        byte[] serverShare = concat(encapsulated.encapsulation(), BOB_PUBLIC);
        byte[] secret = client.sharedSecret(serverShare);
        assertArrayEquals(concat(encapsulated.key().getEncoded(), RFC7748_SECRET), secret);
        assertEquals(64, secret.length);
    }

    @Test
    void theServerShareIsTheCiphertextThenTheX25519KeyAndItsSecretMatches() throws Exception {
        KeyPair mlKem = mlKemKeyPair(5);
        byte[] clientShare = concat(rawEncapsulationKey(mlKem), ALICE_PUBLIC);
        KeyShareResponse response = GROUP.respond(clientShare, TestPki.seeded(6));
        byte[] serverShare = response.publicBytes();
        assertEquals(1120, serverShare.length);
        byte[] ciphertext = Arrays.copyOfRange(serverShare, 0, 1088);
        byte[] serverX25519 = Arrays.copyOfRange(serverShare, 1088, 1120);
        // The client's side done by hand: decapsulate the ciphertext, X25519 with Alice's key.
        byte[] mlKemSecret = KEM.getInstance("ML-KEM-768").newDecapsulator(mlKem.getPrivate())
                .decapsulate(ciphertext).getEncoded();
        byte[] x25519Secret = NamedGroup.X25519.keyShareFromPrivate(ALICE).sharedSecret(serverX25519);
        assertArrayEquals(concat(mlKemSecret, x25519Secret), response.sharedSecret());
    }

    @Test
    void theServerAnswersRfc7748sBobWithTheRfcsX25519Secret() throws Exception {
        // Both X25519 halves fixed: the last 32 bytes of the hybrid secret are RFC 7748's.
        KeyPair mlKem = mlKemKeyPair(7);
        KeyShare client = MlKemHybrid.keyShare(mlKem, NamedGroup.X25519.keyShareFromPrivate(ALICE));
        KeyShareResponse server = GROUP.respond(client.publicBytes(), TestPki.seeded(8));
        byte[] secret = client.sharedSecret(server.publicBytes());
        assertArrayEquals(secret, server.sharedSecret());
        byte[] bobSide = NamedGroup.X25519.keyShareFromPrivate(BOB).sharedSecret(ALICE_PUBLIC);
        assertArrayEquals(RFC7748_SECRET, bobSide);
        // The server's X25519 key is fresh, so only the ML-KEM half is checked against its own decapsulation.
        byte[] mlKemSecret = KEM.getInstance("ML-KEM-768").newDecapsulator(mlKem.getPrivate())
                .decapsulate(Arrays.copyOfRange(server.publicBytes(), 0, 1088)).getEncoded();
        assertArrayEquals(mlKemSecret, Arrays.copyOfRange(secret, 0, 32));
    }

    @Test
    void sharesOfTheWrongLengthAreIllegalParameterOnBothSides() throws Exception {
        KeyShare client = GROUP.generate(TestPki.seeded(9));
        byte[] clientShare = client.publicBytes();
        byte[] serverShare = GROUP.respond(clientShare, TestPki.seeded(10)).publicBytes();
        for (int delta : new int[] {-1, 1, -32, 32}) {
            // A client share of the server's length and the other way round are wrong too.
            assertAlert(TlsAlert.ILLEGAL_PARAMETER,
                    () -> GROUP.respond(Arrays.copyOf(clientShare, clientShare.length + delta), TestPki.seeded(11)));
            assertAlert(TlsAlert.ILLEGAL_PARAMETER,
                    () -> client.sharedSecret(Arrays.copyOf(serverShare, serverShare.length + delta)));
        }
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> GROUP.respond(serverShare, TestPki.seeded(11)));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> client.sharedSecret(clientShare));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> GROUP.respond(new byte[0], TestPki.seeded(11)));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> client.sharedSecret(new byte[0]));
    }

    @Test
    void anEncapsulationKeyThatFailsTheModulusCheckIsIllegalParameter() {
        // FIPS 203 §7.2: every 12-bit coefficient of the key must be below q = 3329; 0xFFF is not.
        byte[] share = GROUP.generate(TestPki.seeded(12)).publicBytes();
        Arrays.fill(share, 0, 3, (byte) 0xFF);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> GROUP.respond(share, TestPki.seeded(13)));
    }

    @Test
    void anAllZeroX25519OutputIsIllegalParameterOnBothSides() throws Exception {
        // RFC 8446 §7.4.2 for the X25519 half: u = 0 gives the all-zero output.
        KeyShare client = GROUP.generate(TestPki.seeded(14));
        byte[] clientShare = client.publicBytes();
        Arrays.fill(clientShare, 1184, 1216, (byte) 0);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> GROUP.respond(clientShare, TestPki.seeded(15)));
        byte[] serverShare = GROUP.respond(client.publicBytes(), TestPki.seeded(16)).publicBytes();
        Arrays.fill(serverShare, 1088, 1120, (byte) 0);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, () -> client.sharedSecret(serverShare));
    }

    @Test
    void aTamperedCiphertextGivesAnotherSecretNotAnException() throws Exception {
        // FIPS 203 implicit rejection: the client derives a different secret and the Finished check fails later.
        KeyShare client = GROUP.generate(TestPki.seeded(17));
        KeyShareResponse server = GROUP.respond(client.publicBytes(), TestPki.seeded(18));
        byte[] tampered = server.publicBytes();
        tampered[100] ^= 1;
        byte[] secret = client.sharedSecret(tampered);
        assertEquals(64, secret.length);
        assertFalse(Arrays.equals(server.sharedSecret(), secret));
        assertArrayEquals(Arrays.copyOfRange(server.sharedSecret(), 32, 64), Arrays.copyOfRange(secret, 32, 64));
    }

    @Test
    void replaysForTheSameSeedAndHidesItsPrivateKey() throws Exception {
        KeyShare a = GROUP.generate(TestPki.seeded(19));
        KeyShare b = GROUP.generate(TestPki.seeded(19));
        assertArrayEquals(a.publicBytes(), b.publicBytes());
        assertArrayEquals(GROUP.respond(a.publicBytes(), TestPki.seeded(20)).publicBytes(),
                GROUP.respond(b.publicBytes(), TestPki.seeded(20)).publicBytes());
        assertEquals("X25519MLKEM768 private key", a.privateKey().toString());
        assertFalse(a.toString().contains("private"));
        // A hybrid key is no x25519 key, and an x25519 key no hybrid one.
        assertThrows(IllegalArgumentException.class,
                () -> NamedGroup.X25519.sharedSecret(a.privateKey(), new byte[32]));
        KeyShare x = NamedGroup.X25519.generate(TestPki.seeded(21));
        assertThrows(IllegalArgumentException.class, () -> GROUP.sharedSecret(x.privateKey(), new byte[1120]));
        assertThrows(IllegalArgumentException.class, () -> GROUP.keyShareFromPrivate(new byte[32]));
    }

    @Test
    void randomPeerSharesGiveASecretOrIllegalParameter() {
        KeyShare client = GROUP.generate(TestPki.seeded(22));
        SecureRandom serverRandom = TestPki.seeded(23);
        Properties.forAll(r -> {
            boolean toServer = r.nextBoolean();
            int length = toServer ? 1216 : 1120;
            byte[] b = r.nextInt(4) == 0 ? Generators.bytesUpTo(r, length + 8) : Generators.bytes(r, length);
            return new Object[] {toServer, b};
        }, input -> {
            boolean toServer = (boolean) input[0];
            byte[] peer = (byte[]) input[1];
            try {
                byte[] secret = toServer ? GROUP.respond(peer, serverRandom).sharedSecret()
                        : client.sharedSecret(peer);
                assertEquals(toServer ? 1216 : 1120, peer.length);
                assertEquals(64, secret.length);
            } catch (TlsAlertException e) {
                assertEquals(TlsAlert.ILLEGAL_PARAMETER, e.alert(), e::getMessage);
            }
        });
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static void assertAlert(TlsAlert alert, Call call) {
        TlsAlertException e = assertThrows(TlsAlertException.class, call::run);
        assertEquals(alert, e.alert(), e::getMessage);
        assertTrue(e.getMessage().length() < 300, "a bounded message");
    }
}
