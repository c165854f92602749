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

    /**
     * A server configured for 0.5-RTT data ({@link qsock.api.ConnectionConfig#halfRttData()}) has its 1-RTT write keys,
     * its Finished queued ahead of anything else at that level: before the handshake completes, it may write streams
     * (an answer to 0-RTT data) and send datagrams, which leave in 1-RTT packets (RFC 9001 §4.1.1, §5.7). The client
     * is not yet authenticated. See {@link QuicConnection#canSendHalfRtt()}.
     */
    record HalfRttReady() implements ConnectionEvent {}

    /** The handshake is confirmed (RFC 9001 §4.1.2). */
    record HandshakeConfirmed() implements ConnectionEvent {}

    /**
     * The connection entered closing or draining, or ended at once: no more application data.
     *
     * @param error why
     */
    record Closed(ConnectionError error) implements ConnectionEvent {}

    /**
     * The connection moved to another path (the socket draft's QUIC_EVENT_CONNECTION_MIGRATION): this client's move
     * completed ({@code local}), or the peer's new address was validated (RFC 9000 §9.2, §9.3).
     *
     * @param local true for our own move, false for the peer's
     */
    record Migrated(boolean local) implements ConnectionEvent {}

    /** This client's move to another path was given up: the new path did not answer (RFC 9000 §8.2.4). */
    record MigrationFailed() implements ConnectionEvent {}

    /**
     * Connection IDs of one side were retired or another one is in use (the socket draft's QUIC_EVENT_CONNECTION_ID):
     * after a migration, a Retire Prior To, or the application's own change.
     *
     * @param destination true for the peer's IDs (those we send to), false for ours
     * @param active the sequence number of the ID in use (for ours: the lowest the peer may use)
     * @param priorTo the lowest sequence number not retired
     */
    record ConnectionIdsChanged(boolean destination, long active, long priorTo) implements ConnectionEvent {}
}
