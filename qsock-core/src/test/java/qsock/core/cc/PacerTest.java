package qsock.core.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PacerTest {

    private static final int MDS = 1200;
    private static final long MS = 1_000_000L;

    @Test
    void burstsUpToTheInitialWindowThenSpacesPacketsAtTheRate() {
        // cwnd 100 datagrams over 100 ms at N = 1.25: 1.5 bytes per microsecond, one datagram per 0.8 ms.
        long cwnd = 120_000;
        long srtt = 100 * MS;
        Pacer pacer = new Pacer(MDS);
        assertEquals(12_000, pacer.burstCapacity(cwnd, srtt)); // the initial window, RFC 9002 §7.7
        long now = 5 * MS;
        for (int i = 0; i < 10; i++) {
            assertEquals(now, pacer.nextSendTime(now, MDS, cwnd, srtt), "packet " + i + " of the burst");
            pacer.onPacketSent(now, MDS, cwnd, srtt);
        }
        long next = pacer.nextSendTime(now, MDS, cwnd, srtt);
        assertEquals(now + 800_000, next);
        // Sending each packet at the time the pacer names keeps the 0.8 ms interval.
        for (int i = 0; i < 50; i++) {
            pacer.onPacketSent(next, MDS, cwnd, srtt);
            long following = pacer.nextSendTime(next, MDS, cwnd, srtt);
            assertEquals(800_000, following - next, 1);
            next = following;
        }
        // The interval is srtt * size / (cwnd * N) for smaller packets too.
        pacer.onPacketSent(next, MDS, cwnd, srtt);
        assertEquals(next + 400_000, pacer.nextSendTime(next, 600, cwnd, srtt), 1);
    }

    @Test
    void theBucketRefillsToItsCapacityAndNoFurther() {
        long cwnd = 120_000;
        long srtt = 100 * MS;
        Pacer pacer = new Pacer(MDS);
        for (int i = 0; i < 10; i++) {
            pacer.onPacketSent(0, MDS, cwnd, srtt);
        }
        // An hour of silence refills the bucket to 10 datagrams, not more.
        long later = 3_600_000 * MS;
        for (int i = 0; i < 10; i++) {
            assertEquals(later, pacer.nextSendTime(later, MDS, cwnd, srtt));
            pacer.onPacketSent(later, MDS, cwnd, srtt);
        }
        assertEquals(later + 800_000, pacer.nextSendTime(later, MDS, cwnd, srtt));
        // Half an interval refills half a datagram.
        long half = later + 400_000;
        assertEquals(later + 800_000, pacer.nextSendTime(half, MDS, cwnd, srtt), 1);
    }

    @Test
    void fastPathsBurstOneIntervalAtThePacingRate() {
        // 10 MB window over 10 ms: 1.25 GB/s, so 1 ms holds 1.25 MB, far above the initial window.
        long cwnd = 10_000_000;
        long srtt = 10 * MS;
        assertEquals(1_250_000, new Pacer(MDS).burstCapacity(cwnd, srtt));
        assertEquals(12_000, new Pacer(MDS, 0).burstCapacity(cwnd, srtt), "burst interval 0 keeps the initial window");
        assertEquals(1.25e9, Pacer.rateBytesPerSecond(cwnd, srtt), 1e-3);
    }

    @Test
    void theBucketStaysBetweenTwoDatagramsAndTheWindow() {
        Pacer pacer = new Pacer(MDS);
        assertEquals(2400, pacer.burstCapacity(2400, 100 * MS), "capped by a minimum window");
        assertEquals(6000, pacer.burstCapacity(6000, 100 * MS), "capped by the window");
        assertEquals(2400, pacer.burstCapacity(1000, 100 * MS), "never below two datagrams");
    }

    @Test
    void withoutAnRttEstimateNothingIsPaced() {
        Pacer pacer = new Pacer(MDS);
        for (int i = 0; i < 100; i++) {
            assertEquals(7, pacer.nextSendTime(7, MDS, 12_000, 0));
            pacer.onPacketSent(7, MDS, 12_000, 0);
            assertEquals(7, pacer.nextSendTime(7, MDS, 12_000, -5));
        }
        // The first estimate finds a full bucket.
        for (int i = 0; i < 10; i++) {
            assertEquals(7, pacer.nextSendTime(7, MDS, 120_000, 100 * MS));
            pacer.onPacketSent(7, MDS, 120_000, 100 * MS);
        }
        assertTrue(pacer.nextSendTime(7, MDS, 120_000, 100 * MS) > 7);
    }

    @Test
    void sendingWithoutWaitingRunsIntoDebtThatLaterPacketsRepay() {
        long cwnd = 120_000;
        long srtt = 100 * MS;
        Pacer pacer = new Pacer(MDS);
        for (int i = 0; i < 12; i++) {
            pacer.onPacketSent(0, MDS, cwnd, srtt); // two probes beyond the bucket
        }
        assertEquals(3 * 800_000, pacer.nextSendTime(0, MDS, cwnd, srtt));
    }

    @Test
    void aPacketLargerThanTheBucketWaitsForAFullBucket() {
        Pacer pacer = new Pacer(MDS);
        pacer.onPacketSent(0, 2400, 2400, 100 * MS);
        // Rate 1.25 * 2400 / 100 ms = 0.03 bytes/us; a full 2400-byte bucket takes 80 ms.
        assertEquals(80 * MS, pacer.nextSendTime(0, 5000, 2400, 100 * MS), 1);
    }

    @Test
    void aTimeBeforeTheLastUpdateAddsNothing() {
        long cwnd = 120_000;
        long srtt = 100 * MS;
        Pacer pacer = new Pacer(MDS);
        for (int i = 0; i < 10; i++) {
            pacer.onPacketSent(10 * MS, MDS, cwnd, srtt);
        }
        assertEquals(5 * MS + 800_000, pacer.nextSendTime(5 * MS, MDS, cwnd, srtt));
        assertEquals(10 * MS + 800_000, pacer.nextSendTime(10 * MS, MDS, cwnd, srtt));
    }

    @Test
    void refusesBadConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new Pacer(1199));
        assertThrows(IllegalArgumentException.class, () -> new Pacer(MDS, -1));
        assertThrows(IllegalArgumentException.class, () -> new Pacer(MDS).setMaxDatagramSize(100));
    }
}
