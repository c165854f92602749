package qsock.core.error;

import java.util.Objects;

/**
 * The peer broke a rule of the protocol: a malformed frame, packet, transport parameter or handshake
 * message. Carries what the RFC says to put in the CONNECTION_CLOSE frame that answers it.
 *
 * <p>This is always the peer's fault, never a local bug (those are {@link IllegalArgumentException} or
 * {@link IllegalStateException}). It is checked because every caller must decide how the connection
 * ends. It records no stack trace: a peer can provoke it at will, and the code and reason say all.
 */
public final class QuicProtocolException extends Exception {

    /** The frame type to report when the error is not tied to a frame (RFC 9000 §19.19 uses 0). */
    public static final long NO_FRAME = 0;

    private final TransportErrorCode errorCode;
    private final long frameType;

    /**
     * @param errorCode the transport error code for CONNECTION_CLOSE
     * @param frameType the type of the frame that triggered the error, or {@link #NO_FRAME}
     * @param reason a short explanation, safe to send to the peer
     */
    public QuicProtocolException(TransportErrorCode errorCode, long frameType, String reason) {
        super(reason, null, false, false);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
        this.frameType = frameType;
    }

    /** An error not tied to a frame. */
    public QuicProtocolException(TransportErrorCode errorCode, String reason) {
        this(errorCode, NO_FRAME, reason);
    }

    /** {@return the transport error code to close the connection with} */
    public TransportErrorCode errorCode() {
        return errorCode;
    }

    /** {@return the frame type that triggered the error, or {@link #NO_FRAME}} */
    public long frameType() {
        return frameType;
    }

    /** {@return the reason, as it may be sent to the peer} */
    public String reason() {
        return getMessage();
    }

    @Override
    public String toString() {
        return "QuicProtocolException[" + errorCode.name()
                + (frameType != NO_FRAME ? ", frame 0x" + Long.toHexString(frameType) : "")
                + "]: " + getMessage();
    }
}
