package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.LocalAddressHost;
import qsock.core.sim.quic.Wire;

/**
 * A client that moves its connection to a new local address on its own (RFC 9000 §9.2; the socket draft's
 * CONNECTION_MIGRATION option), in the deterministic simulation: it probes the new path with a connection ID of the
 * server never used (§9.5), moves once the server echoes its challenge, retires the old ID, and starts congestion
 * control and the RTT estimate over (§9.4); the server follows it (§9.3). A new path that does not answer is given up
 * (§8.2.4) and the connection stays; a server's disable_active_migration is honoured (§9).
 */
class ClientMigrationTest {

    private static final LinkConfig LINK = LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(20_000_000, 200_000);
    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;
    private static final InetSocketAddress NEW_LOCAL = new InetSocketAddress("10.0.0.9", 40_000);

    private record Setup(ConnectionPair pair, LocalAddressHost newLocal, BulkSender sender, BulkReceiver receiver) {}

    private static Setup setup(long seed, long bytes, ConnectionConfig serverConfig) throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(bytes, seed);
        ConnectionPair pair = ConnectionPair.builder(seed).links(LINK).serverConfig(serverConfig)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        LocalAddressHost newLocal = new LocalAddressHost(pair.client, NEW_LOCAL);
        pair.network.add(newLocal);
        pair.network.link(newLocal, pair.server, LINK);
        pair.connect();
        return new Setup(pair, newLocal, sender, receiver);
    }

    private static List<ConnectionEvent> events(QuicConnection c) {
        List<ConnectionEvent> events = new ArrayList<>();
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            events.add(e);
        }
        return events;
    }

    @Test
    void aClientMovesToANewLocalAddressMidTransferWithAFreshConnectionId() throws Exception {
        Setup s = setup(71, 4_000_000, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().received() > 1_000_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long oldSequence = client.peerConnectionIdSequenceNumber();
        long serverOldSequence = server.peerConnectionIdSequenceNumber();
        assertTrue(client.canMigrateActively());
        events(client);
        events(server);

        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        assertTrue(client.isMigrating());
        pair.runUntil(() -> client.migrations() == 1, 5 * SECOND, 100_000);

        assertNotEquals(oldSequence, client.peerConnectionIdSequenceNumber(), "a fresh ID on the new path (§9.5)");
        assertTrue(client.peerConnectionIdLowestSequenceNumber() > oldSequence, "the old ID is retired");
        assertEquals(1, client.pathResets(), "congestion control and RTT start over on the new path (§9.4)");
        List<ConnectionEvent> moved = events(client);
        assertTrue(moved.contains(new ConnectionEvent.Migrated(true)), moved.toString());
        assertTrue(moved.contains(new ConnectionEvent.ConnectionIdsChanged(true,
                client.peerConnectionIdSequenceNumber(), client.peerConnectionIdLowestSequenceNumber())),
                "the draft's CONNECTION_ID event: " + moved);
        long oldPathBytes = pair.network.stats(pair.client, pair.server).bytesSent();

        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        assertEquals(oldPathBytes, pair.network.stats(pair.client, pair.server).bytesSent(),
                "once moved, nothing leaves from the old address");
        assertEquals(1, server.peerAddressChanges(), "the server followed the client (§9.3)");
        assertNotEquals(serverOldSequence, server.peerConnectionIdSequenceNumber(),
                "the server sends to the new address with a new ID of the client's too (§9.5)");
        assertTrue(server.peerConnectionIdLowestSequenceNumber() > serverOldSequence,
                "and retired the old path's once the new one was validated");
        assertEquals(0, server.movesWithoutFreshId());
        assertTrue(events(server).contains(new ConnectionEvent.Migrated(false)));
        assertEquals(NEW_LOCAL, pair.server.endpoint.peerAddress(server));
        assertTrue(s.newLocal().received > 0);
    }

    @Test
    void anEchoThatHundredsOfOldPathPacketsOvertookStillCompletesTheMove() throws Exception {
        // The new path is 100 ms long, the old one 10 ms at 20 Mbit/s: while the server's echo travels, some 200 later
        // packets of the download arrive on the old path. Sized for the old path's reordering alone (a byte, with
        // few packets in flight), the echo's packet number would decode wrong and the packet fail authentication
        // (RFC 9000 §17.1): the server encodes packets for another path in full.
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(6_000_000, 78);
        ConnectionPair pair = ConnectionPair.builder(78).links(LINK)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        LocalAddressHost newLocal = new LocalAddressHost(pair.client, NEW_LOCAL);
        pair.network.add(newLocal);
        pair.network.link(newLocal, pair.server, LINK.withDelay(100 * MS, 0));
        pair.connect();
        pair.runUntil(() -> receiver.received() > 1_000_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        long droppedBefore = client.packetsDropped();
        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        pair.runUntil(() -> client.migrations() == 1 || client.migrationsAbandoned() == 1, 10 * SECOND, 200_000);
        assertEquals(1, client.migrations(), "the echo was read after the old path's later packets; abandoned " + client.migrationsAbandoned() + ", dropped " + (client.packetsDropped() - droppedBefore));
        assertEquals(droppedBefore, client.packetsDropped(), "no packet failed to open");
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256());
    }

    @Test
    void thePathResponseGoesBackOnThePathTheChallengeCameFrom() throws Exception {
        Setup s = setup(72, 2_000_000, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().received() > 500_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        // From now on nothing reaches the client's old address: the server's echo of the challenge the client sent
        // from its new one can only arrive if the server answers on the path the challenge came on (RFC 9000 §8.2.2).
        pair.network.configure(pair.server, pair.client, LINK.withLoss(1.0));
        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        pair.runUntil(() -> client.migrations() == 1 || client.migrationsAbandoned() == 1, 10 * SECOND, 200_000);
        assertEquals(1, client.migrations(), "the client got the echo on its new path");
        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
    }

    /**
     * RFC 9000 §13.3: a PATH_RESPONSE is never sent again; the side that validates sends new challenges. The server
     * acknowledges the probe (on the old path) but its echo, on the new path, is lost: the acknowledgment without an
     * echo makes the client challenge again, and it moves well before the validation's deadline.
     */
    @Test
    void aLostEchoOfAnAcknowledgedChallengeIsAskedForAgain() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(2_000_000, 74);
        ConnectionPair pair = ConnectionPair.builder(74).links(LINK)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        LocalAddressHost newLocal = new LocalAddressHost(pair.client, NEW_LOCAL);
        pair.network.add(newLocal);
        // A shorter new path: the server reads the probe before the old path's packets sent ahead of it, and
        // acknowledges it with them, so that the probe is acknowledged, never taken for lost.
        pair.network.link(newLocal, pair.server, LINK.withDelay(2 * MS, 0));
        pair.connect();
        pair.runUntil(() -> receiver.received() > 500_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        pair.network.filter(pair.server, newLocal, (index, datagram, now) -> index == 0);
        long start = pair.network.now();
        pair.client.endpoint.migrate(client, NEW_LOCAL, start);
        pair.runUntil(() -> client.migrations() == 1 || client.migrationsAbandoned() == 1, 10 * SECOND, 200_000);
        assertEquals(1, client.migrations(), "the second challenge was echoed");
        assertEquals(1, pair.network.stats(pair.server, newLocal).droppedLoss(), "the first echo was lost");
        assertTrue(pair.network.now() - start < 200 * MS, "a round trip or two, not the validation's timeout: "
                + (pair.network.now() - start) / MS + " ms");
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256());
    }

    /**
     * RFC 9000 §9.4: what is lost on a path other than the current one is no sign of congestion on the current one. The
     * server answers a client's probes on the new path, where every answer is lost; those packets of its, declared
     * lost, leave its congestion controller as it was (the links queue deeply enough that the transfer loses nothing).
     */
    @Test
    void answersLostOnAProbedPathLeaveTheCurrentPathsCongestionControlAlone() throws Exception {
        LinkConfig deep = LINK.withBandwidth(20_000_000, 50_000_000);
        BulkReceiver receiver = new BulkReceiver();
        BulkSender sender = new BulkSender(3_000_000, 75);
        ConnectionPair pair = ConnectionPair.builder(75).links(deep)
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
        LocalAddressHost newLocal = new LocalAddressHost(pair.client, NEW_LOCAL);
        pair.network.add(newLocal);
        pair.network.link(newLocal, pair.server, deep);
        pair.network.configure(pair.server, newLocal, deep.withLoss(1.0));
        pair.connect();
        pair.runUntil(() -> receiver.received() > 500_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        assertEquals(0, server.packetsLost(), "the transfer alone loses nothing");
        long threshold = server.congestion.slowStartThreshold();

        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        pair.runUntil(() -> client.migrationsAbandoned() == 1, 10 * SECOND, 200_000);
        assertTrue(pair.network.stats(pair.server, newLocal).droppedLoss() >= 2, "the server answered, more than once");
        pair.runUntil(() -> server.packetsLost() >= 2, 10 * SECOND, 200_000);
        assertEquals(threshold, server.congestion.slowStartThreshold(), "no congestion event");
        pair.runUntil(receiver::finished, 60 * SECOND, 2_000_000);
        assertEquals(sender.sha256(), receiver.sha256());
    }

    @Test
    void aNewPathThatDoesNotAnswerIsGivenUpAndTheConnectionStays() throws Exception {
        Setup s = setup(73, 2_000_000, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.network.configure(s.newLocal(), pair.server, LINK.withLoss(1.0));
        pair.network.configure(pair.server, s.newLocal(), LINK.withLoss(1.0));
        pair.runUntil(() -> s.receiver().received() > 500_000, 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        long sequence = client.peerConnectionIdSequenceNumber();
        events(client);

        pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now());
        assertTrue(pair.client.endpoint.isLocalAddressInUse(NEW_LOCAL, pair.network.now()));
        pair.runUntil(() -> client.migrationsAbandoned() == 1, 10 * SECOND, 500_000);

        assertFalse(client.isMigrating());
        assertEquals(0, client.migrations());
        assertEquals(sequence, client.peerConnectionIdSequenceNumber(), "the connection keeps its path and ID");
        assertTrue(events(client).contains(new ConnectionEvent.MigrationFailed()));
        assertFalse(pair.client.endpoint.isLocalAddressInUse(NEW_LOCAL, pair.network.now()),
                "the runtime may close the new socket");
        pair.runUntil(() -> s.receiver().finished(), 60 * SECOND, 2_000_000);
        assertEquals(s.sender().sha256(), s.receiver().sha256());
        assertEquals(0, pair.serverConnection().peerAddressChanges());
        assertTrue(pair.network.stats(s.newLocal(), pair.server).datagramsSent() > 0, "the new path was probed");
    }

    @Test
    void aServerThatDisablesActiveMigrationIsNotMovedFrom() throws Exception {
        Setup s = setup(74, 100_000, ConnectionConfig.builder().disableActiveMigration(true).build());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().finished(), 30 * SECOND, 500_000);
        QuicConnection client = pair.clientConnection();
        assertTrue(client.peerDisablesActiveMigration());
        assertFalse(client.canMigrateActively());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pair.client.endpoint.migrate(client, NEW_LOCAL, pair.network.now()));
        assertTrue(e.getMessage().contains("disable_active_migration"), e.getMessage());
        assertFalse(client.isMigrating());
    }

    /** RFC 9000 §9: no migration before the handshake is confirmed. */
    @Test
    void aClientDoesNotMigrateBeforeTheHandshakeIsConfirmed() throws Exception {
        Setup s = setup(76, 100_000, ConnectionConfig.defaults());
        QuicConnection client = s.pair().clientConnection();
        assertFalse(client.canMigrateActively());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.pair().client.endpoint.migrate(client, NEW_LOCAL, s.pair().network.now()));
        assertTrue(e.getMessage().contains("not confirmed"), e.getMessage());
        assertFalse(client.isMigrating());
        s.pair().runUntil(() -> s.receiver().finished(), 30 * SECOND, 500_000);
        assertEquals(0, s.newLocal().received, "nothing was sent from the new address");
    }

    @Test
    void aServerCannotMigrate() throws Exception {
        Setup s = setup(75, 100_000, ConnectionConfig.defaults());
        ConnectionPair pair = s.pair();
        pair.runUntil(() -> s.receiver().finished(), 30 * SECOND, 500_000);
        QuicConnection server = pair.serverConnection();
        assertThrows(IllegalStateException.class, () -> server.migrate(pair.network.now()));
    }

    /**
     * RFC 9000 §8.2.2: a server that answers the client's probe with its PATH_RESPONSE and, in the same packet, a
     * PATH_CHALLENGE of its own (quiche does) gets its challenge answered on the path the client just moved to.
     */
    @Test
    void aChallengeBehindTheEchoThatCompletesTheMoveIsAnsweredOnTheNewPath() throws Exception {
        ConnectionPair pair = ConnectionPair.established(77);
        QuicConnection client = pair.clientConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (int i = 0; i < 100 && client.pollDatagram(out.clear(), now) > 0; i++) {
            // drained
        }
        client.migrate(now);
        Wire clientWire = new Wire(Role.CLIENT, SUITE, client.version(), client.originalDestinationId(), 8);
        long probeData = -1;
        for (int i = 0; i < 10 && probeData == -1 && client.pollDatagram(out.clear(), now) > 0; i++) {
            assertTrue(client.lastDatagramOnOtherPath(), "the probe goes on the new path");
            for (Wire.Packet p : clientWire.read(out.flip())) {
                for (PathChallengeFrame f : p.frames(PathChallengeFrame.class)) {
                    probeData = f.data();
                }
            }
        }
        assertNotEquals(-1, probeData, "the client probed");
        ByteBuffer answer = Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0, client.localId(), 1_000,
                Wire.frames(new PathResponseFrame(probeData), new PathChallengeFrame(0x77), new PaddingFrame(1100)));
        client.handleDatagramOnProbePath(answer, now);
        assertEquals(1, client.migrations());
        List<Long> answers = new ArrayList<>();
        for (int i = 0; i < 10 && client.pollDatagram(out.clear(), now) > 0; i++) {
            assertFalse(client.lastDatagramOnOtherPath(), "the new path is the current one now");
            for (Wire.Packet p : clientWire.read(out.flip())) {
                for (PathResponseFrame f : p.frames(PathResponseFrame.class)) {
                    answers.add(f.data());
                }
            }
        }
        assertEquals(List.of(0x77L), answers);
    }
}
