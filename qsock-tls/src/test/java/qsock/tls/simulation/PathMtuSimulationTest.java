package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.path.PathMtuSearch;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.LinkStats;
import qsock.core.sim.SimNetwork;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * Path MTU discovery (RFC 9000 §14.3) over simulated links that drop datagrams above their MTU: the size each side
 * settles on, what the probes cost, and the fall back to the base size when the path shrinks under a connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PathMtuSimulationTest {

    private static final long MB = 1_000_000;
    /** The UDP payload of a 9000-byte jumbo frame MTU over IPv4. */
    private static final int JUMBO_UDP_PAYLOAD = 9000 - 28;

    /** Loss-free links with 10 ms one-way delay and no bandwidth limit: only the MTU drops anything. */
    private static LinkConfig path(int mtu) {
        return LinkConfig.perfect().withDelay(10 * MS, 0).withMtu(mtu);
    }

    private static ConnectionConfig probingUpTo(int ceiling) {
        return ConnectionConfig.builder().pathMtuCeiling(ceiling).build();
    }

    private static ConnectionPair download(long seed, long size, ConnectionConfig config, LinkConfig link,
                                          BulkSender sender, BulkReceiver receiver) {
        return TlsHandshakes.pair(seed).config(config).links(link)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
    }

    /**
     * Lets the idle connection go on for a while: a short transfer can end before the search does, which goes on
     * with probes of its own.
     */
    private static void settle(ConnectionPair pair) {
        pair.network.runFor(3 * SECOND, 2_000_000);
    }

    private static boolean settledAt(int mtu, QuicConnection c) {
        int size = c.maxDatagramSize();
        return size <= mtu && mtu - size < PathMtuSearch.MIN_STEP;
    }

    private static void assertSettledAt(int mtu, QuicConnection c, String who, ConnectionPair pair) {
        int size = c.maxDatagramSize();
        assertTrue(settledAt(mtu, c), who + " settled at " + size + " on a path of " + mtu + "; " + pair.describe());
    }

    @Test
    void bothSidesFindAJumboPathAndTheTransferUsesIt() throws Exception {
        // 4 MB: the data does not wait for the search (a probe counts as a datagram of the current size), so the
        // first few hundred kilobytes go at 1200 bytes while it runs.
        BulkSender sender = new BulkSender(4 * MB, 11);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(11, 4 * MB, probingUpTo(16_000), path(JUMBO_UDP_PAYLOAD), sender, receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        settle(pair);
        assertSettledAt(JUMBO_UDP_PAYLOAD, pair.serverSession().connection, "server", pair);
        assertSettledAt(JUMBO_UDP_PAYLOAD, pair.clientSession.connection, "client", pair);
        LinkStats down = pair.network.stats(pair.server, pair.client);
        assertTrue(down.bytesDelivered() / down.datagramsDelivered() > 4 * 1200,
                "the download moved in large datagrams: " + down.bytesDelivered() / down.datagramsDelivered()
                        + " bytes on average");
        // Each size above the MTU is tried MAX_PROBES times, and a binary search from 16000 down to 8972 passes
        // about ten sizes, some of them too large.
        assertTrue(down.droppedMtu() > 0 && down.droppedMtu() <= 10 * PathMtuSearch.MAX_PROBES,
                "probes dropped for their size: " + down.droppedMtu());
    }

    @Test
    void onAnEthernetPathLostProbesAreNoCongestionSignal() throws Exception {
        BulkSender sender = new BulkSender(2 * MB, 12);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(12, 2 * MB, probingUpTo(9000), path(LinkConfig.ETHERNET_UDP_PAYLOAD), sender,
                receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        settle(pair);
        QuicConnection server = pair.serverSession().connection;
        assertSettledAt(LinkConfig.ETHERNET_UDP_PAYLOAD, server, "server", pair);
        assertTrue(pair.network.stats(pair.server, pair.client).droppedMtu() >= PathMtuSearch.MAX_PROBES,
                "probes above the MTU were dropped");
        // Nothing but probes was lost on this link: had their loss counted, slow start would have ended.
        assertTrue(server.congestion().inSlowStart(),
                "slow start threshold " + server.congestion().slowStartThreshold() + "; " + pair.describe());
    }

    @Test
    void withoutACeilingTheConfiguredSizeStays() throws Exception {
        BulkSender sender = new BulkSender(MB, 13);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(13, MB, ConnectionConfig.defaults(), path(JUMBO_UDP_PAYLOAD), sender, receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        settle(pair);
        assertEquals(ConnectionConfig.MIN_DATAGRAM_SIZE, pair.serverSession().connection.maxDatagramSize());
        assertEquals(0, pair.network.stats(pair.server, pair.client).droppedMtu());
        assertTrue(pair.network.stats(pair.server, pair.client).datagramsDelivered() > 0);
    }

    @Test
    void thePeersMaxUdpPayloadSizeBoundsTheSearch() throws Exception {
        BulkSender sender = new BulkSender(MB, 14);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = TlsHandshakes.pair(14).links(path(JUMBO_UDP_PAYLOAD))
                .serverConfig(probingUpTo(16_000))
                .clientConfig(ConnectionConfig.builder().maxUdpPayloadSize(4000).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        settle(pair);
        assertEquals(4000, pair.serverSession().connection.maxDatagramSize(), pair.describe());
        assertEquals(0, pair.network.stats(pair.server, pair.client).droppedMtu(), "no probe above 4000 went out");
    }

    @Test
    void whenThePathShrinksUnderTheConnectionItFallsBackAndSearchesAgain() throws Exception {
        long size = 20 * MB;
        BulkSender sender = new BulkSender(size, 15);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(15, size, probingUpTo(9000), path(JUMBO_UDP_PAYLOAD), sender, receiver);
        pair.connect();
        QuicConnection[] server = new QuicConnection[1];
        pair.runUntil(() -> {
            if (pair.clientSession == null || pair.server.sessions.isEmpty()) {
                return false;
            }
            server[0] = pair.serverSession().connection;
            return settledAt(JUMBO_UDP_PAYLOAD, server[0]) && receiver.received() > size / 10;
        }, 60 * SECOND, 2_000_000);
        assertSettledAt(JUMBO_UDP_PAYLOAD, server[0], "server before the path shrinks", pair);
        // A route change: from now on the path drops everything above an Ethernet MTU (a black hole for the
        // connection's jumbo datagrams; RFC 8899 §4.3).
        pair.network.configure(pair.server, pair.client, path(LinkConfig.ETHERNET_UDP_PAYLOAD));
        pair.network.configure(pair.client, pair.server, path(LinkConfig.ETHERNET_UDP_PAYLOAD));
        pair.runUntil(receiver::finished, 600 * SECOND, 20_000_000);
        assertEquals(size, receiver.received(), pair.describe());
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        settle(pair);
        assertSettledAt(LinkConfig.ETHERNET_UDP_PAYLOAD, server[0], "server after the path shrank", pair);
    }

    @ParameterizedTest(name = "random loss {0}")
    @ValueSource(doubles = {0.05, 0.30})
    void underRandomLossLostDataIsNotMistakenForAPathLimit(double loss) throws Exception {
        long size = 5 * MB;
        BulkSender sender = new BulkSender(size, 16);
        BulkReceiver receiver = new BulkReceiver();
        LinkConfig link = LinkConfig.perfect().withDelay(20 * MS, 0).withBandwidth(100_000_000, 500_000)
                .withMtu(LinkConfig.ETHERNET_UDP_PAYLOAD).withLoss(loss);
        ConnectionPair pair = download(16, size, probingUpTo(9000), link, sender, receiver);
        pair.connect();
        pair.runUntil(receiver::finished, 3600 * SECOND, 20_000_000);
        assertEquals(sender.sha256(), receiver.sha256(), pair.describe());
        // Random loss takes probes too; sizes the path carries may be given up (3 losses in a row) and black
        // hole detection may fall back, but never to a size above what the path carries.
        int settled = pair.serverSession().connection.maxDatagramSize();
        assertTrue(settled >= ConnectionConfig.MIN_DATAGRAM_SIZE && settled <= LinkConfig.ETHERNET_UDP_PAYLOAD,
                "size " + settled + "; " + pair.describe());
        System.out.printf("simulation: path MTU discovery, loss %.0f%%, %d bytes, virtual %d ms, size %d%n",
                loss * 100, size, (pair.network.now() - SimNetwork.EPOCH_NANOS) / MS, settled);
    }
}
