package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;

class RangeSetTest {

    @Test
    void addMergesOverlappingAndTouchingRanges() {
        RangeSet s = new RangeSet(8);
        s.add(10, 20);
        s.add(30, 40);
        assertEquals("[[10, 20), [30, 40)]", s.toString());
        s.add(20, 25);
        assertEquals("[[10, 25), [30, 40)]", s.toString());
        s.add(5, 35);
        assertEquals("[[5, 40)]", s.toString());
        s.add(0, 1);
        s.add(50, 60);
        assertEquals("[[0, 1), [5, 40), [50, 60)]", s.toString());
        assertTrue(s.contains(0) && s.contains(39) && !s.contains(40) && !s.contains(1));
        assertTrue(s.containsAll(6, 40));
        assertFalse(s.containsAll(6, 41));
        assertEquals(60, s.max());
    }

    @Test
    void removeTrimsAndSplits() {
        RangeSet s = new RangeSet(8);
        s.add(0, 100);
        s.remove(10, 20);
        assertEquals("[[0, 10), [20, 100)]", s.toString());
        s.remove(0, 5);
        s.remove(90, 200);
        assertEquals("[[5, 10), [20, 90)]", s.toString());
        s.remove(8, 30);
        assertEquals("[[5, 8), [30, 90)]", s.toString());
        s.removeBelow(40);
        assertEquals("[[40, 90)]", s.toString());
        s.remove(0, 1000);
        assertTrue(s.isEmpty());
    }

    @Test
    void exactOperationsRefuseBeyondTheCapAndChangeNothing() {
        RangeSet s = new RangeSet(2);
        assertTrue(s.add(0, 10));
        assertTrue(s.add(20, 30));
        assertFalse(s.add(40, 50));
        assertFalse(s.remove(2, 4));
        assertEquals("[[0, 10), [20, 30)]", s.toString());
        // Merging into existing ranges needs no new one.
        assertTrue(s.add(10, 15));
        assertTrue(s.remove(0, 2));
        assertEquals("[[2, 15), [20, 30)]", s.toString());
    }

    @Test
    void addCoarseMergesTheClosestRangesToStayUnderTheCap() {
        RangeSet s = new RangeSet(3);
        s.add(0, 10);
        s.add(100, 110);
        s.add(112, 120);
        s.addCoarse(200, 210);
        assertEquals("[[0, 10), [100, 120), [200, 210)]", s.toString());
        RangeSet one = new RangeSet(1);
        one.add(5, 6);
        one.addCoarse(10, 12);
        assertEquals("[[5, 12)]", one.toString());
    }

    @Test
    void refusesBadRanges() {
        RangeSet s = new RangeSet(4);
        assertThrows(IllegalArgumentException.class, () -> s.add(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> s.add(5, 3));
        assertThrows(IllegalArgumentException.class, () -> new RangeSet(0));
    }

    private record Op(int kind, int start, int end) {}

    /** Every operation sequence agrees with a bit set model, ranges stay sorted, disjoint, non-adjacent. */
    @Test
    void agreesWithABitSetModel() {
        Properties.forAll(300, r -> {
            int cap = 1 + r.nextInt(12);
            List<Op> ops = new ArrayList<>();
            int n = r.nextInt(60);
            for (int i = 0; i < n; i++) {
                int a = r.nextInt(200);
                ops.add(new Op(r.nextInt(4), a, a + r.nextInt(30)));
            }
            return new Object[] {cap, ops};
        }, in -> {
            int cap = (Integer) in[0];
            @SuppressWarnings("unchecked")
            List<Op> ops = (List<Op>) in[1];
            RangeSet s = new RangeSet(cap);
            BitSet model = new BitSet();
            for (Op op : ops) {
                switch (op.kind()) {
                    case 0 -> {
                        if (s.add(op.start(), op.end())) {
                            model.set(op.start(), op.end());
                        }
                    }
                    case 1 -> {
                        if (s.remove(op.start(), op.end())) {
                            model.clear(op.start(), op.end());
                        }
                    }
                    case 2 -> {
                        // Coarse adds hold a superset: check it, then resync the model.
                        s.addCoarse(op.start(), op.end());
                        for (int v = op.start(); v < op.end(); v++) {
                            assertTrue(s.contains(v));
                        }
                        for (int v = model.nextSetBit(0); v >= 0; v = model.nextSetBit(v + 1)) {
                            assertTrue(s.contains(v), "coarse add lost " + v);
                        }
                        model.clear();
                        for (int k = 0; k < s.size(); k++) {
                            model.set((int) s.start(k), (int) s.end(k));
                        }
                    }
                    default -> {
                        s.removeBelow(op.start());
                        model.clear(0, op.start());
                    }
                }
                assertTrue(s.size() <= cap);
                for (int k = 0; k < s.size(); k++) {
                    assertTrue(s.start(k) < s.end(k));
                    if (k > 0) {
                        assertTrue(s.end(k - 1) < s.start(k), "ranges must be disjoint and not touch: " + s);
                    }
                }
                for (int v = 0; v < 240; v++) {
                    assertEquals(model.get(v), s.contains(v), "value " + v + " in " + s);
                }
            }
        });
    }
}
