package qsock.core.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.api.CongestionAlgorithm;

class NewRenoTest {

    private static final int MDS = 1200;
    private static final long MS = 1_000_000L;
    private static final long RTT = 50 * MS;

    /** Sends {@code count} packets of {@code MDS} bytes at {@code at} and acknowledges them all at {@code at + RTT}. */
    private static void sendAndAck(CongestionController cc, long at, int count) {
        for (int i = 0; i < count; i++) {
            cc.onPacketSent(at, MDS);
        }
        for (int i = 0; i < count; i++) {
            cc.onPacketAcked(at + RTT, at, MDS, RTT, RTT, RTT);
        }
        cc.onAckProcessed(at + RTT);
    }

    @Test
    void initialAndMinimumWindowsFollowRfc9002Section7_2() {
        assertEquals(12_000, CongestionController.initialWindow(1200));
        assertEquals(14_720, CongestionController.initialWindow(1500));
        assertEquals(18_000, CongestionController.initialWindow(9000));
        assertEquals(2400, CongestionController.minimumWindow(1200));
        NewReno cc = new NewReno(MDS);
        assertEquals(12_000, cc.congestionWindow());
        assertEquals(Long.MAX_VALUE, cc.slowStartThreshold());
        assertEquals(0, cc.bytesInFlight());
        assertTrue(cc.inSlowStart());
    }

    @Test
    void createBuildsTheChosenAlgorithm() {
        assertInstanceOf(NewReno.class, CongestionController.create(CongestionAlgorithm.NEW_RENO, MDS));
        assertInstanceOf(Cubic.class, CongestionController.create(CongestionAlgorithm.CUBIC, MDS));
    }

    @Test
    void slowStartGrowsByTheBytesAcknowledged() {
        NewReno cc = new NewReno(MDS);
        cc.onPacketSent(0, MDS);
        cc.onPacketSent(0, 700);
        assertEquals(MDS + 700, cc.bytesInFlight());
        cc.onPacketAcked(RTT, 0, 700, RTT, RTT, RTT);
        assertEquals(12_700, cc.congestionWindow());
        cc.onPacketAcked(RTT, 0, MDS, RTT, RTT, RTT);
        assertEquals(13_900, cc.congestionWindow());
        assertEquals(0, cc.bytesInFlight());
        sendAndAck(cc, 2 * RTT, 10);
        assertEquals(25_900, cc.congestionWindow());
    }

    @Test
    void canSendWhileTheWindowHoldsThePacket() {
        NewReno cc = new NewReno(MDS);
        for (int i = 0; i < 9; i++) {
            cc.onPacketSent(0, MDS);
        }
        assertTrue(cc.canSend(MDS));
        assertFalse(cc.canSend(MDS + 1));
        cc.onPacketSent(0, MDS);
        assertFalse(cc.canSend(1));
        assertTrue(cc.canSend(0));
    }

    @Test
    void aCongestionEventHalvesTheWindowOncePerRecoveryPeriod() {
        NewReno cc = new NewReno(MDS);
        sendAndAck(cc, 0, 10); // cwnd 24000
        for (int i = 0; i < 6; i++) {
            cc.onPacketSent(100 * MS + i, MDS);
        }
        cc.onPacketsLost(200 * MS, 100 * MS, MDS);
        assertEquals(12_000, cc.slowStartThreshold());
        assertEquals(12_000, cc.congestionWindow());
        assertEquals(5 * MDS, cc.bytesInFlight());
        assertFalse(cc.inSlowStart());
        assertTrue(cc.inRecovery(100 * MS + 5));
        assertTrue(cc.inRecovery(200 * MS));
        assertFalse(cc.inRecovery(200 * MS + 1));

        // More losses of packets sent before the recovery period began: no further reduction.
        cc.onPacketsLost(210 * MS, 100 * MS + 5, 2L * MDS);
        assertEquals(12_000, cc.congestionWindow());
        assertEquals(3 * MDS, cc.bytesInFlight());

        // A loss of a packet sent after the recovery period began is a new congestion event.
        cc.onPacketSent(220 * MS, MDS);
        cc.onPacketsLost(300 * MS, 220 * MS, MDS);
        assertEquals(6000, cc.slowStartThreshold());
        assertEquals(6000, cc.congestionWindow());
        assertTrue(cc.inRecovery(300 * MS));
    }

    @Test
    void theWindowNeverFallsBelowTheMinimumOnLoss() {
        NewReno cc = new NewReno(MDS);
        long t = 0;
        for (int i = 0; i < 5; i++) {
            cc.onPacketSent(t, MDS);
            cc.onPacketsLost(t + 1, t, MDS);
            t += 10;
        }
        assertEquals(2400, cc.congestionWindow());
        assertEquals(1200, cc.slowStartThreshold());
    }

    @Test
    void noGrowthForPacketsSentBeforeTheRecoveryPeriod() {
        NewReno cc = new NewReno(MDS);
        for (int i = 0; i < 5; i++) {
            cc.onPacketSent(10 * MS, MDS);
        }
        cc.onPacketsLost(100 * MS, 10 * MS, MDS);
        assertEquals(6000, cc.congestionWindow());
        cc.onPacketAcked(110 * MS, 10 * MS, MDS, RTT, RTT, RTT);
        cc.onPacketAcked(110 * MS, 10 * MS, MDS, RTT, RTT, RTT);
        assertEquals(6000, cc.congestionWindow());
        assertEquals(2 * MDS, cc.bytesInFlight());

        // A packet sent during the recovery period is acknowledged: recovery ends, congestion avoidance.
        cc.onPacketSent(120 * MS, 6000);
        cc.onPacketAcked(170 * MS, 120 * MS, 6000, RTT, RTT, RTT);
        assertFalse(cc.inRecovery(120 * MS));
        assertEquals(6000 + MDS, cc.congestionWindow());
    }

    @Test
    void congestionAvoidanceAddsOneDatagramPerWindowAcknowledged() {
        NewReno cc = new NewReno(MDS);
        sendAndAck(cc, 0, 10); // 24000
        cc.onPacketSent(RTT, MDS);
        cc.onPacketsLost(2 * RTT, RTT, MDS); // ssthresh = cwnd = 12000, recovery starts at 2 RTT
        long t = 3 * RTT;
        // 9 datagrams (10800 bytes) are less than one window of 12000: no growth yet.
        sendAndAck(cc, t, 9);
        assertEquals(12_000, cc.congestionWindow());
        sendAndAck(cc, t += RTT, 1); // 12000 acknowledged
        assertEquals(13_200, cc.congestionWindow());
        // The next increment needs a whole 13200-byte window: 11 datagrams.
        sendAndAck(cc, t += RTT, 10);
        assertEquals(13_200, cc.congestionWindow());
        sendAndAck(cc, t += RTT, 1);
        assertEquals(14_400, cc.congestionWindow());
        // Over many windows the growth stays at one datagram per window.
        for (int round = 0; round < 50; round++) {
            long before = cc.congestionWindow();
            sendAndAck(cc, t += RTT, (int) (before / MDS));
            assertEquals(before + MDS, cc.congestionWindow());
        }
    }

    @Test
    void persistentCongestionCollapsesToTheMinimumWindowAndRestartsSlowStart() {
        NewReno cc = new NewReno(MDS);
        sendAndAck(cc, 0, 20); // 36000
        for (int i = 0; i < 10; i++) {
            cc.onPacketSent(RTT + i * MS, MDS);
        }
        cc.onPacketsLost(2 * RTT, RTT + 9 * MS, 10L * MDS);
        cc.onPersistentCongestion(2 * RTT);
        assertEquals(2400, cc.congestionWindow());
        assertEquals(18_000, cc.slowStartThreshold());
        assertTrue(cc.inSlowStart());
        // Recovery ended: even a packet sent long before grows the window again.
        assertFalse(cc.inRecovery(0));
        cc.onPacketSent(2 * RTT, MDS);
        cc.onPacketAcked(3 * RTT, 2 * RTT, MDS, RTT, RTT, RTT);
        assertEquals(3600, cc.congestionWindow());
    }

    @Test
    void anApplicationLimitedSenderDoesNotGrowTheWindow() {
        NewReno cc = new NewReno(MDS);
        cc.setAppLimited(true);
        assertTrue(cc.isAppLimited());
        sendAndAck(cc, 0, 5);
        assertEquals(12_000, cc.congestionWindow());
        assertEquals(0, cc.bytesInFlight());
        cc.setAppLimited(false);
        sendAndAck(cc, RTT, 5);
        assertEquals(18_000, cc.congestionWindow());
        // Also in congestion avoidance.
        cc.onPacketSent(2 * RTT, MDS);
        cc.onPacketsLost(3 * RTT, 2 * RTT, MDS);
        long window = cc.congestionWindow();
        cc.setAppLimited(true);
        sendAndAck(cc, 4 * RTT, 30);
        assertEquals(window, cc.congestionWindow());
    }

    @Test
    void discardedPacketsLeaveFlightWithoutACongestionReaction() {
        NewReno cc = new NewReno(MDS);
        cc.onPacketSent(0, MDS);
        cc.onPacketSent(0, 500);
        cc.onPacketDiscarded(MDS);
        cc.onPacketDiscarded(500);
        assertEquals(0, cc.bytesInFlight());
        assertEquals(12_000, cc.congestionWindow());
        assertEquals(Long.MAX_VALUE, cc.slowStartThreshold());
        assertFalse(cc.inRecovery(0));
    }

    @Test
    void anEcnCongestionEventReducesWithoutTakingBytesOutOfFlight() {
        NewReno cc = new NewReno(MDS);
        cc.onPacketSent(10, MDS);
        cc.onCongestionEvent(100, 10);
        assertEquals(6000, cc.congestionWindow());
        assertEquals(MDS, cc.bytesInFlight());
        cc.onCongestionEvent(120, 90);
        assertEquals(6000, cc.congestionWindow());
    }

    @Test
    void lossesOfNoInFlightBytesAreNotACongestionEvent() {
        NewReno cc = new NewReno(MDS);
        cc.onPacketsLost(100, 10, 0);
        assertEquals(12_000, cc.congestionWindow());
        assertFalse(cc.inRecovery(10));
    }

    @Test
    void accountingMistakesAreRefused() {
        NewReno cc = new NewReno(MDS);
        assertThrows(IllegalArgumentException.class, () -> new NewReno(1199));
        assertThrows(IllegalArgumentException.class, () -> cc.onPacketSent(0, 0));
        assertThrows(IllegalStateException.class, () -> cc.onPacketAcked(1, 0, MDS, 1, 1, 1));
        cc.onPacketSent(0, MDS);
        assertThrows(IllegalStateException.class, () -> cc.onPacketsLost(1, 0, MDS + 1));
        assertThrows(IllegalStateException.class, () -> cc.onPacketDiscarded(MDS + 1));
        assertThrows(IllegalArgumentException.class, () -> cc.onPacketsLost(1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> cc.onPacketDiscarded(0));
        assertEquals(MDS, cc.bytesInFlight());
    }

    @Test
    void aNewDatagramSizeRescalesTheInitialAndMinimumWindows() {
        NewReno cc = new NewReno(1500);
        assertEquals(14_720, cc.congestionWindow());
        cc.setMaxDatagramSize(1200);
        assertEquals(12_000, cc.congestionWindow());
        cc.setMaxDatagramSize(9000);
        assertEquals(18_000, cc.congestionWindow());
        assertThrows(IllegalArgumentException.class, () -> cc.setMaxDatagramSize(1000));

        // A grown window keeps its size in bytes but never stays below the new minimum.
        NewReno grown = new NewReno(MDS);
        sendAndAck(grown, 0, 1);
        grown.setMaxDatagramSize(1500);
        assertEquals(13_200, grown.congestionWindow());
        for (int i = 0; i < 4; i++) {
            grown.onPacketSent(RTT * (2 + i) + 1, MDS);
            grown.onPacketsLost(RTT * (3 + i), RTT * (2 + i) + 1, MDS);
        }
        assertEquals(3000, grown.congestionWindow());
        grown.setMaxDatagramSize(9000);
        assertEquals(18_000, grown.congestionWindow());
    }
}
