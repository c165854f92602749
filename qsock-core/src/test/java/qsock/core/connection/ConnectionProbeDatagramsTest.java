package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** What the datagrams of probe timeouts hold (RFC 9002 §6.2.4). */
class ConnectionProbeDatagramsTest {

    /**
     * A client whose handshake is complete but not confirmed, with its Finished and its request both unacknowledged
     * (everything the server sends after the client's Handshake flight is lost), probes the Handshake level and, with
     * its request in flight, the 1-RTT level too. The 1-RTT probe leaves in a datagram without a Handshake packet:
     * a server that has discarded its Handshake keys, and drops the rest of a datagram after a packet it cannot
     * open (as quiche does), must still get the request. Nothing coalesces the two levels after the first flight.
     */
    @Test
    void anUnconfirmedClientsOneRttProbeLeavesWithoutAHandshakePacketAhead() throws Exception {
        BulkSender request = new BulkSender(300, 7);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = ConnectionPair.builder(7).links(LinkConfig.perfect().withDelay(10 * MS, 0))
                .clientApplication(() -> request).serverApplication(() -> receiver).build();
        List<List<PacketType>> afterEstablished = new ArrayList<>();
        pair.client.outgoingHook = (datagram, now) -> {
            if (pair.clientSession != null && pair.clientConnection().state().isEstablished()) {
                afterEstablished.add(Wire.types(datagram, 8));
            }
        };
        pair.network.filter(pair.server, pair.client, (index, datagram, now) ->
                pair.clientSession != null && pair.clientConnection().state().isEstablished());
        pair.connect();
        pair.runUntil(() -> pair.clientSession != null && pair.clientConnection().state().isEstablished(),
                5 * SECOND, 10_000);
        pair.runFor(2 * SECOND);

        QuicConnection client = pair.clientConnection();
        assertFalse(client.state() == ConnectionState.CONFIRMED, "nothing confirmed the client's handshake");
        int first = -1;
        for (int i = 0; i < afterEstablished.size() && first < 0; i++) {
            if (afterEstablished.get(i).contains(PacketType.ONE_RTT)) {
                first = i;
            }
        }
        assertTrue(first >= 0, "the request left: " + afterEstablished);
        List<List<PacketType>> probes = afterEstablished.subList(first + 1, afterEstablished.size());
        int handshakeProbes = 0;
        int oneRttProbes = 0;
        for (List<PacketType> d : probes) {
            boolean handshake = d.contains(PacketType.HANDSHAKE);
            boolean oneRtt = d.contains(PacketType.ONE_RTT);
            assertFalse(handshake && oneRtt, "a probe datagram with both levels: " + probes);
            handshakeProbes += handshake ? 1 : 0;
            oneRttProbes += oneRtt ? 1 : 0;
        }
        assertTrue(handshakeProbes >= 2, "Handshake probes: " + probes);
        assertTrue(oneRttProbes >= 2, "1-RTT probes of the request beside them: " + probes);
    }
}
