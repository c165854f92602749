package qsock.core.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.api.CongestionAlgorithm;

/** HyStart++ (RFC 9406 §4.2) as NewReno and CUBIC run it, one flight of packets per round. */
class HyStartTest {

    private static final int MDS = 1200;
    private static final long MS = 1_000_000L;

    /** Drives flights: each is sent whole, then acknowledged packet by packet, one ACK frame each. */
    private static final class Driver {
        final WindowController cc;
        long now;
        long lastFlightStart;

        Driver(WindowController cc) {
            this.cc = cc;
        }

        /** One round: {@code packets} packets, each acknowledged {@code rtt} after it was sent. */
        long flight(int packets, long rtt) {
            return flight(packets, rtt, packets);
        }

        /**
         * Like {@link #flight(int, long)} but stops after {@code acks} acknowledgements; the rest stay in
         * flight. Returns the send time of the flight's first packet; packet i was sent i ns later.
         */
        long flight(int packets, long rtt, int acks) {
            long start = now;
            for (int i = 0; i < packets; i++) {
                ((CongestionController) cc).onPacketSent(start + i, MDS);
            }
            for (int i = 0; i < acks; i++) {
                ack(start + i, rtt);
            }
            now = start + rtt + packets + 1;
            return start;
        }

        void ack(long sent, long rtt) {
            CongestionController c = (CongestionController) cc;
            c.onPacketAcked(sent + rtt, sent, MDS, rtt, rtt, rtt);
            c.onAckProcessed(sent + rtt);
        }

        void drainFlight(long sentFrom, int packets, long rtt) {
            for (int i = 0; i < packets; i++) {
                ack(sentFrom + i, rtt);
            }
        }
    }

    private static Driver newReno() {
        return new Driver(new NewReno(MDS, true));
    }

    /** Two rounds at 100 ms, then a round at {@code rtt}, acknowledged up to {@code acks} packets. */
    private static Driver baselineThen(Driver d, long rtt, int acks) {
        d.flight(10, 100 * MS);
        d.flight(10, 100 * MS);
        d.lastFlightStart = d.flight(10, rtt, acks);
        return d;
    }

    @Test
    void anRttIncreaseOfRttThreshMovesSlowStartIntoCss() {
        // lastRoundMinRTT = 100 ms: RttThresh = clamp(100 / 8, 4, 16) = 12.5 ms.
        Driver d = baselineThen(newReno(), 112_500_000L, 7);
        assertFalse(d.cc.inConservativeSlowStart(), "seven samples are fewer than N_RTT_SAMPLE");
        d.drainFlight(d.lastFlightStart + 7, 1, 112_500_000L);
        assertTrue(d.cc.inConservativeSlowStart(), "the eighth sample of the round triggers CSS");
        assertTrue(d.cc.inSlowStart());
        assertEquals(Long.MAX_VALUE, d.cc.slowStartThreshold());
    }

    @Test
    void anRttIncreaseBelowRttThreshStaysInSlowStart() {
        Driver d = baselineThen(newReno(), 112_499_999L, 10);
        assertFalse(d.cc.inConservativeSlowStart());
    }

    @Test
    void rttThreshIsClampedBetween4And16Milliseconds() {
        // 10 ms / 8 = 1.25 ms is raised to MIN_RTT_THRESH, 4 ms.
        Driver small = new Driver(new NewReno(MDS, true));
        small.flight(10, 10 * MS);
        small.flight(10, 10 * MS);
        small.flight(10, 14 * MS - 1);
        assertFalse(small.cc.inConservativeSlowStart());
        Driver small2 = new Driver(new NewReno(MDS, true));
        small2.flight(10, 10 * MS);
        small2.flight(10, 10 * MS);
        small2.flight(10, 14 * MS);
        assertTrue(small2.cc.inConservativeSlowStart());
        // 400 ms / 8 = 50 ms is lowered to MAX_RTT_THRESH, 16 ms.
        Driver large = new Driver(new NewReno(MDS, true));
        large.flight(10, 400 * MS);
        large.flight(10, 400 * MS);
        large.flight(10, 416 * MS);
        assertTrue(large.cc.inConservativeSlowStart());
    }

    @Test
    void cssGrowsByAQuarterOfTheBytesAcknowledged() {
        Driver d = baselineThen(newReno(), 130 * MS, 8);
        assertTrue(d.cc.inConservativeSlowStart());
        long before = d.cc.congestionWindow();
        d.drainFlight(d.lastFlightStart + 8, 2, 130 * MS);
        assertEquals(before + 2 * MDS / 4, d.cc.congestionWindow());
        // Outside CSS the same acknowledgements grow the window by their full size.
        Driver plain = baselineThen(newReno(), 100 * MS, 8);
        long plainBefore = plain.cc.congestionWindow();
        plain.drainFlight(plain.lastFlightStart + 8, 2, 100 * MS);
        assertEquals(plainBefore + 2 * MDS, plain.cc.congestionWindow());
    }

    @Test
    void anRttBelowTheCssBaselineResumesSlowStart() {
        Driver d = baselineThen(newReno(), 130 * MS, 10);
        assertTrue(d.cc.inConservativeSlowStart());
        long start = d.flight(10, 129 * MS, 7);
        assertTrue(d.cc.inConservativeSlowStart(), "fewer than N_RTT_SAMPLE samples in the CSS round");
        d.drainFlight(start + 7, 1, 129 * MS);
        assertFalse(d.cc.inConservativeSlowStart(), "minimum RTT 129 ms is below the 130 ms baseline");
        assertTrue(d.cc.inSlowStart());
        assertEquals(Long.MAX_VALUE, d.cc.slowStartThreshold());
    }

    @Test
    void cssEntersCongestionAvoidanceAfterCssRoundsRounds() {
        Driver d = baselineThen(newReno(), 130 * MS, 10);
        assertTrue(d.cc.inConservativeSlowStart());
        // The round in which CSS began ends with the next flight's first acknowledgement: CSS round 1.
        for (int round = 1; round < HyStart.CSS_ROUNDS; round++) {
            d.flight(10, 130 * MS);
            assertTrue(d.cc.inConservativeSlowStart(), "still CSS after " + round + " completed rounds");
        }
        long start = d.flight(10, 130 * MS, 1);
        assertFalse(d.cc.inSlowStart());
        assertFalse(d.cc.inConservativeSlowStart());
        assertEquals(d.cc.congestionWindow(), d.cc.slowStartThreshold());
        // Congestion avoidance from here: NewReno adds one datagram per window.
        long window = d.cc.congestionWindow();
        d.drainFlight(start + 1, 9, 130 * MS);
        assertEquals(window, d.cc.congestionWindow());
    }

    @Test
    void aLossEndsHyStartForTheRestOfTheConnection() {
        Driver d = newReno();
        d.flight(10, 100 * MS);
        CongestionController cc = (CongestionController) d.cc;
        cc.onPacketSent(d.now, MDS);
        cc.onPacketsLost(d.now + 1, d.now, MDS);
        cc.onPersistentCongestion(d.now + 1);
        d.now += 2;
        assertTrue(cc.inSlowStart());
        d.flight(10, 100 * MS);
        d.flight(10, 100 * MS);
        d.flight(10, 200 * MS);
        assertFalse(d.cc.inConservativeSlowStart());
    }

    @Test
    void acknowledgementsWithoutAnRttSampleAreNotCounted() {
        NewReno cc = new NewReno(MDS, true);
        long now = 0;
        for (int round = 0; round < 3; round++) {
            long rtt = round < 2 ? 100 * MS : 200 * MS;
            for (int i = 0; i < 10; i++) {
                cc.onPacketSent(now + i, MDS);
            }
            for (int i = 0; i < 10; i++) {
                // Only every other ACK frame produced an RTT sample: five per round, fewer than eight.
                cc.onPacketAcked(now + rtt + i, now + i, MDS, i % 2 == 0 ? rtt : 0, rtt, rtt);
                cc.onAckProcessed(now + rtt + i);
            }
            now += rtt + 11;
        }
        assertFalse(cc.inConservativeSlowStart());
    }

    @Test
    void plainNewRenoAndCubicDefaults() {
        Driver reno = baselineThen(new Driver(new NewReno(MDS)), 200 * MS, 10);
        assertFalse(reno.cc.inConservativeSlowStart(), "NewReno runs plain slow start by default");
        Driver cubic = baselineThen(new Driver((WindowController) CongestionController.create(CongestionAlgorithm.CUBIC, MDS)),
                200 * MS, 10);
        assertTrue(cubic.cc.inConservativeSlowStart(), "CUBIC runs HyStart++ by default");
    }
}
