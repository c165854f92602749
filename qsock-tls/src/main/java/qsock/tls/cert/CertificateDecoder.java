package qsock.tls.cert;

import java.io.ByteArrayInputStream;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/** Decodes exactly one DER X.509 certificate, for both PEM files and received Certificate messages. */
final class CertificateDecoder {

    private CertificateDecoder() {}

    /**
     * {@return the certificate that {@code der} encodes, and nothing else}
     *
     * @throws CertificateException if {@code der} is not one DER certificate: garbage, truncated, followed by
     *     trailing bytes, or base64 text (which the JDK's factory would otherwise accept)
     */
    static X509Certificate decode(byte[] der) throws CertificateException {
        if (der.length == 0 || der[0] != 0x30) {
            throw new CertificateException("not a DER certificate (no SEQUENCE tag)");
        }
        Certificate c;
        try {
            c = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw e;
        } catch (RuntimeException e) {
            // The parser is the JDK's, not ours; whatever it throws on these bytes means they are not a
            // certificate, and the callers' contract is a single checked exception type.
            throw new CertificateException("not a certificate: " + e, e);
        }
        if (!(c instanceof X509Certificate x)) {
            throw new CertificateException("not an X.509 certificate: " + c.getType());
        }
        if (!Arrays.equals(x.getEncoded(), der)) {
            throw new CertificateException("trailing bytes after the certificate");
        }
        return x;
    }
}
