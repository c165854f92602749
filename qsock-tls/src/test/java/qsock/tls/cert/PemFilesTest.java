package qsock.tls.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class PemFilesTest {

    private static final List<String> KEY_FIXTURES = List.of("rsa-ca.key", "rsa-leaf.key", "rsa-leaf.pkcs1.key",
            "ecdsa-p256-ca.key", "ecdsa-p256-leaf.key", "ecdsa-p256-leaf.sec1.key", "ecdsa-p384-ca.key",
            "ecdsa-p384-leaf.key", "ed25519-ca.key", "ed25519-leaf.key", "rsa-pss.key", "rsa-pss-sha384.key");

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    @Test
    void everyCertificateFixtureLoadsInOrder() throws PemFormatException {
        for (String name : TestPki.NAMES) {
            X509Certificate ca = single(name + "-ca.pem");
            X509Certificate leaf = single(name + "-leaf.pem");
            List<X509Certificate> chain = PemFiles.readCertificates(TestPki.text(name + "-chain.pem"));
            assertEquals(List.of(leaf, ca), chain, name);
            assertEquals(ca.getSubjectX500Principal(), leaf.getIssuerX500Principal());
            assertEquals("CN=localhost", leaf.getSubjectX500Principal().getName());
        }
        for (String odd : List.of("expired", "future", "clientonly", "nosan")) {
            assertEquals(TestPki.ca("ecdsa-p256").getSubjectX500Principal(),
                    single("ecdsa-p256-" + odd + "-leaf.pem").getIssuerX500Principal());
        }
    }

    private static X509Certificate single(String file) throws PemFormatException {
        List<X509Certificate> certs = PemFiles.readCertificates(TestPki.text(file));
        assertEquals(1, certs.size(), file);
        return certs.getFirst();
    }

    @Test
    void everyKeyFixtureLoadsWithItsAlgorithm() throws PemFormatException {
        for (String file : KEY_FIXTURES) {
            PrivateKey key = PemFiles.readPrivateKey(TestPki.text(file));
            String expected = file.startsWith("rsa-pss") ? "RSASSA-PSS"
                    : file.startsWith("rsa") ? "RSA" : file.startsWith("ecdsa") ? "EC" : "EdDSA";
            assertEquals(expected, key.getAlgorithm(), file);
        }
    }

    @Test
    void pkcs1KeyEqualsItsPkcs8Twin() throws PemFormatException {
        RSAPrivateCrtKey pkcs8 = (RSAPrivateCrtKey) PemFiles.readPrivateKey(TestPki.text("rsa-leaf.key"));
        RSAPrivateCrtKey pkcs1 = (RSAPrivateCrtKey) PemFiles.readPrivateKey(TestPki.text("rsa-leaf.pkcs1.key"));
        assertEquals(pkcs8.getModulus(), pkcs1.getModulus());
        assertEquals(pkcs8.getPublicExponent(), pkcs1.getPublicExponent());
        assertEquals(pkcs8.getPrivateExponent(), pkcs1.getPrivateExponent());
        assertEquals(pkcs8.getPrimeP(), pkcs1.getPrimeP());
        assertEquals(pkcs8.getPrimeQ(), pkcs1.getPrimeQ());
        assertEquals(pkcs8.getCrtCoefficient(), pkcs1.getCrtCoefficient());
        assertArrayEquals(pkcs8.getEncoded(), pkcs1.getEncoded());
    }

    @Test
    void sec1KeyEqualsItsPkcs8Twin() throws PemFormatException {
        ECPrivateKey pkcs8 = (ECPrivateKey) PemFiles.readPrivateKey(TestPki.text("ecdsa-p256-leaf.key"));
        ECPrivateKey sec1 = (ECPrivateKey) PemFiles.readPrivateKey(TestPki.text("ecdsa-p256-leaf.sec1.key"));
        assertEquals(pkcs8.getS(), sec1.getS());
        assertEquals(pkcs8.getParams().getCurve(), sec1.getParams().getCurve());
        assertEquals(pkcs8.getParams().getGenerator(), sec1.getParams().getGenerator());
        assertEquals(pkcs8.getParams().getOrder(), sec1.getParams().getOrder());
    }

    @Test
    void everyLeafKeySignsForItsCertificate() throws GeneralSecurityException, PemFormatException {
        String[][] cases = {{"rsa-leaf.key", "rsa", "SHA256withRSA"}, {"rsa-leaf.pkcs1.key", "rsa", "SHA256withRSA"},
            {"ecdsa-p256-leaf.key", "ecdsa-p256", "SHA256withECDSA"},
            {"ecdsa-p256-leaf.sec1.key", "ecdsa-p256", "SHA256withECDSA"},
            {"ecdsa-p384-leaf.key", "ecdsa-p384", "SHA384withECDSA"}, {"ed25519-leaf.key", "ed25519", "Ed25519"}};
        byte[] message = "qsock".getBytes(StandardCharsets.US_ASCII);
        for (String[] c : cases) {
            Signature s = Signature.getInstance(c[2]);
            s.initSign(PemFiles.readPrivateKey(TestPki.text(c[0])));
            s.update(message);
            byte[] sig = s.sign();
            s.initVerify(TestPki.leaf(c[1]).getPublicKey());
            s.update(message);
            assertTrue(s.verify(sig), c[0]);
        }
        assertInstanceOf(EdECPrivateKey.class, PemFiles.readPrivateKey(TestPki.text("ed25519-leaf.key")));
    }

    @Test
    void rsassaPssKeysKeepTheirParameters() throws PemFormatException {
        RSAPrivateCrtKey plain = (RSAPrivateCrtKey) PemFiles.readPrivateKey(TestPki.text("rsa-pss.key"));
        assertEquals(null, plain.getParams());
        RSAPrivateCrtKey restricted = (RSAPrivateCrtKey) PemFiles.readPrivateKey(TestPki.text("rsa-pss-sha384.key"));
        PSSParameterSpec p = assertInstanceOf(PSSParameterSpec.class, restricted.getParams());
        assertEquals("SHA-384", p.getDigestAlgorithm());
        assertEquals("SHA-384", ((MGF1ParameterSpec) p.getMGFParameters()).getDigestAlgorithm());
        assertEquals(48, p.getSaltLength());
    }

    @Test
    void encryptedKeysAreRefusedWithAHint() {
        for (String file : List.of("ecdsa-p256-leaf.encrypted.key", "ecdsa-p256-leaf.sec1-encrypted.key")) {
            PemFormatException e = assertThrows(PemFormatException.class,
                    () -> PemFiles.readPrivateKey(TestPki.text(file)));
            assertTrue(e.getMessage().contains("encrypted, which is not supported"), e.getMessage());
            assertTrue(e.getMessage().contains("openssl pkey"), e.getMessage());
        }
    }

    @Test
    void missingBlocksAreNamed() {
        assertMessage("no CERTIFICATE block found (found: PRIVATE KEY)",
                () -> PemFiles.readCertificates(TestPki.text("rsa-leaf.key")));
        assertMessage("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found (found: CERTIFICATE)",
                () -> PemFiles.readPrivateKey(TestPki.text("rsa-chain.pem")));
        assertMessage("no CERTIFICATE block found (the input has no PEM block at all)",
                () -> PemFiles.readCertificates(""));
        assertMessage("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found (the input has no PEM block at all)",
                () -> PemFiles.readPrivateKey("just some text\n"));
    }

    @Test
    void malformedBlocksAreRefused() {
        String cert = TestPki.text("rsa-leaf.pem");
        assertMessage("BEGIN CERTIFICATE on line 1 has no END line",
                () -> PemFiles.readCertificates(cert.substring(0, cert.indexOf("-----END"))));
        assertMessage("BEGIN CERTIFICATE on line 1 ends with END PRIVATE KEY on line ",
                () -> PemFiles.readCertificates(cert.replace("END CERTIFICATE", "END PRIVATE KEY")));
        assertMessage("CERTIFICATE block on line 1 is not valid base64",
                () -> PemFiles.readCertificates(cert.replaceFirst("\n[A-Za-z0-9+/]", "\n!")));
        assertMessage("CERTIFICATE block on line 1 is empty",
                () -> PemFiles.readCertificates("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"));
        assertMessage("CERTIFICATE block 1 is not a valid certificate",
                () -> PemFiles.readCertificates(pem("CERTIFICATE", new byte[] {0x30, 0x03, 1, 2, 3})));
        assertMessage("malformed PEM boundary on line 1", () -> PemFiles.readCertificates("-----BEGIN CERTIFICATE\n"));
    }

    @Test
    void aCertificateWithTrailingBytesIsRefused() throws Exception {
        byte[] der = TestPki.leaf("rsa").getEncoded();
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 1);
        assertMessage("trailing bytes", () -> PemFiles.readCertificates(pem("CERTIFICATE", longer)));
    }

    @Test
    void twoKeysAreAmbiguous() {
        assertMessage("more than one private key found (PRIVATE KEY, RSA PRIVATE KEY)",
                () -> PemFiles.readPrivateKey(TestPki.text("rsa-leaf.key") + TestPki.text("rsa-leaf.pkcs1.key")));
    }

    @Test
    void aCombinedFileWithTextCrlfAndOtherBlocksServesBothReaders() throws PemFormatException {
        // Text outside blocks (as `openssl x509 -text` writes), CRLF line ends, a key next to the chain.
        String combined = ("Certificate:\n    Data: whatever openssl printed\n" + TestPki.text("ecdsa-p256-chain.pem")
                + "EC PARAMETERS would be skipped too\n" + TestPki.text("ecdsa-p256-leaf.sec1.key"))
                .replace("\n", "\r\n");
        assertEquals(TestPki.chain("ecdsa-p256"), PemFiles.readCertificates(combined));
        assertEquals(((ECPrivateKey) TestPki.leafKey("ecdsa-p256")).getS(),
                ((ECPrivateKey) PemFiles.readPrivateKey(combined)).getS());
    }

    @Test
    void unsupportedKeyAlgorithmsAreNamed() throws GeneralSecurityException {
        byte[] x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair().getPrivate().getEncoded();
        assertMessage("the PRIVATE KEY has the unsupported algorithm 1.3.101.110",
                () -> PemFiles.readPrivateKey(pem("PRIVATE KEY", x25519)));
    }

    @Test
    void sec1KeysMustNameTheirCurve() {
        // RFC 5915 ECPrivateKey { version 1, privateKey OCTET STRING } without [0] parameters.
        byte[] bare = HexFormat.of().parseHex("302502010104200102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        assertMessage("does not name its curve", () -> PemFiles.readPrivateKey(pem("EC PRIVATE KEY", bare)));
        byte[] version2 = bare.clone();
        version2[4] = 2;
        assertMessage("unsupported version", () -> PemFiles.readPrivateKey(pem("EC PRIVATE KEY", version2)));
    }

    @Test
    void truncatedDerIsMalformed() {
        byte[] der = Base64.getMimeDecoder().decode(TestPki.text("rsa-leaf.key")
                .replaceAll("-----[A-Z ]+-----", ""));
        byte[] truncated = java.util.Arrays.copyOf(der, 40);
        assertMessage("the PKCS#8 PRIVATE KEY is malformed: DER declares",
                () -> PemFiles.readPrivateKey(pem("PRIVATE KEY", truncated)));
    }

    @Test
    void pathsAndStreamsRead(@TempDir Path dir) throws IOException {
        Path chain = Files.writeString(dir.resolve("chain.pem"), TestPki.text("ed25519-chain.pem"));
        Path key = Files.writeString(dir.resolve("key.pem"), TestPki.text("ed25519-leaf.key"));
        assertEquals(TestPki.chain("ed25519"), PemFiles.readCertificates(chain));
        assertEquals(TestPki.leafKey("ed25519"), PemFiles.readPrivateKey(key));
        try (InputStream in = Files.newInputStream(chain)) {
            assertEquals(TestPki.chain("ed25519"), PemFiles.readCertificates(in));
        }
        try (InputStream in = Files.newInputStream(key)) {
            assertEquals(TestPki.leafKey("ed25519"), PemFiles.readPrivateKey(in));
        }
        PemFormatException e = assertThrows(PemFormatException.class, () -> PemFiles.readCertificates(key));
        assertTrue(e.getMessage().startsWith(key + ": no CERTIFICATE block"), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> PemFiles.readPrivateKey(dir.resolve("absent.pem")));
    }

    @Test
    void oversizedInputIsRefusedWithoutReadingItAll() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'A';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'A');
                return len;
            }
        };
        assertMessage("PEM input larger than " + PemFiles.MAX_INPUT_BYTES + " bytes", () -> PemFiles.readCertificates(endless));
    }

    @Test
    @Timeout(120)
    void randomTextRaisesOnlyPemFormatException() {
        Properties.forAll(r -> {
            byte[] b = Generators.bytesUpTo(r, 300);
            String s = new String(b, StandardCharsets.ISO_8859_1);
            return r.nextBoolean() ? "-----BEGIN " + (r.nextBoolean() ? "CERTIFICATE" : "PRIVATE KEY") + "-----\n" + s : s;
        }, PemFilesTest::readBoth);
    }

    @Test
    @Timeout(120)
    void mutatedFixtureTextRaisesOnlyPemFormatException() {
        List<String> files = List.of("rsa-chain.pem", "ecdsa-p256-leaf.sec1.key", "rsa-leaf.pkcs1.key",
                "ed25519-leaf.key", "ecdsa-p384-leaf.pem", "ecdsa-p256-leaf.sec1-encrypted.key");
        Properties.forAll(r -> mutateText(r, TestPki.text(files.get(r.nextInt(files.size())))), PemFilesTest::readBoth);
    }

    @Test
    @Timeout(120)
    void mutatedDerInsideValidPemRaisesOnlyPemFormatException() {
        String[][] fixtures = {{"rsa-leaf.key", "PRIVATE KEY"}, {"rsa-leaf.pkcs1.key", "RSA PRIVATE KEY"},
            {"ecdsa-p256-leaf.sec1.key", "EC PRIVATE KEY"}, {"ecdsa-p384-leaf.key", "PRIVATE KEY"},
            {"ed25519-leaf.key", "PRIVATE KEY"}, {"rsa-pss-sha384.key", "PRIVATE KEY"},
            {"ecdsa-p256-leaf.pem", "CERTIFICATE"}, {"ed25519-ca.pem", "CERTIFICATE"}};
        byte[][] ders = new byte[fixtures.length][];
        for (int i = 0; i < fixtures.length; i++) {
            ders[i] = Base64.getMimeDecoder().decode(TestPki.text(fixtures[i][0]).replaceAll("-----[A-Z ]+-----", ""));
        }
        Properties.forAll(r -> {
            int i = r.nextInt(fixtures.length);
            return pem(fixtures[i][1], mutateBytes(r, ders[i]));
        }, PemFilesTest::readBoth);
    }

    /** Reads {@code text} both ways: success or PemFormatException are the only outcomes allowed. */
    private static void readBoth(String text) {
        try {
            assertTrue(!PemFiles.readCertificates(text).isEmpty());
        } catch (PemFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
        try {
            assertTrue(PemFiles.readPrivateKey(text) != null);
        } catch (PemFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
    }

    private static String mutateText(SplittableRandom r, String text) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && !sb.isEmpty(); e++) {
            int at = r.nextInt(sb.length());
            switch (r.nextInt(4)) {
                case 0 -> sb.setCharAt(at, (char) r.nextInt(128));
                case 1 -> sb.deleteCharAt(at);
                case 2 -> sb.insert(at, (char) r.nextInt(256));
                default -> sb.setLength(at);
            }
        }
        return sb.toString();
    }

    /** One to four byte changes, insertions, deletions or a truncation of a DER encoding. */
    static byte[] mutateBytes(SplittableRandom r, byte[] der) {
        byte[] b = der.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0, 1 -> b[at] ^= (byte) (1 + r.nextInt(255));
                case 2 -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) r.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                case 3 -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        return b;
    }

    private interface Reader {
        Object read() throws IOException;
    }

    private static void assertMessage(String expectedPart, Reader reader) {
        PemFormatException e = assertThrows(PemFormatException.class, reader::read);
        assertTrue(e.getMessage().contains(expectedPart), () -> "message: " + e.getMessage());
    }

    @Test
    void streamsAreReadAsBytesNotDecodedText() throws IOException {
        // A UTF-8 byte inside base64 is refused as base64, not as a charset error.
        byte[] bytes = TestPki.text("rsa-leaf.pem").replaceFirst("\nM", "\n\u00e9").getBytes(StandardCharsets.UTF_8);
        assertMessage("is not valid base64", () -> PemFiles.readCertificates(new ByteArrayInputStream(bytes)));
    }
}
