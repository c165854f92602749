package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.frame.AckFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.frame.PingFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/**
 * The validation of a client's new address (RFC 9000 §8.2, §9.3) gets through what a NAT rebinding does to a
 * transfer; both cases came up in qsock-tls's NatRebindingSimulationTest, where the client rebound again before the
 * server had validated its address.
 */
class PathChallengeRepairTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /**
     * A server whose congestion window is full when its client moves challenges the new address at once: the window
     * is full of packets sent to the old address, which the NAT rebinding lost, and packets sent on the old path must
     * not hold back the new one (§9.4). Before, the PATH_CHALLENGE waited until those packets were declared lost, a
     * PTO or more later.
     */
    @Test
    void aServerWithAFullWindowChallengesTheNewAddressAtOnce() throws Exception {
        ConnectionPair pair = ConnectionPair.established(71);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.toCurrentPeer(client, now);
        Drain.toCurrentPeer(server, now);
        Wire serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);

        // The server sends a large stream until its window is full (the pacer spreads it over a few milliseconds);
        // none of it is acknowledged: it went to the client's old address.
        long stream = server.streams().openStream(false);
        server.streams().write(stream, ByteBuffer.allocate(1 << 20), false);
        for (int i = 0; i < 1_000 && server.congestion.canSend(server.maxDatagramSize); i++) {
            Drain.toCurrentPeer(server, now);
            now += MS;
        }
        assertFalse(server.congestion.canSend(server.maxDatagramSize), "the window is full");

        // The client, rebound, sends a PING from its new address.
        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_000,
                Wire.frames(new PingFrame()));
        int length = moved.remaining();
        assertTrue(server.handleDatagramFromNewAddress(moved, true, now), "the peer moved");
        List<ByteBuffer> sent = Drain.toCurrentPeer(server, now);
        List<Frame> frames = new ArrayList<>();
        int bytes = 0;
        for (ByteBuffer d : sent) {
            bytes += d.remaining();
            for (Wire.Packet p : serverWire.read(d)) {
                frames.addAll(p.frames());
            }
        }
        List<Long> challenges = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof PathChallengeFrame c) {
                challenges.add(c.data());
            }
            assertFalse(f instanceof StreamFrame, "no stream data beyond the window: " + f);
        }
        assertEquals(1, challenges.size(), "the new address is challenged at once: " + frames);
        assertTrue(bytes <= 3 * length, bytes + " bytes sent for " + length + " received (RFC 9000 §8.1)");

        // The echo validates the new address.
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_001,
                Wire.frames(new PathResponseFrame(challenges.getFirst()))), now);
        assertTrue(server.isPeerAddressValidated());
    }

    /**
     * A challenge whose packet the client acknowledges without the echo (its PATH_RESPONSE was lost) is sent again
     * with new data (§8.2.1). Before, the server waited for the validation's timeout (three PTOs of kInitialRtt,
     * §8.2.4), went back to the address the client had left and failed the validation.
     */
    @Test
    void aChallengeAcknowledgedWithoutItsEchoIsSentAgain() throws Exception {
        ConnectionPair pair = ConnectionPair.established(72);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.toCurrentPeer(client, now);
        Drain.toCurrentPeer(server, now);
        Wire serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);

        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_000,
                Wire.frames(new PingFrame(), new PaddingFrame(1150)));
        assertTrue(server.handleDatagramFromNewAddress(moved, true, now), "the peer moved");
        long challengePacket = -1;
        long first = 0;
        for (ByteBuffer d : Drain.toCurrentPeer(server, now)) {
            for (Wire.Packet p : serverWire.read(d)) {
                for (Frame f : p.frames()) {
                    if (f instanceof PathChallengeFrame c) {
                        challengePacket = p.number();
                        first = c.data();
                    }
                }
            }
        }
        assertTrue(challengePacket >= 0, "the new address is challenged");

        // The client acknowledges the challenge's packet; the PATH_RESPONSE it sent with that ACK was lost.
        now += 40 * MS;
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_001,
                Wire.frames(AckFrame.of(0, challengePacket, challengePacket))), now);
        List<Long> again = new ArrayList<>();
        for (ByteBuffer d : Drain.toCurrentPeer(server, now)) {
            for (Wire.Packet p : serverWire.read(d)) {
                for (Frame f : p.frames()) {
                    if (f instanceof PathChallengeFrame c) {
                        again.add(c.data());
                    }
                }
            }
        }
        assertEquals(1, again.size(), "a new challenge at once");
        assertNotEquals(first, again.getFirst(), "with new data");

        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_002,
                Wire.frames(new PathResponseFrame(again.getFirst()))), now);
        assertTrue(server.isPeerAddressValidated(), "its echo validates the address");
        assertEquals(0, server.pathValidationFailures());
    }

    /**
     * The PATH_CHALLENGE a server sends the client's previous address after it moved (§9.3.3) is lost there after a
     * NAT rebinding; its loss does not count for the congestion control of the path the server now sends on (§9.4).
     * Before, it halved the window, kept over a port-only move, at every rebinding.
     */
    @Test
    void theLossOfThePreviousPathsChallengeLeavesTheWindowAlone() throws Exception {
        ConnectionPair pair = ConnectionPair.established(73);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.toCurrentPeer(client, now);
        Drain.toCurrentPeer(server, now);
        Wire serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);

        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_000,
                Wire.frames(new PingFrame(), new PaddingFrame(1150)));
        assertTrue(server.handleDatagramFromNewAddress(moved, true, now), "the peer moved, its port only");
        long toPrevious = -1;
        long challenge = 0;
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (int i = 0; i < 100 && server.pollDatagram(out.clear(), now) > 0; i++) {
            boolean previous = server.lastDatagramToPreviousPeer();
            for (Wire.Packet p : serverWire.read(out.flip())) {
                for (Frame f : p.frames()) {
                    if (f instanceof PathChallengeFrame c) {
                        if (previous) {
                            toPrevious = p.number();
                        } else {
                            challenge = c.data();
                        }
                    }
                }
            }
        }
        assertTrue(toPrevious >= 0, "the previous address is challenged");
        now += 40 * MS;
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_001,
                Wire.frames(new PathResponseFrame(challenge))), now);
        assertTrue(server.isPeerAddressValidated());

        // The server sends on; the client acknowledges all of it but the challenge to its old address.
        long stream = server.streams().openStream(false);
        server.streams().write(stream, ByteBuffer.allocate(6_000), false);
        Drain.toCurrentPeer(server, now);
        long largest = server.spaces[2].nextPacketNumber - 1;
        assertTrue(largest - toPrevious >= 3, "enough packets after it to declare it lost");
        long window = server.congestion.congestionWindow();
        now += 40 * MS;
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_002,
                Wire.frames(AckFrame.of(0, largest, toPrevious + 1, toPrevious - 1, 0))), now);
        assertEquals(0, server.congestion.bytesInFlight(), "the old path's challenge left flight, declared lost");
        assertTrue(server.congestion.congestionWindow() >= window, "no congestion event: the window went from "
                + window + " to " + server.congestion.congestionWindow());
    }

    /**
     * Stream data the server sent the client's old address before the move, lost there (the NAT rebinding) and declared
     * lost once the new path's packets are acknowledged, is sent again but is no congestion signal for the new path
     * (§9.4): neither a congestion event nor persistent congestion. Before, each rebinding during a download halved
     * the window.
     */
    @Test
    void dataSentToTheOldAddressAndLostAfterTheMoveLeavesTheWindowAlone() throws Exception {
        ConnectionPair pair = ConnectionPair.established(74);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        long now = pair.network.now() + SECOND;
        client.handleTimeout(now);
        server.handleTimeout(now);
        Drain.toCurrentPeer(client, now);
        Drain.toCurrentPeer(server, now);
        Wire serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);

        // Data to the old address, never acknowledged: the NAT's old mapping is gone.
        long firstOld = server.spaces[2].nextPacketNumber;
        long stream = server.streams().openStream(false);
        server.streams().write(stream, ByteBuffer.allocate(6_000), false);
        Drain.toCurrentPeer(server, now);
        assertTrue(server.spaces[2].nextPacketNumber - firstOld >= 4, "packets to the old address");

        // The client speaks from its new port two seconds later, the server validates it.
        now += 2 * SECOND;
        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_000,
                Wire.frames(new PingFrame(), new PaddingFrame(1150)));
        assertTrue(server.handleDatagramFromNewAddress(moved, true, now), "the peer moved, its port only");
        // The first packet after the move is the challenge to the old address (§9.3.3); the rest go to the new one.
        long firstNew = server.spaces[2].nextPacketNumber + 1;
        long challenge = 0;
        for (ByteBuffer d : Drain.toCurrentPeer(server, now)) {
            for (Wire.Packet p : serverWire.read(d)) {
                for (Frame f : p.frames()) {
                    if (f instanceof PathChallengeFrame c) {
                        challenge = c.data();
                    }
                }
            }
        }
        now += 40 * MS;
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_001,
                Wire.frames(new PathResponseFrame(challenge))), now);
        assertTrue(server.isPeerAddressValidated());

        // The server sends on to the new port; the client acknowledges what reached it there, and nothing before.
        server.streams().write(stream, ByteBuffer.allocate(6_000), false);
        Drain.toCurrentPeer(server, now);
        long largest = server.spaces[2].nextPacketNumber - 1;
        assertTrue(largest - firstNew >= 3, "enough packets to the new address to declare the old ones lost");
        long window = server.congestion.congestionWindow();
        now += 40 * MS;
        server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), 1_002,
                Wire.frames(AckFrame.of(0, largest, firstNew, firstOld - 1, 0))), now);
        assertTrue(server.congestion.congestionWindow() >= window, "no congestion event: the window went from "
                + window + " to " + server.congestion.congestionWindow());
        assertEquals(0, server.congestion.bytesInFlight(), "what went to the old address left flight, declared lost");
    }
}
