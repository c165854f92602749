package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The endpoint's deadline heap against the obvious answer: a scan of every node. */
class DeadlineHeapTest {

    /** A node that also remembers, for the check, the deadline it was last given. */
    private static final class Item extends DeadlineHeap.Node {
        final int id;
        long expected = Long.MAX_VALUE;

        Item(int id) {
            this.id = id;
        }
    }

    private static long scanEarliest(List<Item> items) {
        long d = Long.MAX_VALUE;
        for (Item i : items) {
            d = Math.min(d, i.expected);
        }
        return d;
    }

    private static int scanCount(List<Item> items) {
        int n = 0;
        for (Item i : items) {
            if (i.expected != Long.MAX_VALUE) {
                n++;
            }
        }
        return n;
    }

    @Test
    void anEmptyHeapHasNoDeadline() {
        DeadlineHeap<Item> heap = new DeadlineHeap<>();
        assertTrue(heap.isEmpty());
        assertEquals(Long.MAX_VALUE, heap.earliest());
        assertNull(heap.peek());
        assertNull(heap.poll());
        Item never = new Item(0);
        heap.set(never, Long.MAX_VALUE);
        assertTrue(heap.isEmpty(), "Long.MAX_VALUE means never: not in the heap");
        assertFalse(never.scheduled());
        heap.remove(never);
        assertTrue(heap.isEmpty(), "removing what is not in it does nothing");
    }

    @Test
    void setMovesANodeEarlierOrLaterAndMaxValueTakesItOut() {
        DeadlineHeap<Item> heap = new DeadlineHeap<>();
        Item a = new Item(1);
        Item b = new Item(2);
        Item c = new Item(3);
        heap.set(a, 30);
        heap.set(b, 20);
        heap.set(c, 10);
        assertSame(c, heap.peek());
        heap.set(a, 5);
        assertSame(a, heap.peek(), "moved earlier");
        heap.set(a, 50);
        assertSame(c, heap.peek(), "moved later");
        assertEquals(3, heap.size(), "a node moves; it is never in the heap twice");
        heap.set(c, Long.MAX_VALUE);
        assertFalse(c.scheduled());
        assertEquals(Long.MAX_VALUE, c.deadline());
        assertEquals(2, heap.size());
        assertSame(b, heap.poll());
        assertSame(a, heap.poll());
        assertNull(heap.poll());
    }

    @Test
    void negativeDeadlinesOrderAsNumbers() {
        // System.nanoTime() may be negative; the connections compare deadlines with Math.min.
        DeadlineHeap<Item> heap = new DeadlineHeap<>();
        Item late = new Item(1);
        Item early = new Item(2);
        heap.set(late, -5);
        heap.set(early, -1_000_000_000_000L);
        assertSame(early, heap.poll());
        assertSame(late, heap.poll());
    }

    @Test
    void randomSetsRemovesAndPollsAlwaysAgreeWithAScan() {
        SplittableRandom random = new SplittableRandom(42);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            items.add(new Item(i));
        }
        DeadlineHeap<Item> heap = new DeadlineHeap<>();
        for (int step = 0; step < 50_000; step++) {
            Item item = items.get(random.nextInt(items.size()));
            int op = random.nextInt(10);
            if (op < 6) {
                // Narrow range: many ties.
                long d = random.nextInt(8) == 0 ? Long.MAX_VALUE : random.nextLong(-1000, 1000);
                heap.set(item, d);
                item.expected = d;
            } else if (op < 8) {
                heap.remove(item);
                item.expected = Long.MAX_VALUE;
            } else {
                Item first = heap.poll();
                if (first == null) {
                    assertEquals(Long.MAX_VALUE, scanEarliest(items), "step " + step);
                } else {
                    assertEquals(scanEarliest(items), first.expected, "step " + step + ": the earliest comes out");
                    first.expected = Long.MAX_VALUE;
                }
            }
            assertEquals(scanEarliest(items), heap.earliest(), "step " + step);
            assertEquals(scanCount(items), heap.size(), "step " + step);
            if (step % 997 == 0) {
                for (Item i : items) {
                    assertEquals(i.expected != Long.MAX_VALUE, i.scheduled(), "item " + i.id);
                    assertEquals(i.expected, i.deadline(), "item " + i.id);
                }
            }
        }
    }

    @Test
    void pollingEverythingComesOutInDeadlineOrderAndTheSameWayEachTime() {
        List<Integer> first = drainOrder();
        List<Integer> second = drainOrder();
        assertEquals(first, second, "ties come out in an order fixed by the calls");
    }

    private static List<Integer> drainOrder() {
        SplittableRandom random = new SplittableRandom(7);
        DeadlineHeap<Item> heap = new DeadlineHeap<>();
        for (int i = 0; i < 2_000; i++) {
            heap.set(new Item(i), random.nextInt(100));
        }
        List<Integer> order = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        while (!heap.isEmpty()) {
            long d = heap.earliest();
            Item i = heap.poll();
            assertTrue(d >= previous, "in deadline order");
            assertTrue(i.deadline() == Long.MAX_VALUE && !i.scheduled(), "a polled node is out of the heap");
            order.add(i.id);
            previous = d;
        }
        assertEquals(2_000, order.size());
        return order;
    }
}
