package qsock.tls.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import qsock.tls.Credential;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.SignatureScheme;

/**
 * The client's choice of a credential for a CertificateRequest (RFC 8446 §4.4.2.3): key scheme, chain
 * signatures (signature_algorithms_cert) and certificate_authorities must all allow it.
 */
class CertificateChainsTest {

    private static final List<SignatureScheme> OURS = List.of(SignatureScheme.ECDSA_SECP256R1_SHA256,
            SignatureScheme.ED25519, SignatureScheme.RSA_PSS_RSAE_SHA256);
    private static final List<Integer> ALL = SignatureScheme.DEFAULT_PREFERENCE.stream()
            .map(SignatureScheme::code).toList();

    private static Credential credential(String pki) {
        return new Credential(TestPki.chain(pki), TestPki.leafKey(pki));
    }

    private static X500Principal caName(String pki) {
        return TestPki.ca(pki).getSubjectX500Principal();
    }

    @Test
    void aChainSignedWithASchemeTheRequestDoesNotAcceptOnCertificatesIsNotChosen() {
        List<Integer> ed25519Only = List.of(SignatureScheme.ED25519.code());
        assertNull(CertificateChains.clientCredentialScheme(credential("ecdsa-p256"), ALL, ed25519Only, null, OURS));
        assertEquals(SignatureScheme.ED25519,
                CertificateChains.clientCredentialScheme(credential("ed25519"), ALL, ed25519Only, null, OURS));
        assertEquals(SignatureScheme.ECDSA_SECP256R1_SHA256,
                CertificateChains.clientCredentialScheme(credential("ecdsa-p256"), ALL, ALL, null, OURS));
    }

    @Test
    void aKeyNoRequestedSchemeSignsWithIsNotChosen() {
        List<Integer> rsaPss = List.of(SignatureScheme.RSA_PSS_RSAE_SHA256.code());
        assertNull(CertificateChains.clientCredentialScheme(credential("ecdsa-p256"), rsaPss, ALL, null, OURS));
    }

    @Test
    void withCertificateAuthoritiesOnlyAChainTheyIssuedIsChosen() {
        assertNull(CertificateChains.clientCredentialScheme(credential("ecdsa-p256"), ALL, ALL,
                Set.of(caName("rsa")), OURS));
        assertEquals(SignatureScheme.ECDSA_SECP256R1_SHA256, CertificateChains.clientCredentialScheme(
                credential("ecdsa-p256"), ALL, ALL, Set.of(caName("rsa"), caName("ecdsa-p256")), OURS));
    }

    @Test
    void aChainMatchesByItsIssuerEvenWithoutTheRootAndByASubjectItIncludes() {
        List<java.security.cert.X509Certificate> leafOnly = List.of(TestPki.leaf("ecdsa-p256"));
        assertTrue(CertificateChains.issuedByOneOf(leafOnly, Set.of(caName("ecdsa-p256"))));
        assertFalse(CertificateChains.issuedByOneOf(leafOnly, Set.of(caName("rsa"))));
        X500Principal leafSubject = TestPki.leaf("ecdsa-p256").getSubjectX500Principal();
        assertTrue(CertificateChains.issuedByOneOf(leafOnly, Set.of(leafSubject)));
    }

    @Test
    void theServerAcceptsPkcs1ButNotSha1OnClientCertificates() {
        assertTrue(CertificateChains.CLIENT_CERTIFICATE_SCHEMES.contains(SignatureScheme.RSA_PKCS1_SHA256));
        assertFalse(CertificateChains.CLIENT_CERTIFICATE_SCHEMES.contains(SignatureScheme.RSA_PKCS1_SHA1));
        assertFalse(CertificateChains.CLIENT_CERTIFICATE_SCHEMES.contains(SignatureScheme.ECDSA_SHA1));
    }
}
