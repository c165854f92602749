package qsock.tls.message;

import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** The alerts that message decoding raises, so that every rule reads as one line. */
final class Alerts {

    private Alerts() {}

    /** RFC 8446 §6: for a field that is syntactically correct but semantically invalid. */
    static TlsAlertException illegalParameter(String reason) {
        return new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, reason);
    }

    /** RFC 8446 §6: for a message that does not conform to the syntax. */
    static TlsAlertException decodeError(String reason) {
        return new TlsAlertException(TlsAlert.DECODE_ERROR, reason);
    }

    /** RFC 8446 §4: for a message of a type that may not come now, or that TLS 1.3 does not define. */
    static TlsAlertException unexpectedMessage(String reason) {
        return new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, reason);
    }
}
