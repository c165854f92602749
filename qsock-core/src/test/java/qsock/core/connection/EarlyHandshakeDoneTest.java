package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;

/**
 * A client whose TLS stack reports its handshake complete only after the server's HANDSHAKE_DONE arrived, as a
 * driver on an application thread does when its Finished leaves with the I/O thread's next batch and the thread is
 * slow to make its next call (seen on a loaded 2-core machine: the client stayed unconfirmed, probing its Handshake
 * space, which the server no longer reads, for ever). The frame, acknowledged, is not sent again: the client confirms
 * at completion (RFC 9001 §4.1.2).
 */
class EarlyHandshakeDoneTest {

    @Test
    void aHandshakeDoneArrivingBeforeTheClientsCompletionConfirmsItAtCompletion() throws Exception {
        Runnable[] deferred = {null};
        ConnectionPair pair = ConnectionPair.builder(21)
                .handshakes((connection, channel) -> FixedSecretHandshake.factory().start(connection,
                        connection.isClient() ? new Deferring(channel, deferred) : channel),
                        FixedSecretHandshake.factory())
                .build();
        pair.connect();
        pair.runUntil(() -> pair.bothStarted() && pair.serverConnection().state() == ConnectionState.CONFIRMED
                && !pair.serverConnection().handshakeDonePending
                && pair.serverConnection().recovery.bytesInFlight() == 0, 5 * SECOND, 100_000);
        QuicConnection client = pair.clientConnection();
        assertEquals(ConnectionState.HANDSHAKING, client.state(), "the client's TLS stack has not reported yet");
        assertTrue(client.handshakeDoneEarly, "HANDSHAKE_DONE arrived and was acknowledged: " + pair.describe());

        assertNotNull(deferred[0]);
        deferred[0].run();
        assertEquals(ConnectionState.CONFIRMED, client.state());
        pair.runUntil(pair::bothConfirmed, 5 * SECOND, 100_000);
        assertTrue(pair.bothConfirmed(), pair.describe());
    }

    /** A client's channel whose handshakeComplete waits until the test runs it. */
    private record Deferring(HandshakeChannel channel, Runnable[] deferred) implements HandshakeChannel {
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
        public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
            channel.installSecret(level, direction, suite, secret);
        }

        @Override
        public byte[] localTransportParameters() {
            return channel.localTransportParameters();
        }

        @Override
        public void peerTransportParameters(byte[] encoded) {
            channel.peerTransportParameters(encoded);
        }

        @Override
        public void handshakeComplete(String applicationProtocol) {
            deferred[0] = () -> channel.handshakeComplete(applicationProtocol);
        }

        @Override
        public void handshakeFailed(int alert, String reason) {
            channel.handshakeFailed(alert, reason);
        }

        @Override
        public boolean isHandshaking() {
            return channel.isHandshaking();
        }
    }
}
