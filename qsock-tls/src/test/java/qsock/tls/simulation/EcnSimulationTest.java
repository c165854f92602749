package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.CongestionAlgorithm;
import qsock.api.ConnectionConfig;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.sim.EcnLink;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;

/**
 * ECN with the real TLS handshake (whose Handshake packets often arrive before their keys and are buffered: they are
 * counted with their datagram's codepoint, RFC 9000 §13.4.1, or the peer's validation would fail): both sides
 * validate their paths, and each congestion controller backs off at a CE-marking bottleneck without loss.
 */
class EcnSimulationTest {

    @ParameterizedTest
    @EnumSource(CongestionAlgorithm.class)
    void aCeMarkingBottleneckSlowsEachControllerWithoutLoss(CongestionAlgorithm cc) throws Exception {
        long seed = 1400 + cc.ordinal();
        BulkSender sender = new BulkSender(8_000_000, seed);
        BulkReceiver receiver = new BulkReceiver();
        LinkConfig link = LinkConfig.perfect().withDelay(20 * MS, 0).withBandwidth(50_000_000, 500_000);
        ConnectionPair pair = TlsHandshakes.pair(seed).config(ConnectionConfig.builder().congestionAlgorithm(cc).build())
                .links(link).ecn(true).clientApplication(() -> receiver).serverApplication(() -> sender).build();
        pair.network.ecn(pair.server, pair.client, EcnLink.markCeAbove(60_000));
        pair.connect();
        pair.runUntil(receiver::finished, 120 * SECOND, 5_000_000);
        assertEquals(sender.sha256(), receiver.sha256());

        LinkStats s = pair.network.stats(pair.server, pair.client);
        assertTrue(pair.serverConnection().ecnValidated(), "validated through the TLS handshake");
        assertTrue(pair.clientConnection().ecnValidated());
        assertEquals(0, pair.serverConnection().ecnValidationFailures());
        assertEquals(0, pair.clientConnection().ecnValidationFailures());
        assertTrue(pair.clientConnection().ecnCountsReceived(PacketNumberSpace.HANDSHAKE)[0] > 0);
        assertTrue(pair.serverConnection().ecnCongestionEvents() > 0, s.toString());
        assertEquals(0, s.droppedQueue(), s.toString());
        assertEquals(0, pair.serverConnection().packetsLost());
    }
}
