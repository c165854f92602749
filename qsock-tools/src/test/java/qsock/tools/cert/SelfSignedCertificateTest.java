package qsock.tools.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.tls.Credential;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;

class SelfSignedCertificateTest {

    @TempDir
    Path state;

    @Test
    void generatesAnEcdsaP256CertificateForTheLoopbackNames() throws Exception {
        Credential credential = SelfSignedCertificate.generate(Instant.now());
        X509Certificate leaf = credential.leaf();
        ECPublicKey key = (ECPublicKey) leaf.getPublicKey();
        assertEquals(256, key.getParams().getCurve().getField().getFieldSize());
        assertEquals("SHA256withECDSA", leaf.getSigAlgName());
        Set<String> names = new HashSet<>();
        for (List<?> name : leaf.getSubjectAlternativeNames()) {
            names.add(name.get(1).toString());
        }
        assertTrue(names.contains("localhost"), names::toString);
        assertTrue(names.contains("127.0.0.1"), names::toString);
        assertTrue(names.stream().anyMatch(n -> n.equals("0:0:0:0:0:0:0:1") || n.equals("::1")), names::toString);
        leaf.verify(leaf.getPublicKey());
        assertTrue(leaf.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
    }

    @Test
    void theKeySignsForTheCertificate() throws Exception {
        Credential credential = SelfSignedCertificate.generate(Instant.now());
        byte[] message = "qsock".getBytes();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(credential.privateKey());
        signer.update(message);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(credential.leaf().getPublicKey());
        verifier.update(message);
        assertTrue(verifier.verify(signature));
    }

    @Test
    void aClientTrustingTheFileAcceptsItForEveryLoopbackName() throws Exception {
        Credential credential = SelfSignedCertificate.loadOrCreate(state);
        CertificateValidator validator = CertificateValidator.forTrustedCertificates(
                PemFiles.readCertificates(state.resolve(SelfSignedCertificate.CERTIFICATE_FILE)));
        validator.validateServer(credential.chain(), "localhost");
        validator.validateServer(credential.chain(), "127.0.0.1");
        validator.validateServer(credential.chain(), "::1");
    }

    @Test
    void isGeneratedOnceThenReloadedFromTheStateDirectory() throws Exception {
        Credential first = SelfSignedCertificate.loadOrCreate(state.resolve("nested/dir"));
        Path dir = state.resolve("nested/dir");
        assertTrue(Files.isRegularFile(dir.resolve(SelfSignedCertificate.CERTIFICATE_FILE)));
        assertEquals(PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(dir.resolve(SelfSignedCertificate.KEY_FILE)));
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"),
                Files.getPosixFilePermissions(dir.resolve(SelfSignedCertificate.CERTIFICATE_FILE)));
        Credential second = SelfSignedCertificate.loadOrCreate(dir);
        assertArrayEquals(first.leaf().getEncoded(), second.leaf().getEncoded());
        assertArrayEquals(first.privateKey().getEncoded(), second.privateKey().getEncoded());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void replacesAnExpiredCertificate() throws Exception {
        Credential expired = SelfSignedCertificate.generate(Instant.now().minus(SelfSignedCertificate.VALIDITY).minusSeconds(60));
        SelfSignedCertificate.store(expired, state);
        Credential replaced = SelfSignedCertificate.loadOrCreate(state);
        assertNotEquals(expired.leaf().getSerialNumber(), replaced.leaf().getSerialNumber());
        assertTrue(replaced.leaf().getNotAfter().toInstant().isAfter(Instant.now()));
    }

    @Test
    void writesPemInLinesOf64() {
        String pem = SelfSignedCertificate.pem("TEST", new byte[100]);
        String[] lines = pem.split("\n");
        assertEquals("-----BEGIN TEST-----", lines[0]);
        assertEquals(64, lines[1].length());
        assertEquals("-----END TEST-----", lines[lines.length - 1]);
    }
}
