package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PingFrame;
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
        ConnectionPair pair = ConnectionPair.builder(13).links(LinkConfig.perfect().withDelay(10 * MS, 0)).build();
        long lossEnds = pair.network.now() + 10 * SECOND;
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

        pair.runUntil(pair::bothConfirmed, lossEnds + 2 * SECOND - pair.network.now(), 1_000_000);
        assertTrue(pair.bothConfirmed(), "confirmed within 2 s of the loss ending: " + pair.describe());
    }

    /**
     * The server completed and discarded its Handshake keys, but what it sends next is lost for ten seconds, except
     * its ACK-only packets: the acknowledgment of the client's Finished, HANDSHAKE_DONE and its data (as quiche's
     * answer was lost five times while its probe timer backed off to 11, 23, 46 s: CI, LossyHandshakeInteropTest,
     * seed 9001). The client's Handshake probes reach a server that can no longer read them; once its own 1-RTT
     * packets are acknowledged, each is joined by a 1-RTT PING carrying the client's 1-RTT ACK, which is what lets the
     * server's loss detection see its lost packets and send them again. The handshake completes and the data arrives
     * once the loss ends.
     */
    @Test
    void anUnconfirmedClientsHandshakeProbeBringsA1RttPing() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(300, 17);
        ConnectionPair pair = ConnectionPair.builder(17).links(LinkConfig.perfect().withDelay(10 * MS, 0))
                .serverConfig(ConnectionConfig.builder().maxIdleTimeoutMillis(120_000).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        long lossEnds = pair.network.now() + 10 * SECOND;
        Wire[] serverWire = {null};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (now >= lossEnds || !pair.bothStarted() || !pair.serverConnection().state().isEstablished()) {
                return false;
            }
            if (serverWire[0] == null) {
                QuicConnection client = pair.clientConnection();
                serverWire[0] = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
            }
            for (Wire.Packet p : serverWire[0].read(datagram)) {
                if (p.type() == PacketType.HANDSHAKE || p.frames().stream()
                        .anyMatch(f -> !(f instanceof AckFrame) && !(f instanceof PaddingFrame))) {
                    return true;
                }
            }
            return false;
        });
        Wire[] clientWire = {null};
        List<String> pings = new ArrayList<>();
        pair.client.outgoingHook = (datagram, now) -> {
            if (clientWire[0] == null) {
                QuicConnection client = pair.clientConnection();
                clientWire[0] = new Wire(Role.CLIENT, SUITE, client.version(), client.originalDestinationId(), 8);
            }
            for (Wire.Packet p : clientWire[0].read(datagram)) {
                if (now < lossEnds && p.type() == PacketType.ONE_RTT && p.frames().stream()
                        .allMatch(f -> f instanceof AckFrame || f instanceof PingFrame || f instanceof PaddingFrame)
                        && !p.frames(PingFrame.class).isEmpty()) {
                    pings.add(now / MS + " ms: " + p.frames());
                }
            }
        };
        pair.connect();
        pair.runFor(lossEnds - pair.network.now());
        assertFalse(pair.clientConnection().state() == ConnectionState.CONFIRMED, "HANDSHAKE_DONE was lost");
        assertTrue(pings.size() >= 3, "1-RTT PINGs beside the Handshake probes: " + pings);
        assertTrue(pings.stream().allMatch(p -> p.contains("AckFrame")), "each with the client's ACK: " + pings);

        pair.runUntil(() -> pair.bothConfirmed() && receiver.finished(), 60 * SECOND, 1_000_000);
        assertTrue(receiver.finished(), pair.describe());
    }

    /**
     * The client has the server's whole flight, but every datagram of the client's that holds a Handshake packet (its
     * Finished, its probes, its acknowledgments) is lost for five seconds: the server, which spent its three-times
     * budget on its flight and a probe, hears only the client's small 1-RTT probes, which it cannot read yet. Below a
     * full datagram of budget it still sends Handshake probes, which need no padding (only an ack-eliciting Initial
     * does, RFC 9000 §14.1), always within three times what it received (RFC 9000 §8.1): a client whose Initial
     * acknowledgments were lost and whose own probes back off (quiche's: CI, LossyHandshakeInteropTest, seed 9002)
     * is then asked for a Handshake packet, which validates its address, and not left to fill the budget itself.
     */
    @Test
    void aServerBelowAFullDatagramOfAmplificationBudgetStillSendsHandshakeProbes() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(19).links(LinkConfig.perfect().withDelay(10 * MS, 0)).build();
        long lossEnds = pair.network.now() + 5 * SECOND;
        List<String> smallBudgetProbes = new ArrayList<>();
        List<String> overLimit = new ArrayList<>();
        pair.server.outgoingHook = (datagram, now) -> {
            QuicConnection server = pair.serverConnection();
            if (server.isAddressValidated()) {
                return;
            }
            int length = datagram.remaining();
            long sentBefore = server.bytesSent() - length;
            long budget = 3 * server.bytesReceived() - sentBefore;
            if (length > budget) {
                overLimit.add(length + " bytes with " + budget + " of budget at " + now);
            }
            List<PacketType> types = Wire.types(datagram, 8);
            if (budget < 1200 && types.equals(List.of(PacketType.HANDSHAKE))) {
                smallBudgetProbes.add(length + " bytes with " + budget + " of budget at " + now / MS + " ms");
            }
        };
        pair.network.filter(pair.client, pair.server, (index, datagram, now) ->
                now < lossEnds && Wire.types(datagram, 8).contains(PacketType.HANDSHAKE));
        pair.connect();
        pair.runFor(lossEnds - 10 * MS - pair.network.now());
        assertFalse(pair.serverConnection().isAddressValidated(), "no Handshake packet of the client's arrived");
        assertEquals(List.of(), overLimit, "datagrams beyond the anti-amplification limit");
        assertFalse(smallBudgetProbes.isEmpty(), "Handshake probes under a budget below 1200 bytes");

        pair.runUntil(pair::bothConfirmed, 10 * SECOND, 1_000_000);
        assertTrue(pair.bothConfirmed(), pair.describe());
        assertEquals(List.of(), overLimit, "datagrams beyond the anti-amplification limit");
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
