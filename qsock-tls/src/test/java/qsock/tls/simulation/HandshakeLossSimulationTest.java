package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.api.ConnectionConfig;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.api.QuicVersion;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.wire.ConnectionId;

/**
 * Handshakes whose datagrams are lost where it hurts (issue 9, finding 6): the client's first ACKs while the server is
 * stopped by its anti-amplification limit, the server's whole first flights, the client's Finished with its first
 * request, and a path MTU probe the socket refuses. Targeted drops ({@code SimNetwork.filter}) make each case exact.
 */
class HandshakeLossSimulationTest {

    private static final long MS = ConnectionPair.MS;
    private static final long SECOND = ConnectionPair.SECOND;
    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(20 * MS, 0);

    /**
     * RFC 9002 §6.2.2.1: a Handshake packet from the server does not tell the client that its address was validated;
     * only an ACK of one of its Handshake packets (or confirmation) does. With a nine-certificate chain the server
     * stops at three times the client's Initial; if the client's ACKs of that first flight are lost and the client
     * took the Handshake packets as proof, neither side would send again until the idle timeout.
     */
    @Test
    void aClientWhoseFirstAcksAreLostKeepsProbingUntilAnAmplificationLimitedServerCanFinish() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(21, "nine").links(LINK).build();
        // The server's first flight reaches the client at 20 ms; what the client sends until 60 ms (its ACKs of that
        // flight) is lost. Its ClientHello (sent at 0) gets through.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> index > 0
                && now - pair.network.epoch() < 60 * MS);
        pair.connect();
        pair.runUntil(pair::bothEstablished, 10 * SECOND, 100_000);
        long sent = pair.serverSession().connection.bytesSent();
        assertTrue(sent > 3 * ConnectionConfig.MIN_DATAGRAM_SIZE,
                "the chain is larger than what the server may send before validation: " + sent + "; "
                        + pair.describe());
        assertTrue(pair.network.now() - pair.network.epoch() < 5 * SECOND,
                "the client's probes unblocked the server within a few PTOs: " + pair.describe());
    }

    /**
     * RFC 9002 §6.2.4: each probe of the client's Initial carries its ClientHello. A PING-only Initial is useless to
     * a server that lost the ClientHello (Kwik ignores it for 2 s), and a second copy is one more chance on a lossy
     * path.
     */
    @Test
    void everyInitialTheClientSendsBeforeHearingFromTheServerCarriesItsClientHello() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(22).links(LINK).build();
        List<Boolean> carriesCrypto = new ArrayList<>();
        // Everything the client sends in its first 5 s is lost: it probes again and again.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            if (now - pair.network.epoch() >= 5 * SECOND) {
                return false;
            }
            carriesCrypto.add(initialCarriesCrypto(datagram, pair.clientSession.connection.originalDestinationId()));
            return true;
        });
        pair.connect();
        pair.runUntil(pair::bothEstablished, 30 * SECOND, 100_000);
        assertTrue(carriesCrypto.size() >= 4, "the client probed several times: " + carriesCrypto.size());
        assertFalse(carriesCrypto.contains(false), "Initials without CRYPTO among " + carriesCrypto);
    }

    /**
     * RFC 9002 §6.2.4: when the client's Handshake PTO fires while its first request is in flight in 1-RTT packets,
     * the probe carries the request again too. Without that, a request lost with the Finished (or dropped by a server
     * that could not read it yet) waits for the Application Data PTO, which only runs once the handshake is confirmed.
     */
    @Test
    void aHandshakeProbeCarriesTheRequestThatWasLostWithTheFinished() throws Exception {
        BulkSender request = new BulkSender(1000, 23);
        BulkReceiver server = new BulkReceiver();
        ConnectionPair pair = TlsHandshakes.pair(23).links(LINK).clientApplication(() -> request)
                .serverApplication(() -> server).build();
        boolean[] dropped = {false};
        // The first datagram carrying a 1-RTT packet holds the Finished and the request: it is lost.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> {
            if (!dropped[0] && hasShortHeaderPacket(datagram)) {
                dropped[0] = true;
                return true;
            }
            return false;
        });
        long[] serverEstablished = {-1};
        long[] requestArrived = {-1};
        pair.connect();
        pair.runUntil(() -> {
            long now = pair.network.now();
            if (serverEstablished[0] < 0 && !pair.server.sessions.isEmpty()
                    && pair.serverSession().connection.state().isEstablished()) {
                serverEstablished[0] = now;
            }
            if (requestArrived[0] < 0 && server.received() > 0) {
                requestArrived[0] = now;
            }
            return server.finished();
        }, 30 * SECOND, 100_000);
        assertTrue(dropped[0], "the Finished and the request were lost once");
        // The probe that brought the Finished again brought the request in the same datagram: both arrive together.
        assertEquals(serverEstablished[0], requestArrived[0],
                "the request arrived with the repeated Finished; " + pair.describe());
    }

    /**
     * A datagram the socket refuses (EMSGSIZE: a 65,527-byte probe over IPv4, whose limit is 65,507) leaves flight at
     * once, and a refused probe size is given up for good rather than after three losses: the path MTU search
     * settles just under what the route carries, and no refused size is tried twice.
     */
    @Test
    void aRefusedPathMtuProbeLeavesFlightAtOnceAndItsSizeIsGivenUp() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder().pathMtuCeiling(65_527).maxUdpPayloadSize(65_527).build();
        BulkSender sender = new BulkSender(50_000_000, 24);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = TlsHandshakes.pair(24).config(config)
                .links(LinkConfig.perfect().withDelay(MS, 0).withMtu(LinkConfig.MAX_UDP_PAYLOAD))
                .clientApplication(() -> sender).serverApplication(() -> receiver).build();
        pair.client.refuseAbove(65_507);
        pair.connect();
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        int size = pair.clientSession.connection.maxDatagramSize();
        assertTrue(size <= 65_507 && size > 65_507 - 40, "settled at " + size + "; " + pair.describe());
        List<Integer> refused = pair.client.refused();
        assertTrue(!refused.isEmpty() && refused.getFirst() == 65_527, "the first probe tried the ceiling: " + refused);
        assertEquals(refused.stream().distinct().count(), refused.size(),
                "a refused size is never tried again: " + refused + "; " + pair.describe());
        assertEquals(sender.sha256(), receiver.sha256());
    }

    // ---- reading datagrams on the wire ----

    /** {@return true if the datagram holds a 1-RTT (short header) packet, coalesced or alone} */
    private static boolean hasShortHeaderPacket(ByteBuffer datagram) {
        ByteBuffer buf = datagram.slice();
        PacketHeaderView header = new PacketHeaderView();
        int offset = 0;
        while (offset < buf.limit()) {
            if (PacketParser.parse(buf, offset, ConnectionConfig.defaults().connectionIdLength(), true, header)
                    != ParseStatus.OK) {
                return false;
            }
            if (!header.isLongHeader()) {
                return true;
            }
            offset = header.packetEnd();
        }
        return false;
    }

    /** {@return whether the first packet of a client datagram is an Initial holding a CRYPTO frame} */
    private static boolean initialCarriesCrypto(ByteBuffer datagram, ConnectionId originalDestination) {
        ByteBuffer buf = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
        PacketHeaderView header = new PacketHeaderView();
        if (PacketParser.parse(buf, 0, ConnectionConfig.defaults().connectionIdLength(), false, header)
                != ParseStatus.OK || header.type() != PacketType.INITIAL) {
            return false;
        }
        PacketProtection keys = PacketProtection.initial(QuicVersion.V1, originalDestination, Role.CLIENT);
        OpenedPacket opened = new OpenedPacket();
        if (keys.open(buf, header.packetStart(), header.pnOffset(), header.packetEnd(), PacketNumber.NONE, opened) < 0) {
            throw new AssertionError("a client Initial did not open with the Initial keys");
        }
        ByteBuffer payload = buf.duplicate();
        int next = opened.payloadOffset();
        int end = next + opened.payloadLength();
        FrameReader frames = new FrameReader();
        try {
            while (next < end) {
                payload.limit(end).position(next);
                if (frames.read(payload, PacketType.INITIAL) == FrameType.CRYPTO) {
                    return true;
                }
                next = frames.frameEnd();
            }
        } catch (qsock.core.error.QuicProtocolException e) {
            throw new AssertionError("a client Initial did not parse: " + e, e);
        }
        return false;
    }
}
