package qsock.tls.message;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * Finished (RFC 8446 §4.4.4): {@code opaque verify_data[Hash.length]}, whose length is the hash length of the
 * negotiated cipher suite, so decoding needs to be told it ({@link HandshakeCodec#decode}). Compare
 * verify_data with {@link Opaque#contentEqualsConstantTime}.
 *
 * @param verifyData the HMAC over the transcript, 1 to 255 bytes (32 or 48 with TLS 1.3's suites)
 */
public record Finished(Opaque verifyData) implements HandshakeMessage {

    /** @throws IllegalArgumentException if verify_data is empty or longer than 255 bytes */
    public Finished {
        TlsChecks.length(verifyData, 1, 255, "verify_data");
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.FINISHED;
    }

    void encodeBody(TlsWriter w) {
        w.bytes(verifyData);
    }

    static Finished decodeBody(TlsReader r, int verifyDataLength) throws TlsAlertException {
        if (r.remaining() != verifyDataLength) {
            throw Alerts.decodeError("finished: verify_data of " + r.remaining() + " bytes, expected "
                    + verifyDataLength);
        }
        return new Finished(r.rest());
    }
}
