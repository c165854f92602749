package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.ApplicationCloseFrame;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkStats;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** Closing a connection (RFC 9000 §10.2) on the fixed-secret pair, the CONNECTION_CLOSE frames read off the wire. */
class ConnectionCloseTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /** Collects the packets {@code sender} puts on the wire. */
    private static List<Wire.Packet> watch(ConnectionPair pair, Role sender) {
        List<Wire.Packet> packets = new ArrayList<>();
        Wire[] wire = {null};
        (sender == Role.CLIENT ? pair.client : pair.server).outgoingHook = (datagram, now) -> {
            if (wire[0] == null) {
                wire[0] = new Wire(sender, SUITE, pair.clientConnection().version(),
                        pair.clientConnection().originalDestinationId(), 8);
            }
            packets.addAll(wire[0].read(datagram));
        };
        return packets;
    }

    @Test
    void aTransportCloseReachesThePeerWithCodeFrameTypeAndReasonAndThePeerDrainsSilently() throws Exception {
        ConnectionPair pair = ConnectionPair.established(1);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        pair.runFor(100 * MS);
        List<Wire.Packet> fromServer = watch(pair, Role.SERVER);
        server.closeWithError(TransportErrorCode.FLOW_CONTROL_ERROR, 0x11, "window overrun", pair.network.now());
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        ConnectionCloseFrame sent = fromServer.getFirst().frames(ConnectionCloseFrame.class).getFirst();
        assertEquals(TransportErrorCode.FLOW_CONTROL_ERROR, sent.errorCode());
        assertEquals(0x11, sent.frameType());
        assertEquals("window overrun", sent.reason());
        ConnectionError remote = client.closeError();
        assertEquals(ConnectionError.Kind.TRANSPORT, remote.kind());
        assertEquals(TransportErrorCode.FLOW_CONTROL_ERROR, remote.transportCode());
        assertEquals(0x11, remote.frameType());
        assertEquals("window overrun", remote.reason());
        assertTrue(remote.byPeer());
        // RFC 9000 §10.2.2: a draining endpoint sends nothing, whatever arrives.
        LinkStats up = pair.network.stats(pair.client, pair.server);
        long sentUp = up.datagramsSent();
        for (int i = 0; i < 5; i++) {
            pair.client.receive(pair.server.address, Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0,
                    client.localId(), 5_000 + i, Wire.frames(new PingFrame())), pair.network.now());
        }
        pair.runUntil(() -> client.state() == ConnectionState.CLOSED, 5 * SECOND, 10_000);
        assertEquals(sentUp, up.datagramsSent(), "the draining client stayed silent");
    }

    /**
     * RFC 9000 §10.2.1: a closing endpoint answers what arrives with its CONNECTION_CLOSE, but at a bounded rate: here
     * on the 1st, 2nd, 4th, 8th... datagram, so 100 datagrams draw at most 7 answers after the first close.
     */
    @Test
    void aClosingEndpointResendsItsCloseAtABoundedRate() throws Exception {
        ConnectionPair pair = ConnectionPair.established(2);
        QuicConnection client = pair.clientConnection();
        pair.runFor(100 * MS);
        List<Wire.Packet> fromClient = watch(pair, Role.CLIENT);
        // The server never hears the close, and goes on sending; here its datagrams are forged straight in.
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> true);
        client.close(9, "bye", pair.network.now());
        pair.runFor(MS);
        assertEquals(1, fromClient.size(), "the close left at once");
        for (int i = 0; i < 100; i++) {
            pair.client.receive(pair.server.address, Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0,
                    client.localId(), 10_000 + i, Wire.frames(new PingFrame())), pair.network.now());
            pair.network.runFor(MS / 2, 1_000);
        }
        assertEquals(ConnectionState.CLOSING, client.state(), "still within three PTOs");
        int closes = fromClient.size();
        assertTrue(closes >= 2 && closes <= 1 + 7, closes + " closes for 100 datagrams");
        for (Wire.Packet p : fromClient) {
            ApplicationCloseFrame f = p.frames(ApplicationCloseFrame.class).getFirst();
            assertEquals(9, f.errorCode());
            assertEquals("bye", f.reason());
        }
    }

    /**
     * RFC 9000 §10.2.3: an application close before the handshake is confirmed goes in the Handshake level too, as a
     * transport CONNECTION_CLOSE with APPLICATION_ERROR and no reason (the application's reason stays out of packets
     * that are not 1-RTT); the 1-RTT packet carries the application's code and reason.
     */
    @Test
    void anApplicationCloseBeforeConfirmationIsApplicationErrorInHandshakePackets() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(3).build().connect();
        QuicConnection client = pair.clientConnection();
        List<Wire.Packet> fromClient = watch(pair, Role.CLIENT);
        pair.runUntil(() -> client.state() == ConnectionState.ESTABLISHED, 5 * SECOND, 10_000);
        int before = fromClient.size();
        client.close(7, "secret reason", pair.network.now());
        pair.runUntil(() -> fromClient.size() > before
                && fromClient.getLast().frames().stream().anyMatch(f -> f instanceof ApplicationCloseFrame
                        || f instanceof ConnectionCloseFrame), 5 * SECOND, 10_000);
        List<Wire.Packet> closes = fromClient.subList(before, fromClient.size());
        Wire.Packet handshake = closes.stream().filter(p -> p.type() == PacketType.HANDSHAKE).findFirst()
                .orElseThrow(() -> new AssertionError("no Handshake packet in the close: " + closes));
        ConnectionCloseFrame inHandshake = handshake.frames(ConnectionCloseFrame.class).getFirst();
        assertEquals(TransportErrorCode.APPLICATION_ERROR, inHandshake.errorCode());
        assertEquals(0, inHandshake.frameType());
        assertEquals("", inHandshake.reason());
        Wire.Packet oneRtt = closes.stream().filter(p -> p.type() == PacketType.ONE_RTT).findFirst()
                .orElseThrow(() -> new AssertionError("no 1-RTT packet in the close: " + closes));
        ApplicationCloseFrame inOneRtt = oneRtt.frames(ApplicationCloseFrame.class).getFirst();
        assertEquals(7, inOneRtt.errorCode());
        assertEquals("secret reason", inOneRtt.reason());
        QuicConnection server = pair.serverConnection();
        pair.runUntil(() -> server.state().isClosingOrClosed(), 5 * SECOND, 10_000);
        assertTrue(server.closeError().byPeer());
    }
    /**
     * RFC 9001 §4.6.1: what the TLS engine reports as a protocol violation (not an alert) closes the connection with
     * the transport error PROTOCOL_VIOLATION, which the peer sees as such.
     */
    @Test
    void aHandshakeProtocolViolationClosesWithProtocolViolationNotACryptoError() throws Exception {
        ConnectionPair pair = ConnectionPair.established(61);
        QuicConnection client = pair.clientConnection();
        long now = pair.network.now();
        client.handshakeChannel(() -> now).protocolViolation("early_data max_early_data_size 16384 in QUIC");
        assertEquals(ConnectionError.Kind.TRANSPORT, client.closeError().kind());
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), client.closeError().code());
        pair.runUntil(() -> pair.serverConnection().closeError() != null, 5 * SECOND, 10_000);
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), pair.serverConnection().closeError().code());
        assertTrue(pair.serverConnection().closeError().byPeer());
    }
}
