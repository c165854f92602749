package qsock.tls;

import java.util.Objects;

/**
 * The handshake failed with a TLS alert (RFC 8446 §6): raised by the engine for anything the peer sent that
 * breaks a rule, and for local failures it must report to the peer (no common cipher suite, an untrusted
 * certificate). The transport closes the connection with CRYPTO_ERROR 0x0100 + {@link #alert()}'s code.
 *
 * <p>No stack trace is recorded when the cause is the peer's input: a peer can provoke these at will.
 */
public final class TlsAlertException extends Exception {

    private final TlsAlert alert;

    /** An alert for the peer's fault; {@code reason} is for logs and may be sent as the close reason. */
    public TlsAlertException(TlsAlert alert, String reason) {
        super(reason, null, false, false);
        this.alert = Objects.requireNonNull(alert, "alert");
    }

    /** An alert caused by a local failure (a JCA or trust manager exception), keeping the cause. */
    public TlsAlertException(TlsAlert alert, String reason, Throwable cause) {
        super(reason, cause, false, true);
        this.alert = Objects.requireNonNull(alert, "alert");
    }

    /** {@return the alert to report} */
    public TlsAlert alert() {
        return alert;
    }

    @Override
    public String toString() {
        return "TlsAlertException[" + alert + "]: " + getMessage();
    }
}
