package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import qsock.core.frame.Frame;
import qsock.core.frame.NewTokenFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/**
 * {@link QuicConnection#initiateKeyUpdate} (the socket draft's QUIC_SOCKOPT_KEY_UPDATE) and the {@link
 * ConnectionEvent.KeyUpdated} events (QUIC_EVENT_KEY_UPDATE) on the fixed-secret pair: an update of either side is
 * reported once on each, when both send with the new keys (RFC 9001 §6), and a second update waits for the first.
 */
class ConnectionKeyUpdateEventsTest {

    /** Collects a connection's events as the test polls them, so that conditions can look at what came. */
    private static final class Heard {
        final QuicConnection connection;
        final List<ConnectionEvent> events = new ArrayList<>();

        Heard(QuicConnection connection) {
            this.connection = connection;
        }

        /** {@return the key update events heard so far, after polling what waits} */
        List<ConnectionEvent.KeyUpdated> keyUpdates() {
            for (ConnectionEvent e = connection.pollEvent(); e != null; e = connection.pollEvent()) {
                events.add(e);
            }
            List<ConnectionEvent.KeyUpdated> out = new ArrayList<>();
            for (ConnectionEvent e : events) {
                if (e instanceof ConnectionEvent.KeyUpdated k) {
                    out.add(k);
                }
            }
            return out;
        }
    }

    private static ConnectionPair established(long seed) throws Exception {
        ConnectionPair pair = ConnectionPair.established(seed);
        pair.clientConnection().setEvents(true, false);
        pair.serverConnection().setEvents(true, false);
        return pair;
    }

    /**
     * A client's update, seen from both sides. The server's event comes when the first packet of the new phase opens
     * and its send keys follow, not before; the client's only once the server acknowledged a packet of the new phase:
     * while the server's datagrams are lost, none comes, whatever the client sends.
     */
    @Test
    void aLocalUpdateIsReportedWhenThePeerAcknowledgedItsPhaseAndThePeersWhenItFollowed() throws Exception {
        ConnectionPair pair = established(1);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        Heard serverHeard = new Heard(server);
        boolean[] toServerLost = {true};
        boolean[] toClientLost = {false};
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> toServerLost[0]);
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> toClientLost[0]);

        assertEquals(0, client.keyPhase());
        assertFalse(client.keyUpdateInProgress());
        client.initiateKeyUpdate(pair.network.now());
        assertEquals(1, client.keyPhase(), "the next packet is sealed with the new keys");
        assertTrue(client.keyUpdateInProgress());
        pair.runFor(300 * MS);
        assertEquals(List.of(), serverHeard.keyUpdates(), "the server saw no packet of the new phase");
        assertEquals(0, server.keyPhase());

        toServerLost[0] = false;
        toClientLost[0] = true;
        pair.runUntil(() -> server.keyUpdates() == 1, 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, false)), serverHeard.keyUpdates(),
                "the server followed, with the packet that opened in the new phase");
        assertEquals(1, server.keyPhase());

        pair.runFor(500 * MS);
        assertEquals(List.of(), clientHeard.keyUpdates(), "no acknowledgement of the new phase reached the client");
        assertTrue(client.keyUpdateInProgress());

        toClientLost[0] = false;
        pair.runUntil(() -> !clientHeard.keyUpdates().isEmpty(), 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true)), clientHeard.keyUpdates());
        assertEquals(1, client.oneRtt.opener.generation(), "the server answered in the new phase");
        pair.runFor(2 * SECOND);
        assertEquals(1, clientHeard.keyUpdates().size(), "one event per update: " + clientHeard.events);
        assertEquals(1, serverHeard.keyUpdates().size(), "one event per update: " + serverHeard.events);
        assertFalse(client.keyUpdateInProgress());
        assertFalse(server.keyUpdateInProgress());
    }

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /**
     * Drops every datagram from {@code from} while {@code lost[0]}, keeping the 1-RTT packets they held in
     * {@code into}, read as the fixed-secret keys open them, so that a test may send a packet under a number the
     * sender really used (a peer rejects acknowledgements of numbers never sent, RFC 9000 §13.1).
     */
    private static void loseAndKeep(ConnectionPair pair, boolean fromServer, boolean[] lost, List<Wire.Packet> into) {
        QuicConnection client = pair.clientConnection();
        Wire wire = new Wire(fromServer ? Role.SERVER : Role.CLIENT, SUITE, client.version(),
                client.originalDestinationId(), 8);
        pair.network.filter(fromServer ? pair.server : pair.client, fromServer ? pair.client : pair.server,
                (index, datagram, now) -> {
                    if (lost[0]) {
                        into.addAll(wire.read(datagram).stream().filter(p -> p.type() == PacketType.ONE_RTT)
                                .toList());
                    }
                    return lost[0];
                });
    }

    /** {@return the number of the first packet of {@code generation} among {@code packets}} */
    private static long firstOf(List<Wire.Packet> packets, int generation) {
        return packets.stream().filter(p -> p.generation() == generation).findFirst().orElseThrow().number();
    }

    /**
     * RFC 9001 §6.1, §6.2: the peer's answer in the new phase does not complete our update alone. The server's
     * answers are lost; a packet of the new phase from it, without an acknowledgement, switches the client's read
     * keys and brings no event; the acknowledgement that follows does.
     */
    @Test
    void aLocalUpdateIsNotReportedOnThePeersAnswerWithoutAnAcknowledgement() throws Exception {
        ConnectionPair pair = established(10);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        boolean[] lost = {true};
        List<Wire.Packet> fromServer = new ArrayList<>();
        loseAndKeep(pair, true, lost, fromServer);
        client.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> server.keyUpdates() == 1 && fromServer.stream().anyMatch(p -> p.generation() == 1),
                5 * SECOND, 10_000);
        long received = client.packetsReceived();
        pair.client.receive(pair.server.address, Wire.oneRtt(Role.SERVER, SUITE, client.version(), 1,
                client.localId(), firstOf(fromServer, 1), Wire.frames(new PingFrame())), pair.network.now());
        assertEquals(received + 1, client.packetsReceived(), "the answer opened");
        assertEquals(1, client.oneRtt.opener.generation(), "the client's read keys followed the answer");
        assertEquals(List.of(), clientHeard.keyUpdates(), "no packet of the new phase is acknowledged yet");
        assertTrue(client.keyUpdateInProgress());
        lost[0] = false;
        pair.runUntil(() -> !clientHeard.keyUpdates().isEmpty(), 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true)), clientHeard.keyUpdates());
    }

    /**
     * RFC 9001 §6.2: an acknowledgement of the new phase in a packet of the old one does not complete our update
     * either: the peer has not answered. The client acknowledges a packet of its new phase under the server's old
     * keys (a misbehaving peer; RFC 9001 lets us close for it but does not require it): no event until the server's
     * real answer.
     */
    @Test
    void aLocalUpdateIsNotReportedOnAnAcknowledgementThatComesInTheOldPhase() throws Exception {
        ConnectionPair pair = established(11);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        boolean[] lost = {true};
        List<Wire.Packet> fromServer = new ArrayList<>();
        loseAndKeep(pair, true, lost, fromServer);
        // The server sends something under its first keys, which is lost: a number to send the old-phase ACK under.
        long stream = server.streams().openStream(false);
        server.streams().write(stream, ByteBuffer.wrap(new byte[10]), true);
        pair.runUntil(() -> fromServer.stream().anyMatch(p -> p.generation() == 0), 5 * SECOND, 10_000);
        List<Wire.Packet> fromClient = new ArrayList<>();
        Wire clientWire = new Wire(Role.CLIENT, SUITE, client.version(), client.originalDestinationId(), 8);
        pair.client.outgoingHook = (datagram, now) -> fromClient.addAll(clientWire.read(datagram));
        client.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> fromClient.stream().anyMatch(p -> p.type() == PacketType.ONE_RTT && p.generation() == 1),
                5 * SECOND, 10_000);
        long newPhase = firstOf(fromClient, 1);
        pair.client.receive(pair.server.address, Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0,
                client.localId(), firstOf(fromServer, 0), Wire.frames(AckFrame.of(0, newPhase, newPhase))),
                pair.network.now());
        assertTrue(client.recovery.largestAcked(qsock.core.packet.PacketNumberSpace.APPLICATION) >= newPhase,
                "the packet of the new phase is acknowledged");
        assertEquals(0, client.oneRtt.opener.generation(), "the server has not answered in the new phase");
        assertEquals(List.of(), clientHeard.keyUpdates());
        assertTrue(client.keyUpdateInProgress());
        lost[0] = false;
        pair.runUntil(() -> !clientHeard.keyUpdates().isEmpty(), 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true)), clientHeard.keyUpdates());
        assertEquals(1, client.oneRtt.opener.generation());
    }

    /**
     * RFC 9001 §6.1: after following the peer's update, this side may start one only once a packet of the new phase
     * was acknowledged, however long that takes: here its packets are lost for longer than the three PTOs the old
     * read keys stay.
     */
    @Test
    void afterFollowingThePeerAnUpdateWaitsForAnAcknowledgementOfTheNewPhase() throws Exception {
        ConnectionPair pair = established(12);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        server.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> client.keyUpdates() == 1, 5 * SECOND, 10_000);
        boolean[] lost = {true};
        loseAndKeep(pair, false, lost, new ArrayList<>());
        pair.runFor(2 * SECOND);
        assertTrue(2 * SECOND > 3 * client.rtt().pto(25 * MS, true), "two seconds are more than three PTOs");
        assertEquals(null, client.oneRtt.previousOpener(), "the old read keys are gone");
        assertTrue(client.keyUpdateInProgress());
        IllegalStateException unacknowledged = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(unacknowledged.getMessage().contains("acknowledged"), unacknowledged.getMessage());
        lost[0] = false;
        pair.runUntil(() -> !client.keyUpdateInProgress(), 5 * SECOND, 10_000);
        client.initiateKeyUpdate(pair.network.now());
        assertEquals(0, client.keyPhase());
    }

    /**
     * The same from the server's side: the peer-initiated event comes on the client, the local one on the server.
     * Then the client, idle, starts one of its own (the kernel's test: local and peer key updates complete).
     */
    @Test
    void aServersUpdateIsReportedOnBothSidesAndTheClientMayThenStartOne() throws Exception {
        ConnectionPair pair = established(2);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        Heard serverHeard = new Heard(server);
        server.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> !serverHeard.keyUpdates().isEmpty(), 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true)), serverHeard.keyUpdates());
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, false)), clientHeard.keyUpdates());
        assertEquals(1, client.keyPhase());
        assertEquals(1, client.keyUpdates());
        assertEquals(1, server.keyUpdatesInitiated());
        // The client, which only answered, gets a packet of the new phase acknowledged and may then start its own.
        pair.runUntil(() -> !client.keyUpdateInProgress(), 5 * SECOND, 10_000);
        client.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> clientHeard.keyUpdates().size() == 2, 5 * SECOND, 10_000);
        assertEquals(new ConnectionEvent.KeyUpdated(0, true), clientHeard.keyUpdates().getLast());
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true), new ConnectionEvent.KeyUpdated(0, false)),
                serverHeard.keyUpdates());
    }

    /**
     * RFC 9001 §6.1, §6.5: a second update is refused while the first waits for the peer's acknowledgement, and after
     * it for the three PTOs the previous read keys stay; then it goes through and is reported like the first.
     */
    @Test
    void aSecondUpdateIsRefusedWhileTheFirstIsInProgressThenWorksOnceItIsOver() throws Exception {
        ConnectionPair pair = established(3);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        Heard serverHeard = new Heard(server);
        client.initiateKeyUpdate(pair.network.now());
        IllegalStateException busy = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(busy.getMessage().contains("in progress"), busy.getMessage());
        assertEquals(1, client.keyPhase(), "the refused call changed nothing");
        assertEquals(1, client.keyUpdatesInitiated());

        pair.runUntil(() -> !clientHeard.keyUpdates().isEmpty(), 5 * SECOND, 10_000);
        assertTrue(client.keyUpdateInProgress(), "the old read keys are kept for three PTOs");
        IllegalStateException early = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(early.getMessage().contains("three PTOs"), early.getMessage());

        pair.runFor(2 * SECOND);
        assertTrue(2 * SECOND > 3 * client.rtt().pto(25 * MS, true), "two seconds are more than three PTOs");
        assertFalse(client.keyUpdateInProgress());
        client.initiateKeyUpdate(pair.network.now());
        assertEquals(0, client.keyPhase(), "the third keys have the first keys' phase bit");
        pair.runUntil(() -> clientHeard.keyUpdates().size() == 2, 5 * SECOND, 10_000);
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, true), new ConnectionEvent.KeyUpdated(0, true)),
                clientHeard.keyUpdates());
        assertEquals(List.of(new ConnectionEvent.KeyUpdated(1, false), new ConnectionEvent.KeyUpdated(0, false)),
                serverHeard.keyUpdates());
        assertEquals(2, server.keyUpdates());
    }

    /** RFC 9001 §6.1: no update before the handshake is confirmed; none once the connection is closing. */
    @Test
    void anUpdateIsRefusedBeforeConfirmationAndWhenClosing() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(4).build().connect();
        QuicConnection client = pair.clientConnection();
        IllegalStateException handshaking = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(handshaking.getMessage().contains("not confirmed"), handshaking.getMessage());
        pair.runUntil(() -> client.state() == ConnectionState.ESTABLISHED, 5 * SECOND, 10_000);
        IllegalStateException established = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(established.getMessage().contains("not confirmed"), established.getMessage());
        assertEquals(0, client.keyPhase());

        pair.confirm();
        client.close(0, "done", pair.network.now());
        IllegalStateException closing = assertThrows(IllegalStateException.class,
                () -> client.initiateKeyUpdate(pair.network.now()));
        assertTrue(closing.getMessage().contains("CLOSING"), closing.getMessage());
        assertEquals(0, client.keyPhase());
    }

    /** Without {@link QuicConnection#setEvents}, an update completes and nothing is queued for it. */
    @Test
    void noEventIsQueuedForAnUpdateWhenTheyAreOff() throws Exception {
        ConnectionPair pair = ConnectionPair.established(5);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Heard clientHeard = new Heard(client);
        Heard serverHeard = new Heard(server);
        client.initiateKeyUpdate(pair.network.now());
        pair.runUntil(() -> server.keyUpdates() == 1 && !client.keyUpdateInProgress(), 10 * SECOND, 100_000);
        assertEquals(List.of(), clientHeard.keyUpdates(), clientHeard.events.toString());
        assertEquals(List.of(), serverHeard.keyUpdates(), serverHeard.events.toString());
    }

    /**
     * The automatic updates of {@link ConnectionConfig#keyUpdateInterval()} are reported like requested ones: one
     * event per completed update on each side, the phase bit alternating.
     */
    @Test
    void automaticUpdatesAreReportedOncePerUpdateOnEachSide() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(2_000_000, 6);
        ConnectionPair pair = ConnectionPair.builder(6)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000))
                .serverConfig(ConnectionConfig.builder().keyUpdateInterval(100).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build().connect();
        pair.runUntil(pair::bothConfirmed, 5 * SECOND, 10_000);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        assertEquals(0, server.keyUpdatesInitiated(), "no update before the events are on");
        client.setEvents(true, false);
        server.setEvents(true, false);
        Heard clientHeard = new Heard(client);
        Heard serverHeard = new Heard(server);
        pair.runUntil(receiver::finished, 30 * SECOND, 200_000);
        pair.runFor(2 * SECOND);
        long followed = client.keyUpdates();
        assertTrue(followed >= 2, followed + " updates");
        // The last update may have started at a poll that then sent nothing: the client cannot know of it yet.
        assertTrue(server.keyUpdatesInitiated() - followed <= 1,
                server.keyUpdatesInitiated() + " started, " + followed + " followed");
        List<ConnectionEvent.KeyUpdated> local = serverHeard.keyUpdates();
        List<ConnectionEvent.KeyUpdated> peer = clientHeard.keyUpdates();
        assertEquals(followed, local.size(), "one event per completed update: " + local);
        assertEquals(followed, peer.size(), "one event per completed update: " + peer);
        for (int i = 0; i < followed; i++) {
            int phase = (i + 1) & 1;
            assertEquals(new ConnectionEvent.KeyUpdated(phase, true), local.get(i));
            assertEquals(new ConnectionEvent.KeyUpdated(phase, false), peer.get(i));
        }
    }

    // ---------------------------------------------------------------- NEW_TOKEN

    /** A NEW_TOKEN frame is reported with a copy of its token, besides the sink of {@link QuicConnection#onNewToken}. */
    @Test
    void aNewTokenFrameIsReportedWithACopyOfItsToken() throws Exception {
        ConnectionPair pair = ConnectionPair.established(7);
        QuicConnection client = pair.clientConnection();
        client.setEvents(false, true);
        List<byte[]> sunk = new ArrayList<>();
        client.onNewToken(sunk::add);
        byte[] token = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        pair.serverConnection().offerNewToken(token);
        List<ConnectionEvent> heard = new ArrayList<>();
        pair.runUntil(() -> {
            for (ConnectionEvent e = client.pollEvent(); e != null; e = client.pollEvent()) {
                heard.add(e);
            }
            return !sunk.isEmpty();
        }, 5 * SECOND, 10_000);
        List<ConnectionEvent> tokens = heard.stream().filter(e -> e instanceof ConnectionEvent.NewToken).toList();
        assertEquals(List.of(new ConnectionEvent.NewToken(token)), tokens);
        byte[] got = ((ConnectionEvent.NewToken) tokens.getFirst()).token();
        assertArrayEquals(token, got);
        got[0] = 99;
        sunk.getFirst()[1] = 99;
        assertArrayEquals(token, ((ConnectionEvent.NewToken) tokens.getFirst()).token(),
                "neither the reader nor the sink can change the event's token");
    }

    /** Without {@link QuicConnection#setEvents}, the sink alone hears of a NEW_TOKEN frame. */
    @Test
    void noNewTokenEventIsQueuedWhenTheyAreOff() throws Exception {
        ConnectionPair pair = ConnectionPair.established(8);
        QuicConnection client = pair.clientConnection();
        List<byte[]> sunk = new ArrayList<>();
        client.onNewToken(sunk::add);
        pair.serverConnection().offerNewToken(new byte[] {4, 2});
        List<ConnectionEvent> heard = new ArrayList<>();
        pair.runUntil(() -> {
            for (ConnectionEvent e = client.pollEvent(); e != null; e = client.pollEvent()) {
                heard.add(e);
            }
            return !sunk.isEmpty();
        }, 5 * SECOND, 10_000);
        assertEquals(List.of(), heard.stream().filter(e -> e instanceof ConnectionEvent.Notification).toList());
    }

    /**
     * A server flooding the client with NEW_TOKEN frames (three per packet, 2,000 packets) leaves one event waiting at
     * most, which reports the latest token when polled.
     */
    @Test
    void aFloodOfNewTokenFramesLeavesOneEventWithTheLatestToken() throws Exception {
        ConnectionPair pair = ConnectionPair.established(9);
        QuicConnection client = pair.clientConnection();
        client.setEvents(false, true);
        for (ConnectionEvent e = client.pollEvent(); e != null; e = client.pollEvent()) {
            assertFalse(e instanceof ConnectionEvent.NewToken, e.toString());
        }
        long pn = 1_000_000;
        byte[] last = null;
        for (int i = 0; i < 2_000; i++) {
            Frame[] frames = new Frame[3];
            for (int j = 0; j < frames.length; j++) {
                last = ByteBuffer.allocate(8).putInt(i).putInt(j).array();
                frames[j] = NewTokenFrame.of(last);
            }
            long received = client.packetsReceived();
            pair.client.receive(pair.server.address, Wire.oneRtt(Role.SERVER, CipherSuite.TLS_AES_128_GCM_SHA256,
                    client.version(), 0, client.localId(), pn++, Wire.frames(frames)), pair.network.now());
            assertEquals(received + 1, client.packetsReceived(), "packet " + i + " opened");
            long waiting = client.events.stream().filter(e -> e instanceof ConnectionEvent.NewToken).count();
            assertTrue(waiting <= 1 && client.events.size() <= 2, client.events + " after " + (i + 1) + " packets");
        }
        List<ConnectionEvent> heard = new ArrayList<>();
        for (ConnectionEvent e = client.pollEvent(); e != null; e = client.pollEvent()) {
            heard.add(e);
        }
        assertEquals(List.of(new ConnectionEvent.NewToken(last)),
                heard.stream().filter(e -> e instanceof ConnectionEvent.NewToken).toList());
        assertEquals(ConnectionState.CONFIRMED, client.state());
    }
}
