package qsock.core.connection;

import qsock.core.error.ConnectionError;

/**
 * What happened to a connection as a whole, for the application (stream events come from the streams). The
 * socket API turns these into its events (draft-lxin-quic-socket-apis §6.1).
 */
public sealed interface ConnectionEvent {

    /**
     * The TLS handshake completed on this side.
     *
     * @param applicationProtocol the ALPN protocol negotiated, or null
     */
    record HandshakeCompleted(String applicationProtocol) implements ConnectionEvent {}

    /** The handshake is confirmed (RFC 9001 §4.1.2). */
    record HandshakeConfirmed() implements ConnectionEvent {}

    /**
     * The connection entered closing or draining, or ended at once: no more application data.
     *
     * @param error why
     */
    record Closed(ConnectionError error) implements ConnectionEvent {}
}
