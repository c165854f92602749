package qsock.core.sim.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.Role;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.error.TransportErrorCode;
import qsock.core.sim.LinkConfig;

/** The fixed-secret handshake and the pair fixture: what the connection tests of qsock-core stand on. */
class FixedSecretHandshakeTest {

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void bothSidesConfirmWithTheKnownSecretsOfEachSuite(CipherSuite suite) throws Exception {
        ConnectionPair pair = ConnectionPair.builder(1).handshakes(FixedSecretHandshake.factory(suite))
                .established();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        assertEquals(ConnectionState.CONFIRMED, client.state());
        assertEquals(ConnectionState.CONFIRMED, server.state());
        assertEquals(FixedSecretHandshake.ALPN, client.applicationProtocol());
        assertEquals(FixedSecretHandshake.ALPN, server.applicationProtocol());
        assertEquals(suite, client.cipherSuite());
        // What each side installed is what FixedSecrets says, so a test can seal packets as either side.
        for (EncryptionLevel level : new EncryptionLevel[] {EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION}) {
            assertArrayEquals(FixedSecrets.secret(level, Role.CLIENT, suite),
                    pair.clientSession.channel.writeSecrets.get(level));
            assertArrayEquals(FixedSecrets.secret(level, Role.CLIENT, suite),
                    pair.serverSession().channel.readSecrets.get(level));
            assertArrayEquals(FixedSecrets.secret(level, Role.SERVER, suite),
                    pair.clientSession.channel.readSecrets.get(level));
        }
    }

    @Test
    void eachSideTakesThePeersTransportParametersFromTheCannedMessages() throws Exception {
        ConnectionConfig client = ConnectionConfig.builder().maxIdleTimeoutMillis(7_000).initialMaxData(123_456)
                .build();
        ConnectionConfig server = ConnectionConfig.builder().maxIdleTimeoutMillis(9_000).maxStreamsBidi(17).build();
        ConnectionPair pair = ConnectionPair.builder(2).clientConfig(client).serverConfig(server).established();
        assertEquals(9_000, pair.clientConnection().peerTransportParameters().maxIdleTimeout());
        assertEquals(17, pair.clientConnection().peerTransportParameters().initialMaxStreamsBidi());
        assertEquals(7_000, pair.serverConnection().peerTransportParameters().maxIdleTimeout());
        assertEquals(123_456, pair.serverConnection().peerTransportParameters().initialMaxData());
    }

    /**
     * A lossy, reordering path cuts the flights into frames that arrive late, twice or not at all: each side reads
     * until a whole message is there, and both complete. A certificate of 5 KB spreads the server's flight over
     * several packets.
     */
    @ParameterizedTest
    @ValueSource(longs = {3, 4, 5, 6, 7, 8})
    void theHandshakeCompletesOverALossyReorderingPath(long seed) throws Exception {
        LinkConfig bad = LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.2).withReordering(0.3, 15 * MS)
                .withDuplication(0.1);
        ConnectionPair pair = ConnectionPair.builder(seed).links(bad)
                .handshakes(FixedSecretHandshake.Settings.defaults().withCertificateBytes(5_000).factory())
                .build().connect();
        pair.runUntil(pair::bothConfirmed, 60 * SECOND, 100_000);
        FixedSecretHandshake client = (FixedSecretHandshake) pair.clientSession.handshake;
        FixedSecretHandshake server = (FixedSecretHandshake) pair.serverSession().handshake;
        assertTrue(client.isComplete() && server.isComplete(), pair.describe());
        assertTrue(pair.network.stats(pair.server, pair.client).dropped() > 0
                || pair.network.stats(pair.client, pair.server).dropped() > 0, "the path lost something");
    }

    @Test
    void aServerThatFailsClosesWithItsAlertAndTheClientLearnsIt() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(9)
                .handshakes(FixedSecretHandshake.factory(),
                        FixedSecretHandshake.Settings.defaults().failingWith(FixedSecretHandshake.HANDSHAKE_FAILURE)
                                .factory())
                .build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state().isClosingOrClosed(), 5 * SECOND, 10_000);
        QuicConnection server = pair.serverConnection();
        ConnectionError local = server.closeError();
        assertEquals(TransportErrorCode.cryptoError(FixedSecretHandshake.HANDSHAKE_FAILURE), local.transportCode());
        assertFalse(local.byPeer());
        ConnectionError remote = pair.clientConnection().closeError();
        assertEquals(TransportErrorCode.cryptoError(FixedSecretHandshake.HANDSHAKE_FAILURE), remote.transportCode(),
                remote.toString());
        assertTrue(remote.byPeer());
        assertEquals(ConnectionState.DRAINING, pair.clientConnection().state());
    }

    @Test
    void suitesThatDifferFailTheHandshakeWithHandshakeFailure() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(10)
                .handshakes(FixedSecretHandshake.factory(CipherSuite.TLS_CHACHA20_POLY1305_SHA256),
                        FixedSecretHandshake.factory(CipherSuite.TLS_AES_256_GCM_SHA384))
                .build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state().isClosingOrClosed(), 5 * SECOND, 10_000);
        assertEquals(TransportErrorCode.cryptoError(FixedSecretHandshake.HANDSHAKE_FAILURE),
                pair.clientConnection().closeError().transportCode());
        assertFalse(pair.serverConnection().state().isEstablished());
    }

    @Test
    void aBulkTransferRunsOverTheEstablishedPair() throws Exception {
        BulkSender sender = new BulkSender(300_000, 11);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = ConnectionPair.builder(11).links(LinkConfig.perfect().withDelay(10 * MS, 0)
                        .withLoss(0.02))
                .clientApplication(() -> sender).serverApplication(() -> receiver).build().connect();
        pair.runUntil(receiver::finished, 30 * SECOND, 200_000);
        assertEquals(sender.sha256(), receiver.sha256());
        assertEquals(300_000, receiver.received());
    }

    @Test
    void aCannedMessageFramesItsBody() {
        ByteBuffer b = new CannedMessage(CannedMessage.Type.FINISHED, new byte[] {1, 2, 3}).encode();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        assertArrayEquals(new byte[] {20, 0, 0, 3, 1, 2, 3}, bytes);
        assertEquals(-1, CannedMessage.framedLength(bytes, 6), "one byte missing");
        assertEquals(7, CannedMessage.framedLength(bytes, 7));
    }
}
