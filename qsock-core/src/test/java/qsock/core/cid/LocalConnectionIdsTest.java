package qsock.core.cid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.packet.PacketType;
import qsock.core.params.StatelessResetToken;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;

class LocalConnectionIdsTest {

    private static final byte[] KEY = new byte[32];
    private static final ConnectionId INITIAL = ConnectionId.ofHex("0102030405060708");

    private final StatelessResetTokens tokens = new StatelessResetTokens(KEY);
    private final RecordingRegistry registry = new RecordingRegistry();

    private LocalConnectionIds ids(RandomGenerator random) {
        return new LocalConnectionIds(INITIAL, 8, random, tokens, registry);
    }

    private LocalConnectionIds ids() {
        return ids(new SplittableRandom(1));
    }

    /** Writes every pending frame and decodes them back. */
    private static List<NewConnectionIdFrame> drain(LocalConnectionIds ids) {
        ByteBuffer out = ByteBuffer.allocate(1500);
        List<Long> written = new ArrayList<>();
        int n = ids.writeFrames(out, out.remaining(), written::add);
        assertEquals(out.position(), n);
        List<NewConnectionIdFrame> frames = decode(out.flip());
        assertEquals(written, frames.stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertFalse(ids.hasPending());
        return frames;
    }

    private static List<NewConnectionIdFrame> decode(ByteBuffer payload) {
        List<Frame> frames = new ArrayList<>();
        if (payload.hasRemaining()) {
            try {
                FrameDecoder.decodeAll(payload, PacketType.ONE_RTT, frames);
            } catch (QuicProtocolException e) {
                throw new AssertionError(e);
            }
        }
        return frames.stream().map(NewConnectionIdFrame.class::cast).toList();
    }

    @Test
    void initialIdIsSequenceZeroRegisteredWithItsToken() {
        LocalConnectionIds ids = ids();
        assertEquals(INITIAL, ids.initial());
        assertEquals(tokens.tokenFor(INITIAL), ids.initialStatelessResetToken());
        assertEquals(0, ids.sequenceNumberOf(INITIAL));
        assertEquals(tokens.tokenFor(INITIAL), registry.routes.get(INITIAL));
        assertFalse(ids.hasPending(), "sequence 0 travels in long headers, not in a frame");
    }

    @Test
    void issuesUpToThePeersLimit() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(4);
        assertEquals(4, ids.activeCount());
        List<NewConnectionIdFrame> frames = drain(ids);
        assertEquals(List.of(1L, 2L, 3L), frames.stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        for (NewConnectionIdFrame f : frames) {
            assertEquals(0, f.retirePriorTo());
            assertEquals(8, f.connectionId().length());
            assertEquals(tokens.tokenFor(f.connectionId()), StatelessResetToken.of(f.statelessResetToken()));
            assertTrue(ids.isLocal(f.connectionId()));
            assertEquals(tokens.tokenFor(f.connectionId()), registry.routes.get(f.connectionId()));
        }
        assertEquals(4, registry.routes.size());
        assertEquals(4, Set.copyOf(registry.routes.keySet()).size(), "IDs are distinct");
    }

    @Test
    void capsIssuanceAtMaxActiveWhateverThePeerAllows() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(1000);
        assertEquals(LocalConnectionIds.MAX_ACTIVE, ids.activeCount());
        assertEquals(LocalConnectionIds.MAX_ACTIVE - 1, drain(ids).size());
    }

    @Test
    void raisingTheLimitIssuesMoreAndLoweringItRetiresNothing() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        assertEquals(1, drain(ids).size());
        ids.setPeerActiveConnectionIdLimit(3);
        assertEquals(List.of(2L), drain(ids).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        ids.setPeerActiveConnectionIdLimit(2);
        assertEquals(3, ids.activeCount());
        assertFalse(ids.hasPending());
    }

    @Test
    void refusesALimitUnderTwo() {
        assertThrows(IllegalArgumentException.class, () -> ids().setPeerActiveConnectionIdLimit(1));
    }

    @Test
    void zeroLengthIdsIssueNothingAndRefuseRetirement() {
        LocalConnectionIds ids = new LocalConnectionIds(ConnectionId.EMPTY, 0, new SplittableRandom(1), tokens);
        ids.setPeerActiveConnectionIdLimit(8);
        assertEquals(1, ids.activeCount());
        assertFalse(ids.hasPending());
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> ids.onRetireConnectionId(0, ConnectionId.EMPTY));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
        assertEquals(0x19, e.frameType());
    }

    @Test
    void refusesAnInitialIdOfAnotherLength() {
        assertThrows(IllegalArgumentException.class,
                () -> new LocalConnectionIds(INITIAL, 4, new SplittableRandom(1), tokens));
    }

    @Test
    void retirementUnregistersAndIssuesAReplacement() throws QuicProtocolException {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(3);
        List<NewConnectionIdFrame> first = drain(ids);
        ids.onRetireConnectionId(0, first.get(0).connectionId());

        assertFalse(ids.isLocal(INITIAL));
        assertFalse(registry.routes.containsKey(INITIAL));
        assertEquals(3, ids.activeCount());
        List<NewConnectionIdFrame> replacement = drain(ids);
        assertEquals(1, replacement.size());
        assertEquals(3, replacement.get(0).sequenceNumber());
        assertTrue(registry.routes.containsKey(replacement.get(0).connectionId()));
    }

    @Test
    void repeatedRetirementIsIgnored() throws QuicProtocolException {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        ConnectionId one = drain(ids).get(0).connectionId();
        ids.onRetireConnectionId(0, one);
        drain(ids);
        ids.onRetireConnectionId(0, one);
        assertEquals(2, ids.activeCount());
        assertFalse(ids.hasPending());
        assertEquals(1, registry.removals);
    }

    @Test
    void retiringASequenceNumberNeverSentIsAProtocolViolation() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(3);
        // Issued (1 and 2) but not yet sent: the peer cannot know them.
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> ids.onRetireConnectionId(1, INITIAL));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
        assertEquals(0x19, e.frameType());
        drain(ids);
        e = assertThrows(QuicProtocolException.class, () -> ids.onRetireConnectionId(3, INITIAL));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
    }

    @Test
    void retiringTheIdThePacketWasSentToIsAProtocolViolation() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        drain(ids);
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> ids.onRetireConnectionId(0, INITIAL));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
        assertTrue(ids.isLocal(INITIAL));
    }

    @Test
    void lostFrameIsWrittenAgainWithTheSameContents() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(3);
        List<NewConnectionIdFrame> sent = drain(ids);
        ids.onNewConnectionIdLost(2);
        assertTrue(ids.hasPending());
        List<NewConnectionIdFrame> resent = drain(ids);
        assertEquals(List.of(sent.get(1)), resent);
    }

    @Test
    void ackedFrameIsNotWrittenAgainEvenIfAnotherCopyIsLost() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        drain(ids);
        ids.onNewConnectionIdAcked(1);
        ids.onNewConnectionIdLost(1);
        assertFalse(ids.hasPending());
    }

    @Test
    void ackOfAnEarlierCopyCancelsTheQueuedRetransmission() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        drain(ids);
        ids.onNewConnectionIdLost(1);
        assertTrue(ids.hasPending());
        ids.onNewConnectionIdAcked(1);
        assertFalse(ids.hasPending());
    }

    @Test
    void lossOfARetiredIdsFrameSendsNothing() throws QuicProtocolException {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        drain(ids);
        ids.onRetireConnectionId(1, INITIAL);
        drain(ids); // the replacement, sequence 2
        ids.onNewConnectionIdLost(1);
        assertFalse(ids.hasPending());
    }

    @Test
    void writesOnlyWhatFitsAndKeepsTheRestPending() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(4);
        int frameLength = 1 + 1 + 1 + 1 + 8 + 16; // type, sequence, retire prior to, length, ID, token
        ByteBuffer out = ByteBuffer.allocate(1500);
        List<Long> written = new ArrayList<>();
        assertEquals(2 * frameLength, ids.writeFrames(out, 2 * frameLength + frameLength - 1, written::add));
        assertEquals(List.of(1L, 2L), written);
        assertTrue(ids.hasPending());
        assertEquals(0, ids.writeFrames(out, frameLength - 1, written::add));
        assertEquals(List.of(3L), drain(ids).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        // The buffer's room counts as well as maxBytes.
        ids.onNewConnectionIdLost(1);
        assertEquals(0, ids.writeFrames(ByteBuffer.allocate(frameLength - 1), 1500, written::add));
    }

    @Test
    void idsCollidingWithOtherConnectionsAreDrawnAgain() {
        // Two generators with the same seed: the first draw of the second is what the endpoint already holds.
        ConnectionId taken = ConnectionId.random(new SplittableRandom(7), 8);
        registry.takenElsewhere.add(taken);
        LocalConnectionIds ids = ids(new SplittableRandom(7));
        ids.setPeerActiveConnectionIdLimit(2);
        NewConnectionIdFrame f = drain(ids).get(0);
        assertNotEquals(taken, f.connectionId());
    }

    @Test
    void anExhaustedIdSpaceIsAnIllegalState() {
        RandomGenerator constant = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0x0102030405060708L;
            }
        };
        // Every draw repeats the initial ID's bytes.
        LocalConnectionIds ids = new LocalConnectionIds(ConnectionId.random(constant, 8), 8, constant, tokens);
        assertThrows(IllegalStateException.class, () -> ids.setPeerActiveConnectionIdLimit(2));
    }

    @Test
    void retireAllBeforeAsksThePeerToRetireAndReplacesEverything() throws QuicProtocolException {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(3);
        List<NewConnectionIdFrame> old = drain(ids);
        assertTrue(ids.retireAllBefore(3));
        List<NewConnectionIdFrame> fresh = drain(ids);
        assertEquals(List.of(3L, 4L, 5L), fresh.stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        for (NewConnectionIdFrame f : fresh) {
            assertEquals(3, f.retirePriorTo());
        }
        // The old IDs route until the peer retires them.
        assertTrue(ids.isLocal(INITIAL));
        assertTrue(ids.isLocal(old.get(0).connectionId()));
        assertFalse(ids.retireAllBefore(6), "a second rotation waits for the first to complete");

        ConnectionId dcid = fresh.get(0).connectionId();
        ids.onRetireConnectionId(0, dcid);
        ids.onRetireConnectionId(1, dcid);
        ids.onRetireConnectionId(2, dcid);
        assertFalse(ids.hasPending(), "retiring what was asked needs no replacement");
        assertEquals(3, ids.activeCount());
        assertTrue(ids.retireAllBefore(6));
    }

    @Test
    void lostFrameOfAnIdToBeRetiredIsResentWithARetirePriorToItsOwnSequence() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        drain(ids);
        assertTrue(ids.retireAllBefore(2));
        drain(ids);
        ids.onNewConnectionIdLost(1);
        NewConnectionIdFrame resent = drain(ids).get(0);
        assertEquals(1, resent.sequenceNumber());
        assertEquals(1, resent.retirePriorTo());
    }

    @Test
    void idsNeverSentAreDroppedOutrightByARotation() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(3);
        Set<ConnectionId> unsent = new HashSet<>(registry.routes.keySet());
        unsent.remove(INITIAL);
        assertTrue(ids.retireAllBefore(3));
        for (ConnectionId cid : unsent) {
            assertFalse(ids.isLocal(cid));
            assertFalse(registry.routes.containsKey(cid));
        }
        // The initial ID was sent in long headers, so it stays until the peer retires it.
        assertTrue(ids.isLocal(INITIAL));
        assertEquals(List.of(3L, 4L, 5L), drain(ids).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertEquals(4, ids.activeCount());
    }

    @Test
    void retireAllBeforeRefusesBadArguments() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(2);
        assertThrows(IllegalArgumentException.class, () -> ids.retireAllBefore(3));
        assertFalse(ids.retireAllBefore(0));
        LocalConnectionIds empty = new LocalConnectionIds(ConnectionId.EMPTY, 0, new SplittableRandom(1), tokens);
        assertThrows(IllegalStateException.class, () -> empty.retireAllBefore(1));
    }

    @Test
    void preferredAddressIdIsSequenceOneAndNeedsNoFrame() {
        LocalConnectionIds ids = ids();
        IssuedConnectionId preferred = ids.issuePreferredAddressConnectionId();
        assertEquals(1, preferred.sequenceNumber());
        assertEquals(tokens.tokenFor(preferred.connectionId()), preferred.statelessResetToken());
        assertTrue(registry.routes.containsKey(preferred.connectionId()));
        assertFalse(ids.hasPending());
        ids.setPeerActiveConnectionIdLimit(3);
        assertEquals(List.of(2L), drain(ids).stream().map(NewConnectionIdFrame::sequenceNumber).toList());
        assertThrows(IllegalStateException.class, ids::issuePreferredAddressConnectionId);
    }

    @Test
    void unregisterAllEmptiesTheRoutingTable() {
        LocalConnectionIds ids = ids();
        ids.setPeerActiveConnectionIdLimit(4);
        ids.unregisterAll();
        assertTrue(registry.routes.isEmpty());
        assertFalse(ids.hasPending());
        assertFalse(ids.isLocal(INITIAL));
    }

    /**
     * Random walks of retirements, losses, acks and rotations against a peer that behaves: the routing
     * table always equals the active set, the peer never holds more than the limit outside a rotation,
     * and every frame written decodes to an ID we hold with its derived token.
     */
    @Test
    void randomLifecyclesKeepTheRegistryAndLimitsConsistent() {
        Properties.forAll(200, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            RecordingRegistry reg = new RecordingRegistry();
            LocalConnectionIds ids = new LocalConnectionIds(INITIAL, 8, new SplittableRandom(seed), tokens, reg);
            int limit = 2 + r.nextInt(10);
            ids.setPeerActiveConnectionIdLimit(limit);
            int target = Math.min(limit, LocalConnectionIds.MAX_ACTIVE);
            // What the peer has seen and not retired, by sequence number.
            java.util.Map<Long, ConnectionId> peerHolds = new java.util.TreeMap<>();
            peerHolds.put(0L, INITIAL);
            List<Long> inFlight = new ArrayList<>();
            for (int step = 0; step < 200; step++) {
                switch (r.nextInt(5)) {
                    case 0 -> {
                        ByteBuffer out = ByteBuffer.allocate(1 + r.nextInt(200));
                        List<Long> written = new ArrayList<>();
                        ids.writeFrames(out, out.remaining(), written::add);
                        for (NewConnectionIdFrame f : decode(out.flip())) {
                            assertEquals(tokens.tokenFor(f.connectionId()),
                                    StatelessResetToken.of(f.statelessResetToken()));
                            assertTrue(f.retirePriorTo() <= f.sequenceNumber());
                            if (ids.isLocal(f.connectionId())) {
                                peerHolds.put(f.sequenceNumber(), f.connectionId());
                            }
                        }
                        inFlight.addAll(written);
                    }
                    case 1 -> {
                        if (!inFlight.isEmpty()) {
                            long seq = inFlight.remove(r.nextInt(inFlight.size()));
                            if (r.nextBoolean()) {
                                ids.onNewConnectionIdAcked(seq);
                            } else {
                                ids.onNewConnectionIdLost(seq);
                            }
                        }
                    }
                    case 2, 3 -> {
                        // The peer retires one it holds, from a packet sent to another.
                        if (peerHolds.size() > 1) {
                            List<Long> held = new ArrayList<>(peerHolds.keySet());
                            long seq = held.get(r.nextInt(held.size()));
                            ConnectionId other = held.stream().filter(s -> s != seq).findFirst()
                                    .map(peerHolds::get).orElseThrow();
                            try {
                                ids.onRetireConnectionId(seq, other);
                            } catch (QuicProtocolException e) {
                                throw new AssertionError(e);
                            }
                            peerHolds.remove(seq);
                        }
                    }
                    default -> {
                        if (r.nextInt(10) == 0) {
                            ids.retireAllBefore(ids.nextSequenceNumber());
                        }
                    }
                }
                assertEquals(reg.routes.size(), ids.activeCount());
                for (ConnectionId cid : reg.routes.keySet()) {
                    assertTrue(ids.isLocal(cid));
                }
                long usable = reg.routes.keySet().stream()
                        .filter(c -> ids.sequenceNumberOf(c) >= ids.retirePriorTo()).count();
                assertTrue(usable <= target, "usable " + usable + " > " + target);
                assertTrue(ids.activeCount() <= 2 * LocalConnectionIds.MAX_ACTIVE);
            }
        });
    }
}
