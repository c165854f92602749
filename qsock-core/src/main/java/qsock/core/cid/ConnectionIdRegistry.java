package qsock.core.cid;

import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * The endpoint's routing table as {@link LocalConnectionIds} sees it: told of every connection ID the
 * connection issues and of every one the peer retires, so packets carrying them reach the connection
 * (RFC 9000 §5.2) and only while they are active (§5.1.1).
 */
public interface ConnectionIdRegistry {

    /** A registry that routes nothing, for connections without an endpoint (tests, single-connection use). */
    ConnectionIdRegistry NONE = new ConnectionIdRegistry() {
        @Override
        public void add(ConnectionId cid, StatelessResetToken token) {}

        @Override
        public void remove(ConnectionId cid) {}
    };

    /**
     * Routes packets addressed to {@code cid} to this connection from now on. Called once per issued ID,
     * including the initial one when the registry is given to the {@link LocalConnectionIds} constructor.
     *
     * @param token the stateless reset token issued with {@code cid}
     */
    void add(ConnectionId cid, StatelessResetToken token);

    /** Stops routing packets addressed to {@code cid} to this connection: the peer retired it. */
    void remove(ConnectionId cid);

    /**
     * The peer's stateless reset token {@code token} may identify a Stateless Reset for this connection from now
     * on (RFC 9000 §10.3.1: the token of an active peer ID we have sent to). A reset carries no ID that routes,
     * so the endpoint finds the connection by the token. The default keeps no index.
     */
    default void addPeerResetToken(StatelessResetToken token) {}

    /** {@code token} no longer identifies a Stateless Reset for this connection: its ID was retired. */
    default void removePeerResetToken(StatelessResetToken token) {}

    /**
     * {@return true if {@code cid} already routes to some connection} {@link LocalConnectionIds} draws a
     * fresh random ID instead of issuing one for which this is true, so two connections never share an ID.
     * The default knows of no other connection.
     */
    default boolean isInUse(ConnectionId cid) {
        return false;
    }

    /**
     * {@return a new connection ID of {@code length} bytes for the connection to issue} Random by default; an
     * endpoint on one of several I/O threads marks its thread in it ({@link ConnectionIdOwner}).
     */
    default ConnectionId newConnectionId(java.util.random.RandomGenerator random, int length) {
        return ConnectionId.random(random, length);
    }
}
