package qsock.tls.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.Test;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.jca.SignatureScheme;
import qsock.core.handshake.HashFunction;
import qsock.core.crypto.Hkdf;

/**
 * The key schedule against RFC 8448 §3, "Simple 1-RTT Handshake": its published messages, keys and
 * secrets (public test vectors) reproduced value by value.
 */
class Rfc8448KeyScheduleTest {

    private static final HexFormat HEX = HexFormat.of();

    static final String CLIENT_PRIVATE_X25519 = "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
    static final String SERVER_PUBLIC_X25519 = "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";

    static final String CLIENT_HELLO = "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
            + "000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d00170018"
            + "00190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e"
            + "51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04030503060302030804080508060401050106"
            + "0102010402050206020202002d00020101001c00024001";
    static final String SERVER_HELLO = "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2"
            + "692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e"
            + "751f0f002b00020304";
    static final String ENCRYPTED_EXTENSIONS = "080000240022000a00140012001d00170018001901000101010201030104"
            + "001c0002400100000000";
    static final String CERTIFICATE = "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a8648"
            + "86f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236"
            + "303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d0101010500"
            + "03818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de4"
            + "9a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d"
            + "38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d7"
            + "9f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886"
            + "f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2ea"
            + "e8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63"
            + "a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187"
            + "b42b4de10000";
    static final String CERTIFICATE_VERIFY = "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd48414"
            + "5ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d"
            + "4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e06"
            + "3dda65cdf5aea20d53dfacd42f74f3";
    static final String SERVER_FINISHED = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
    static final String CLIENT_FINISHED = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

    static final String SHARED_SECRET = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
    static final String EARLY_SECRET = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
    static final String HANDSHAKE_SECRET = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
    static final String HELLO_HASH = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
    static final String CLIENT_HS_TRAFFIC = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
    static final String SERVER_HS_TRAFFIC = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
    static final String SERVER_FINISHED_KEY = "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8";
    static final String CLIENT_FINISHED_KEY = "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4";
    static final String MASTER_SECRET = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";
    static final String SERVER_FINISHED_HASH = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";
    static final String CLIENT_AP_TRAFFIC = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
    static final String SERVER_AP_TRAFFIC = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
    static final String EXPORTER_MASTER = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
    static final String RESUMPTION_MASTER = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";

    private final KeySchedule schedule = new KeySchedule(HashFunction.SHA256);

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    private static void assertHex(String expected, byte[] actual) {
        assertEquals(expected, HEX.formatHex(actual));
    }

    @Test
    void x25519SharedSecretIsTheTraces() throws Exception {
        KeyFactory kf = KeyFactory.getInstance("XDH");
        PrivateKey ours = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, hex(CLIENT_PRIVATE_X25519)));
        byte[] u = hex(SERVER_PUBLIC_X25519);
        // RFC 7748 §5: u-coordinates are little-endian.
        byte[] bigEndian = new byte[u.length];
        for (int i = 0; i < u.length; i++) {
            bigEndian[i] = u[u.length - 1 - i];
        }
        PublicKey theirs = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(ours);
        ka.doPhase(theirs, true);
        assertHex(SHARED_SECRET, ka.generateSecret());
    }

    @Test
    void earlyAndHandshakeSecretsAreTheTraces() {
        byte[] early = schedule.earlySecret(null);
        assertHex(EARLY_SECRET, early);
        assertHex(HANDSHAKE_SECRET, schedule.handshakeSecret(early, hex(SHARED_SECRET)));
    }

    @Test
    void transcriptAndHandshakeTrafficSecretsAreTheTraces() {
        TranscriptHash transcript = new TranscriptHash();
        // The client adds its ClientHello before it knows the hash.
        transcript.add(hex(CLIENT_HELLO));
        transcript.add(hex(SERVER_HELLO));
        transcript.select(HashFunction.SHA256);
        assertHex(HELLO_HASH, transcript.current());
        byte[] hs = hex(HANDSHAKE_SECRET);
        assertHex(CLIENT_HS_TRAFFIC, schedule.clientHandshakeTrafficSecret(hs, transcript.current()));
        assertHex(SERVER_HS_TRAFFIC, schedule.serverHandshakeTrafficSecret(hs, transcript.current()));
    }

    @Test
    void finishedValuesAndApplicationSecretsAreTheTraces() {
        TranscriptHash transcript = new TranscriptHash();
        transcript.select(HashFunction.SHA256);
        for (String m : new String[] {CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY}) {
            transcript.add(hex(m));
        }
        assertHex(SERVER_FINISHED_KEY, schedule.finishedKey(hex(SERVER_HS_TRAFFIC)));
        byte[] serverVerify = schedule.finishedVerifyData(hex(SERVER_HS_TRAFFIC), transcript.current());
        assertEquals(SERVER_FINISHED.substring(8), HEX.formatHex(serverVerify));
        assertTrue(schedule.verifyFinished(hex(SERVER_HS_TRAFFIC), transcript.current(), serverVerify));
        serverVerify[31] ^= 1;
        assertFalse(schedule.verifyFinished(hex(SERVER_HS_TRAFFIC), transcript.current(), serverVerify));

        transcript.add(hex(SERVER_FINISHED));
        assertHex(SERVER_FINISHED_HASH, transcript.current());
        byte[] master = schedule.masterSecret(hex(HANDSHAKE_SECRET));
        assertHex(MASTER_SECRET, master);
        assertHex(CLIENT_AP_TRAFFIC, schedule.clientApplicationTrafficSecret(master, transcript.current()));
        assertHex(SERVER_AP_TRAFFIC, schedule.serverApplicationTrafficSecret(master, transcript.current()));
        assertHex(EXPORTER_MASTER, schedule.exporterMasterSecret(master, transcript.current()));

        assertHex(CLIENT_FINISHED_KEY, schedule.finishedKey(hex(CLIENT_HS_TRAFFIC)));
        assertEquals(CLIENT_FINISHED.substring(8),
                HEX.formatHex(schedule.finishedVerifyData(hex(CLIENT_HS_TRAFFIC), transcript.current())));
        transcript.add(hex(CLIENT_FINISHED));
        assertHex(RESUMPTION_MASTER, schedule.resumptionMasterSecret(master, transcript.current()));
    }

    // RFC 8448 §3: the handshake and application traffic keys the record layer would use.
    @Test
    void trafficKeysAreTheTraces() {
        assertHex("3fce516009c21727d0f2e4e86ee403bc", Hkdf.expandLabel(HashFunction.SHA256, hex(SERVER_HS_TRAFFIC), "key", 16));
        assertHex("5d313eb2671276ee13000b30", Hkdf.expandLabel(HashFunction.SHA256, hex(SERVER_HS_TRAFFIC), "iv", 12));
        assertHex("dbfaa693d1762c5b666af5d950258d01", Hkdf.expandLabel(HashFunction.SHA256, hex(CLIENT_HS_TRAFFIC), "key", 16));
        assertHex("5bd3c71b836e0b76bb73265f", Hkdf.expandLabel(HashFunction.SHA256, hex(CLIENT_HS_TRAFFIC), "iv", 12));
        assertHex("9f02283b6c9c07efc26bb9f2ac92e356", Hkdf.expandLabel(HashFunction.SHA256, hex(SERVER_AP_TRAFFIC), "key", 16));
        assertHex("cf782b88dd83549aadf1e984", Hkdf.expandLabel(HashFunction.SHA256, hex(SERVER_AP_TRAFFIC), "iv", 12));
    }

    // RFC 8448 §3: the server's CertificateVerify (rsa_pss_rsae_sha256) over ClientHello..Certificate, checked
    // with the public key of the trace's own certificate.
    @Test
    void theTracesCertificateVerifyVerifies() throws Exception {
        TranscriptHash transcript = new TranscriptHash();
        transcript.select(HashFunction.SHA256);
        for (String m : new String[] {CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE}) {
            transcript.add(hex(m));
        }
        byte[] certificateMessage = hex(CERTIFICATE);
        // Certificate: type(1) length(3) context length(1)=0 list length(3) entry length(3) DER...
        int derLength = ((certificateMessage[8] & 0xff) << 16) | ((certificateMessage[9] & 0xff) << 8)
                | (certificateMessage[10] & 0xff);
        byte[] der = java.util.Arrays.copyOfRange(certificateMessage, 11, 11 + derLength);
        var certificate = CertificateValidator.parseChain(java.util.List.of(der)).get(0);
        byte[] verify = hex(CERTIFICATE_VERIFY);
        // CertificateVerify: type(1) length(3) scheme(2) signature length(2) signature
        assertEquals(0x0804, ((verify[4] & 0xff) << 8) | (verify[5] & 0xff));
        byte[] signature = java.util.Arrays.copyOfRange(verify, 8, verify.length);
        SignatureScheme scheme = SignatureScheme.RSA_PSS_RSAE_SHA256;
        assertTrue(scheme.verify(certificate.getPublicKey(), transcript.current(), true, signature));
        assertFalse(scheme.verify(certificate.getPublicKey(), transcript.current(), false, signature),
                "the client context string must not verify");
    }
}
