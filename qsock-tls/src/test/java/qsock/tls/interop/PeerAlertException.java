package qsock.tls.interop;

import java.io.IOException;
import qsock.tls.TlsAlert;

/** The peer ended the connection with a fatal alert (RFC 8446 §6), received by a {@link TlsRecordLayer}. */
final class PeerAlertException extends IOException {

    private final int description;
    private final boolean protectedRecord;

    PeerAlertException(int description, boolean protectedRecord, String when) {
        super("the peer sent alert " + name(description) + (protectedRecord ? " (protected) " : " (plaintext) ")
                + when);
        this.description = description;
        this.protectedRecord = protectedRecord;
    }

    /** {@return the alert's description code, e.g. 48 for unknown_ca} */
    int description() {
        return description;
    }

    /** {@return whether the alert came in a protected record rather than in plaintext} */
    boolean protectedRecord() {
        return protectedRecord;
    }

    private static String name(int description) {
        TlsAlert alert = TlsAlert.fromCode(description);
        return alert != null ? alert.toString() : "(" + description + ")";
    }
}
