package qsock.core.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.AckFrame;
import qsock.core.frame.FrameDecoder;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.testing.Properties;

class AckTrackerTest {

    private static final long MS = 1_000_000L;
    private static final long MAX_ACK_DELAY = 25 * MS;

    private static AckTracker app() {
        return new AckTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY);
    }

    private static long[] ranges(AckTracker t) {
        long[] r = new long[2 * t.rangeCount()];
        for (int i = 0; i < t.rangeCount(); i++) {
            r[2 * i] = t.rangeLargest(i);
            r[2 * i + 1] = t.rangeSmallest(i);
        }
        return r;
    }

    private static AckFrame writeAndDecode(AckTracker t, long now, int exponent) {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        int n = t.writeAck(buf, now, exponent);
        assertEquals(buf.position(), n);
        buf.flip();
        try {
            return (AckFrame) FrameDecoder.decode(buf, PacketType.ONE_RTT);
        } catch (QuicProtocolException e) {
            throw new AssertionError(e);
        }
    }

    private static void receive(AckTracker t, long... pns) {
        for (long pn : pns) {
            t.onPacketReceived(pn, false, 0);
        }
    }

    // ---- ranges ----

    @Test
    void inOrderPacketsFormOneRange() {
        AckTracker t = app();
        receive(t, 0, 1, 2, 3);
        assertArrayEquals(new long[] {3, 0}, ranges(t));
        assertEquals(3, t.largestReceived());
    }

    @Test
    void gapsMakeSeparateRangesAndFillingAGapMergesThem() {
        AckTracker t = app();
        receive(t, 0, 1, 3, 6, 5);
        assertArrayEquals(new long[] {6, 5, 3, 3, 1, 0}, ranges(t));
        receive(t, 2);  // joins 0..1 and 3
        assertArrayEquals(new long[] {6, 5, 3, 0}, ranges(t));
        receive(t, 4);  // joins everything
        assertArrayEquals(new long[] {6, 0}, ranges(t));
        receive(t, 10, 8);
        assertArrayEquals(new long[] {10, 10, 8, 8, 6, 0}, ranges(t));
        receive(t, 9);
        assertArrayEquals(new long[] {10, 8, 6, 0}, ranges(t));
    }

    @Test
    void duplicatesAreDetectedAndRefused() {
        AckTracker t = app();
        receive(t, 0, 1, 5);
        assertTrue(t.isDuplicate(0));
        assertTrue(t.isDuplicate(1));
        assertTrue(t.isDuplicate(5));
        assertFalse(t.isDuplicate(2));
        assertFalse(t.isDuplicate(6));
        assertThrows(IllegalArgumentException.class, () -> t.onPacketReceived(5, true, 0));
        assertThrows(IllegalArgumentException.class, () -> t.onPacketReceived(-1, true, 0));
        assertArrayEquals(new long[] {5, 5, 1, 0}, ranges(t));
    }

    @Test
    void theRangeCapDropsTheOldestRangeAndRaisesTheFloor() {
        AckTracker t = app();
        for (long pn = 0; pn < 2 * 40; pn += 2) {
            receive(t, pn);
        }
        assertEquals(AckTracker.DEFAULT_MAX_RANGES, t.rangeCount());
        assertEquals(78, t.rangeLargest(0));
        assertEquals(2 * 8, t.rangeSmallest(AckTracker.DEFAULT_MAX_RANGES - 1));
        // Ranges 0..14 were dropped: RFC 9000 §13.2.3, never accept packets there again.
        assertEquals(15, t.floor());
        assertTrue(t.isDuplicate(13));  // never received, but below the floor
        assertTrue(t.isDuplicate(14));
        assertFalse(t.isDuplicate(15));
        // A new packet below every range at the cap is dropped at once.
        AckTracker small = new AckTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY, 2);
        receive(small, 10, 20, 5);
        assertArrayEquals(new long[] {20, 20, 10, 10}, ranges(small));
        assertEquals(6, small.floor());
        receive(small, 15);
        assertArrayEquals(new long[] {20, 20, 15, 15}, ranges(small));
        assertEquals(11, small.floor());
    }

    @Test
    void rangesLeaveAckFramesOnceAnAckFrameCarryingThemIsAcknowledged() {
        AckTracker t = app();
        for (long pn = 0; pn < 10; pn++) {
            t.onPacketReceived(pn, true, pn * MS);
        }
        writeAndDecode(t, 10 * MS, 3);
        t.onAckSent(100);  // our packet 100 carried ACK 0..9
        receive(t, 11, 12);
        writeAndDecode(t, 13 * MS, 3);
        t.onAckSent(101);  // our packet 101 carried ACK 11..12, 0..9

        assertFalse(t.onOwnPacketAcked(99));
        assertTrue(t.onOwnPacketAcked(100));
        // RFC 9000 §13.2.4: stop acknowledging packets <= 9.
        assertEquals(10, t.ackFloor());
        assertArrayEquals(new long[] {12, 11}, acked(writeAndDecode(t, 14 * MS, 3)));
        // The ranges stay for duplicate detection: 5 came, 10 did not.
        assertArrayEquals(new long[] {12, 11, 9, 0}, ranges(t));
        assertEquals(0, t.floor());
        assertTrue(t.isDuplicate(5));
        assertFalse(t.isDuplicate(10));
        assertFalse(t.onOwnPacketAcked(100));  // already used

        assertTrue(t.onOwnPacketAcked(101));
        assertEquals(13, t.ackFloor());
        assertFalse(t.hasSomethingToAck());
        assertEquals(12, t.largestReceived());  // RFC 9000 §13.2.3: the largest is kept
        assertEquals(0, t.writeAck(ByteBuffer.allocate(100), 20 * MS, 3));
    }

    @Test
    void aPacketStillMissingBelowAnAcknowledgedAckFrameIsAcceptedAndAcknowledged() {
        // After a migration, packets of the old path arrive after later ones of the new path were acknowledged, and
        // the ACK frame that showed them missing was acknowledged in turn: they are not duplicates.
        AckTracker t = app();
        for (long pn : new long[] {0, 1, 2, 6, 7, 8}) {
            t.onPacketReceived(pn, true, 0);
        }
        writeAndDecode(t, 0, 3);
        t.onAckSent(50);
        assertTrue(t.onOwnPacketAcked(50));
        assertEquals(9, t.ackFloor());
        assertFalse(t.hasSomethingToAck());

        assertFalse(t.isDuplicate(4), "missing, not a duplicate");
        assertTrue(t.isDuplicate(7));
        t.onPacketReceived(4, true, 10 * MS);
        assertTrue(t.ackNow(), "out of order: acknowledged at once (RFC 9000 §13.2.1)");
        assertTrue(t.hasSomethingToAck());
        assertEquals(4, t.ackFloor());
        assertArrayEquals(new long[] {8, 6, 4, 4}, acked(writeAndDecode(t, 10 * MS, 3)));
        assertTrue(t.isDuplicate(4));
    }

    private static long[] acked(AckFrame f) {
        List<Long> r = new ArrayList<>();
        f.forEachRange((smallest, largest) -> {
            r.add(largest);
            r.add(smallest);
        });
        return r.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void anAckFloorInsideARangeKeepsItsUpperPartInAckFrames() {
        AckTracker t = app();
        receive(t, 0, 1, 2, 3, 4, 5, 8, 9);
        t.onAckOfOurAckFrame(3);
        assertArrayEquals(new long[] {9, 8, 5, 4}, acked(writeAndDecode(t, 0, 3)));
        assertEquals(4, t.ackFloor());
        t.onAckOfOurAckFrame(2);  // older than the ACK floor: nothing to do
        assertEquals(4, t.ackFloor());
        assertArrayEquals(new long[] {9, 8, 5, 4}, acked(writeAndDecode(t, 0, 3)));
        assertArrayEquals(new long[] {9, 8, 5, 0}, ranges(t), "writing put the range back whole");
    }

    @Test
    void onlyTheLastRememberedAckFramesCanBeMatched() {
        AckTracker t = app();
        for (int i = 0; i <= AckTracker.REMEMBERED_ACK_FRAMES; i++) {
            receive(t, i);
            writeAndDecode(t, 0, 3);
            t.onAckSent(1000 + i);
        }
        assertFalse(t.onOwnPacketAcked(1000));  // pushed out by newer frames
        assertTrue(t.onOwnPacketAcked(1001));
        assertEquals(2, t.ackFloor());
        assertThrows(IllegalStateException.class, () -> app().onAckSent(1));
    }

    @Test
    void discardingForgetsTheRangesAndAnythingLateIsADuplicate() {
        // The Initial and Handshake spaces are discarded with their keys (RFC 9001 §4.9): nothing is acknowledged
        // there any more, and the tracker lets go of its arrays.
        AckTracker t = new AckTracker(PacketNumberSpace.HANDSHAKE, MAX_ACK_DELAY);
        for (long pn = 0; pn < 20; pn += 2) {
            t.onPacketReceived(pn, true, pn * MS);
        }
        writeAndDecode(t, 20 * MS, 3);
        t.onAckSent(7);
        t.onPacketReceived(30, true, 30 * MS);
        assertTrue(t.ackNow());
        t.discard();
        assertEquals(0, t.rangeCount());
        assertFalse(t.hasSomethingToAck());
        assertFalse(t.ackNow());
        assertEquals(Long.MAX_VALUE, t.ackDeadline());
        assertEquals(0, t.writeAck(ByteBuffer.allocate(100), 40 * MS, 3));
        assertFalse(t.onOwnPacketAcked(7), "the sent ACK frames are forgotten");
        assertEquals(31, t.floor());
        assertTrue(t.isDuplicate(30));
        assertTrue(t.isDuplicate(1), "never received, but below the floor");
        // Still usable above the floor: the arrays grow again.
        for (long pn = 40; pn < 120; pn += 2) {
            t.onPacketReceived(pn, false, 0);
        }
        assertEquals(AckTracker.DEFAULT_MAX_RANGES, t.rangeCount());
        assertEquals(118, t.rangeLargest(0));
    }

    @Test
    void theArraysGrowFromSmallToTheCapWithoutLosingARange() {
        AckTracker t = app();
        List<Long> received = new ArrayList<>();
        for (long pn = 0; pn < 2 * AckTracker.DEFAULT_MAX_RANGES; pn += 2) {
            t.onPacketReceived(pn, false, 0);
            received.add(pn);
            assertEquals(received.size(), t.rangeCount());
            for (int i = 0; i < t.rangeCount(); i++) {
                assertEquals(received.get(received.size() - 1 - i), t.rangeLargest(i));
            }
        }
        assertEquals(0, t.floor(), "nothing dropped below the cap");
        // Out of order, into the middle of a grown array.
        t.onPacketReceived(31, false, 0);
        assertEquals(AckTracker.DEFAULT_MAX_RANGES - 1, t.rangeCount(), "31 joined 30 and 32");
        for (int i = 0; i <= AckTracker.REMEMBERED_ACK_FRAMES; i++) {
            writeAndDecode(t, 0, 3);
            t.onAckSent(100 + i);
        }
        assertFalse(t.onOwnPacketAcked(100), "the ring of sent ACK frames grew to its cap, then dropped the oldest");
        assertTrue(t.onOwnPacketAcked(101));
    }

    // ---- when to acknowledge ----

    @Test
    void initialAndHandshakePacketsAreAcknowledgedImmediately() {
        for (PacketNumberSpace space : new PacketNumberSpace[] {PacketNumberSpace.INITIAL, PacketNumberSpace.HANDSHAKE}) {
            AckTracker t = new AckTracker(space, MAX_ACK_DELAY);
            t.onPacketReceived(0, false, 5 * MS);
            assertFalse(t.ackNow());
            assertEquals(Long.MAX_VALUE, t.ackDeadline());
            assertTrue(t.hasSomethingToAck());
            t.onPacketReceived(1, true, 7 * MS);
            assertTrue(t.ackNow(), space.toString());
            assertEquals(7 * MS, t.ackDeadline());
        }
    }

    @Test
    void applicationPacketsAreAcknowledgedEverySecondAckElicitingOrAfterMaxAckDelay() {
        AckTracker t = app();
        t.onPacketReceived(0, true, 10 * MS);
        assertFalse(t.ackNow());
        assertEquals(10 * MS + MAX_ACK_DELAY, t.ackDeadline());
        t.onPacketReceived(1, false, 11 * MS);  // not ack-eliciting: changes nothing
        assertFalse(t.ackNow());
        assertEquals(1, t.ackElicitingSinceLastAck());
        t.onPacketReceived(2, true, 12 * MS);
        assertTrue(t.ackNow());
        assertEquals(12 * MS, t.ackDeadline());

        writeAndDecode(t, 12 * MS, 3);
        t.onAckSent(0);
        assertFalse(t.ackNow());
        assertFalse(t.hasSomethingToAck());
        assertEquals(Long.MAX_VALUE, t.ackDeadline());
        assertEquals(0, t.ackElicitingSinceLastAck());
        t.onPacketReceived(3, true, 20 * MS);
        assertFalse(t.ackNow());
        assertEquals(20 * MS + MAX_ACK_DELAY, t.ackDeadline());
    }

    @Test
    void nonAckElicitingPacketsNeverMakeAnAckDue() {
        AckTracker t = app();
        receive(t, 0, 5, 2, 9);  // gaps and reordering, none ack-eliciting
        assertFalse(t.ackNow());
        assertEquals(Long.MAX_VALUE, t.ackDeadline());
        assertTrue(t.hasSomethingToAck());
    }

    @Test
    void anOutOfOrderAckElicitingPacketIsAcknowledgedImmediately() {
        AckTracker t = app();
        t.onPacketReceived(5, true, 0);
        writeAndDecode(t, 0, 3);
        t.onAckSent(0);
        t.onPacketReceived(3, true, MS);  // RFC 9000 §13.2.1: smaller than an ack-eliciting packet received
        assertTrue(t.ackNow());
    }

    @Test
    void anAckElicitingPacketAfterAGapIsAcknowledgedImmediately() {
        AckTracker t = app();
        t.onPacketReceived(0, true, 0);
        writeAndDecode(t, 0, 3);
        t.onAckSent(0);
        t.onPacketReceived(1, true, MS);  // in order: may wait
        assertFalse(t.ackNow());
        writeAndDecode(t, MS, 3);
        t.onAckSent(1);
        t.onPacketReceived(3, true, 2 * MS);  // 2 is missing
        assertTrue(t.ackNow());

        // Received packets that were not ack-eliciting fill the gap: no hurry.
        AckTracker u = app();
        u.onPacketReceived(0, true, 0);
        writeAndDecode(u, 0, 3);
        u.onAckSent(0);
        u.onPacketReceived(1, false, MS);
        u.onPacketReceived(2, true, MS);
        assertFalse(u.ackNow());
    }

    @Test
    void anEcnCeMarkedPacketIsAcknowledgedImmediately() {
        AckTracker t = app();
        t.onPacketReceived(0, true, true, 0);
        assertTrue(t.ackNow());
    }

    // ---- writing ----

    @Test
    void theAckDelayIsMeasuredFromTheLargestAndScaledByTheExponent() {
        AckTracker t = app();
        t.onPacketReceived(0, true, 0);
        t.onPacketReceived(7, true, 2 * MS);
        t.onPacketReceived(3, true, 5 * MS);  // not the largest: does not move the reference time
        // 8 ms after packet 7 arrived: 8000 µs, / 2^3 = 1000 (RFC 9000 §19.3).
        AckFrame f = writeAndDecode(t, 10 * MS, 3);
        assertEquals(1000, f.ackDelay());
        assertArrayEquals(new long[] {7, 7, 3, 3, 0, 0}, f.ranges());
        assertEquals(8000, writeAndDecode(t, 10 * MS, 0).ackDelay());
        assertEquals(8000 >> 20, writeAndDecode(t, 10 * MS, 20).ackDelay());
        assertEquals(0, writeAndDecode(t, MS, 3).ackDelay());  // a clock before the arrival counts as 0
        assertThrows(IllegalArgumentException.class, () -> t.writeAck(ByteBuffer.allocate(64), 0, 21));
        assertThrows(IllegalArgumentException.class, () -> t.ackFrameLength(0, -1));
    }

    @Test
    void aFrameThatDoesNotFitLeavesOutTheOldestRanges() {
        AckTracker t = app();
        receive(t, 0, 2, 4, 6, 8);
        int full = t.ackFrameLength(0, 3);
        assertEquals(1 + 1 + 1 + 1 + 1 + 4 * 2, full);  // type, largest, delay, count, first range, 4 x (gap, len)
        ByteBuffer buf = ByteBuffer.allocate(full - 1);
        int n = t.writeAck(buf, 0, 3);
        assertEquals(full - 2, n);
        buf.flip();
        AckFrame f;
        try {
            f = (AckFrame) FrameDecoder.decode(buf, PacketType.ONE_RTT);
        } catch (QuicProtocolException e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(new long[] {8, 8, 6, 6, 4, 4, 2, 2}, f.ranges());
        assertEquals(0, t.writeAck(ByteBuffer.allocate(4), 0, 3));  // not even one range fits
    }

    // ---- property ----

    /** A random set of packet numbers received in a random order, some twice. */
    private record Arrivals(long[] order, int maxRanges) {
        @Override
        public String toString() {
            return "Arrivals[maxRanges=" + maxRanges + ", order=" + java.util.Arrays.toString(order) + "]";
        }
    }

    private static Arrivals arrivals(SplittableRandom r) {
        int span = 1 + r.nextInt(200);
        List<Long> pns = new ArrayList<>();
        double density = r.nextDouble();
        for (long pn = 0; pn < span; pn++) {
            if (r.nextDouble() < density) {
                pns.add(pn);
                if (r.nextInt(10) == 0) {
                    pns.add(pn);  // a duplicate
                }
            }
        }
        if (pns.isEmpty()) {
            pns.add((long) r.nextInt(span));
        }
        // Mostly ascending with local reordering, or fully shuffled.
        boolean shuffle = r.nextBoolean();
        for (int i = pns.size() - 1; i > 0; i--) {
            int j = shuffle ? r.nextInt(i + 1) : Math.max(0, i - r.nextInt(4));
            Long tmp = pns.get(i);
            pns.set(i, pns.get(j));
            pns.set(j, tmp);
        }
        long[] order = pns.stream().mapToLong(Long::longValue).toArray();
        int maxRanges = r.nextBoolean() ? AckTracker.DEFAULT_MAX_RANGES : 1 + r.nextInt(8);
        return new Arrivals(order, maxRanges);
    }

    @Test
    void theAckFrameAcknowledgesExactlyTheReceivedPacketsWithinTheCap() {
        Properties.forAll(arrivals -> arrivals(arrivals), a -> {
            AckTracker t = new AckTracker(PacketNumberSpace.APPLICATION, MAX_ACK_DELAY, a.maxRanges());
            BitSet accepted = new BitSet();
            for (long pn : a.order()) {
                boolean seen = accepted.get((int) pn);
                if (seen) {
                    assertTrue(t.isDuplicate(pn), "received twice: " + pn);
                    continue;
                }
                if (t.isDuplicate(pn)) {
                    assertTrue(pn < t.floor(), "a fresh packet above the floor called duplicate: " + pn);
                    continue;
                }
                t.onPacketReceived(pn, true, 0);
                accepted.set((int) pn);
            }
            AckFrame f = writeAndDecode(t, 0, 3);
            assertTrue(f.rangeCount() <= a.maxRanges());
            BitSet acked = new BitSet();
            f.forEachRange((smallest, largest) -> acked.set((int) smallest, (int) largest + 1));
            BitSet expected = (BitSet) accepted.clone();
            expected.clear(0, (int) t.floor());
            assertEquals(expected, acked);
            for (int pn = 0; pn < 200; pn++) {
                assertEquals(accepted.get(pn) || pn < t.floor(), t.isDuplicate(pn), "isDuplicate(" + pn + ")");
            }
        });
    }
}
