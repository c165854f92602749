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
    private final boolean quicProtocolViolation;

    /** An alert for the peer's fault; {@code reason} is for logs and may be sent as the close reason. */
    public TlsAlertException(TlsAlert alert, String reason) {
        this(alert, reason, false);
    }

    private TlsAlertException(TlsAlert alert, String reason, boolean quicProtocolViolation) {
        super(reason, null, false, false);
        this.alert = Objects.requireNonNull(alert, "alert");
        this.quicProtocolViolation = quicProtocolViolation;
    }

    /**
     * A failure that QUIC reports as the transport error PROTOCOL_VIOLATION rather than as a TLS alert (RFC 9001
     * §4.6.1); {@code alert} is what TLS over TCP sends instead.
     */
    public static TlsAlertException quicProtocolViolation(TlsAlert alert, String reason) {
        return new TlsAlertException(alert, reason, true);
    }

    /** An alert caused by a local failure (a JCA or trust manager exception), keeping the cause. */
    public TlsAlertException(TlsAlert alert, String reason, Throwable cause) {
        super(reason, cause, false, true);
        this.alert = Objects.requireNonNull(alert, "alert");
        this.quicProtocolViolation = false;
    }

    /** {@return whether QUIC closes with PROTOCOL_VIOLATION for this failure instead of the alert} */
    public boolean isQuicProtocolViolation() {
        return quicProtocolViolation;
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
