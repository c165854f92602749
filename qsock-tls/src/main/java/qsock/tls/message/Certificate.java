package qsock.tls.message;

import java.util.ArrayList;
import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ExtensionCodec;

/**
 * Certificate (RFC 8446 §4.4.2): the sender's chain, end-entity certificate first. A client with no
 * certificate to send answers a CertificateRequest with an empty list; a server's list is never empty (the
 * engine's decode_error check, RFC 8446 §4.4.2.4).
 *
 * @param certificateRequestContext empty for the server's, and for the client's the CertificateRequest's context
 * @param certificateList the entries, in order
 */
public record Certificate(Opaque certificateRequestContext, List<CertificateEntry> certificateList)
        implements HandshakeMessage {

    /**
     * @throws IllegalArgumentException if the context is longer than 255 bytes, or the message would be
     *     longer than a handshake message's 24-bit length can count
     */
    public Certificate {
        TlsChecks.length(certificateRequestContext, 0, 255, "certificate_request_context");
        certificateList = TlsChecks.list(certificateList, 0, 0xFF_FFFF / 6, "certificate_list");
        long body = 1L + certificateRequestContext.length() + 3;
        for (CertificateEntry e : certificateList) {
            body += 3L + e.certData().length() + ExtensionCodec.blockLength(e.extensions());
        }
        if (body > 0xFF_FFFF) {
            throw new IllegalArgumentException("a Certificate of " + body + " bytes exceeds 2^24-1");
        }
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.CERTIFICATE;
    }

    void encodeBody(TlsWriter w) {
        w.opaque8(certificateRequestContext);
        int list = w.startVector24();
        for (CertificateEntry e : certificateList) {
            e.encode(w);
        }
        w.endVector24(list);
    }

    static Certificate decodeBody(TlsReader r) throws TlsAlertException {
        Opaque context = r.opaque8("certificate_request_context", 0, 255);
        TlsReader list = r.vector24("certificate_list", 0, 0xFF_FFFF);
        List<CertificateEntry> entries = new ArrayList<>();
        while (list.hasRemaining()) {
            entries.add(CertificateEntry.decode(list));
        }
        r.expectEnd("certificate");
        return new Certificate(context, entries);
    }
}
