package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.crypto.PacketProtection;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * RFC 9001 §9: secrets and keys no longer needed are overwritten: those of a discarded level, the old ones of a key
 * update, and all of them when the connection ends.
 */
class ConnectionKeyHygieneTest {

    @Test
    void discardedLevelsKeysAreOverwritten() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(21).build().connect();
        QuicConnection client = pair.clientConnection();
        PacketProtection initialSealer = client.spaces[0].sealer;
        PacketProtection initialOpener = client.spaces[0].opener;
        pair.runUntil(() -> client.spaces[1].sealer != null && client.spaces[1].opener != null);
        PacketProtection handshakeSealer = client.spaces[1].sealer;
        PacketProtection handshakeOpener = client.spaces[1].opener;
        assertFalse(handshakeSealer.isDestroyed());
        pair.runUntil(pair::bothConfirmed);
        for (PacketProtection keys : new PacketProtection[] {initialSealer, initialOpener, handshakeSealer,
                handshakeOpener}) {
            assertTrue(keys.isDestroyed(), keys + " is overwritten once its level is discarded");
        }
        assertFalse(client.oneRtt.sealer.isDestroyed(), "the 1-RTT keys are in use");
        assertFalse(client.oneRtt.opener.isDestroyed());
    }

    /**
     * After following the server's key update the client's old write keys go at once, its old read keys when they
     * are dropped three PTOs later (RFC 9001 §6.5).
     */
    @Test
    void aKeyUpdatesOldKeysAreOverwrittenWhenDropped() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(2_000_000, 22);
        ConnectionPair pair = ConnectionPair.builder(22)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000))
                .serverConfig(ConnectionConfig.builder().keyUpdateInterval(100).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build().connect();
        pair.runUntil(pair::bothConfirmed);
        QuicConnection client = pair.clientConnection();
        PacketProtection firstSealer = client.oneRtt.sealer;
        PacketProtection firstOpener = client.oneRtt.opener;
        pair.runUntil(() -> client.keyUpdates() == 1, 30 * SECOND, 200_000);
        assertTrue(firstSealer.isDestroyed(), "the old write keys are overwritten when the new ones replace them");
        assertTrue(client.oneRtt.previousOpener() == firstOpener, "the old read keys stay for late packets");
        assertFalse(firstOpener.isDestroyed());
        pair.runUntil(() -> client.oneRtt.previousOpener() != firstOpener, 30 * SECOND, 200_000);
        assertTrue(firstOpener.isDestroyed(), "the old read keys are overwritten when dropped");
        assertFalse(client.oneRtt.opener.isDestroyed());
    }

    @Test
    void everyKeyIsOverwrittenWhenTheConnectionEnds() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(23).build().connect();
        pair.runUntil(pair::bothConfirmed);
        QuicConnection client = pair.clientConnection();
        PacketProtection sealer = client.oneRtt.sealer;
        PacketProtection opener = client.oneRtt.opener;
        assertNotNull(sealer);
        client.close(0, "done", pair.network.now());
        pair.runUntil(() -> client.state() == ConnectionState.CLOSED, 10 * SECOND, 10_000);
        assertTrue(sealer.isDestroyed());
        assertTrue(opener.isDestroyed());
        java.nio.ByteBuffer sample = java.nio.ByteBuffer.allocate(32);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> sealer.headerProtection().mask(sample, 0), "the header protection key went too");
    }
}
