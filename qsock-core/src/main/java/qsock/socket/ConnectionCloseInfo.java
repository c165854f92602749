package qsock.socket;

import java.util.Objects;
import qsock.core.error.PeerText;

/**
 * The {@link QuicSocketOptions#CONNECTION_CLOSE} option (the kernel's {@code QUIC_SOCKOPT_CONNECTION_CLOSE}):
 * set before {@link QuicSocket#close()} it is what the CONNECTION_CLOSE carries; read after the peer closed,
 * it is what the peer sent.
 *
 * @param errorCode the application error code (a transport error code when read after a transport close)
 * @param frameType the frame type that caused a transport close, 0 otherwise
 * @param reason the reason phrase, never null; {@link #toString()} shows it escaped, since a peer may have chosen it
 */
public record ConnectionCloseInfo(long errorCode, long frameType, String reason) {

    /** No error, no reason: what {@link QuicSocket#close()} sends unless the option is set. */
    public static final ConnectionCloseInfo NONE = new ConnectionCloseInfo(0, 0, "");

    /** Checks the fields. */
    public ConnectionCloseInfo {
        Objects.requireNonNull(reason, "reason");
        if (errorCode < 0 || errorCode >= 1L << 62) {
            throw new IllegalArgumentException("error code out of the varint range: " + errorCode);
        }
    }

    /** {@return an application close with this code and reason} */
    public static ConnectionCloseInfo of(long errorCode, String reason) {
        return new ConnectionCloseInfo(errorCode, 0, reason);
    }

    /** {@return the fields, the reason escaped ({@link PeerText}): read from a peer's close, it is the peer's text} */
    @Override
    public String toString() {
        return "ConnectionCloseInfo[errorCode=" + errorCode + ", frameType=" + frameType + ", reason="
                + PeerText.escape(reason) + "]";
    }
}
