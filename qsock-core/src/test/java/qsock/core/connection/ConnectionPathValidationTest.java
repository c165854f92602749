package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.cc.CongestionController;
import qsock.core.frame.Frame;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.frame.PathResponseFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.path.PathValidation;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Wire;

/**
 * Path validation (RFC 9000 §8.2) and the server following a client whose address changed (§9.3), on the
 * fixed-secret pair with packets the test forges as the client.
 */
class ConnectionPathValidationTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    /** A server and a client, established and quiet, and the next client packet number to forge. */
    private static final class Fixture {
        final QuicConnection client;
        final QuicConnection server;
        final Wire serverWire;
        long now;
        long nextPacketNumber = 1_000;

        Fixture(long seed) throws Exception {
            this(ConnectionPair.established(seed));
        }

        /** A pair with {@code config} on both sides that has run {@code nanos} of virtual time after its handshake. */
        Fixture(long seed, qsock.api.ConnectionConfig config, long nanos) throws Exception {
            this(run(ConnectionPair.builder(seed).config(config).established(), nanos));
        }

        private static ConnectionPair run(ConnectionPair pair, long nanos) {
            pair.runFor(nanos);
            return pair;
        }

        private Fixture(ConnectionPair pair) throws Exception {
            client = pair.clientConnection();
            server = pair.serverConnection();
            now = pair.network.now() + SECOND;
            client.handleTimeout(now);
            server.handleTimeout(now);
            Drain.all(client, now);
            Drain.all(server, now);
            serverWire = new Wire(Role.SERVER, SUITE, client.version(), client.originalDestinationId(), 8);
        }

        /** {@return a 1-RTT datagram of the client holding {@code frames}, numbered above every earlier one} */
        ByteBuffer fromClient(Frame... frames) {
            return Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, server.localId(), nextPacketNumber++,
                    Wire.frames(frames));
        }

        /** {@return what the server sends now to the client's current address, read} */
        List<Sent> serverSends() {
            return allServerSends().stream().filter(d -> !d.toPrevious()).toList();
        }

        /** {@return what the server sends now, read, to the client's current address or its previous one} */
        List<Sent> allServerSends() {
            List<Sent> sent = new ArrayList<>();
            ByteBuffer out = ByteBuffer.allocate(2048);
            for (int i = 0; i < 1000; i++) {
                int n = server.pollDatagram(out.clear(), now);
                if (n <= 0) {
                    break;
                }
                List<Frame> frames = new ArrayList<>();
                for (Wire.Packet p : serverWire.read(out.flip())) {
                    frames.addAll(p.frames());
                }
                sent.add(new Sent(n, frames, server.lastDatagramToPreviousPeer()));
            }
            return sent;
        }

        /** Moves the client to a new address with a small datagram: a PING, PATH_CHALLENGEs if given. */
        int move(Frame... more) {
            Frame[] frames = new Frame[more.length + 1];
            frames[0] = new PingFrame();
            System.arraycopy(more, 0, frames, 1, more.length);
            ByteBuffer moved = fromClient(frames);
            int length = moved.remaining();
            assertTrue(server.handleDatagramFromNewAddress(moved, now), "the peer moved");
            assertFalse(server.isPeerAddressValidated());
            return length;
        }
    }

    private record Sent(int length, List<Frame> frames, boolean toPrevious) {
        <T extends Frame> List<T> of(Class<T> type) {
            List<T> found = new ArrayList<>();
            for (Frame f : frames) {
                if (type.isInstance(f)) {
                    found.add(type.cast(f));
                }
            }
            return found;
        }
    }

    private static List<Long> responses(List<Sent> sent) {
        List<Long> data = new ArrayList<>();
        for (Sent s : sent) {
            for (PathResponseFrame f : s.of(PathResponseFrame.class)) {
                data.add(f.data());
            }
        }
        return data;
    }

    private static List<Long> challenges(List<Sent> sent) {
        List<Long> data = new ArrayList<>();
        for (Sent s : sent) {
            for (PathChallengeFrame f : s.of(PathChallengeFrame.class)) {
                data.add(f.data());
            }
        }
        return data;
    }

    /** RFC 9000 §8.2.2: a datagram carrying a PATH_RESPONSE is expanded to at least 1200 bytes. */
    @Test
    void aPathResponseGoesInADatagramOfAtLeast1200Bytes() throws Exception {
        Fixture t = new Fixture(51);
        t.server.handleDatagram(t.fromClient(new PathChallengeFrame(0x1122334455667788L)), t.now);
        List<Sent> sent = t.serverSends();
        assertEquals(List.of(0x1122334455667788L), responses(sent));
        for (Sent s : sent) {
            if (!s.of(PathResponseFrame.class).isEmpty()) {
                assertTrue(s.length() >= 1200, "the PATH_RESPONSE datagram has " + s.length() + " bytes");
            }
        }
    }

    /**
     * RFC 9000 §8.2.2: the expansion stops at the anti-amplification limit: a client that moved with a small datagram
     * holding a PATH_CHALLENGE is answered within three times its size.
     */
    @Test
    void aPathResponseToAnUnvalidatedAddressStaysWithinTheAmplificationLimit() throws Exception {
        Fixture t = new Fixture(52);
        int length = t.move(new PathChallengeFrame(42));
        List<Sent> sent = t.serverSends();
        int bytes = sent.stream().mapToInt(Sent::length).sum();
        assertTrue(bytes <= 3 * length, bytes + " bytes sent for " + length + " received");
        assertEquals(List.of(42L), responses(sent), "answered within the limit");
    }

    /** RFC 9000 §8.2.2: every PATH_CHALLENGE is answered with its own data, two in one packet included. */
    @Test
    void everyPathChallengeIsAnsweredWithItsData() throws Exception {
        Fixture t = new Fixture(53);
        t.server.handleDatagram(t.fromClient(new PathChallengeFrame(1), new PathChallengeFrame(2)), t.now);
        t.server.handleDatagram(t.fromClient(new PathChallengeFrame(3)), t.now);
        assertEquals(List.of(1L, 2L, 3L), responses(t.serverSends()));
        assertEquals(0, t.server.pathChallengesDropped());
    }

    /** The answers a peer can make us owe are bounded: challenges beyond them are dropped and counted. */
    @Test
    void pathChallengesBeyondTheBoundAreDroppedAndCounted() throws Exception {
        Fixture t = new Fixture(54);
        Frame[] many = new Frame[PathValidation.MAX_RESPONSES + 3];
        for (int i = 0; i < many.length; i++) {
            many[i] = new PathChallengeFrame(100 + i);
        }
        t.server.handleDatagram(t.fromClient(many), t.now);
        assertEquals(List.of(100L, 101L, 102L, 103L), responses(t.serverSends()));
        assertEquals(3, t.server.pathChallengesDropped());
        assertEquals(ConnectionState.CONFIRMED, t.server.state());
    }

    /**
     * RFC 9000 §8.2.2: a PATH_RESPONSE that echoes no challenge of ours is ignored; §8.2.1: the echo of a challenge the
     * amplification limit kept under 1200 bytes validates the address (a client that only acknowledges could never
     * give the server room for a full-size one), and a second challenge, full size, follows for the path MTU; its echo
     * changes nothing more (no second reset of congestion control).
     */
    @Test
    void theEchoOfASmallChallengeValidatesTheAddressAndAFullSizeChallengeFollows() throws Exception {
        Fixture t = new Fixture(55);
        int length = t.move();
        List<Sent> first = t.serverSends();
        List<Long> firstChallenges = challenges(first);
        assertEquals(1, firstChallenges.size(), "a challenge to the new address");
        assertTrue(first.stream().mapToInt(Sent::length).sum() <= 3 * length);

        // A response with other data is ignored.
        t.server.handleDatagram(t.fromClient(new PathResponseFrame(firstChallenges.get(0) ^ 1),
                new PaddingFrame(1150)), t.now);
        assertFalse(t.server.isPeerAddressValidated(), "an unmatched PATH_RESPONSE is ignored");

        // The echo of the small challenge, in a small datagram as a client that only acknowledges would send it.
        t.server.handleDatagram(t.fromClient(new PathResponseFrame(firstChallenges.get(0))), t.now);
        assertTrue(t.server.isPeerAddressValidated(), "the echo validates the address");
        long resets = t.server.pathResets();
        List<Sent> second = t.serverSends();
        List<Long> secondChallenges = challenges(second);
        assertEquals(1, secondChallenges.size(), "a second challenge, for the path MTU");
        assertNotEquals(firstChallenges.get(0), secondChallenges.get(0), "new unpredictable data");
        for (Sent s : second) {
            if (!s.of(PathChallengeFrame.class).isEmpty()) {
                assertTrue(s.length() >= 1200, "the second challenge is full size: " + s.length());
            }
        }
        t.server.handleDatagram(t.fromClient(new PathResponseFrame(secondChallenges.get(0))), t.now);
        assertTrue(t.server.isPeerAddressValidated());
        assertEquals(resets, t.server.pathResets(), "one reset per new address");
        assertFalse(t.server.takePeerAddressReverted());
    }

    /**
     * RFC 9000 §8.2.4: a validation not done within three times the larger of the PTO and a new path's PTO (with
     * kInitialRtt) fails; §9.3.2: the connection goes back to the last validated address, which the caller learns.
     */
    @Test
    void aValidationThatTimesOutRevertsToTheLastValidatedAddress() throws Exception {
        Fixture t = new Fixture(56);
        t.move();
        t.serverSends();
        long timeout = PathValidation.timeoutNanos(t.server.recovery.rtt().pto(t.server.peerMaxAckDelayNanos, true),
                t.server.peerMaxAckDelayNanos);
        assertTrue(timeout >= 3 * 999_000_000L, "at least 3 x the PTO of kInitialRtt: " + timeout);
        long deadline = t.now + timeout;
        assertTrue(t.server.nextDeadline() - deadline <= 0, "a deadline no later than the validation's");
        // Bounded: the connection's own timers (probes of the challenge) fire until the validation's deadline.
        for (int i = 0; i < 100 && t.now - deadline < 0; i++) {
            t.now = Math.min(t.server.nextDeadline(), deadline - 1);
            t.server.handleTimeout(t.now);
            t.serverSends();
            assertFalse(t.server.takePeerAddressReverted(), "not before the deadline");
            if (t.now == deadline - 1) {
                break;
            }
        }
        t.now = deadline;
        t.server.handleTimeout(t.now);
        assertTrue(t.server.takePeerAddressReverted(), "the validation failed");
        assertFalse(t.server.takePeerAddressReverted(), "said once");
        assertTrue(t.server.isPeerAddressValidated(), "back on the validated address");
        assertEquals(1, t.server.pathValidationFailures());
        assertEquals(ConnectionState.CONFIRMED, t.server.state());
    }

    /**
     * RFC 9000 §9.3.3: on an apparent migration the previously active path is challenged too, in a full-size datagram
     * of its own that does not eat the new address's budget; the answer from there is recognised and validates
     * nothing new.
     */
    @Test
    void anApparentMigrationChallengesThePreviousPathToo() throws Exception {
        Fixture t = new Fixture(57);
        int length = t.move();
        List<Sent> sent = t.allServerSends();
        List<Sent> toPrevious = sent.stream().filter(Sent::toPrevious).toList();
        assertEquals(1, toPrevious.size(), "one datagram to the previous address");
        assertTrue(toPrevious.get(0).length() >= 1200, "full size: " + toPrevious.get(0).length());
        List<Long> previousChallenge = challenges(toPrevious);
        assertEquals(1, previousChallenge.size());
        List<Sent> toNew = sent.stream().filter(d -> !d.toPrevious()).toList();
        assertEquals(1, challenges(toNew).size(), "the new address is challenged as well");
        assertNotEquals(previousChallenge.get(0), challenges(toNew).get(0));
        assertTrue(toNew.stream().mapToInt(Sent::length).sum() <= 3 * length, "the new address's budget is whole");

        // The genuine client answers from its old address: a probing packet, so the peer does not move back.
        ByteBuffer answer = t.fromClient(new PathResponseFrame(previousChallenge.get(0)), new PaddingFrame(1150));
        assertFalse(t.server.handleDatagramFromNewAddress(answer, t.now));
        assertEquals(1, t.server.previousPeerAnswers());
        assertFalse(t.server.isPeerAddressValidated(), "the old path's answer validates nothing new");
        assertTrue(t.allServerSends().stream().noneMatch(Sent::toPrevious), "challenged once");
    }

    /**
     * Moves the client with a full-size datagram and answers the server's challenge: the new address is validated.
     * Before the answer, persistent congestion collapses the server's window, so that a reset shows.
     */
    private static void moveAndValidate(Fixture t, boolean portOnly) {
        ByteBuffer moved = t.fromClient(new PingFrame(), new PaddingFrame(1150));
        assertTrue(t.server.handleDatagramFromNewAddress(moved, portOnly, t.now));
        List<Long> challenges = challenges(t.serverSends());
        assertEquals(1, challenges.size());
        t.server.congestion.onPersistentCongestion(t.now);
        assertTrue(t.server.congestion.congestionWindow()
                < CongestionController.initialWindow(t.server.maxDatagramSize));
        t.server.handleDatagram(t.fromClient(new PathResponseFrame(challenges.get(0))), t.now);
        assertTrue(t.server.isPeerAddressValidated());
    }

    /**
     * RFC 9000 §9.4: on confirming a new peer address the congestion controller and the RTT estimator start again
     * from their initial values.
     */
    @Test
    void aValidatedNewAddressResetsCongestionControlAndRtt() throws Exception {
        Fixture t = new Fixture(58);
        long initialWindow = CongestionController.initialWindow(t.server.maxDatagramSize);
        long initialRtt = ConnectionPair.MS * 333;
        assertNotEquals(initialRtt, t.server.recovery.rtt().smoothedRtt(), "the handshake measured the RTT");
        moveAndValidate(t, false);
        assertEquals(1, t.server.pathResets());
        assertEquals(initialWindow, t.server.congestion.congestionWindow());
        assertEquals(Long.MAX_VALUE, t.server.congestion.slowStartThreshold());
        assertEquals(initialRtt, t.server.recovery.rtt().smoothedRtt());
    }

    /** RFC 9000 §9.4: when only the port changed (a NAT rebinding) both are kept. */
    @Test
    void aPortOnlyChangeKeepsCongestionControlAndRtt() throws Exception {
        Fixture t = new Fixture(59);
        long rtt = t.server.recovery.rtt().smoothedRtt();
        moveAndValidate(t, true);
        assertEquals(0, t.server.pathResets());
        assertEquals(CongestionController.minimumWindow(t.server.maxDatagramSize),
                t.server.congestion.congestionWindow(), "the collapsed window is kept");
        assertEquals(rtt, t.server.recovery.rtt().smoothedRtt());
    }
    /** {@return the client's sequence number of the connection ID the server's next datagram goes to, -1 for none} */
    private static long nextServerDestination(Fixture t) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        int n = t.server.pollDatagram(out, t.now);
        if (n <= 0) {
            return -1;
        }
        byte[] dcid = new byte[8];
        out.get(1, dcid);
        return t.client.localIds.sequenceNumberOf(qsock.core.wire.ConnectionId.of(dcid));
    }

    /** RFC 9000 §9.5: a NAT rebinding (our same connection ID, from a new address) may keep the peer's ID. */
    @Test
    void aRebindingWithTheSameConnectionIdKeepsThePeersId() throws Exception {
        Fixture t = new Fixture(64);
        t.server.handleDatagram(t.fromClient(new PingFrame()), t.now);
        long before = t.server.peerConnectionIdSequenceNumber();
        move(t, true);
        assertEquals(before, t.server.peerConnectionIdSequenceNumber());
        t.server.handleDatagram(t.fromClient(new PingFrame()), t.now);
        assertEquals(before, nextServerDestination(t));
    }

    /**
     * RFC 9000 §9.5: a peer that probes, then moves, with a new connection ID of ours is answered there with a new ID
     * of its own (an ID is not sent to more than one destination address), on the path the probe came from
     * (§8.2.2); the old path's ID serves the old path's challenge (§9.3.3) and is retired once the new address is
     * validated.
     */
    @Test
    void aPeerOnANewPathWithANewConnectionIdGetsANewIdOfItsOwn() throws Exception {
        Fixture t = new Fixture(65);
        t.server.handleDatagram(t.fromClient(new PingFrame()), t.now);
        serverSendsDrained(t);
        long before = t.server.peerConnectionIdSequenceNumber();
        qsock.core.wire.ConnectionId newId = null;
        for (long n = 1; n < 8 && newId == null; n++) {
            qsock.core.wire.ConnectionId id = t.client.peerIds.activeId(n);
            if (id != null && !id.equals(t.server.localId())) {
                newId = id;
            }
        }
        assertTrue(newId != null, "the server issued more than one ID");
        // A probe: a PATH_CHALLENGE alone, with the new ID, from a new address. It moves nothing and is answered there.
        ByteBuffer probe = Wire.oneRtt(Role.CLIENT, SUITE, t.client.version(), 0, newId, t.nextPacketNumber++,
                Wire.frames(new PathChallengeFrame(77), new PaddingFrame(1150)));
        assertFalse(t.server.handleDatagramFromNewAddress(probe, false, t.now));
        assertTrue(t.server.answersNewAddress());
        long answeredWith = nextServerDestination(t);
        assertTrue(t.server.lastDatagramOnOtherPath(), "the answer goes on the probe's path");
        assertTrue(answeredWith >= 0 && answeredWith != before, "answered with a new ID: " + answeredWith);
        assertEquals(before, t.server.peerConnectionIdSequenceNumber(), "the current path keeps its ID");
        // The move, with the same new ID.
        ByteBuffer moved = Wire.oneRtt(Role.CLIENT, SUITE, t.client.version(), 0, newId, t.nextPacketNumber++,
                Wire.frames(new PingFrame(), new PaddingFrame(1150)));
        assertTrue(t.server.handleDatagramFromNewAddress(moved, false, t.now));
        assertEquals(answeredWith, t.server.peerConnectionIdSequenceNumber(), "the probe's ID is the new path's");
        List<Sent> sent = t.allServerSends();
        assertTrue(sent.stream().anyMatch(Sent::toPrevious), "the old path is challenged (§9.3.3)");
        List<Long> challenges = challenges(sent.stream().filter(x -> !x.toPrevious()).toList());
        t.server.handleDatagram(Wire.oneRtt(Role.CLIENT, SUITE, t.client.version(), 0, newId, t.nextPacketNumber++,
                Wire.frames(new PathResponseFrame(challenges.get(0)))), t.now);
        assertTrue(t.server.isPeerAddressValidated());
        assertNull(t.server.peerIds.activeId(before), "the old path's ID is retired once the new one is validated");
        assertEquals(0, t.server.movesWithoutFreshId());
    }

    /**
     * RFC 9000 §9.4: packets sent on the old path MUST NOT contribute to congestion control or RTT estimation for the
     * new path: acknowledged after the move, they give no RTT sample and do not grow the reset window.
     */
    @Test
    void packetsOfTheOldPathFeedNeitherTheRttNorTheWindowOfTheNewOne() throws Exception {
        Fixture t = new Fixture(66);
        long id = t.server.streams().openStream(true);
        t.server.streams().write(id, ByteBuffer.wrap(new byte[3000]), false);
        List<Long> oldPath = new ArrayList<>();
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (int i = 0; i < 100; i++) {
            if (t.server.pollDatagram(out.clear(), t.now) <= 0) {
                break;
            }
            for (Wire.Packet packet : t.serverWire.read(out.flip())) {
                oldPath.add(packet.number());
            }
        }
        assertTrue(oldPath.size() >= 2, "stream data in flight on the old path: " + oldPath);
        move(t, false);
        long rtt = t.server.recovery.rtt().smoothedRtt();
        long window = t.server.congestion.congestionWindow();
        assertEquals(CongestionController.initialWindow(t.server.maxDatagramSize), window);
        t.now += 40 * ConnectionPair.MS;
        // Consecutive numbers make one range; (largest, smallest) pairs, descending.
        List<Long> pairs = new ArrayList<>();
        for (int i = oldPath.size() - 1; i >= 0; ) {
            long largest = oldPath.get(i);
            long smallest = largest;
            while (i > 0 && oldPath.get(i - 1) == smallest - 1) {
                smallest = oldPath.get(--i);
            }
            i--;
            pairs.add(largest);
            pairs.add(smallest);
        }
        long[] ranges = pairs.stream().mapToLong(Long::longValue).toArray();
        t.server.handleDatagram(t.fromClient(qsock.core.frame.AckFrame.of(0, ranges)), t.now);
        assertEquals(rtt, t.server.recovery.rtt().smoothedRtt(), "no RTT sample from an old path's packet");
        assertEquals(window, t.server.congestion.congestionWindow(), "no window growth from an old path's packet");
        assertEquals(0, t.server.congestion.bytesInFlight() - inFlightOfNewPath(t), "yet they left flight");
    }

    /** {@return the bytes in flight the server sent after its client's last move} */
    private static long inFlightOfNewPath(Fixture t) {
        return t.server.recovery.bytesInFlight();
    }

    /** RFC 9000 §8.2.2: a packet with a PATH_RESPONSE is not delayed, not even by the pacer. */
    @Test
    void aPathResponseIsNotHeldBackByThePacer() throws Exception {
        Fixture t = new Fixture(67);
        // A first packet acknowledged, so that the challenge's packet, next in line, calls for no immediate ACK (which
        // would let anything through the pacer).
        t.server.handleDatagram(t.fromClient(new PingFrame()), t.now);
        t.now += 30 * ConnectionPair.MS;
        t.serverSends();
        long id = t.server.streams().openStream(true);
        t.server.streams().write(id, ByteBuffer.wrap(new byte[1 << 20]), false);
        ByteBuffer out = ByteBuffer.allocate(2048);
        int sent = 0;
        while (sent < 1000 && t.server.pollDatagram(out.clear(), t.now) > 0) {
            sent++;
        }
        assertTrue(t.server.congestion.canSend(t.server.maxDatagramSize), "paced, not blocked by the window");
        t.server.handleDatagram(t.fromClient(new PathChallengeFrame(0x5eed)), t.now);
        assertEquals(List.of(0x5eedL), responses(t.serverSends()));
    }

    private static void serverSendsDrained(Fixture t) {
        t.allServerSends();
    }

    /** The client moves ({@code portOnly}: to a new port only) and answers the server's challenge. */
    private static void move(Fixture t, boolean portOnly) {
        assertTrue(t.server.handleDatagramFromNewAddress(t.fromClient(new PingFrame(), new PaddingFrame(1150)),
                portOnly, t.now));
        List<Long> challenges = challenges(t.serverSends());
        assertEquals(1, challenges.size());
        t.server.handleDatagram(t.fromClient(new PathResponseFrame(challenges.get(0))), t.now);
        assertTrue(t.server.isPeerAddressValidated());
    }

    /**
     * RFC 9000 §9.4, §14.3: a validated new address (not only a new port) starts path MTU discovery again from the
     * size the transport parameters allow: what the old path carried says nothing of the new one. A port-only change
     * keeps what was found.
     */
    @Test
    void aValidatedNewAddressSearchesThePathMtuAgainFromTheBaseSize() throws Exception {
        qsock.api.ConnectionConfig pmtud = qsock.api.ConnectionConfig.builder().pathMtuCeiling(9000).build();
        Fixture t = new Fixture(61, pmtud, 10 * SECOND);
        int found = t.server.maxDatagramSize;
        assertTrue(found > 1200, "the search raised the size on the first path: " + found);
        move(t, false);
        assertEquals(1200, t.server.maxDatagramSize, "back to the base size");
        assertNotNull(t.server.pathMtu);
        assertFalse(t.server.pathMtu.isComplete(), "a new search");

        Fixture port = new Fixture(62, pmtud, 10 * SECOND);
        int kept = port.server.maxDatagramSize;
        assertTrue(kept > 1200);
        move(port, true);
        assertEquals(kept, port.server.maxDatagramSize, "a port-only change keeps the size found");
    }
}
