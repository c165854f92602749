package qsock.core.endpoint;

import java.util.Objects;
import qsock.api.ConnectionConfig;

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
 * @param statelessResetRate stateless resets a listening endpoint sends per second at most (RFC 9000 §10.3.3
 *     asks for a limit), 0 for none; default {@value #DEFAULT_STATELESS_RESET_RATE}
 * @param statelessResetBurst stateless resets sent at once after a quiet time, at least 1 unless the rate is
 *     0; default {@value #DEFAULT_STATELESS_RESET_BURST}
 */
public record EndpointConfig(ConnectionConfig connection, byte[] statelessResetKey, int maxHalfOpenConnections,
                             int statelessResetRate, int statelessResetBurst) {

    /** The default of {@link #maxHalfOpenConnections()}. */
    public static final int DEFAULT_MAX_HALF_OPEN_CONNECTIONS = 1024;
    /** The default of {@link #statelessResetRate()}. */
    public static final int DEFAULT_STATELESS_RESET_RATE = 1000;
    /** The default of {@link #statelessResetBurst()}. */
    public static final int DEFAULT_STATELESS_RESET_BURST = 100;

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
        if (statelessResetRate < 0 || statelessResetBurst < 0 || statelessResetRate > 0 && statelessResetBurst == 0) {
            throw new IllegalArgumentException("stateless reset rate " + statelessResetRate + " and burst "
                    + statelessResetBurst + ": both non-negative, a burst of at least 1 for a positive rate");
        }
    }

    /** Settings with the default limits. */
    public EndpointConfig(ConnectionConfig connection, byte[] statelessResetKey) {
        this(connection, statelessResetKey, DEFAULT_MAX_HALF_OPEN_CONNECTIONS, DEFAULT_STATELESS_RESET_RATE,
                DEFAULT_STATELESS_RESET_BURST);
    }

    /** {@return an endpoint with default connection settings and a random reset key} */
    public static EndpointConfig defaults() {
        return new EndpointConfig(ConnectionConfig.defaults(), null);
    }

    /** {@return these settings with another stateless reset key} */
    public EndpointConfig withStatelessResetKey(byte[] key) {
        return new EndpointConfig(connection, key, maxHalfOpenConnections, statelessResetRate, statelessResetBurst);
    }

    /** {@return these settings with other connection settings} */
    public EndpointConfig withConnection(ConnectionConfig connection) {
        return new EndpointConfig(connection, statelessResetKey, maxHalfOpenConnections, statelessResetRate,
                statelessResetBurst);
    }

    /** {@return these settings with another bound on half-open connections} */
    public EndpointConfig withMaxHalfOpenConnections(int max) {
        return new EndpointConfig(connection, statelessResetKey, max, statelessResetRate, statelessResetBurst);
    }

    /** {@return these settings with another stateless reset rate limit} */
    public EndpointConfig withStatelessResetLimit(int perSecond, int burst) {
        return new EndpointConfig(connection, statelessResetKey, maxHalfOpenConnections, perSecond, burst);
    }

    @Override
    public byte[] statelessResetKey() {
        return statelessResetKey == null ? null : statelessResetKey.clone();
    }
}
