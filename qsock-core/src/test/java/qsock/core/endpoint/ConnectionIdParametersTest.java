package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.error.ConnectionError;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.core.params.TransportParameters;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;
import qsock.core.sim.quic.HandshakeFactory;
import qsock.core.wire.ConnectionId;

/**
 * The connection IDs of the handshake authenticated by the transport parameters (RFC 9000 §7.3), both ways and with
 * Retry: a peer whose original_destination_connection_id, retry_source_connection_id or
 * initial_source_connection_id is missing or wrong is closed with TRANSPORT_PARAMETER_ERROR.
 */
class ConnectionIdParametersTest {

    private static final ConnectionId WRONG = ConnectionId.ofHex("0102030405060708");

    /** A handshake whose transport parameters {@code change} rewrites before they leave. */
    private static HandshakeFactory tampering(BiFunction<QuicConnection, TransportParameters.Builder,
            TransportParameters.Builder> change) {
        HandshakeFactory base = FixedSecretHandshake.factory();
        return (connection, channel) -> base.start(connection, new HandshakeChannel() {
            @Override
            public boolean isClient() {
                return channel.isClient();
            }

            @Override
            public EncryptionLevel readHandshake(ByteBuffer dst) {
                return channel.readHandshake(dst);
            }

            @Override
            public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
                channel.writeHandshake(level, data);
            }

            @Override
            public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite,
                                      byte[] secret) {
                channel.installSecret(level, direction, suite, secret);
            }

            @Override
            public byte[] localTransportParameters() {
                try {
                    TransportParameters p = TransportParameters.decode(
                            ByteBuffer.wrap(channel.localTransportParameters()),
                            channel.isClient() ? Role.CLIENT : Role.SERVER);
                    return change.apply(connection, p.toBuilder()).build().toBytes();
                } catch (QuicProtocolException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void peerTransportParameters(byte[] encoded) {
                channel.peerTransportParameters(encoded);
            }

            @Override
            public void handshakeComplete(String applicationProtocol) {
                channel.handshakeComplete(applicationProtocol);
            }

            @Override
            public void handshakeFailed(int alert, String reason) {
                channel.handshakeFailed(alert, reason);
            }

            @Override
            public boolean isHandshaking() {
                return channel.isHandshaking();
            }
        });
    }

    private static ConnectionError clientError(boolean retry,
            BiFunction<QuicConnection, TransportParameters.Builder, TransportParameters.Builder> serverChange)
            throws Exception {
        ConnectionPair pair = ConnectionPair.builder(31).handshakes(FixedSecretHandshake.factory(),
                tampering(serverChange)).build();
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(retry));
        pair.connect();
        QuicConnection client = pair.clientConnection();
        pair.runUntil(() -> client.state().isClosingOrClosed(), 10 * SECOND, 20_000);
        assertEquals(retry ? 1 : 0, client.retries());
        return client.closeError();
    }

    private static void assertParameterError(ConnectionError e, boolean byPeer) {
        assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR.value(), e.code(), String.valueOf(e));
        assertEquals(byPeer, e.byPeer(), String.valueOf(e));
    }

    @Test
    void afterARetryTheClientRequiresTheRetrySourceConnectionId() throws Exception {
        assertParameterError(clientError(true, (c, b) -> b.retrySourceConnectionId(null)), false);
        assertParameterError(clientError(true, (c, b) -> b.retrySourceConnectionId(WRONG)), false);
    }

    @Test
    void afterARetryTheClientRequiresItsFirstDestinationAsOriginalDestination() throws Exception {
        // The server names the ID the client addressed after the Retry instead of its first one.
        assertParameterError(clientError(true, (c, b) -> b.originalDestinationConnectionId(WRONG)), false);
    }

    @Test
    void withoutARetryTheClientRefusesARetrySourceConnectionId() throws Exception {
        assertParameterError(clientError(false, (c, b) -> b.retrySourceConnectionId(WRONG)), false);
    }

    @Test
    void theClientRequiresTheServersInitialSourceConnectionId() throws Exception {
        assertParameterError(clientError(false, (c, b) -> b.initialSourceConnectionId(WRONG)), false);
        assertParameterError(clientError(true, (c, b) -> b.initialSourceConnectionId(null)), false);
    }

    @Test
    void theServerRequiresTheClientsInitialSourceConnectionId() throws Exception {
        for (boolean retry : new boolean[] {false, true}) {
            ConnectionPair pair = ConnectionPair.builder(32).handshakes(
                    tampering((c, b) -> b.initialSourceConnectionId(WRONG)), FixedSecretHandshake.factory()).build();
            pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(retry));
            pair.connect();
            pair.runUntil(() -> !pair.server.sessions.isEmpty()
                    && pair.serverConnection().state().isClosingOrClosed(), 10 * SECOND, 20_000);
            assertParameterError(pair.serverConnection().closeError(), false);
            pair.runUntil(() -> pair.clientConnection().state().isClosingOrClosed(), 10 * SECOND, 20_000);
            assertParameterError(pair.clientConnection().closeError(), true);
            assertTrue(pair.server.endpoint.retriesSent() == (retry ? 1 : 0));
        }
    }
}
