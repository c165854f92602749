package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.RetireConnectionIdFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;
import qsock.core.wire.ConnectionId;

/**
 * Connection IDs through the connection (RFC 9000 §5.1, §9.5, §19.15, §19.16) on the fixed-secret pair: issuing up to
 * the peer's limit and topping up, switching the destination ID on demand, retiring our own IDs with Retire Prior
 * To, and the errors a peer earns; the frames read off the wire.
 */
class ConnectionIdsTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /** What one host sends: its packets, and the Destination Connection ID of each 1-RTT one. */
    private record Watch(List<Wire.Packet> packets, List<ConnectionId> shortHeaderDcids) {

        <T> List<T> frames(Class<T> type) {
            List<T> all = new ArrayList<>();
            for (Wire.Packet p : packets) {
                for (var f : p.frames()) {
                    if (type.isInstance(f)) {
                        all.add(type.cast(f));
                    }
                }
            }
            return all;
        }

        List<Long> retired() {
            return frames(RetireConnectionIdFrame.class).stream().map(RetireConnectionIdFrame::sequenceNumber).toList();
        }

        void clear() {
            packets.clear();
            shortHeaderDcids.clear();
        }
    }

    private static Watch watch(ConnectionPair pair, Role sender) {
        Watch w = new Watch(new ArrayList<>(), new ArrayList<>());
        Wire[] wire = {null};
        (sender == Role.CLIENT ? pair.client : pair.server).outgoingHook = (datagram, now) -> {
            if (wire[0] == null) {
                wire[0] = new Wire(sender, SUITE, pair.clientConnection().version(),
                        pair.clientConnection().originalDestinationId(), 8);
            }
            if ((datagram.get(datagram.position()) & 0x80) == 0) {
                // A short header: the Destination Connection ID follows the first byte (RFC 9000 §17.3).
                byte[] dcid = new byte[8];
                datagram.get(datagram.position() + 1, dcid);
                w.shortHeaderDcids.add(ConnectionId.of(dcid));
            }
            w.packets.addAll(wire[0].read(datagram));
        };
        return w;
    }

    private static ConnectionPair established(long seed, ConnectionConfig client, ConnectionConfig server)
            throws Exception {
        ConnectionPair pair = ConnectionPair.builder(seed).clientConfig(client).serverConfig(server).established();
        // The NEW_CONNECTION_ID frames of both sides go out and are acknowledged after the handshake.
        pair.runFor(200 * MS);
        return pair;
    }

    private static ConnectionPair established(long seed) throws Exception {
        ConnectionConfig defaults = ConnectionConfig.builder().build();
        return established(seed, defaults, defaults);
    }

    /** Sends one 1-RTT packet of {@code frames} as the server to the client, straight to the client's host. */
    private static void fromServer(ConnectionPair pair, long packetNumber, qsock.core.frame.Frame... frames) {
        QuicConnection server = pair.serverConnection();
        ByteBuffer datagram = Wire.oneRtt(Role.SERVER, SUITE, server.version(), 0, server.peerId(), packetNumber,
                Wire.frames(frames));
        pair.client.receive(pair.server.address, datagram, pair.network.now());
    }

    /** Sends one 1-RTT packet of {@code frames} as the client to the server, straight to the server's host. */
    private static void fromClient(ConnectionPair pair, ConnectionId destination, long packetNumber,
                                   qsock.core.frame.Frame... frames) {
        QuicConnection client = pair.clientConnection();
        ByteBuffer datagram = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, destination, packetNumber,
                Wire.frames(frames));
        pair.server.receive(pair.client.address, datagram, pair.network.now());
    }

    /**
     * RFC 9000 §5.1.1: after the handshake each side issues IDs up to the peer's active_connection_id_limit (7 by
     * default, as in the kernel; 2 here for the client's), counting the one of the handshake, and never more.
     */
    @Test
    void eachSideIssuesUpToThePeersActiveConnectionIdLimit() throws Exception {
        ConnectionConfig two = ConnectionConfig.builder().activeConnectionIdLimit(2).build();
        ConnectionPair pair = ConnectionPair.builder(1).clientConfig(two).serverConfig(ConnectionConfig.builder().build())
                .build();
        Watch client = watch(pair, Role.CLIENT);
        Watch server = watch(pair, Role.SERVER);
        pair.connect().confirm();
        pair.runFor(200 * MS);
        // The client issues sequence numbers 1..6 (the server's limit is 7), the server only 1 (the client's is 2).
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L),
                client.frames(NewConnectionIdFrame.class).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertEquals(List.of(1L),
                server.frames(NewConnectionIdFrame.class).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertEquals(7, pair.clientConnection().localConnectionIdsActive());
        assertEquals(2, pair.serverConnection().localConnectionIdsActive());
        assertEquals(6, pair.serverConnection().peerConnectionIdsUnused());
        assertEquals(1, pair.clientConnection().peerConnectionIdsUnused());
    }

    /**
     * RFC 9000 §5.1.2: the application moves to the next unused ID of the peer and retires the one in use; the packets
     * that follow carry the new ID, the peer retires the old one and issues a replacement (§5.1.1 top-up).
     */
    @Test
    void switchingTheDestinationIdMovesToAnUnusedOneRetiresTheOldAndThePeerTopsUp() throws Exception {
        ConnectionPair pair = established(2);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Watch fromClient = watch(pair, Role.CLIENT);
        Watch fromServer = watch(pair, Role.SERVER);
        ConnectionId old = client.peerId();
        assertEquals(0, client.peerConnectionIdSequenceNumber());
        assertEquals(7, server.localConnectionIdsActive());

        client.switchPeerConnectionId();
        assertEquals(1, client.peerConnectionIdSequenceNumber());
        ConnectionId next = client.peerId();
        assertNotEquals(old, next);
        pair.runUntil(() -> server.localConnectionIdNextSequenceNumber() == 8 && !fromServer.frames(
                NewConnectionIdFrame.class).isEmpty(), 5 * SECOND, 10_000);
        assertEquals(List.of(0L), fromClient.retired());
        assertFalse(fromClient.shortHeaderDcids().isEmpty());
        assertTrue(fromClient.shortHeaderDcids().stream().allMatch(next::equals), "every 1-RTT packet goes to the new ID");
        // The server forgot sequence number 0 and issued 7 in its place: the client holds 7 again.
        assertEquals(-1, server.localIds.sequenceNumberOf(old));
        assertEquals(7L, fromServer.frames(NewConnectionIdFrame.class).getFirst().sequenceNumber());
        assertEquals(7, server.localConnectionIdsActive());
        pair.runFor(200 * MS);
        assertEquals(6, client.peerConnectionIdsUnused());
    }

    /**
     * RFC 9000 §5.1.1, §9.5: when every ID the peer offered has been used, the switch is refused with a clear
     * exception and the connection keeps sending to the ID in use, which still works.
     */
    @Test
    void switchingIsRefusedWhenThePeerOfferedNoSpareIdAndTheCurrentOneStays() throws Exception {
        ConnectionPair pair = established(3);
        QuicConnection client = pair.clientConnection();
        for (int i = 1; i <= 6; i++) {
            client.switchPeerConnectionId();
            assertEquals(i, client.peerConnectionIdSequenceNumber());
        }
        ConnectionId last = client.peerId();
        IllegalStateException e = assertThrows(IllegalStateException.class, client::switchPeerConnectionId);
        assertTrue(e.getMessage().contains("no spare connection ID"), e.getMessage());
        assertEquals(last, client.peerId());
        Watch fromClient = watch(pair, Role.CLIENT);
        long pings = pair.serverConnection().packetsReceived();
        pair.runUntil(() -> pair.serverConnection().packetsReceived() > pings, 5 * SECOND, 10_000);
        assertTrue(fromClient.shortHeaderDcids().stream().allMatch(last::equals));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), fromClient.retired());
        // The server retired them all and topped the client up again, so a switch works once more.
        pair.runFor(300 * MS);
        assertEquals(6, client.peerConnectionIdsUnused());
        client.switchPeerConnectionId();
        assertEquals(7, client.peerConnectionIdSequenceNumber());
    }

    /**
     * RFC 9000 §5.1.2, §19.15: retiring our own IDs below a number sends replacements whose Retire Prior To asks for
     * it; the peer retires them (moving off the one in use) and we stop routing them once it did.
     */
    @Test
    void retiringOurIdsBelowANumberSendsRetirePriorToAndThePeerRetiresAndSwitches() throws Exception {
        ConnectionPair pair = established(4);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        Watch fromClient = watch(pair, Role.CLIENT);
        Watch fromServer = watch(pair, Role.SERVER);
        assertEquals(0, client.peerConnectionIdSequenceNumber());

        server.retireLocalConnectionIdsBefore(3);
        // A second request before the peer honoured the first is refused (RFC 9000 §5.1.2: SHOULD NOT).
        assertThrows(IllegalStateException.class, () -> server.retireLocalConnectionIdsBefore(4));
        pair.runUntil(() -> server.localConnectionIdLowestSequenceNumber() == 3
                && !server.localIds.retirementOutstanding(), 5 * SECOND, 10_000);
        List<NewConnectionIdFrame> issued = fromServer.frames(NewConnectionIdFrame.class);
        assertEquals(List.of(7L, 8L, 9L), issued.stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertTrue(issued.stream().allMatch(f -> f.retirePriorTo() == 3), "Retire Prior To 3 on each");
        assertEquals(List.of(0L, 1L, 2L), fromClient.retired().stream().sorted().toList());
        assertEquals(3, client.peerConnectionIdSequenceNumber(), "the client left the ID it was asked to retire");
        assertEquals(3, client.peerConnectionIdLowestSequenceNumber());
        assertEquals(7, server.localConnectionIdsActive());

        // Nothing to retire below the lowest, and not beyond the last issued.
        assertThrows(IllegalArgumentException.class, () -> server.retireLocalConnectionIdsBefore(3));
        assertThrows(IllegalArgumentException.class, () -> server.retireLocalConnectionIdsBefore(10));
        server.retireLocalConnectionIdsBefore(9);
        pair.runUntil(() -> server.localConnectionIdLowestSequenceNumber() == 9
                && !server.localIds.retirementOutstanding(), 5 * SECOND, 10_000);
        assertEquals(9, client.peerConnectionIdSequenceNumber());
    }

    /** RFC 9000 §19.16: retiring the ID the packet was sent to is a PROTOCOL_VIOLATION. */
    @Test
    void aPeerRetiringTheIdItsPacketWasSentToIsAProtocolViolation() throws Exception {
        ConnectionPair pair = established(5);
        QuicConnection server = pair.serverConnection();
        long pn = pair.clientConnection().packetsSent() + 1000;
        fromClient(pair, server.localId(), pn, new RetireConnectionIdFrame(0));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), server.closeError().code());
    }

    /** RFC 9000 §19.16: a sequence number greater than any we sent is a PROTOCOL_VIOLATION. */
    @Test
    void aPeerRetiringAnUnissuedSequenceNumberIsAProtocolViolation() throws Exception {
        ConnectionPair pair = established(6);
        QuicConnection server = pair.serverConnection();
        long pn = pair.clientConnection().packetsSent() + 1000;
        fromClient(pair, server.localId(), pn, new RetireConnectionIdFrame(100));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), server.closeError().code());
    }

    /** RFC 9000 §5.1.1: a peer giving us more active IDs than our limit gets CONNECTION_ID_LIMIT_ERROR. */
    @Test
    void aPeerExceedingOurActiveConnectionIdLimitGetsConnectionIdLimitError() throws Exception {
        ConnectionConfig two = ConnectionConfig.builder().activeConnectionIdLimit(2).build();
        ConnectionPair pair = established(7, two, ConnectionConfig.builder().build());
        QuicConnection client = pair.clientConnection();
        assertEquals(1, client.peerConnectionIdsUnused());
        long pn = pair.serverConnection().packetsSent() + 1000;
        fromServer(pair, pn, new NewConnectionIdFrame(20, 0, ConnectionId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
                new byte[16]));
        assertEquals(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR.value(), client.closeError().code());
    }

    /**
     * RFC 9000 §5.1.2: a Retire Prior To from the peer that covers the ID in use makes us retire it and switch,
     * within the limit: the new ID is added after the old ones are retired.
     */
    @Test
    void aPeersRetirePriorToMakesUsRetireAndSwitch() throws Exception {
        ConnectionConfig two = ConnectionConfig.builder().activeConnectionIdLimit(2).build();
        ConnectionPair pair = established(8, two, ConnectionConfig.builder().build());
        QuicConnection client = pair.clientConnection();
        Watch fromClient = watch(pair, Role.CLIENT);
        long pn = pair.serverConnection().packetsSent() + 1000;
        ConnectionId fresh = ConnectionId.of(new byte[] {9, 8, 7, 6, 5, 4, 3, 2});
        fromServer(pair, pn, new NewConnectionIdFrame(2, 2, fresh, new byte[16]));
        assertEquals(null, client.closeError());
        assertEquals(2, client.peerConnectionIdSequenceNumber());
        assertEquals(fresh, client.peerId());
        pair.runFor(50 * MS);
        assertEquals(List.of(0L, 1L), fromClient.retired().stream().sorted().toList());
    }

    /**
     * The socket draft's CONNECTION_ID option with dest set: switch to a given ID of the peer and retire those below a
     * number; what would change nothing, or retire the ID switched to, is refused.
     */
    @Test
    void usingAGivenPeerIdRetiresThoseBelowPriorTo() throws Exception {
        ConnectionPair pair = established(9);
        QuicConnection client = pair.clientConnection();
        Watch fromClient = watch(pair, Role.CLIENT);
        assertThrows(IllegalArgumentException.class, () -> client.usePeerConnectionId(0, 0));
        assertThrows(IllegalArgumentException.class, () -> client.usePeerConnectionId(3, 4));
        assertThrows(IllegalArgumentException.class, () -> client.usePeerConnectionId(42, 0));
        client.usePeerConnectionId(4, 2);
        assertEquals(4, client.peerConnectionIdSequenceNumber());
        assertEquals(2, client.peerConnectionIdLowestSequenceNumber());
        pair.runFor(50 * MS);
        assertEquals(List.of(0L, 1L), fromClient.retired().stream().sorted().toList());
    }

    /**
     * disable_active_migration (RFC 9000 §18.2) is sent only when configured, off by default as in the kernel, and
     * the peer's value is readable.
     */
    @Test
    void disableActiveMigrationIsSentOnlyWhenConfiguredAndThePeersValueIsExposed() throws Exception {
        ConnectionPair plain = established(10);
        assertFalse(plain.clientConnection().peerTransportParameters().disableActiveMigration());
        assertFalse(plain.clientConnection().peerDisablesActiveMigration());
        assertFalse(plain.serverConnection().peerDisablesActiveMigration());
        ConnectionPair disabled = established(11, ConnectionConfig.builder().build(),
                ConnectionConfig.builder().disableActiveMigration(true).build());
        assertTrue(disabled.clientConnection().peerDisablesActiveMigration());
        assertFalse(disabled.serverConnection().peerDisablesActiveMigration());
        // RFC 9000 §9: the client may not migrate on its own once the server disabled it; the server never does.
        assertTrue(plain.clientConnection().canMigrateActively());
        assertFalse(plain.serverConnection().canMigrateActively());
        assertFalse(disabled.clientConnection().canMigrateActively());
    }

    /**
     * RFC 9000 §5.1.1, §9.5: a client that used every ID the server offered cannot migrate (a new path needs an unused
     * one) and keeps sending to the one in use until the server issues more.
     */
    @Test
    void aClientWithoutAnUnusedPeerIdCannotMigrateUntilThePeerIssuesMore() throws Exception {
        ConnectionPair pair = established(12);
        QuicConnection client = pair.clientConnection();
        assertTrue(client.canMigrateActively());
        for (int i = 1; i <= 6; i++) {
            client.switchPeerConnectionId();
        }
        assertEquals(0, client.peerConnectionIdsUnused());
        assertFalse(client.canMigrateActively());
        pair.runFor(300 * MS);
        assertTrue(client.canMigrateActively(), "the server replaced the IDs the client retired");
    }
}
