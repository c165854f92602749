package qsock.core.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.packet.PacketNumberSpace;

class LossDetectorTest {

    private static final long MS = 1_000_000L;
    private static final PacketNumberSpace INITIAL = PacketNumberSpace.INITIAL;
    private static final PacketNumberSpace HANDSHAKE = PacketNumberSpace.HANDSHAKE;
    private static final PacketNumberSpace APP = PacketNumberSpace.APPLICATION;

    private final AckOutcome out = new AckOutcome();

    private static AckFrame ack(long... ranges) {
        return AckFrame.of(0, ranges);
    }

    private static void send(LossDetector d, PacketNumberSpace space, long pn, long time) {
        d.onPacketSent(space, pn, time, 1000, true, true);
    }

    private static long[] acked(AckOutcome o) {
        long[] pns = new long[o.ackedCount()];
        for (int i = 0; i < pns.length; i++) {
            pns[i] = o.acked(i).packetNumber();
        }
        return pns;
    }

    private static long[] lost(AckOutcome o) {
        long[] pns = new long[o.lostCount()];
        for (int i = 0; i < pns.length; i++) {
            pns[i] = o.lost(i).packetNumber();
        }
        return pns;
    }

    // ---- acknowledgment and loss ----

    /** Packets 0..4 sent 1 ms apart, packet 3 acknowledged at 50 ms: latest_rtt = smoothed_rtt = 47 ms. */
    private LossDetector packetThresholdScenario() throws QuicProtocolException {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        for (int pn = 0; pn <= 4; pn++) {
            send(d, APP, pn, pn * MS);
        }
        d.onAckReceived(APP, ack(3, 3), 0, 50 * MS, out);
        return d;
    }

    @Test
    void packetThresholdDeclaresPacketsThreeBelowTheLargestAckedLost() throws Exception {
        LossDetector d = packetThresholdScenario();
        assertEquals(APP, out.space());
        assertArrayEquals(new long[] {3}, acked(out));
        // RFC 9002 §6.1.1: 3 - 0 >= kPacketThreshold; packets 1 and 2 are within the threshold.
        assertArrayEquals(new long[] {0}, lost(out));
        assertTrue(out.rttSampleTaken());
        assertTrue(out.ackedAckEliciting());
        assertEquals(3 * MS, out.largestAckedSentTime());
        assertEquals(1000, out.ackedBytesInFlight());
        assertEquals(1000, out.lostBytesInFlight());
        assertTrue(out.hasLostInFlight());
        assertEquals(0, out.newestLostSentTime());
        assertFalse(out.persistentCongestion());
        assertEquals(0, out.probeCount());
        assertEquals(47 * MS, d.rtt().latestRtt());
        assertEquals(3, d.log(APP).size());
        assertEquals(3000, d.bytesInFlight(APP));
        assertEquals(3, d.largestAcked(APP));
        // RFC 9002 §6.1.2: packet 1 becomes lost at its send time + 9/8 * 47 ms; that timer wins over a PTO.
        assertEquals(MS + 52_875_000L, d.lossDetectionDeadline());
    }

    @Test
    void timeThresholdDeclaresLossWhenTheTimerFires() throws Exception {
        LossDetector d = packetThresholdScenario();
        long deadline = d.lossDetectionDeadline();

        d.onLossDetectionTimeout(deadline - 1, out);
        assertEquals(0, out.lostCount());
        assertEquals(0, out.probeCount());
        assertEquals(deadline, d.lossDetectionDeadline());

        d.onLossDetectionTimeout(deadline, out);
        assertArrayEquals(new long[] {1}, lost(out));
        assertEquals(MS, out.newestLostSentTime());
        assertEquals(0, d.ptoCount());
        assertEquals(2 * MS + 52_875_000L, d.lossDetectionDeadline());

        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertArrayEquals(new long[] {2}, lost(out));
        assertFalse(out.persistentCongestion());  // RFC 9002 §7.6.2: only on an acknowledgment
        // Only packet 4 is left: a PTO from its send time, 47 + 4 * 23.5 + 25 (max_ack_delay) ms.
        assertEquals(4 * MS + 47 * MS + 94 * MS + 25 * MS, d.lossDetectionDeadline());
    }

    @Test
    void anRttSampleNeedsTheLargestNewlyAckedAndAnAckElicitingPacket() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        for (int pn = 0; pn <= 2; pn++) {
            send(d, APP, pn, pn * MS);
        }
        d.onAckReceived(APP, ack(2, 2), 0, 50 * MS, out);
        assertTrue(out.rttSampleTaken());
        assertEquals(48 * MS, d.rtt().latestRtt());

        // RFC 9002 §5.1: the largest acknowledged (2) is not newly acknowledged: no sample.
        d.onAckReceived(APP, ack(2, 0), 0, 60 * MS, out);
        assertArrayEquals(new long[] {0, 1}, acked(out));
        assertFalse(out.rttSampleTaken());
        assertEquals(48 * MS, d.rtt().latestRtt());

        // Only a non-ack-eliciting packet newly acknowledged: no sample.
        d.onPacketSent(APP, 3, 70 * MS, 40, false, false);
        d.onAckReceived(APP, ack(3, 0), 0, 100 * MS, out);
        assertArrayEquals(new long[] {3}, acked(out));
        assertFalse(out.rttSampleTaken());
        assertFalse(out.ackedAckEliciting());
        assertEquals(0, out.ackedBytesInFlight());
        assertEquals(48 * MS, d.rtt().latestRtt());

        // Nothing new at all.
        d.onAckReceived(APP, ack(3, 0), 0, 110 * MS, out);
        assertEquals(0, out.ackedCount());
        assertFalse(out.rttSampleTaken());
    }

    @Test
    void theAckDelayOfInitialAcksIsIgnoredAndOfHandshakeAcksUsed() throws Exception {
        for (PacketNumberSpace space : new PacketNumberSpace[] {INITIAL, HANDSHAKE}) {
            LossDetector d = new LossDetector(Role.SERVER);
            send(d, space, 0, 0);
            d.onAckReceived(space, ack(0, 0), 0, 50 * MS, out);
            send(d, space, 1, 100 * MS);
            d.onAckReceived(space, ack(1, 0), 50 * MS, 200 * MS, out);
            // Sample 100 ms; with the 50 ms delay subtracted (allowed: 100 >= 50 + 50) it adjusts to 50 ms.
            long expected = space == INITIAL ? (7 * 50 * MS + 100 * MS) / 8 : (7 * 50 * MS + 50 * MS) / 8;
            assertEquals(expected, d.rtt().smoothedRtt(), space.toString());
        }
    }

    @Test
    void anAckOfAPacketNeverSentIsAProtocolViolation() {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, APP, 0, 0);
        send(d, APP, 1, 0);
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> d.onAckReceived(APP, ack(2, 2), 0, MS, out));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
        assertEquals(0x02, e.frameType());
        // Nothing sent in the Handshake space at all.
        QuicProtocolException h = assertThrows(QuicProtocolException.class,
                () -> d.onAckReceived(HANDSHAKE, ack(0, 0), 0, MS, out));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, h.errorCode());
        // The refused frames changed nothing.
        assertEquals(2, d.log(APP).size());
        assertEquals(-1, d.largestAcked(APP));
    }

    @Test
    void anAckOfASkippedPacketNumberIsAProtocolViolation() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, APP, 0, 0);
        send(d, APP, 1, 0);
        send(d, APP, 3, 0);  // 2 skipped, as RFC 9000 §21.4 suggests against optimistic ACKs
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> d.onAckReceived(APP, ack(3, 2), 0, MS, out));
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
        d.onAckReceived(APP, ack(3, 3, 1, 0), 0, MS, out);
        assertArrayEquals(new long[] {0, 1, 3}, acked(out));
    }

    // ---- probe timeout ----

    @Test
    void ptoBacksOffExponentiallyAndAnAckResetsIt() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, INITIAL, 0, 0);
        // RFC 9002 §6.2.1: 333 + 4 * 166.5 ms, no max_ack_delay in the Initial space.
        assertEquals(999 * MS, d.lossDetectionDeadline());

        d.onLossDetectionTimeout(999 * MS, out);
        assertEquals(INITIAL, out.ptoSpace());
        assertEquals(LossDetector.PTO_PROBE_COUNT, out.probeCount());
        assertFalse(out.antiDeadlock());
        assertEquals(0, out.lostCount());  // RFC 9002 §6.2: a PTO declares nothing lost
        assertEquals(1, d.ptoCount());
        assertEquals(2 * 999 * MS, d.lossDetectionDeadline());

        send(d, INITIAL, 1, 999 * MS);  // the probe
        assertEquals(999 * MS + 2 * 999 * MS, d.lossDetectionDeadline());
        d.onLossDetectionTimeout(3 * 999 * MS, out);
        assertEquals(2, d.ptoCount());
        assertEquals(999 * MS + 4 * 999 * MS, d.lossDetectionDeadline());

        d.onAckReceived(INITIAL, ack(1, 1), 0, 3000 * MS, out);
        assertEquals(0, d.ptoCount());
    }

    @Test
    void aClientKeepsTheBackoffOnInitialAcksUntilTheServerValidatedItsAddress() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        send(d, INITIAL, 0, 0);
        send(d, INITIAL, 1, MS);
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(1, d.ptoCount());

        d.onAckReceived(INITIAL, ack(0, 0), 0, 1100 * MS, out);
        assertFalse(d.peerCompletedAddressValidation());
        assertEquals(1, d.ptoCount());  // RFC 9002 §6.2.1

        d.setHasHandshakeKeys(true);
        send(d, HANDSHAKE, 0, 1200 * MS);
        d.onAckReceived(HANDSHAKE, ack(0, 0), 0, 1300 * MS, out);
        assertTrue(d.peerCompletedAddressValidation());
        assertEquals(0, d.ptoCount());
    }

    @Test
    void aClientArmsTheAntiDeadlockTimerWithNothingInFlight() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        send(d, INITIAL, 0, 0);
        d.onAckReceived(INITIAL, ack(0, 0), 0, 100 * MS, out);
        assertFalse(d.hasAckElicitingInFlight());
        // RFC 9002 §6.2.2.1: armed from now: 100 + (100 + 4 * 50) ms.
        assertEquals(400 * MS, d.lossDetectionDeadline());

        d.onLossDetectionTimeout(400 * MS, out);
        assertTrue(out.antiDeadlock());
        assertEquals(INITIAL, out.ptoSpace());  // no Handshake keys: a padded Initial
        assertEquals(1, out.probeCount());
        assertEquals(1, d.ptoCount());
        assertEquals(400 * MS + 600 * MS, d.lossDetectionDeadline());

        d.setHasHandshakeKeys(true);
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertTrue(out.antiDeadlock());
        assertEquals(HANDSHAKE, out.ptoSpace());
        assertEquals(2, d.ptoCount());

        d.setHandshakeConfirmed();  // validation complete: nothing left to detect
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
    }

    /**
     * Past the anti-deadlock period (a Handshake ACK arrived), a client holding Handshake keys keeps the timer armed
     * with nothing in flight until the handshake is confirmed: it may still lack the server's flight, which a probe the
     * server acknowledges, acknowledged in turn, makes the server's loss detection send again.
     */
    @Test
    void aClientKeepsAHandshakeProbeArmedUntilTheHandshakeIsConfirmed() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        d.setHasHandshakeKeys(true);
        send(d, HANDSHAKE, 0, 0);
        d.onAckReceived(HANDSHAKE, ack(0, 0), 0, 100 * MS, out);
        assertTrue(d.peerCompletedAddressValidation());
        assertFalse(d.hasAckElicitingInFlight());
        assertEquals(100 * MS + 300 * MS, d.lossDetectionDeadline());  // from now: 100 + 4 * 50 ms

        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(HANDSHAKE, out.ptoSpace());
        assertEquals(1, out.probeCount());
        assertEquals(1, d.ptoCount());
        assertEquals(400 * MS + 2 * 300 * MS, d.lossDetectionDeadline());  // backed off while nothing answers

        d.setHandshakeConfirmed();
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
    }

    /** The same for a server waiting for the client's Finished, unless the anti-amplification limit blocks it. */
    @Test
    void aServerWithHandshakeKeysKeepsAProbeArmedUntilConfirmedUnlessAmplificationLimited() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHasHandshakeKeys(true);
        send(d, HANDSHAKE, 0, 0);
        d.onAckReceived(HANDSHAKE, ack(0, 0), 0, 100 * MS, out);
        assertEquals(400 * MS, d.lossDetectionDeadline());
        d.setAmplificationLimited(true);
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
        d.setAmplificationLimited(false);
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(HANDSHAKE, out.ptoSpace());
        assertEquals(1, out.probeCount());

        d.discardSpace(HANDSHAKE, out);  // RFC 9001 §4.9.2: confirmed, the Handshake keys go
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
    }

    @Test
    void aServerArmsNoTimerWithNothingInFlight() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, INITIAL, 0, 0);
        d.onAckReceived(INITIAL, ack(0, 0), 0, 100 * MS, out);
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
        d.onLossDetectionTimeout(Long.MAX_VALUE - 1, out);
        assertEquals(0, out.probeCount());
        assertNull(out.ptoSpace());
    }

    @Test
    void aClientWithOnlyZeroRttInFlightStillArmsTheAntiDeadlockTimer() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        send(d, INITIAL, 0, 0);
        send(d, APP, 0, MS);  // 0-RTT
        d.onAckReceived(INITIAL, ack(0, 0), 0, 100 * MS, out);
        assertTrue(d.hasAckElicitingInFlight());
        assertEquals(400 * MS, d.lossDetectionDeadline());
        d.onLossDetectionTimeout(400 * MS, out);
        assertTrue(out.antiDeadlock());
        assertEquals(INITIAL, out.ptoSpace());
    }

    @Test
    void noApplicationDataPtoBeforeTheHandshakeIsConfirmed() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, APP, 0, 0);
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());  // RFC 9002 §6.2.1
        d.setHandshakeConfirmed();
        assertEquals(999 * MS + LossDetector.DEFAULT_MAX_ACK_DELAY_NANOS, d.lossDetectionDeadline());
        d.setMaxAckDelay(5 * MS);
        assertEquals(1004 * MS, d.lossDetectionDeadline());
    }

    @Test
    void beforeConfirmationTheHandshakeSpaceIsProbedNotApplicationData() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, APP, 0, 0);
        send(d, HANDSHAKE, 0, 5 * MS);
        assertEquals(5 * MS + 999 * MS, d.lossDetectionDeadline());
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(HANDSHAKE, out.ptoSpace());
    }

    @Test
    void theEarlierOfTheInitialAndHandshakePtosIsArmed() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, HANDSHAKE, 0, 10 * MS);
        send(d, INITIAL, 0, 20 * MS);
        assertEquals(10 * MS + 999 * MS, d.lossDetectionDeadline());
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(HANDSHAKE, out.ptoSpace());
        // The backoff applies across spaces: the Initial PTO is now twice as long too.
        assertEquals(10 * MS + 2 * 999 * MS, d.lossDetectionDeadline());
    }

    @Test
    void anAmplificationLimitedServerArmsNoPto() {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, INITIAL, 0, 0);
        d.setAmplificationLimited(true);
        assertEquals(Long.MAX_VALUE, d.lossDetectionDeadline());
        d.setAmplificationLimited(false);
        assertEquals(999 * MS, d.lossDetectionDeadline());
    }

    @Test
    void theBackoffIsCappedWithoutOverflow() {
        LossDetector d = new LossDetector(Role.SERVER);
        send(d, INITIAL, 0, 0);
        for (int i = 0; i < 40; i++) {
            d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
            assertEquals(LossDetector.PTO_PROBE_COUNT, out.probeCount());
        }
        assertEquals(40, d.ptoCount());
        assertEquals(999 * MS << LossDetector.MAX_PTO_BACKOFF_EXPONENT, d.lossDetectionDeadline());
    }

    // ---- persistent congestion ----

    /**
     * A first RTT sample of 100 ms at 100 ms, then packets 1..3 sent at 200 ms, {@code pn2Time} and
     * {@code pn3Time}, packet 4 at 1400 ms, and an ACK at 1550 ms (latest_rtt 150 ms). After the sample,
     * smoothed_rtt = 106.25 ms and rttvar = 50 ms, so the persistent congestion duration is (106.25 + 200
     * + 25) * 3 = 993.75 ms.
     */
    private LossDetector persistentScenario(long pn3Time, boolean pn1And3AckEliciting, long... ackRanges)
            throws QuicProtocolException {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        send(d, APP, 0, 0);
        d.onAckReceived(APP, ack(0, 0), 0, 100 * MS, out);
        d.onPacketSent(APP, 1, 200 * MS, 1000, pn1And3AckEliciting, true);
        send(d, APP, 2, 700 * MS);
        d.onPacketSent(APP, 3, pn3Time, 1000, pn1And3AckEliciting, true);
        send(d, APP, 4, 1400 * MS);
        d.onAckReceived(APP, ack(ackRanges), 0, 1550 * MS, out);
        assertEquals(993_750_000L, d.rtt().persistentCongestionDuration(LossDetector.DEFAULT_MAX_ACK_DELAY_NANOS));
        return d;
    }

    @Test
    void persistentCongestionWhenLossesSpanMoreThanTheDuration() throws Exception {
        LossDetector d = persistentScenario(1300 * MS, true, 4, 4);
        assertArrayEquals(new long[] {1, 2, 3}, lost(out));
        assertTrue(out.persistentCongestion());  // 1300 - 200 = 1100 ms > 993.75 ms
        assertEquals(3000, out.lostBytesInFlight());
        assertEquals(1300 * MS, out.newestLostSentTime());
        // RFC 9002 §5.2: min_rtt restarts from the newest sample.
        assertEquals(150 * MS, d.rtt().minRtt());
    }

    @Test
    void noPersistentCongestionWhenTheSpanIsTooShort() throws Exception {
        LossDetector d = persistentScenario(1150 * MS, true, 4, 4);
        assertArrayEquals(new long[] {1, 2, 3}, lost(out));
        assertFalse(out.persistentCongestion());  // 950 ms
        assertEquals(100 * MS, d.rtt().minRtt());
    }

    @Test
    void noPersistentCongestionWhenAPacketBetweenWasAcknowledged() throws Exception {
        persistentScenario(1300 * MS, true, 4, 4, 2, 2);
        assertArrayEquals(new long[] {1, 3}, lost(out));
        assertFalse(out.persistentCongestion());
    }

    @Test
    void noPersistentCongestionFromOneAckElicitingLoss() throws Exception {
        persistentScenario(1300 * MS, false, 4, 4);
        assertArrayEquals(new long[] {1, 2, 3}, lost(out));
        assertFalse(out.persistentCongestion());
    }

    @Test
    void noPersistentCongestionFromPacketsSentBeforeTheFirstRttSample() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        send(d, APP, 0, 0);
        send(d, APP, 1, 200 * MS);
        send(d, APP, 2, 700 * MS);
        send(d, APP, 3, 2000 * MS);
        send(d, APP, 4, 2100 * MS);
        d.onAckReceived(APP, ack(4, 4), 0, 2250 * MS, out);
        assertArrayEquals(new long[] {0, 1, 2, 3}, lost(out));
        assertTrue(2000 * MS > d.rtt().persistentCongestionDuration(LossDetector.DEFAULT_MAX_ACK_DELAY_NANOS));
        assertFalse(out.persistentCongestion());
    }

    @Test
    void aLostPacketThatIsNotAckElicitingDoesNotInterruptARun() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        send(d, APP, 0, 0);
        d.onAckReceived(APP, ack(0, 0), 0, 100 * MS, out);
        send(d, APP, 1, 200 * MS);
        d.onPacketSent(APP, 2, 700 * MS, 1000, false, true);  // PADDING only: lost, not acknowledged
        send(d, APP, 3, 1300 * MS);
        send(d, APP, 4, 1400 * MS);
        d.onAckReceived(APP, ack(4, 4), 0, 1550 * MS, out);
        assertArrayEquals(new long[] {1, 2, 3}, lost(out));
        assertTrue(out.persistentCongestion());
    }

    // ---- discarding ----

    @Test
    void discardingASpaceListsItsPacketsAndResetsItsTimers() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        d.onPacketSent(INITIAL, 0, 0, 1200, true, true);
        d.onPacketSent(INITIAL, 1, MS, 1200, true, true);
        d.onPacketSent(INITIAL, 2, 2 * MS, 50, false, false);
        send(d, HANDSHAKE, 0, 5 * MS);
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        assertEquals(1, d.ptoCount());

        d.discardSpace(INITIAL, out);
        assertEquals(INITIAL, out.space());
        assertEquals(3, out.discardedCount());
        assertEquals(0, out.discarded(0).packetNumber());
        assertEquals(2, out.discarded(2).packetNumber());
        assertEquals(2400, out.discardedBytesInFlight());
        assertEquals(0, out.lostCount());
        assertTrue(d.log(INITIAL).isEmpty());
        assertEquals(0, d.bytesInFlight(INITIAL));
        assertEquals(1000, d.bytesInFlight());
        assertEquals(0, d.ptoCount());  // RFC 9002 Appendix A.11
        assertEquals(5 * MS + 999 * MS, d.lossDetectionDeadline());
        assertThrows(IllegalStateException.class, () -> send(d, INITIAL, 3, 10 * MS));
    }

    @Test
    void discardingTheApplicationSpaceDropsZeroRttAndKeepsTheSpaceUsable() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        send(d, APP, 0, 0);
        send(d, APP, 1, 0);
        d.discardSpace(APP, out);
        assertEquals(2, out.discardedCount());
        send(d, APP, 2, MS);  // 1-RTT continues the numbering
        assertEquals(1, d.log(APP).size());
    }

    @Test
    void retryDiscardsInitialAndZeroRttPacketsAndResetsTheEstimate() throws Exception {
        LossDetector d = new LossDetector(Role.CLIENT);
        send(d, INITIAL, 0, 0);
        send(d, APP, 0, MS);
        d.onLossDetectionTimeout(d.lossDetectionDeadline(), out);
        d.onRetry(out);
        assertEquals(2, out.discardedCount());
        assertEquals(2000, out.discardedBytesInFlight());
        assertEquals(0, d.ptoCount());
        assertEquals(0, d.bytesInFlight());
        send(d, INITIAL, 1, 1100 * MS);
        assertEquals(1100 * MS + 999 * MS, d.lossDetectionDeadline());
    }

    // ---- the PTO period's cap ----

    /**
     * A first RTT sample of 5 s (an ACK the peer repeated for 5 s) makes the PTO about 15 s, and each PTO doubles it;
     * with a cap the connection probes at least that often, however inflated the estimate or long the backoff.
     */
    @Test
    void thePtoPeriodNeverExceedsItsCapHoweverInflatedTheRttOrLongTheBackoff() throws Exception {
        LossDetector d = new LossDetector(Role.SERVER);
        d.setHandshakeConfirmed();
        d.setMaxPtoPeriod(2_000 * MS);
        send(d, APP, 0, 0);
        d.onAckReceived(APP, ack(0, 0), 0, 5_000 * MS, out);
        assertEquals(5_000 * MS, d.rtt().smoothedRtt());
        long now = 5_000 * MS;
        send(d, APP, 1, now);
        assertEquals(now + 2_000 * MS, d.lossDetectionDeadline(), "capped at 2 s, not the ~15 s the estimate gives");
        for (int i = 0; i < 5; i++) {
            now = d.lossDetectionDeadline();
            d.onLossDetectionTimeout(now, out);
            assertTrue(out.probeCount() > 0);
            send(d, APP, 2 + i, now);
            assertTrue(d.lossDetectionDeadline() - now <= 2_000 * MS,
                    "after " + (i + 1) + " PTOs the period is " + (d.lossDetectionDeadline() - now) / MS + " ms");
        }
        d.setMaxPtoPeriod(Long.MAX_VALUE);
        send(d, APP, 10, now);
        assertTrue(d.lossDetectionDeadline() - now > 15_000 * MS, "without the cap: " + d.lossDetectionDeadline());
    }
}
