package qsock.core.connection;

import java.util.Arrays;
import java.util.Objects;
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

    /**
     * The notifications an application asks for with {@link QuicConnection#setEvents}: none is generated unless
     * enabled, so a consumer that never enables them may pass over them all with one case.
     */
    sealed interface Notification extends ConnectionEvent permits KeyUpdated, NewToken {}

    /**
     * A 1-RTT key update completed: both sides send with the new keys (the socket draft's QUIC_EVENT_KEY_UPDATE,
     * RFC 9001 §6). One event per update. For an update this side started ({@link QuicConnection#initiateKeyUpdate},
     * or the automatic one of {@link qsock.api.ConnectionConfig#keyUpdateInterval()}), when the peer acknowledged a
     * packet of the new phase, having answered in it (§6.1, §6.2); for the peer's, when a packet of the new phase
     * opened and our send keys followed (§6.2).
     *
     * @param keyPhase the Key Phase bit of the new keys (RFC 9001 §6)
     * @param local true if this side started the update, false if the peer did
     */
    record KeyUpdated(int keyPhase, boolean local) implements Notification {}

    /**
     * A NEW_TOKEN frame arrived (the socket draft's QUIC_EVENT_NEW_TOKEN, RFC 9000 §19.7): a token for this client's
     * next connection to the server (§8.1.3). Coalesced: while one waits in the queue, a newer token replaces the one
     * it carries when polled (the latest is the one worth using), so a server sending many leaves one event.
     *
     * @param token the token's bytes; the record keeps a copy and hands out copies
     */
    record NewToken(byte[] token) implements Notification {

        /** Copies {@code token}, so that neither the caller nor a later reader can change it. */
        public NewToken {
            token = Objects.requireNonNull(token, "token").clone();
        }

        /** {@return a copy of the token's bytes} */
        @Override
        public byte[] token() {
            return token.clone();
        }

        /** {@return true for another event with the same token bytes} */
        @Override
        public boolean equals(Object o) {
            return o instanceof NewToken other && Arrays.equals(token, other.token);
        }

        /** {@return a hash of the token bytes, agreeing with {@link #equals}} */
        @Override
        public int hashCode() {
            return Arrays.hashCode(token);
        }

        /** {@return the token's length, not its bytes: a token is a credential of the client's address} */
        @Override
        public String toString() {
            return "NewToken[" + token.length + " bytes]";
        }
    }
}
