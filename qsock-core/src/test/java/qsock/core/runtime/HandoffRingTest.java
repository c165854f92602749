package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ring through which one I/O thread hands another the datagrams of its connections. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandoffRingTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 4433);

    @Test
    void datagramsComeOutInOrderWithTheirAddressesAndTheOffersBufferUntouched() {
        HandoffRing ring = new HandoffRing(4);
        assertNull(ring.peek());
        List<InetSocketAddress> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            InetSocketAddress from = new InetSocketAddress("127.0.0.1", 5000 + i);
            senders.add(from);
            ByteBuffer datagram = ByteBuffer.wrap(new byte[] {9, 9, (byte) i, (byte) (i + 1), 9});
            datagram.position(2).limit(4);
            assertTrue(ring.offer(i == 0 ? null : LOCAL, from, datagram));
            assertEquals(2, datagram.position(), "the offer leaves the buffer's position");
        }
        for (int i = 0; i < 3; i++) {
            HandoffRing.Slot s = ring.peek();
            assertSame(senders.get(i), s.from);
            assertSame(i == 0 ? null : LOCAL, s.local);
            assertEquals(0, s.data.position());
            assertEquals(2, s.data.remaining());
            assertEquals(i, s.data.get(0));
            assertEquals(i + 1, s.data.get(1));
            ring.release();
        }
        assertNull(ring.peek());
    }

    @Test
    void aFullRingDropsAndCountsAndTakesAgainOnceDrained() {
        HandoffRing ring = new HandoffRing(2);
        InetSocketAddress from = new InetSocketAddress("127.0.0.1", 5000);
        assertTrue(ring.offer(null, from, ByteBuffer.wrap(new byte[] {1})));
        assertTrue(ring.offer(null, from, ByteBuffer.wrap(new byte[] {2})));
        assertFalse(ring.offer(null, from, ByteBuffer.wrap(new byte[] {3})), "full: dropped, never waits");
        assertEquals(1, ring.dropped());
        assertEquals(1, ring.peek().data.get(0));
        ring.release();
        assertTrue(ring.offer(null, from, ByteBuffer.wrap(new byte[] {4})));
        assertEquals(2, ring.peek().data.get(0));
        ring.release();
        assertEquals(4, ring.peek().data.get(0));
        ring.release();
        assertNull(ring.peek());
    }

    @Test
    void aSlotGrowsForALargeDatagramAndKeepsItsBuffer() {
        HandoffRing ring = new HandoffRing(2);
        InetSocketAddress from = new InetSocketAddress("127.0.0.1", 5000);
        byte[] large = new byte[60_000];
        large[59_999] = 42;
        assertTrue(ring.offer(null, from, ByteBuffer.wrap(large)));
        HandoffRing.Slot s = ring.peek();
        assertEquals(60_000, s.data.remaining());
        assertEquals(42, s.data.get(59_999));
        ByteBuffer grown = s.data;
        ring.release();
        // Two laps later the same slot takes a small datagram into the same buffer: nothing allocated.
        ring.offer(null, from, ByteBuffer.wrap(new byte[] {1}));
        ring.peek();
        ring.release();
        ring.offer(null, from, ByteBuffer.wrap(new byte[] {7, 8}));
        HandoffRing.Slot again = ring.peek();
        assertSame(grown, again.data);
        assertEquals(2, again.data.remaining());
        ring.release();
    }

    @Test
    void theCapacityIsAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new HandoffRing(3));
        assertThrows(IllegalArgumentException.class, () -> new HandoffRing(1));
    }

    /**
     * Several producers at once, one consumer: every datagram comes out whole and once, or is counted dropped; from
     * each producer in the order it offered them.
     */
    @Test
    void manyProducersOneConsumerLoseNothingUncounted() throws Exception {
        HandoffRing ring = new HandoffRing(16);
        int producers = 3;
        int each = 20_000;
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            InetSocketAddress from = new InetSocketAddress("127.0.0.1", 6000 + p);
            threads.add(Thread.ofPlatform().start(() -> {
                ByteBuffer datagram = ByteBuffer.allocate(64);
                for (int i = 0; i < each; i++) {
                    datagram.clear();
                    int length = 8 + i % 50;
                    datagram.put((byte) id).putInt(i);
                    while (datagram.position() < length) {
                        datagram.put((byte) (i + datagram.position()));
                    }
                    datagram.flip();
                    ring.offer(null, from, datagram);
                }
            }));
        }
        Thread finisher = Thread.ofPlatform().start(() -> {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            done.set(true);
        });
        int[] last = {-1, -1, -1};
        long received = 0;
        while (true) {
            boolean finished = done.get();
            HandoffRing.Slot s = ring.peek();
            if (s == null) {
                if (finished) {
                    break;
                }
                Thread.onSpinWait();
                continue;
            }
            ByteBuffer d = s.data;
            int id = d.get(0);
            int i = d.getInt(1);
            assertEquals(8 + i % 50, d.remaining(), "whole");
            for (int k = 5; k < d.remaining(); k++) {
                assertEquals((byte) (i + k), d.get(k), "intact");
            }
            assertEquals(6000 + id, s.from.getPort());
            assertTrue(i > last[id], "in order per producer");
            last[id] = i;
            received++;
            ring.release();
        }
        finisher.join();
        assertEquals((long) producers * each, received + ring.dropped());
    }
}
