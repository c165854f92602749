package qsock.tls.jca;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import qsock.tls.cert.TestPki;

/** Naming the signatures on the test PKI's certificates in signature_algorithms_cert terms. */
class CertificateSignatureSchemeTest {

    @Test
    void namesTheSignaturesOfTheTestPki() {
        assertEquals(SignatureScheme.RSA_PKCS1_SHA256,
                SignatureScheme.ofCertificateSignature(TestPki.leaf("rsa"), TestPki.ca("rsa").getPublicKey()));
        assertEquals(SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.ofCertificateSignature(
                TestPki.leaf("ecdsa-p256"), TestPki.ca("ecdsa-p256").getPublicKey()));
        // gen.sh lets OpenSSL sign with its default SHA-256 even under the P-384 CA: by the hash, that is
        // ecdsa_secp256r1_sha256 (TLS has no code point for P-384 with SHA-256).
        assertEquals(SignatureScheme.ECDSA_SECP256R1_SHA256, SignatureScheme.ofCertificateSignature(
                TestPki.leaf("ecdsa-p384"), TestPki.ca("ecdsa-p384").getPublicKey()));
        assertEquals(SignatureScheme.ED25519, SignatureScheme.ofCertificateSignature(
                TestPki.leaf("ed25519"), TestPki.ca("ed25519").getPublicKey()));
    }
}
