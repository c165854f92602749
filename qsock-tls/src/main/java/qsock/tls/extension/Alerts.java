package qsock.tls.extension;

import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** The two alerts that extension decoding raises, so that every rule reads as one line. */
final class Alerts {

    private Alerts() {}

    /** RFC 8446 §6: for a field that is syntactically correct but semantically invalid. */
    static TlsAlertException illegalParameter(String reason) {
        return new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, reason);
    }

    /** RFC 8446 §6: for a field that does not conform to the syntax. */
    static TlsAlertException decodeError(String reason) {
        return new TlsAlertException(TlsAlert.DECODE_ERROR, reason);
    }
}
