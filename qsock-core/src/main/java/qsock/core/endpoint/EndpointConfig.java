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
 */
public record EndpointConfig(ConnectionConfig connection, byte[] statelessResetKey) {

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
    }

    /** {@return an endpoint with default connection settings and a random reset key} */
    public static EndpointConfig defaults() {
        return new EndpointConfig(ConnectionConfig.defaults(), null);
    }

    @Override
    public byte[] statelessResetKey() {
        return statelessResetKey == null ? null : statelessResetKey.clone();
    }
}
