package qsock.tls.message;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * CertificateVerify (RFC 8446 §4.4.3): a signature over the transcript with the certificate's key.
 *
 * @param algorithm the SignatureScheme code of the signature
 * @param signature the signature, 0 to 2^16-1 bytes
 */
public record CertificateVerify(int algorithm, Opaque signature) implements HandshakeMessage {

    /** @throws IllegalArgumentException if the algorithm is not a uint16 or the signature is too long */
    public CertificateVerify {
        TlsChecks.u16(algorithm, "algorithm");
        TlsChecks.length(signature, 0, 0xFFFF, "signature");
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.CERTIFICATE_VERIFY;
    }

    void encodeBody(TlsWriter w) {
        w.u16(algorithm);
        w.opaque16(signature);
    }

    static CertificateVerify decodeBody(TlsReader r) throws TlsAlertException {
        int algorithm = r.u16();
        Opaque signature = r.opaque16("signature", 0, 0xFFFF);
        r.expectEnd("certificate_verify");
        return new CertificateVerify(algorithm, signature);
    }
}
