package qsock.tls.engine;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import qsock.tls.jca.SignatureScheme;

/** What signature_algorithms_cert (RFC 8446 §4.2.3, §4.4.2.2) says about a certificate chain. */
final class CertificateChains {

    private CertificateChains() {}

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
