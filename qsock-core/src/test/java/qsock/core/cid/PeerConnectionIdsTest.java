package qsock.core.cid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.RetireConnectionIdFrame;
import qsock.core.packet.PacketType;
import qsock.core.params.StatelessResetToken;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;

class PeerConnectionIdsTest {

    private static ConnectionId cid(long n) {
        return ConnectionId.of(ByteBuffer.allocate(8).putLong(0x5eed_0000_0000_0000L + n).array());
    }

    private static StatelessResetToken token(long n) {
        return StatelessResetToken.of(ByteBuffer.allocate(16).putLong(n).putLong(~n).array());
    }

    private static PeerConnectionIds ids(int limit) {
        return new PeerConnectionIds(cid(0), token(0), limit);
    }

    private static void offer(PeerConnectionIds ids, long seq, long retirePriorTo) throws QuicProtocolException {
        ids.onNewConnectionId(seq, retirePriorTo, cid(seq), token(seq));
    }

    private static void assertError(TransportErrorCode code, Executable action) {
        QuicProtocolException e = assertThrows(QuicProtocolException.class, action);
        assertEquals(code, e.errorCode());
        assertEquals(0x18, e.frameType());
    }

    /** Writes every pending RETIRE_CONNECTION_ID and decodes them back to sequence numbers. */
    private static List<Long> drain(PeerConnectionIds ids) {
        ByteBuffer out = ByteBuffer.allocate(1500);
        List<Long> written = new ArrayList<>();
        assertEquals(ids.writeFrames(out, out.remaining(), written::add), out.position());
        assertEquals(written, decode(out.flip()));
        assertFalse(ids.hasPending());
        return written;
    }

    private static List<Long> decode(ByteBuffer payload) {
        List<Frame> frames = new ArrayList<>();
        if (payload.hasRemaining()) {
            try {
                FrameDecoder.decodeAll(payload, PacketType.ONE_RTT, frames);
            } catch (QuicProtocolException e) {
                throw new AssertionError(e);
            }
        }
        return frames.stream().map(f -> ((RetireConnectionIdFrame) f).sequenceNumber()).toList();
    }

    private static ByteBuffer datagramEndingIn(StatelessResetToken token, int length) {
        ByteBuffer d = ByteBuffer.allocate(length);
        for (int i = 0; i < length - 16; i++) {
            d.put((byte) (0x40 | i));
        }
        token.writeTo(d);
        return d.flip();
    }

    @Test
    void initialIdIsCurrent() {
        PeerConnectionIds ids = ids(2);
        assertEquals(cid(0), ids.current());
        assertEquals(0, ids.currentSequenceNumber());
        assertEquals(1, ids.activeCount());
        assertFalse(ids.hasPending());
    }

    @Test
    void acceptsUpToTheLimitAndNoMore() throws QuicProtocolException {
        PeerConnectionIds ids = ids(3);
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        assertEquals(3, ids.activeCount());
        assertEquals(2, ids.unusedCount());
        assertError(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, () -> offer(ids, 3, 0));
    }

    @Test
    void retirePriorToMakesRoomBeforeTheLimitIsChecked() throws QuicProtocolException {
        PeerConnectionIds ids = ids(2);
        offer(ids, 1, 0);
        // RFC 9000 §5.1.2: retire, then add; with the limit full, the new one still fits.
        offer(ids, 2, 1);
        assertEquals(2, ids.activeCount());
        assertEquals(cid(1), ids.current(), "switched from the retired ID to the lowest active one");
        assertEquals(List.of(0L), drain(ids));
    }

    @Test
    void retirePriorToRetiringAllSwitchesToTheNewId() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        offer(ids, 3, 3);
        assertEquals(1, ids.activeCount());
        assertEquals(cid(3), ids.current());
        assertEquals(3, ids.largestRetirePriorTo());
        assertEquals(List.of(0L, 1L, 2L), drain(ids));
    }

    @Test
    void smallerRetirePriorToIsIgnored() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        offer(ids, 2, 1);
        drain(ids);
        offer(ids, 3, 0);
        assertEquals(3, ids.activeCount());
        assertEquals(1, ids.largestRetirePriorTo());
        assertFalse(ids.hasPending());
    }

    @Test
    void retirePriorToAboveTheSequenceNumberIsAFrameEncodingError() {
        PeerConnectionIds ids = ids(4);
        assertError(TransportErrorCode.FRAME_ENCODING_ERROR, () -> offer(ids, 1, 2));
        assertEquals(1, ids.activeCount());
    }

    @Test
    void anEmptyIdIsAFrameEncodingError() {
        PeerConnectionIds ids = ids(4);
        assertError(TransportErrorCode.FRAME_ENCODING_ERROR,
                () -> ids.onNewConnectionId(1, 0, ConnectionId.EMPTY, token(1)));
    }

    @Test
    void aPeerWithAZeroLengthIdMayNotSendNewConnectionId() {
        PeerConnectionIds ids = new PeerConnectionIds(ConnectionId.EMPTY, null, 4);
        assertError(TransportErrorCode.PROTOCOL_VIOLATION, () -> offer(ids, 1, 0));
        assertFalse(ids.rotate());
    }

    @Test
    void aRepeatedFrameChangesNothing() throws QuicProtocolException {
        PeerConnectionIds ids = ids(3);
        offer(ids, 1, 0);
        offer(ids, 1, 0);
        ids.onNewConnectionId(new NewConnectionIdFrame(1, 0, cid(1), token(1).toByteArray()));
        assertEquals(2, ids.activeCount());
        assertFalse(ids.hasPending());
    }

    @Test
    void aSequenceNumberReusedForAnotherIdOrTokenIsAProtocolViolation() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        assertError(TransportErrorCode.PROTOCOL_VIOLATION, () -> ids.onNewConnectionId(1, 0, cid(9), token(1)));
        assertError(TransportErrorCode.PROTOCOL_VIOLATION, () -> ids.onNewConnectionId(1, 0, cid(1), token(9)));
    }

    @Test
    void anIdReusedUnderAnotherSequenceNumberIsAProtocolViolation() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        assertError(TransportErrorCode.PROTOCOL_VIOLATION, () -> ids.onNewConnectionId(2, 0, cid(1), token(2)));
        assertError(TransportErrorCode.PROTOCOL_VIOLATION, () -> ids.onNewConnectionId(2, 0, cid(0), token(2)));
    }

    @Test
    void aLateIdBelowRetirePriorToIsRetiredOnceAndNeverUsed() throws QuicProtocolException {
        PeerConnectionIds ids = ids(2);
        offer(ids, 2, 2); // frame 1 still on its way
        assertEquals(List.of(0L), drain(ids));
        offer(ids, 1, 0);
        assertEquals(1, ids.activeCount());
        assertEquals(cid(2), ids.current());
        assertEquals(List.of(1L), drain(ids));
        offer(ids, 1, 0); // RFC 9000 §19.15: not again for a sequence number already retired
        assertFalse(ids.hasPending());
    }

    @Test
    void aReorderedIdAboveRetirePriorToIsAdded() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 2, 0);
        offer(ids, 1, 0);
        assertEquals(3, ids.activeCount());
        assertFalse(ids.hasPending());
    }

    @Test
    void aRepeatOfAnIdWeRetiredOurselvesIsRetiredNotReused() throws QuicProtocolException {
        PeerConnectionIds ids = ids(3);
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        assertTrue(ids.rotate());
        assertTrue(ids.rotate()); // now on 2; 0 and 1 retired
        assertEquals(List.of(0L, 1L), drain(ids));
        ids.onRetireConnectionIdAcked(1);
        offer(ids, 1, 0); // a spurious retransmission from the peer
        assertEquals(1, ids.activeCount());
        assertEquals(cid(2), ids.current());
    }

    @Test
    void tooManyRetirementsAwaitingAcknowledgementIsAConnectionIdLimitError() throws QuicProtocolException {
        PeerConnectionIds ids = ids(2);
        int cap = PeerConnectionIds.RETIREMENTS_PER_LIMIT * 2;
        for (int seq = 1; seq <= cap; seq++) {
            offer(ids, seq, seq);
        }
        assertEquals(cap, ids.unacknowledgedRetirements());
        assertError(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, () -> offer(ids, cap + 1, cap + 1));
    }

    @Test
    void acknowledgedRetirementsFreeTheirRoom() throws QuicProtocolException {
        PeerConnectionIds ids = ids(2);
        for (int seq = 1; seq <= 100; seq++) {
            offer(ids, seq, seq);
            for (long retired : drain(ids)) {
                ids.onRetireConnectionIdAcked(retired);
            }
        }
        assertEquals(0, ids.unacknowledgedRetirements());
        assertEquals(cid(100), ids.current());
    }

    @Test
    void lostRetirementIsWrittenAgainAndAckedOneIsNot() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        offer(ids, 2, 2);
        assertEquals(List.of(0L, 1L), drain(ids));
        ids.onRetireConnectionIdLost(1);
        ids.onRetireConnectionIdAcked(0);
        ids.onRetireConnectionIdLost(0);
        assertEquals(List.of(1L), drain(ids));
        ids.onRetireConnectionIdAcked(1);
        assertEquals(0, ids.unacknowledgedRetirements());
    }

    @Test
    void ackOfAnEarlierCopyCancelsTheQueuedRetirement() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 1);
        drain(ids);
        ids.onRetireConnectionIdLost(0);
        assertTrue(ids.hasPending());
        ids.onRetireConnectionIdAcked(0);
        assertFalse(ids.hasPending());
        assertEquals(0, ids.unacknowledgedRetirements());
    }

    @Test
    void writesOnlyWhatFits() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        offer(ids, 3, 3);
        ByteBuffer out = ByteBuffer.allocate(100);
        List<Long> written = new ArrayList<>();
        assertEquals(4, ids.writeFrames(out, 5, written::add));
        assertEquals(List.of(0L, 1L), written);
        assertEquals(List.of(0L, 1L), decode(out.flip()));
        assertEquals(List.of(2L), drain(ids));
    }

    @Test
    void recognisesTheStatelessResetOfTheCurrentId() {
        PeerConnectionIds ids = ids(2);
        assertTrue(ids.isStatelessReset(datagramEndingIn(token(0), 21)));
        assertTrue(ids.isStatelessReset(datagramEndingIn(token(0), 1200)));
        assertFalse(ids.isStatelessReset(datagramEndingIn(token(7), 1200)));
    }

    @Test
    void datagramsTooShortForAResetNeverMatch() {
        PeerConnectionIds ids = ids(2);
        assertFalse(ids.isStatelessReset(datagramEndingIn(token(0), 20)));
        assertFalse(ids.isStatelessReset(datagramEndingIn(token(0), 16)));
        assertFalse(ids.isStatelessReset(ByteBuffer.allocate(0)));
    }

    @Test
    void resetCheckLooksOnlyBetweenPositionAndLimitAndMovesNothing() {
        PeerConnectionIds ids = ids(2);
        ByteBuffer d = ByteBuffer.allocate(100);
        d.position(40);
        d.put(datagramEndingIn(token(0), 30));
        d.limit(70).position(40);
        assertTrue(ids.isStatelessReset(d));
        assertEquals(40, d.position());
        assertEquals(70, d.limit());
        d.position(50); // 20 bytes remain: too short
        assertFalse(ids.isStatelessReset(d));
    }

    @Test
    void tokensOfUnusedAndRetiredIdsAreNotChecked() throws QuicProtocolException {
        PeerConnectionIds ids = ids(3);
        offer(ids, 1, 0);
        // RFC 9000 §10.3.1: not for an ID we have not used ...
        assertFalse(ids.isStatelessReset(datagramEndingIn(token(1), 40)));
        offer(ids, 2, 1);
        // ... nor for one retired; the one switched to now counts.
        assertFalse(ids.isStatelessReset(datagramEndingIn(token(0), 40)));
        assertTrue(ids.isStatelessReset(datagramEndingIn(token(1), 40)));
    }

    @Test
    void aServerHasNoTokenForTheClientsInitialIdAndAClientLearnsTheServers() {
        PeerConnectionIds server = new PeerConnectionIds(cid(0), null, 2);
        assertFalse(server.isStatelessReset(datagramEndingIn(token(0), 40)));
        PeerConnectionIds client = new PeerConnectionIds(cid(0), null, 2);
        client.setInitialStatelessResetToken(token(0));
        assertTrue(client.isStatelessReset(datagramEndingIn(token(0), 40)));
        client.setInitialStatelessResetToken(token(0));
        assertThrows(IllegalStateException.class, () -> client.setInitialStatelessResetToken(token(1)));
    }

    @Test
    void replaceInitialWorksOnlyDuringTheHandshake() throws QuicProtocolException {
        PeerConnectionIds ids = new PeerConnectionIds(cid(50), null, 2);
        ids.replaceInitial(cid(0));
        assertEquals(cid(0), ids.current());
        offer(ids, 1, 0);
        assertThrows(IllegalStateException.class, () -> ids.replaceInitial(cid(51)));
    }

    @Test
    void rotateSwitchesToAnUnusedIdAndRetiresTheOld() throws QuicProtocolException {
        PeerConnectionIds ids = ids(3);
        assertFalse(ids.rotate(), "nothing to rotate to");
        offer(ids, 2, 0);
        offer(ids, 1, 0);
        assertTrue(ids.rotate());
        assertEquals(cid(1), ids.current(), "the lowest unused");
        assertEquals(2, ids.activeCount());
        assertEquals(List.of(0L), drain(ids));
        assertTrue(ids.rotate());
        assertEquals(cid(2), ids.current());
        assertFalse(ids.rotate());
    }

    @Test
    void preferredAddressIdIsSequenceOne() throws QuicProtocolException {
        PeerConnectionIds ids = ids(2);
        ids.onPreferredAddress(cid(1), token(1));
        assertEquals(2, ids.activeCount());
        assertError(TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, () -> offer(ids, 2, 0));
        offer(ids, 1, 0); // the same ID in a frame later is a repeat
        assertTrue(ids.rotate());
        assertEquals(cid(1), ids.current());
    }

    @Test
    void preferredAddressWithZeroLengthIdsIsATransportParameterError() {
        PeerConnectionIds zero = new PeerConnectionIds(ConnectionId.EMPTY, null, 2);
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> zero.onPreferredAddress(cid(1), token(1)));
        assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode());
        PeerConnectionIds ids = ids(2);
        e = assertThrows(QuicProtocolException.class, () -> ids.onPreferredAddress(ConnectionId.EMPTY, token(1)));
        assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode());
    }

    @Test
    void refusesLimitsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> ids(1));
        assertThrows(IllegalArgumentException.class, () -> ids(PeerConnectionIds.MAX_LIMIT + 1));
    }

    /**
     * A well-behaved peer issuing, rotating with Retire Prior To (only once the previous rotation is
     * retired and our packets are acknowledged, RFC 9000 §5.1.2), and resending recent frames in any order,
     * while our retirements are delivered, acknowledged or lost: never an error, never more active IDs than
     * the limit, the current ID active, not below Retire Prior To, and its reset recognised.
     */
    @Test
    void wellBehavedPeersNeverCauseErrors() {
        Properties.forAll(300, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int limit = 2 + r.nextInt(6);
            PeerConnectionIds ids = ids(limit);
            // The peer's view: IDs it issued and has no RETIRE_CONNECTION_ID for.
            java.util.TreeSet<Long> peerActive = new java.util.TreeSet<>(List.of(0L));
            java.util.Set<Long> awaitingRetirement = new java.util.HashSet<>();
            List<long[]> sentFrames = new ArrayList<>(); // {seq, retirePriorTo}
            long next = 1;
            long peerRetirePriorTo = 0;
            List<Long> ourInFlight = new ArrayList<>();
            try {
                for (int step = 0; step < 300; step++) {
                    switch (r.nextInt(6)) {
                        case 0, 1 -> {
                            if (awaitingRetirement.isEmpty() && ourInFlight.isEmpty() && r.nextInt(4) == 0) {
                                peerRetirePriorTo = next;
                                awaitingRetirement.addAll(peerActive);
                                peerActive.clear();
                            }
                            // RFC 9000 §5.1.1: within our limit, or beyond it only by IDs it asked us to retire.
                            if (peerActive.size() < limit) {
                                long[] f = {next, peerRetirePriorTo};
                                sentFrames.add(f);
                                peerActive.add(next++);
                                offer(ids, f[0], f[1]);
                            }
                        }
                        case 2 -> {
                            // A retransmitted or reordered recent frame.
                            if (!sentFrames.isEmpty()) {
                                int from = Math.max(0, sentFrames.size() - 16);
                                long[] f = sentFrames.get(from + r.nextInt(sentFrames.size() - from));
                                offer(ids, f[0], f[1]);
                            }
                        }
                        case 3 -> {
                            ByteBuffer out = ByteBuffer.allocate(1 + r.nextInt(20));
                            List<Long> written = new ArrayList<>();
                            ids.writeFrames(out, out.remaining(), written::add);
                            for (long seq : decode(out.flip())) {
                                peerActive.remove(seq);
                                awaitingRetirement.remove(seq);
                            }
                            ourInFlight.addAll(written);
                        }
                        case 4 -> {
                            if (!ourInFlight.isEmpty()) {
                                long seq = ourInFlight.remove(r.nextInt(ourInFlight.size()));
                                if (r.nextBoolean()) {
                                    ids.onRetireConnectionIdAcked(seq);
                                } else {
                                    ids.onRetireConnectionIdLost(seq);
                                }
                            }
                        }
                        default -> {
                            if (r.nextInt(4) == 0) {
                                ids.rotate();
                            }
                        }
                    }
                    assertTrue(ids.activeCount() <= limit);
                    assertTrue(ids.currentSequenceNumber() >= ids.largestRetirePriorTo());
                    assertTrue(ids.isStatelessReset(datagramEndingIn(token(ids.currentSequenceNumber()), 30)));
                }
            } catch (QuicProtocolException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** The tokens a registry was told identify a reset, in the order they came. */
    private static final class TokenRecorder implements ConnectionIdRegistry {
        final List<StatelessResetToken> live = new ArrayList<>();

        @Override
        public void add(ConnectionId cid, StatelessResetToken token) {}

        @Override
        public void remove(ConnectionId cid) {}

        @Override
        public void addPeerResetToken(StatelessResetToken token) {
            assertFalse(live.contains(token), "added twice: " + token);
            live.add(token);
        }

        @Override
        public void removePeerResetToken(StatelessResetToken token) {
            assertTrue(live.remove(token), "removed without being added: " + token);
        }
    }

    @Test
    void theRegistryKnowsExactlyTheTokensOfActiveIdsWeSentTo() throws Exception {
        TokenRecorder registry = new TokenRecorder();
        PeerConnectionIds ids = new PeerConnectionIds(cid(0), token(0), 4, registry);
        assertEquals(List.of(token(0)), registry.live, "the initial ID is in use from the start");
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        assertEquals(List.of(token(0)), registry.live, "IDs offered but never sent to cannot reset");
        assertTrue(ids.rotate());
        assertEquals(List.of(token(1)), registry.live, "rotation uses 1 and retires 0");
        offer(ids, 3, 2);
        assertEquals(List.of(token(2)), registry.live, "Retire Prior To 2 retires 1; the switch uses 2");
        assertTrue(ids.isStatelessReset(resetEndingIn(token(2))));
        assertFalse(ids.isStatelessReset(resetEndingIn(token(1))), "a retired ID's token no longer resets");
    }

    @Test
    void aServersTokenLearnedFromItsParametersIsIndexedOnce() {
        TokenRecorder registry = new TokenRecorder();
        PeerConnectionIds ids = new PeerConnectionIds(cid(0), null, 4, registry);
        assertEquals(List.of(), registry.live, "no token yet");
        ids.setInitialStatelessResetToken(token(0));
        ids.setInitialStatelessResetToken(token(0));
        assertEquals(List.of(token(0)), registry.live);
    }

    private static ByteBuffer resetEndingIn(StatelessResetToken token) {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.put((byte) 0x40).put(new byte[23]);
        token.writeTo(b);
        return b.flip();
    }

    /**
     * The CONNECTION_ID option's switch: to a given active ID, retiring those below a number; a number past the ID
     * switched to, or an ID not active, is refused; and nothing changes when the retirements would overflow what we
     * track (RFC 9000 §5.1.2 bounds them).
     */
    @Test
    void useSwitchesToAGivenIdRetiresBelowAndRefusesWhatItCannotTrack() throws Exception {
        PeerConnectionIds ids = ids(4);
        for (long n = 1; n <= 3; n++) {
            offer(ids, n, 0);
        }
        assertThrows(IllegalArgumentException.class, () -> ids.use(2, 3));
        assertThrows(IllegalArgumentException.class, () -> ids.use(9, 0));
        assertTrue(ids.use(2, 2));
        assertEquals(cid(2), ids.current());
        assertEquals(2, ids.lowestActiveSequenceNumber());
        assertEquals(3, ids.highestActiveSequenceNumber());
        assertEquals(List.of(0L, 1L), drain(ids));
        assertThrows(IllegalArgumentException.class, () -> ids.use(1, 0));

        // Fill the retirement table (4 per unit of the limit) with unacknowledged retirements, then ask for more.
        PeerConnectionIds full = ids(2);
        long seq = 1;
        offer(full, seq, 0);
        while (full.unacknowledgedRetirements() < PeerConnectionIds.RETIREMENTS_PER_LIMIT * 2 - 1) {
            assertTrue(full.rotate());
            seq++;
            offer(full, seq, 0);
        }
        assertTrue(full.rotate());
        seq++;
        offer(full, seq, 0);
        long before = full.currentSequenceNumber();
        assertFalse(full.use(seq, seq), "one retirement more than the table holds");
        assertEquals(before, full.currentSequenceNumber(), "nothing changed");
    }

    /** RFC 9000 §9.5: a new path gets an ID never used; the current one stays until the move. */
    @Test
    void aNewPathReservesAnUnusedIdAndMovesToItRetiringTheOld() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        assertEquals(-1, ids.reserveUnused(), "nothing unused yet");
        offer(ids, 1, 0);
        offer(ids, 2, 0);
        long reserved = ids.reserveUnused();
        assertEquals(1, reserved);
        assertEquals(0, ids.currentSequenceNumber(), "reserving does not switch");
        assertEquals(1, ids.unusedCount(), "the reserved ID counts as used");
        assertEquals(cid(1), ids.activeId(1));
        assertTrue(ids.moveTo(1));
        assertEquals(1, ids.currentSequenceNumber());
        assertNull(ids.activeId(0));
        assertEquals(List.of(0L), drain(ids));
        assertFalse(ids.moveTo(1), "already current");
        assertFalse(ids.moveTo(9), "not active");
    }

    /** RFC 9000 §9.5: the ID of a path given up is retired, never the current one. */
    @Test
    void theIdOfAnAbandonedPathIsRetired() throws QuicProtocolException {
        PeerConnectionIds ids = ids(4);
        offer(ids, 1, 0);
        assertTrue(ids.reserve(1));
        assertFalse(ids.reserve(5));
        assertFalse(ids.retire(0), "the current ID");
        assertTrue(ids.retire(1));
        assertNull(ids.activeId(1));
        assertFalse(ids.retire(1), "retired already");
        assertEquals(List.of(1L), drain(ids));
        assertEquals(0, ids.currentSequenceNumber());
    }
}
