package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;

/** The range layout of {@link AckFrame} and its allocation-free readers. */
class AckFrameTest {

    // Packets 0-2, 5 and 7-9.
    private final AckFrame frame = AckFrame.of(3, 9, 7, 5, 5, 2, 0);

    @Test
    void readsRangesByIndexHighestFirst() {
        assertEquals(9, frame.largestAcknowledged());
        assertEquals(0, frame.smallestAcknowledged());
        assertEquals(3, frame.rangeCount());
        assertEquals(9, frame.largest(0));
        assertEquals(7, frame.smallest(0));
        assertEquals(5, frame.largest(1));
        assertEquals(5, frame.smallest(1));
        assertEquals(2, frame.largest(2));
        assertEquals(0, frame.smallest(2));
    }

    @Test
    void iteratesRangesInDescendingOrder() {
        List<String> seen = new ArrayList<>();
        frame.forEachRange((smallest, largest) -> seen.add(smallest + ".." + largest));
        assertEquals(List.of("7..9", "5..5", "0..2"), seen);
    }

    @Test
    void knowsWhichPacketsItAcknowledges() {
        boolean[] expected = {true, true, true, false, false, true, false, true, true, true, false, false};
        for (int pn = 0; pn < expected.length; pn++) {
            assertEquals(expected[pn], frame.acknowledges(pn), "packet " + pn);
        }
        assertFalse(frame.acknowledges(-1));
        assertFalse(frame.acknowledges(Long.MAX_VALUE));
    }

    @Test
    void acknowledgesMatchesTheRangesForRandomFrames() {
        Properties.forAll(FrameGenerators::ack, f -> {
            TreeSet<Long> boundaries = new TreeSet<>();
            f.forEachRange((smallest, largest) -> {
                assertTrue(f.acknowledges(smallest));
                assertTrue(f.acknowledges(largest));
                boundaries.add(smallest - 1);
                boundaries.add(largest + 1);
            });
            for (long pn : boundaries) {
                assertFalse(f.acknowledges(pn), "packet " + pn + " of " + f);
            }
        });
    }

    @Test
    void rangesAccessorReturnsACopy() {
        long[] copy = frame.ranges();
        assertArrayEquals(new long[] {9, 7, 5, 5, 2, 0}, copy);
        copy[0] = 100;
        assertEquals(9, frame.largestAcknowledged());
    }

    @Test
    void equalityGoesByContent() {
        assertEquals(AckFrame.of(3, 9, 7, 5, 5, 2, 0), frame);
        assertEquals(AckFrame.of(3, 9, 7, 5, 5, 2, 0).hashCode(), frame.hashCode());
        assertNotEquals(AckFrame.of(4, 9, 7, 5, 5, 2, 0), frame);
        assertNotEquals(AckFrame.of(3, 9, 7, 5, 5, 1, 0), frame);
        assertNotEquals(new AckFrame(3, new long[] {9, 7, 5, 5, 2, 0}, new AckFrame.EcnCounts(0, 0, 0)), frame);
        assertEquals(0x02, frame.typeCode());
        assertEquals(0x03, new AckFrame(0, new long[] {1, 1}, new AckFrame.EcnCounts(0, 0, 0)).typeCode());
    }

    @Test
    void refusesRangesThatBreakTheLayout() {
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0));
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0, 5));
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0, 5, 6));
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0, 5, 3, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0, 5, -1));
        assertThrows(IllegalArgumentException.class, () -> AckFrame.of(0, 1L << 62, 0));
    }
}
