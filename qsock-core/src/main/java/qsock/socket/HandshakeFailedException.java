package qsock.socket;

import java.io.IOException;
import java.util.Objects;

/**
 * A handshake a {@link HandshakeService} ran did not establish the connection; {@link #reason()} says why in a
 * form a program can act on, the message in a form a person can. The errno the kernel's handshake consumers get
 * for each reason is named on {@link HandshakeFailure}.
 */
public final class HandshakeFailedException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final HandshakeFailure reason;

    /**
     * @param reason why the handshake failed
     * @param message what failed, for a person
     * @param cause the service's own exception, or null
     */
    public HandshakeFailedException(HandshakeFailure reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return why the handshake failed} */
    public HandshakeFailure reason() {
        return reason;
    }
}
