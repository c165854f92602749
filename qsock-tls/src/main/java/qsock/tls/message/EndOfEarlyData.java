package qsock.tls.message;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;

/**
 * EndOfEarlyData (RFC 8446 §4.5): an empty message. QUIC clients never send it (RFC 9001 §8.3), so the
 * engine treats one as unexpected_message; the codec still parses it.
 */
public record EndOfEarlyData() implements HandshakeMessage {

    @Override
    public HandshakeType type() {
        return HandshakeType.END_OF_EARLY_DATA;
    }

    static EndOfEarlyData decodeBody(TlsReader r) throws TlsAlertException {
        r.expectEnd("end_of_early_data");
        return new EndOfEarlyData();
    }
}
