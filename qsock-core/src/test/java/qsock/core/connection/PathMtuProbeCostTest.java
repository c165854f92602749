package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * What a path MTU probe (RFC 9000 §14.4) costs the data behind it: the probe goes out as soon as the handshake is
 * confirmed, and a large one would fill the congestion window and drain the pacer's bucket for as long as the peer
 * takes to acknowledge it (its delayed ACK: up to max_ack_delay). It is counted as a datagram of the current size
 * instead, the size the sender asked room for; the rest is the probe's own risk (RFC 8899 §4.4: a probe's loss is
 * no congestion signal either).
 */
class PathMtuProbeCostTest {

    @Test
    void anAnswerRightAfterTheHandshakeDoesNotWaitForTheProbesAcknowledgment() throws Exception {
        // 10 ms each way: the server's answer reaches the client 40 ms after the client's first Initial, two round
        // trips. Held behind the probe it would arrive a round trip and the client's ACK delay later.
        LinkConfig link = LinkConfig.perfect().withDelay(10 * MS, 0);
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(100, 91);
        ConnectionPair pair = ConnectionPair.builder(91).links(link)
                .serverConfig(ConnectionConfig.builder().pathMtuCeiling(16_000).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        long start = pair.network.now();
        pair.connect();
        pair.runUntil(receiver::finished, 5 * SECOND, 100_000);
        long took = pair.network.now() - start;
        assertEquals(sender.sha256(), receiver.sha256());
        LinkStats down = pair.network.stats(pair.server, pair.client);
        assertTrue(down.bytesDelivered() > 16_000, "the server probed at 16,000 bytes: " + down.bytesDelivered());
        assertTrue(took < 50 * MS, "the answer came after " + took / MS + " ms, two round trips being 40");
    }
}
