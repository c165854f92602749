package qsock.core.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.CongestionAlgorithm;
import qsock.core.testing.Properties;

/**
 * Random but well-formed event sequences (every packet acknowledged, lost or discarded at most once, after
 * it was sent) keep the books straight for both algorithms.
 */
class CongestionControllerPropertyTest {

    private static final long MS = 1_000_000L;

    /** One run: the algorithm, HyStart++ on or off, and a seed for the event sequence. */
    record Scenario(CongestionAlgorithm algorithm, boolean hyStart, long seed, int steps) {}

    private static Scenario scenario(SplittableRandom r) {
        CongestionAlgorithm algorithm = r.nextBoolean() ? CongestionAlgorithm.NEW_RENO : CongestionAlgorithm.CUBIC;
        return new Scenario(algorithm, r.nextBoolean(), r.nextLong(), 1 + r.nextInt(400));
    }

    private static CongestionController controller(Scenario s, int mds) {
        return switch (s.algorithm()) {
            case NEW_RENO -> new NewReno(mds, s.hyStart());
            case CUBIC -> new Cubic(mds, s.hyStart(), true);
        };
    }

    /** A sent packet the model still holds in flight. */
    private record Sent(long time, int bytes) {}

    @Test
    void bytesInFlightMatchesTheModelAndTheWindowStaysAtOrAboveTheMinimum() {
        Properties.forAll(CongestionControllerPropertyTest::scenario, s -> {
            SplittableRandom r = new SplittableRandom(s.seed());
            int mds = 1200 + r.nextInt(300);
            CongestionController cc = controller(s, mds);
            List<Sent> flight = new ArrayList<>();
            long inFlight = 0;
            // Times start near the wrap-around point sometimes: only differences may matter.
            long now = r.nextBoolean() ? Long.MAX_VALUE - 1_000_000 * MS : r.nextLong(-1000 * MS, 1000 * MS);
            for (int step = 0; step < s.steps(); step++) {
                now += r.nextLong(20 * MS);
                switch (r.nextInt(10)) {
                    case 0, 1, 2 -> {
                        for (int i = 1 + r.nextInt(4); i > 0; i--) {
                            int bytes = 1 + r.nextInt(mds);
                            cc.onPacketSent(now, bytes);
                            flight.add(new Sent(now, bytes));
                            inFlight += bytes;
                        }
                    }
                    case 3, 4, 5 -> {
                        long rtt = r.nextInt(4) == 0 ? 0 : 1 + r.nextLong(300 * MS);
                        for (int i = r.nextInt(Math.min(flight.size(), 6) + 1); i > 0; i--) {
                            Sent p = flight.remove(r.nextInt(Math.min(flight.size(), 3)));
                            cc.onPacketAcked(now, p.time(), p.bytes(), rtt, 1 + r.nextLong(300 * MS), rtt);
                            inFlight -= p.bytes();
                        }
                        cc.onAckProcessed(now);
                    }
                    case 6 -> {
                        long lost = 0;
                        long newest = 0;
                        for (int i = r.nextInt(Math.min(flight.size(), 4) + 1); i > 0; i--) {
                            Sent p = flight.remove(r.nextInt(flight.size()));
                            if (lost == 0 || p.time() - newest > 0) {
                                newest = p.time();
                            }
                            lost += p.bytes();
                        }
                        cc.onPacketsLost(now, newest, lost);
                        inFlight -= lost;
                        if (r.nextInt(4) == 0) {
                            cc.onPersistentCongestion(now);
                            assertEquals(CongestionController.minimumWindow(mds), cc.congestionWindow());
                        }
                    }
                    case 7 -> {
                        if (!flight.isEmpty()) {
                            Sent p = flight.remove(r.nextInt(flight.size()));
                            cc.onPacketDiscarded(p.bytes());
                            inFlight -= p.bytes();
                        }
                    }
                    case 8 -> cc.onCongestionEvent(now, now - r.nextLong(200 * MS));
                    default -> {
                        if (r.nextBoolean()) {
                            cc.setAppLimited(r.nextBoolean());
                        } else {
                            mds = 1200 + r.nextInt(300);
                            cc.setMaxDatagramSize(mds);
                        }
                    }
                }
                assertEquals(inFlight, cc.bytesInFlight(), "bytes in flight at step " + step);
                assertTrue(cc.bytesInFlight() >= 0);
                long minimum = CongestionController.minimumWindow(mds);
                assertTrue(cc.congestionWindow() >= minimum,
                        "window " + cc.congestionWindow() + " below the minimum " + minimum + " at step " + step + ": " + cc);
                assertTrue(cc.slowStartThreshold() > 0);
                assertEquals(cc.bytesInFlight() + mds <= cc.congestionWindow(), cc.canSend(mds));
                assertEquals(cc.congestionWindow() < cc.slowStartThreshold(), cc.inSlowStart());
            }
        });
    }
}
