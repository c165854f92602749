package qsock.core.endpoint;

import java.util.Objects;
import qsock.core.connection.ConnectionConfig;

/**
 * The settings of a {@link QuicEndpoint}.
 *
 * @param connection the settings of every connection the endpoint creates
 * @param statelessResetKey the secret from which stateless reset tokens are derived (RFC 9000 §10.3.2),
 *     at least 16 bytes; null to draw one at random. A server that restarts with the same key can reset
 *     connections it lost its state of.
 * @param maxHalfOpenConnections the most connections a listening endpoint keeps whose handshake has not
 *     completed (queued for accept or handshaking), at least 1; default
 *     {@value #DEFAULT_MAX_HALF_OPEN_CONNECTIONS}. When a new client's Initial arrives with the bound reached,
 *     the oldest half-open connection is dropped without a word to make room: anyone can compute Initial keys
 *     (RFC 9001 §5.2), so a flood of valid Initials must not keep legitimate clients out. A legitimate client
 *     completes as long as fewer than this many new clients arrive during its handshake.
 */
public record EndpointConfig(ConnectionConfig connection, byte[] statelessResetKey, int maxHalfOpenConnections) {

    /** The default of {@link #maxHalfOpenConnections()}. */
    public static final int DEFAULT_MAX_HALF_OPEN_CONNECTIONS = 1024;

    /** Checks the settings. */
    public EndpointConfig {
        Objects.requireNonNull(connection, "connection");
        if (statelessResetKey != null) {
            if (statelessResetKey.length < 16) {
                throw new IllegalArgumentException("stateless reset key of " + statelessResetKey.length
                        + " bytes; at least 16 needed");
            }
            statelessResetKey = statelessResetKey.clone();
        }
        if (maxHalfOpenConnections < 1) {
            throw new IllegalArgumentException("maxHalfOpenConnections must be at least 1: " + maxHalfOpenConnections);
        }
    }

    /** Settings with the default limits. */
    public EndpointConfig(ConnectionConfig connection, byte[] statelessResetKey) {
        this(connection, statelessResetKey, DEFAULT_MAX_HALF_OPEN_CONNECTIONS);
    }

    /** {@return an endpoint with default connection settings and a random reset key} */
    public static EndpointConfig defaults() {
        return new EndpointConfig(ConnectionConfig.defaults(), null);
    }

    /** {@return these settings with another stateless reset key} */
    public EndpointConfig withStatelessResetKey(byte[] key) {
        return new EndpointConfig(connection, key, maxHalfOpenConnections);
    }

    /** {@return these settings with another bound on half-open connections} */
    public EndpointConfig withMaxHalfOpenConnections(int max) {
        return new EndpointConfig(connection, statelessResetKey, max);
    }

    @Override
    public byte[] statelessResetKey() {
        return statelessResetKey == null ? null : statelessResetKey.clone();
    }
}
