package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketType;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/** 1-RTT key updates (RFC 9001 §6) on the fixed-secret pair, seen on the wire. */
class ConnectionKeyPhaseTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /**
     * A server that updates its keys every {@code interval} packets, sending {@code size} bytes to the client over a
     * 10 Mbit/s path: slow enough that the transfer outlasts several updates, each of which waits three PTOs for
     * the previous read keys to go.
     */
    private static ConnectionPair download(long seed, long interval, long size, BulkReceiver receiver)
            throws Exception {
        BulkSender sender = new BulkSender(size, seed);
        return ConnectionPair.builder(seed)
                .links(LinkConfig.perfect().withDelay(10 * MS, 0).withBandwidth(10_000_000, 100_000))
                .serverConfig(ConnectionConfig.builder().keyUpdateInterval(interval).build())
                .clientApplication(() -> receiver).serverApplication(() -> sender).build();
    }

    /** Reads the 1-RTT packets one side sends, with the generation that opened each. */
    private static List<Wire.Packet> watch(ConnectionPair pair, Role sender) {
        List<Wire.Packet> packets = new ArrayList<>();
        Wire[] wire = {null};
        (sender == Role.CLIENT ? pair.client : pair.server).outgoingHook = (datagram, now) -> {
            if (wire[0] == null) {
                wire[0] = new Wire(sender, SUITE, pair.clientConnection().version(),
                        pair.clientConnection().originalDestinationId(), 8);
            }
            for (Wire.Packet p : wire[0].read(datagram)) {
                if (p.type() == PacketType.ONE_RTT) {
                    packets.add(p);
                }
            }
        };
        return packets;
    }

    @Test
    void anUpdateIsAnsweredByThePeerAndThePhaseBitFlipsBothWays() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(1, 100, 2_000_000, receiver);
        List<Wire.Packet> fromServer = watch(pair, Role.SERVER);
        List<Wire.Packet> fromClient = watch(pair, Role.CLIENT);
        pair.connect();
        pair.runUntil(receiver::finished, 30 * SECOND, 200_000);
        QuicConnection server = pair.serverConnection();
        QuicConnection client = pair.clientConnection();
        assertTrue(server.keyUpdatesInitiated() >= 2, server.keyUpdatesInitiated() + " updates");
        assertEquals(server.keyUpdatesInitiated(), client.keyUpdates(), "the client followed every update");
        assertEquals(0, client.keyUpdatesInitiated());
        // Each packet's Key Phase bit is its generation's low bit, and generations only go up on each side.
        for (List<Wire.Packet> side : List.of(fromServer, fromClient)) {
            int generation = 0;
            for (Wire.Packet p : side) {
                assertEquals(p.generation() & 1, p.keyPhase(), "packet " + p.number());
                assertTrue(p.generation() >= generation, "packet " + p.number() + " went back a generation");
                generation = p.generation();
            }
        }
        int serverLast = fromServer.getLast().generation();
        assertEquals(server.keyUpdatesInitiated(), serverLast, "the server's last packets are of its last keys");
        assertEquals(serverLast, fromClient.getLast().generation(), "the client answers in the server's phase");
    }

    /**
     * RFC 9001 §6.1: no update before a packet of the current phase was acknowledged. With every datagram of the
     * client lost after the first update, the server sends many more packets than its interval and starts no
     * second update; once the client is heard again, it does.
     */
    @Test
    void noSecondUpdateStartsBeforeTheFirstIsAcknowledged() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(2, 10, 2_000_000, receiver).connect();
        pair.runUntil(() -> pair.bothStarted() && pair.serverConnection().keyUpdatesInitiated() == 1);
        QuicConnection server = pair.serverConnection();
        boolean[] deaf = {true};
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> deaf[0]);
        long sentAtUpdate = server.packetsSent();
        pair.runFor(3 * SECOND);
        assertTrue(server.packetsSent() - sentAtUpdate > 10, "the server kept sending: "
                + (server.packetsSent() - sentAtUpdate) + " packets");
        assertEquals(1, server.keyUpdatesInitiated(), pair.describe());
        deaf[0] = false;
        pair.runUntil(() -> server.keyUpdatesInitiated() == 2, 10 * SECOND, 100_000);
    }

    /**
     * RFC 9001 §6.5: after following an update, the previous read keys stay for three PTOs, so a reordered packet of
     * the old phase still opens; after that they are gone and such a packet is dropped. Two old-phase packets of the
     * server are lost on the way, so their numbers are free for late copies; the client is unheard from shortly
     * before, so that no acknowledgement of its ACKs lets it forget those numbers (RFC 9000 §13.2.4): a late copy
     * can only be refused for its keys.
     */
    @Test
    void oldReadKeysOpenLatePacketsForThreePtosThenAreDropped() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(3, 150, 2_000_000, receiver);
        List<Long> lost = new ArrayList<>();
        boolean[] clientUnheard = {false};
        Wire[] wire = {null};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (wire[0] == null) {
                wire[0] = new Wire(Role.SERVER, SUITE, pair.clientConnection().version(),
                        pair.clientConnection().originalDestinationId(), 8);
            }
            boolean drop = false;
            for (Wire.Packet p : wire[0].read(datagram)) {
                if (p.type() == PacketType.ONE_RTT && p.number() >= 140) {
                    clientUnheard[0] = true;
                }
                if (p.type() == PacketType.ONE_RTT && (p.number() == 146 || p.number() == 147)) {
                    assertEquals(0, p.generation(), "packet " + p.number() + " is of the first keys");
                    lost.add(p.number());
                    drop = true;
                }
            }
            return drop;
        });
        pair.network.filter(pair.client, pair.server, (index, datagram, now) -> clientUnheard[0]);
        pair.connect();
        pair.runUntil(() -> pair.bothStarted() && pair.clientConnection().keyUpdates() == 1);
        QuicConnection client = pair.clientConnection();
        assertEquals(List.of(146L, 147L), lost);
        ByteBuffer late = Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0, client.localId(), 146,
                Wire.frames(new PingFrame()));
        long received = client.packetsReceived();
        pair.client.receive(pair.server.address, late, pair.network.now());
        assertEquals(received + 1, client.packetsReceived(), "a late packet of the old phase opens at once");
        pair.runFor(2 * SECOND);
        assertTrue(2 * SECOND > 3 * client.rtt().pto(25 * MS, true), "two seconds are more than three PTOs");
        ByteBuffer tooLate = Wire.oneRtt(Role.SERVER, SUITE, client.version(), 0, client.localId(), 147,
                Wire.frames(new PingFrame()));
        received = client.packetsReceived();
        long dropped = client.packetsDropped();
        pair.client.receive(pair.server.address, tooLate, pair.network.now());
        assertEquals(received, client.packetsReceived(), "the old keys are gone after three PTOs");
        assertEquals(dropped + 1, client.packetsDropped());
    }

    /**
     * RFC 9001 §6.3, §6.4: the Key Phase bit picks the keys, and a packet whose bit disagrees with the keys that
     * sealed it is rejected, without harm to the update in progress. Kwik 0.10.8 sends such packets when it follows
     * an update (its receiver thread installs the new write keys while its sender thread is between reading the
     * phase bit and encrypting: KeyUpdateSupport.checkPeerKeys against ShortHeaderPacket.generatePacketBytes): qsock
     * drops them, and it must stay in step, opening the peer's next, well-formed packets of the new phase and
     * starting further updates. Three such packets reach the server: new keys under the old bit and old keys under
     * the new bit while its own update waits for the answer, and, once answered, the current keys under the next
     * bit. A well-formed packet sealed the same way at the end opens, so the three fail for their bit alone.
     */
    @Test
    void packetsWhoseKeyPhaseBitDisagreesWithTheirKeysAreRejectedAndUpdatesGoOn() throws Exception {
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = download(4, 100, 2_000_000, receiver).connect();
        pair.runUntil(() -> pair.bothStarted() && pair.serverConnection().keyUpdatesInitiated() == 1);
        QuicConnection server = pair.serverConnection();
        QuicConnection client = pair.clientConnection();
        assertEquals(1, server.oneRtt.sealer.generation(), "the server sends with its new keys");
        assertEquals(0, server.oneRtt.opener.generation(), "the client has not answered yet");
        // Numbers far above the client's own, which the server never acknowledges as long as it rejects them.
        long pn = 1_000_000;
        rejected(pair, Wire.oneRttWithKeyPhase(Role.CLIENT, client.version(), 1, 0, server.localId(), pn++,
                Wire.frames(new PingFrame())), 0);
        rejected(pair, Wire.oneRttWithKeyPhase(Role.CLIENT, client.version(), 0, 1, server.localId(), pn++,
                Wire.frames(new PingFrame())), 0);
        pair.runUntil(() -> server.oneRtt.opener.generation() == 1, 10 * SECOND, 100_000);
        assertEquals(1, client.keyUpdates(), "the client followed the update");
        rejected(pair, Wire.oneRttWithKeyPhase(Role.CLIENT, client.version(), 1, 0, server.localId(), pn++,
                Wire.frames(new PingFrame())), 1);
        pair.runUntil(receiver::finished, 30 * SECOND, 200_000);
        assertTrue(server.keyUpdatesInitiated() >= 3, server.keyUpdatesInitiated() + " updates");
        assertEquals(server.keyUpdatesInitiated(), client.keyUpdates(), "the client followed every update");
        int current = (int) server.oneRtt.opener.generation();
        long received = server.packetsReceived();
        pair.server.receive(pair.client.address, Wire.oneRttWithKeyPhase(Role.CLIENT, client.version(), current,
                current & 1, server.localId(), pn, Wire.frames(new PingFrame())), pair.network.now());
        assertEquals(received + 1, server.packetsReceived(), "a packet sealed by hand with a matching bit opens");
    }

    /** Hands {@code datagram} to the server and checks that it was dropped and left its read keys at {@code generation}. */
    private static void rejected(ConnectionPair pair, ByteBuffer datagram, long generation) {
        QuicConnection server = pair.serverConnection();
        long received = server.packetsReceived();
        long dropped = server.packetsDropped();
        pair.server.receive(pair.client.address, datagram, pair.network.now());
        assertEquals(received, server.packetsReceived(), "a packet whose Key Phase bit belies its keys opens not");
        assertEquals(dropped + 1, server.packetsDropped());
        assertEquals(generation, server.oneRtt.opener.generation(), "the read keys did not move");
    }
}
