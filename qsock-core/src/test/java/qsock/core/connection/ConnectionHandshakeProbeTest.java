package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.PaddingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/**
 * Probes that keep a handshake going when the peer's loss recovery does not (RFC 9002 §6.2.2.1, §6.2.4): a side whose
 * own packets are all acknowledged but whose handshake is not confirmed keeps probing, so that the peer's loss
 * detection sees what it sent lost and sends it again.
 */
class ConnectionHandshakeProbeTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /**
     * The tail of the server's Handshake flight is lost, and so is every copy the server sends again for ten seconds
     * (as when Kwik 0.10.8's corrupted flight was never sent again: CI, LossyHandshakeInteropTest, seed 9111); what
     * else the server sends arrives. The client, its Handshake packets acknowledged, keeps probing with PINGs carrying
     * its ACK; the server's loss detection then declares the tail lost on the acknowledgment of its own later ACK and
     * sends it at once, so the handshake completes soon after the loss ends. A client that stopped once the server had
     * validated its address would wait for the server's own probe timer, backed off to seconds by then.
     */
    @Test
    void aClientLackingTheServersFlightKeepsProbingUntilTheServerSendsItAgain() throws Exception {
        long lossEnds = 10 * SECOND;
        ConnectionPair pair = ConnectionPair.builder(13).links(LinkConfig.perfect().withDelay(10 * MS, 0)).build();
        Wire[] wire = {null};
        int[] flightDatagrams = {0};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (wire[0] == null) {
                QuicConnection client = pair.clientConnection();
                wire[0] = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
            }
            if (!carriesHandshakeCrypto(wire[0], datagram)) {
                return false;
            }
            // The first datagram of the flight (ServerHello and the flight's head) arrives; the rest is lost.
            return flightDatagrams[0]++ > 0 && now < lossEnds;
        });
        pair.connect();
        pair.runUntil(() -> pair.clientSession != null && pair.clientConnection().recovery.peerCompletedAddressValidation(),
                5 * SECOND, 100_000);
        assertTrue(pair.clientConnection().recovery.peerCompletedAddressValidation(), "the server acknowledged a Handshake packet");
        assertFalse(pair.clientConnection().state().isEstablished(), "the flight's tail was lost");

        pair.runUntil(pair::bothConfirmed, lossEnds + 2 * SECOND, 1_000_000);
        assertTrue(pair.bothConfirmed(), "confirmed within 2 s of the loss ending: " + pair.describe());
    }

    /**
     * The server completed and discarded its Handshake keys, but what it sent next is lost for ten seconds: the
     * acknowledgment of the client's Finished, HANDSHAKE_DONE and its data (as quiche's answer was lost five times
     * while its probe timer backed off to 11, 23, 46 s: CI, LossyHandshakeInteropTest, seed 9001); its ACK-only
     * packets arrive. The client's Handshake probes reach a server that can no longer read them; each is joined by a
     * 1-RTT PING carrying the client's 1-RTT ACK, which the server acknowledges, and whose ACK of that acknowledgment
     * lets the server's loss detection send HANDSHAKE_DONE and the data again at once. The server's own probe timer
     * has backed off past the end of the loss by then.
     */
    @Test
    void anUnconfirmedClientsHandshakeProbeBringsA1RttPingThatGetsTheServersLostPacketsSentAgain() throws Exception {
        long lossEnds = 10 * SECOND;
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(300, 17);
        ConnectionPair pair = ConnectionPair.builder(17).links(LinkConfig.perfect().withDelay(10 * MS, 0))
                .clientConfig(ConnectionConfig.builder().maxIdleTimeoutMillis(8_000).build())
                .serverConfig(ConnectionConfig.builder().maxIdleTimeoutMillis(120_000).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        Wire[] wire = {null};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (now >= lossEnds || !pair.bothStarted() || !pair.serverConnection().state().isEstablished()) {
                return false;
            }
            if (wire[0] == null) {
                QuicConnection client = pair.clientConnection();
                wire[0] = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
            }
            for (Wire.Packet p : wire[0].read(datagram)) {
                if (p.type() == PacketType.HANDSHAKE || p.frames().stream()
                        .anyMatch(f -> !(f instanceof AckFrame) && !(f instanceof PaddingFrame))) {
                    return true;
                }
            }
            return false;
        });
        pair.connect();
        pair.runUntil(() -> pair.bothStarted() && pair.serverConnection().state().isEstablished(),
                5 * SECOND, 100_000);
        pair.runFor(SECOND);
        assertFalse(pair.clientConnection().state() == ConnectionState.CONFIRMED, "HANDSHAKE_DONE was lost");

        pair.runUntil(() -> pair.bothConfirmed() && receiver.finished(), lossEnds + 3 * SECOND, 1_000_000);
        assertTrue(receiver.finished(), "the data arrived within 3 s of the loss ending: " + pair.describe());
    }

    private static boolean carriesHandshakeCrypto(Wire wire, ByteBuffer datagram) {
        for (Wire.Packet p : wire.read(datagram)) {
            if (p.type() == PacketType.HANDSHAKE && !p.frames(CryptoFrame.class).isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
