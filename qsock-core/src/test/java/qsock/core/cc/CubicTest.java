package qsock.core.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CubicTest {

    private static final int MDS = 1200;
    private static final long MS = 1_000_000L;
    private static final double SECOND = 1e9;

    /** Drives a controller in virtual time, acknowledging a window's worth of bytes per RTT. */
    private static final class Driver {
        final Cubic cc;
        long now;
        private double owed;

        Driver(Cubic cc) {
            this.cc = cc;
        }

        /** Slow start to {@code packets} datagrams, then one loss: W_max = {@code packets} datagrams. */
        Driver growAndLose(int packets) {
            int more = packets - (int) (cc.congestionWindow() / MDS);
            for (int i = 0; i < more; i++) {
                cc.onPacketSent(now, MDS);
            }
            now += 100 * MS;
            for (int i = 0; i < more; i++) {
                cc.onPacketAcked(now, 0, MDS, 0, 100 * MS, 100 * MS);
            }
            cc.onAckProcessed(now);
            loseOne();
            return this;
        }

        void loseOne() {
            cc.onPacketSent(now, MDS);
            now += 10 * MS;
            cc.onPacketsLost(now, now - 10 * MS, MDS);
            if (cc.bytesInFlight() == 0) {
                // A packet that stays in flight, so the flight never empties and the sender never looks idle.
                fillerSent = now;
                cc.onPacketSent(now, MDS);
            }
        }

        long fillerSent;

        /**
         * Runs for {@code duration}, acknowledging cwnd * step / rtt bytes every {@code step}, each packet
         * sent and acknowledged at the step's time (after the recovery period began).
         */
        void run(long duration, long step, long rtt) {
            long end = now + duration;
            while (now - end < 0) {
                now += step;
                owed += (double) cc.congestionWindow() * step / rtt;
                while (owed >= MDS) {
                    owed -= MDS;
                    cc.onPacketSent(now, MDS);
                    cc.onPacketAcked(now, now, MDS, 0, rtt, rtt);
                }
                cc.onAckProcessed(now);
            }
        }
    }

    private static Cubic plainCubic() {
        return new Cubic(MDS, false, true);
    }

    @Test
    void aLossLeavesBetaTimesTheWindowAndRemembersWMax() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        assertEquals(84_000, d.cc.congestionWindow()); // 0.7 * 120000
        assertEquals(84_000, d.cc.slowStartThreshold());
        assertEquals(120_000, d.cc.wMax());
        assertEquals(120_000, d.cc.cwndPrior());
        assertFalse(d.cc.inSlowStart());
    }

    @Test
    void oneLossPerRecoveryPeriod() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.cc.onPacketSent(d.now, MDS);
        d.cc.onPacketsLost(d.now + MS, d.now - 20 * MS, MDS);
        assertEquals(84_000, d.cc.congestionWindow());
    }

    @Test
    void congestionAvoidanceFollowsTheCubicCurve() {
        long rtt = 100 * MS;
        Driver d = new Driver(plainCubic()).growAndLose(100);
        // K = cbrt((W_max - cwnd_epoch) / C) = cbrt(30 / 0.4) s.
        d.run(2 * MS, MS, rtt); // the first acknowledgement (in the second millisecond) starts the epoch
        long epoch = d.cc.epochStart();
        assertEquals(Math.cbrt(30 / 0.4), d.cc.k(), 1e-9);
        double k = d.cc.k();
        for (double t : new double[] {0.5, 1, 2, 3, k, 5}) {
            long at = epoch + (long) (t * SECOND);
            d.run(at - d.now, MS, rtt);
            double expected = (0.4 * Math.pow(t - k, 3) + 100) * MDS;
            // W_cubic(t) = C (t - K)^3 + W_max; the window chases W_cubic(t + RTT) one RTT behind.
            assertEquals(expected, d.cc.congestionWindow(), 1.5 * MDS, "at t = " + t + " s");
            assertEquals(expected, d.cc.wCubic(t), 1e-6);
            assertTrue(d.cc.wEst() < d.cc.wCubic(t), "outside the Reno-friendly region at t = " + t);
        }
    }

    @Test
    void theRenoFriendlyRegionGrowsLikeRenoWhenTheCubicCurveIsSlower() {
        long rtt = 10 * MS;
        Driver d = new Driver(plainCubic()).growAndLose(20); // W_max 24000, cwnd 16800
        d.run(2 * MS, MS, rtt);
        long epoch = d.cc.epochStart();
        // Before W_est reaches cwnd_prior (20 datagrams), alpha_cubic = 3 * 0.3 / 1.7 datagrams per RTT.
        long before = d.cc.congestionWindow();
        d.run(5 * rtt, MS, rtt);
        double perRtt = (d.cc.congestionWindow() - before) / 5.0 / MDS;
        assertEquals(Cubic.ALPHA, perRtt, 0.1);
        double t = (d.now - epoch) / SECOND;
        assertTrue(d.cc.wCubic(t) < d.cc.wEst(), "W_cubic(t) below W_est");
        assertEquals((long) d.cc.wEst(), d.cc.congestionWindow(), 1.0, "cwnd = W_est in the Reno-friendly region");
        // Past cwnd_prior, alpha is 1: one datagram per RTT, like Reno.
        d.run(10 * rtt, MS, rtt);
        assertTrue(d.cc.wEst() >= d.cc.cwndPrior());
        before = d.cc.congestionWindow();
        d.run(10 * rtt, MS, rtt);
        perRtt = (d.cc.congestionWindow() - before) / 10.0 / MDS;
        assertEquals(1.0, perRtt, 0.1);
        assertTrue(d.cc.wCubic((d.now - epoch) / SECOND) < d.cc.wEst());
    }

    @Test
    void fastConvergenceLowersWMaxWhenTheWindowDidNotRecover() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.run(500 * MS, MS, 100 * MS);
        double cwnd = d.cc.congestionWindow();
        assertTrue(cwnd < 120_000 && cwnd > 84_000);
        d.loseOne();
        assertEquals(cwnd * (1 + 0.7) / 2, d.cc.wMax(), 1.0);
        assertEquals(cwnd * 0.7, d.cc.congestionWindow(), 1.0);

        Driver slow = new Driver(new Cubic(MDS, false, false)).growAndLose(100);
        slow.run(500 * MS, MS, 100 * MS);
        double slowCwnd = slow.cc.congestionWindow();
        slow.loseOne();
        assertEquals(slowCwnd, slow.cc.wMax(), 1.0, "without fast convergence W_max is the window before the loss");
    }

    @Test
    void noFastConvergenceWhenTheWindowPassedWMax() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.run(6000 * MS, MS, 100 * MS);
        double cwnd = d.cc.congestionWindow();
        assertTrue(cwnd > 120_000);
        d.loseOne();
        assertEquals(cwnd, d.cc.wMax(), 1.0);
    }

    @Test
    void growthPerAcknowledgementIsAtMostHalfTheWindowPerRtt() {
        // Long after K the cubic target runs far ahead; the target is capped at 1.5 * cwnd (RFC 9438 §4.2).
        Driver d = new Driver(plainCubic()).growAndLose(10);
        d.run(MS, MS, 100 * MS);
        d.run(30_000 * MS, 100 * MS, 100 * MS);
        long before = d.cc.congestionWindow();
        d.run(100 * MS, 100 * MS, 100 * MS); // one window acknowledged in one step
        assertTrue(d.cc.congestionWindow() <= before * 1.5 + MDS, d.cc.congestionWindow() + " vs " + before);
        assertTrue(d.cc.congestionWindow() > before);
    }

    @Test
    void persistentCongestionRestartsFromTheMinimumWindowWithKZero() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.cc.onPersistentCongestion(d.now);
        assertEquals(2400, d.cc.congestionWindow());
        assertTrue(d.cc.inSlowStart());
        // Slow start back up to ssthresh (84000), then congestion avoidance with K = 0, W_max = cwnd_epoch.
        d.run(2000 * MS, MS, 100 * MS);
        assertFalse(d.cc.inSlowStart());
        assertTrue(d.cc.epochStarted());
        assertEquals(0, d.cc.k());
        assertTrue(d.cc.wMax() >= 84_000 && d.cc.wMax() < 84_000 + 3 * MDS, "W_max = cwnd_epoch: " + d.cc.wMax());
        assertTrue(d.cc.congestionWindow() > d.cc.wMax());
    }

    @Test
    void applicationLimitedAcknowledgementsNeitherGrowTheWindowNorAdvanceTheCubicClock() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.run(2 * MS, MS, 100 * MS);
        assertTrue(d.cc.epochStarted());
        long epoch = d.cc.epochStart();
        long window = d.cc.congestionWindow();
        d.cc.setAppLimited(true);
        d.run(2000 * MS, MS, 100 * MS);
        assertEquals(window, d.cc.congestionWindow());
        assertEquals(epoch + 2000 * MS, d.cc.epochStart());
        d.cc.setAppLimited(false);
        // Growth resumes where it stood: W_cubic at t ~ 1 ms, not t ~ 2 s.
        d.run(MS, MS, 100 * MS);
        assertTrue(d.cc.congestionWindow() - window < 3 * MDS);
    }

    @Test
    void anIdlePeriodIsCutOutOfTheCubicClock() {
        Driver d = new Driver(plainCubic()).growAndLose(100);
        d.run(2 * MS, MS, 100 * MS);
        assertTrue(d.cc.epochStarted());
        d.cc.onPacketAcked(d.now, d.fillerSent, MDS, 0, 100 * MS, 100 * MS);
        assertEquals(0, d.cc.bytesInFlight());
        long epoch = d.cc.epochStart();
        long emptied = d.now;
        d.now += 5000 * MS;
        d.cc.onPacketSent(d.now, MDS);
        assertEquals(epoch + (d.now - emptied), d.cc.epochStart());
        d.cc.onPacketAcked(d.now + MS, d.now, MDS, 0, 100 * MS, 100 * MS);
        d.now += MS;
        assertTrue(d.cc.congestionWindow() < 90_000);
    }

    @Test
    void leavingSlowStartThroughHyStartStartsTheEpochAtTheWindow() {
        Cubic cc = new Cubic(MDS);
        long now = 0;
        long[] rtts = {100 * MS, 100 * MS, 130 * MS, 130 * MS, 130 * MS, 130 * MS, 130 * MS, 130 * MS};
        for (long rtt : rtts) {
            for (int i = 0; i < 10; i++) {
                cc.onPacketSent(now + i, MDS);
            }
            for (int i = 0; i < 10; i++) {
                cc.onPacketAcked(now + rtt + i, now + i, MDS, rtt, rtt, rtt);
                cc.onAckProcessed(now + rtt + i);
            }
            now += rtt + 11;
        }
        // CSS ended at the last flight's first acknowledgement, with ssthresh = cwnd_prior = cwnd; the
        // second started the epoch at that window, with K = 0 and W_max = cwnd_epoch.
        assertFalse(cc.inSlowStart());
        long exitWindow = cc.slowStartThreshold();
        assertEquals(exitWindow, cc.cwndPrior());
        assertTrue(cc.epochStarted());
        assertEquals(0, cc.k());
        assertEquals(exitWindow, cc.wMax(), 1e-6);
        assertTrue(cc.congestionWindow() > exitWindow);
    }
}
