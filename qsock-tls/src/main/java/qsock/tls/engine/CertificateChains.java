package qsock.tls.engine;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import qsock.tls.jca.SignatureScheme;
import java.util.Locale;
import qsock.core.error.PeerText;
import qsock.tls.Credential;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * What signature_algorithms_cert (RFC 8446 §4.2.3, §4.4.2.2) and certificate_authorities (§4.2.4,
 * §4.4.2.3) say about a certificate chain.
 */
final class CertificateChains {

    /**
     * The schemes a server accepts on the certificates of a client's chain, sent as signature_algorithms_cert
     * in its CertificateRequest: every scheme this engine can check on a certificate but the SHA-1 ones
     * (RFC 8446 §4.4.2.4 discourages SHA-1; the JDK's PKIX refuses it). RSASSA-PKCS1-v1_5 is in it, as most
     * CAs still sign with it, which RFC 8446 §4.2.3 allows in certificates; without this extension the
     * CertificateRequest's signature_algorithms, which cannot name PKCS#1 (§4.4.3), would also bind the
     * client's chain (§4.2.3).
     */
    static final List<SignatureScheme> CLIENT_CERTIFICATE_SCHEMES = Arrays.stream(SignatureScheme.values())
            .filter(s -> s != SignatureScheme.RSA_PKCS1_SHA1 && s != SignatureScheme.ECDSA_SHA1)
            .toList();

    private CertificateChains() {}

    /**
     * {@return the scheme a client signs its CertificateVerify with if a server's CertificateRequest allows
     * this credential, else null} RFC 8446 §4.4.2.3: the key must sign with one of the request's
     * signature_algorithms (§4.4.3); the certificates "MUST be signed using an acceptable signature
     * algorithm" (signature_algorithms_cert, else signature_algorithms; self-signed ones are not checked,
     * §4.2.3); and when the request lists certificate_authorities, a certificate of the chain "SHOULD be
     * issued by one of the listed CAs", which we make a condition so that a client with several credentials
     * answers with the one the server can validate.
     *
     * @param requestedSchemes the request's signature_algorithms
     * @param requestedCertificateSchemes its signature_algorithms_cert, or its signature_algorithms without one
     * @param requestedAuthorities its certificate_authorities, or null without the extension
     * @param ourSchemes the schemes we sign with, in preference order
     */
    static SignatureScheme clientCredentialScheme(Credential credential, List<Integer> requestedSchemes,
            List<Integer> requestedCertificateSchemes, Collection<X500Principal> requestedAuthorities,
            List<SignatureScheme> ourSchemes) {
        if (firstUnacceptableSignature(credential.chain(), requestedCertificateSchemes) != null) {
            return null;
        }
        if (requestedAuthorities != null && !issuedByOneOf(credential.chain(), requestedAuthorities)) {
            return null;
        }
        return SignatureScheme.select(credential.leaf(), requestedSchemes, ourSchemes);
    }

    /**
     * {@return the alert for a received chain with a certificate signed otherwise than we accept} RFC 8446
     * §4.4.2.4: a certificate "which it would need to validate using any signature algorithm using an MD5
     * hash" MUST end the handshake with bad_certificate, and one using SHA-1 is RECOMMENDED to; any other
     * unaccepted scheme is unsupported_certificate (§4.4.2.2's default for a chain the receiver cannot use).
     *
     * @param whose "server" or "client", for the message
     * @param offered what the message says we accept, e.g. "which we do not accept"
     */
    static TlsAlertException refusal(X509Certificate unacceptable, String whose, String offered) {
        String algorithm = unacceptable.getSigAlgName().toUpperCase(Locale.ROOT);
        boolean weakHash = algorithm.contains("MD5") || algorithm.contains("SHA1");
        return new TlsAlertException(
                weakHash ? TlsAlert.BAD_CERTIFICATE : TlsAlert.UNSUPPORTED_CERTIFICATE,
                whose + " certificate " + PeerText.escape(
                        unacceptable.getSubjectX500Principal().toString())
                        + " is signed with " + unacceptable.getSigAlgName() + ", " + offered);
    }

    /**
     * {@return whether a certificate of {@code chain} is issued by, or is, one of {@code authorities}}: the
     * test RFC 8446 §4.4.2.3 puts on a client's chain when the CertificateRequest carries
     * certificate_authorities ("at least one of the certificates in the certificate chain SHOULD be issued
     * by one of the listed CAs"). A chain that ends below a root it leaves out names the root as the issuer
     * of its last certificate; a chain that includes the CA names it as a subject.
     */
    static boolean issuedByOneOf(List<X509Certificate> chain, Collection<X500Principal> authorities) {
        for (X509Certificate c : chain) {
            if (authorities.contains(c.getIssuerX500Principal()) || authorities.contains(c.getSubjectX500Principal())) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@return the first certificate of {@code chain} signed with a scheme not in {@code acceptedCodes}, or
     * null when every signature is acceptable} Self-signed certificates are skipped: RFC 8446 §4.4.2.2 does
     * not validate the signatures of trust anchors, which begin a certification path.
     */
    static X509Certificate firstUnacceptableSignature(List<X509Certificate> chain, List<Integer> acceptedCodes) {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                continue;
            }
            PublicKey issuerKey = i + 1 < chain.size() ? chain.get(i + 1).getPublicKey() : null;
            SignatureScheme scheme = SignatureScheme.ofCertificateSignature(c, issuerKey);
            if (scheme == null || !acceptedCodes.contains(scheme.code())) {
                return c;
            }
        }
        return null;
    }
}
