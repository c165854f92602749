package qsock.tls.extension;

import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * signature_algorithms_cert (RFC 8446 §4.2.3): the signature schemes (SignatureScheme code points) accepted
 * in certificates, when they differ from those of signature_algorithms; most preferred first.
 *
 * @param supportedSignatureAlgorithms the code points, in order; on the wire
 *     {@code uint16 supported_signature_algorithms<2..2^16-2>}
 */
public record SignatureAlgorithmsCert(List<Integer> supportedSignatureAlgorithms) implements Extension {

    /**
     * @throws IllegalArgumentException if the list is empty, too long, or holds a value that is not a uint16
     */
    public SignatureAlgorithmsCert {
        supportedSignatureAlgorithms = TlsChecks.u16List(supportedSignatureAlgorithms, 1, 0xFFFE / 2,
                "supported_signature_algorithms");
    }

    /** {@return the extension for these code points} */
    public static SignatureAlgorithmsCert of(Integer... codes) {
        return new SignatureAlgorithmsCert(List.of(codes));
    }

    @Override
    public int typeCode() {
        return ExtensionType.SIGNATURE_ALGORITHMS_CERT.code();
    }

    void encodeData(TlsWriter w) {
        w.u16List16(supportedSignatureAlgorithms);
    }

    static SignatureAlgorithmsCert decode(TlsReader data) throws TlsAlertException {
        return new SignatureAlgorithmsCert(data.u16List16("supported_signature_algorithms", 2, 0xFFFE));
    }
}
