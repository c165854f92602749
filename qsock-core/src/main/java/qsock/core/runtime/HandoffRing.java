package qsock.core.runtime;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Datagrams one I/O thread received for another's connections, on their way to it: a bounded ring of reused buffers
 * that any thread may offer to and one thread takes from (a multi-producer single-consumer queue after Dmitry Vyukov's
 * bounded queue: each slot's sequence number tells whose turn it is, producers claim a slot by a compare-and-set).
 *
 * <p>Never blocks and allocates nothing in the steady state: a full ring drops the datagram (counted), as a full
 * socket buffer would, and QUIC's loss recovery resends what it carried; a slot's buffer is made at its first use and
 * grows only for a datagram larger than any it held before. A producer that loses the race for a slot too many times in a row drops too, so
 * that an offer takes bounded time.
 */
final class HandoffRing {

    /** A producer gives up after this many lost races for a slot: a bound, never reached but under a storm. */
    private static final int MAX_ATTEMPTS = 64;
    /** A slot's first buffer, made at its first use: an Ethernet-sized datagram; grown for larger ones. */
    private static final int INITIAL_SLOT_SIZE = 1500;

    /** One datagram: where it arrived, who sent it, its bytes from 0 to the limit. */
    static final class Slot {
        /** Null until the slot is first used: a ring that is never used (no client moved) costs no buffers. */
        ByteBuffer data;
        InetSocketAddress local;
        InetSocketAddress from;
    }

    private final Slot[] slots;
    /** Per slot: equal to a position when a producer may fill it for that position, position + 1 once filled. */
    private final AtomicLongArray sequence;
    private final AtomicLong enqueue = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final int mask;
    /** The consumer's position; read by it alone. */
    private long dequeue;

    /** A ring of {@code capacity} slots, a power of two. */
    HandoffRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, at least 2: " + capacity);
        }
        slots = new Slot[capacity];
        sequence = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            slots[i] = new Slot();
            sequence.set(i, i);
        }
        mask = capacity - 1;
    }

    /**
     * Copies the datagram between {@code datagram}'s position and limit into a free slot, without moving its position.
     * {@return false if the ring was full (the datagram is dropped and counted)}
     */
    boolean offer(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram) {
        long pos = enqueue.get();
        int i;
        for (int attempt = 0; ; attempt++) {
            if (attempt == MAX_ATTEMPTS) {
                dropped.incrementAndGet();
                return false;
            }
            i = (int) pos & mask;
            long dif = sequence.getAcquire(i) - pos;
            if (dif == 0) {
                if (enqueue.compareAndSet(pos, pos + 1)) {
                    break;
                }
                pos = enqueue.get();
            } else if (dif < 0) {
                // The slot still holds the datagram of a lap ago: full.
                dropped.incrementAndGet();
                return false;
            } else {
                pos = enqueue.get();
            }
        }
        Slot slot = slots[i];
        int length = datagram.remaining();
        if (slot.data == null || slot.data.capacity() < length) {
            slot.data = ByteBuffer.allocate(Math.max(INITIAL_SLOT_SIZE, length));
        }
        slot.data.clear();
        slot.data.put(slot.data.position(), datagram, datagram.position(), length);
        slot.data.limit(length);
        slot.local = local;
        slot.from = from;
        sequence.setRelease(i, pos + 1);
        return true;
    }

    /** {@return the oldest datagram offered, or null if none} The consumer alone; {@link #release} it after use. */
    Slot peek() {
        int i = (int) dequeue & mask;
        return sequence.getAcquire(i) == dequeue + 1 ? slots[i] : null;
    }

    /** Frees the slot {@link #peek} returned, for producers a lap later. The consumer alone. */
    void release() {
        int i = (int) dequeue & mask;
        Slot slot = slots[i];
        slot.local = null;
        slot.from = null;
        sequence.setRelease(i, dequeue + slots.length);
        dequeue++;
    }

    /** {@return the datagrams dropped for want of a free slot} */
    long dropped() {
        return dropped.get();
    }

    /** {@return the number of slots} */
    int capacity() {
        return slots.length;
    }
}
