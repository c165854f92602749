package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;

/**
 * early_data in a ClientHello (the client sends 0-RTT data) or in EncryptedExtensions (the server accepted
 * it), RFC 8446 §4.2.10: empty extension_data.
 */
public record EarlyDataIndication() implements EarlyData {

    static EarlyDataIndication decode(TlsReader data) throws TlsAlertException {
        data.expectEnd("early_data");
        return new EarlyDataIndication();
    }
}
