package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * Key updates this side starts (RFC 9001 §6): after {@link ConnectionConfig#keyUpdateInterval()} packets under
 * one write key the sender moves to the next key phase, the peer follows, and the data arrives whole, also when
 * loss and reordering mix packets of two phases.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeyUpdateSimulationTest {

    private static final long MB = 1_000_000;

    /**
     * 10 Mbit/s with 10 ms each way: 2 MB take seconds, room for several updates, each of which waits for the
     * acknowledgement of a packet of the phase before (RFC 9001 §6.1) and for the previous read keys to go, three
     * PTOs after the peer's first packet in the new phase (§6.5).
     */
    private static LinkConfig slowLink() {
        return LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000);
    }

    private static ConnectionPair download(long seed, long size, LinkConfig link, ConnectionConfig server,
                                          BulkSender sender, BulkReceiver receiver) {
        return TlsHandshakes.pair(seed).links(link).serverConfig(server)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
    }

    @Test
    void theSenderUpdatesItsKeysEveryIntervalAndThePeerFollows() throws Exception {
        long size = 2 * MB;
        BulkSender sender = new BulkSender(size, 21);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(21, size, slowLink(), ConnectionConfig.builder().keyUpdateInterval(300).build(),
                sender, receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        QuicConnection server = pair.serverSession().connection;
        QuicConnection client = pair.clientSession.connection;
        // 2 MB in 1200-byte datagrams is ~1700 packets: several intervals of 300.
        assertTrue(server.keyUpdatesInitiated() >= 3, "updates started: " + server.keyUpdatesInitiated());
        assertEquals(server.keyUpdatesInitiated(), client.keyUpdates(), "the client followed every one");
        assertEquals(0, client.keyUpdatesInitiated(), "the client, at the default interval, started none");
        assertEquals(0, server.keyUpdates(), "the server followed nothing it did not start");
    }

    @Test
    void packetsOfTwoPhasesMixedByLossAndReorderingStillOpen() throws Exception {
        long size = 2 * MB;
        BulkSender sender = new BulkSender(size, 22);
        BulkReceiver receiver = new BulkReceiver();
        LinkConfig link = LinkConfig.perfect().withDelay(10 * MS, 2 * MS).withLoss(0.05).withReordering(0.1, 5 * MS);
        ConnectionPair pair = download(22, size, link, ConnectionConfig.builder().keyUpdateInterval(200).build(),
                sender, receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 600 * SECOND, 5_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        QuicConnection server = pair.serverSession().connection;
        assertTrue(server.keyUpdatesInitiated() >= 3, "updates started: " + server.keyUpdatesInitiated());
        assertEquals(server.keyUpdatesInitiated(), pair.clientSession.connection.keyUpdates());
        assertTrue(pair.clientSession.connection.packetsDropped() < server.packetsSent() / 10,
                "packets of the previous phase still opened: dropped " + pair.clientSession.connection.packetsDropped());
    }

    @Test
    void bothSidesStartUpdatesAndEndInTheSamePhase() throws Exception {
        long size = 2 * MB;
        BulkSender sender = new BulkSender(size, 23);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionConfig often = ConnectionConfig.builder().keyUpdateInterval(100).keepAliveMillis(5).build();
        ConnectionPair pair = TlsHandshakes.pair(23).links(slowLink()).config(often)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        QuicConnection server = pair.serverSession().connection;
        QuicConnection client = pair.clientSession.connection;
        assertTrue(server.keyUpdatesInitiated() >= 1 && client.keyUpdatesInitiated() >= 1,
                "server started " + server.keyUpdatesInitiated() + ", client " + client.keyUpdatesInitiated());
        // Both end in the same key phase: every update one side started, the other followed (two started at
        // once count as one step each side took itself).
        assertEquals(server.keyUpdatesInitiated() + server.keyUpdates(),
                client.keyUpdatesInitiated() + client.keyUpdates(), pair.describe());
    }
}
