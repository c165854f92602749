package qsock.core.error;

import java.util.Objects;

/**
 * Why a connection ended: the code and reason of a CONNECTION_CLOSE (RFC 9000 §19.19), sent or received, or
 * one of the ways a connection ends without one.
 *
 * @param kind how it ended
 * @param code the error code: a transport error code for {@link Kind#TRANSPORT}, the application's code for
 *     {@link Kind#APPLICATION}, 0 otherwise
 * @param frameType the frame type that triggered a transport error, 0 if none or unknown
 * @param reason the reason phrase as it came, never null; a peer chose it, so {@link #toString()} shows it
 *     escaped ({@link PeerText})
 * @param byPeer true if the peer closed (or reset) the connection, false if this side did
 */
public record ConnectionError(Kind kind, long code, long frameType, String reason, boolean byPeer) {

    /** The ways a connection ends. */
    public enum Kind {
        /** CONNECTION_CLOSE of type 0x1c: a transport error code (NO_ERROR included). */
        TRANSPORT,
        /** CONNECTION_CLOSE of type 0x1d: an application error code. */
        APPLICATION,
        /** The idle timeout expired (RFC 9000 §10.1); nothing was sent. */
        IDLE_TIMEOUT,
        /** A stateless reset arrived (RFC 9000 §10.3). */
        STATELESS_RESET,
        /** The server answered with Version Negotiation and no version is shared (RFC 9000 §6.2). */
        VERSION_NEGOTIATION
    }

    /** Checks the fields. */
    public ConnectionError {
        Objects.requireNonNull(kind, "kind");
        reason = reason == null ? "" : reason;
    }

    /** {@return a transport error} */
    public static ConnectionError transport(TransportErrorCode code, long frameType, String reason, boolean byPeer) {
        return new ConnectionError(Kind.TRANSPORT, code.value(), frameType, reason, byPeer);
    }

    /** {@return an application close} */
    public static ConnectionError application(long code, String reason, boolean byPeer) {
        return new ConnectionError(Kind.APPLICATION, code, 0, reason, byPeer);
    }

    /** {@return the transport error code, for {@link Kind#TRANSPORT}} */
    public TransportErrorCode transportCode() {
        if (kind != Kind.TRANSPORT) {
            throw new IllegalStateException(kind + " has no transport error code");
        }
        return TransportErrorCode.of(code);
    }

    /**
     * {@return one line for logs and messages} The reason is escaped: a peer's reason phrase (unauthenticated when
     * it came in an Initial) must not forge log lines or reach a terminal as control sequences.
     */
    @Override
    public String toString() {
        String who = byPeer ? "peer" : "local";
        String because = reason.isEmpty() ? "" : ": " + PeerText.escape(reason);
        return switch (kind) {
            case TRANSPORT -> who + " transport error " + TransportErrorCode.of(code)
                    + (frameType != 0 ? " (frame 0x" + Long.toHexString(frameType) + ")" : "") + because;
            case APPLICATION -> who + " application close " + code + because;
            default -> kind + because;
        };
    }
}
