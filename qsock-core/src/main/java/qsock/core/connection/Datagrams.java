package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import qsock.core.frame.FrameEncoder;

/**
 * The unreliable datagrams of one connection (RFC 9221): those the application queued to send, and those that
 * arrived and wait to be read. Both queues are bounded ({@link #MAX_QUEUED} each): a full send queue refuses the
 * next datagram (the caller may wait or drop), a full receive queue drops what arrives, which RFC 9221 §5 allows
 * for datagrams (counted in {@link #droppedOnArrival()}). Datagrams are never retransmitted: a DATAGRAM frame in a
 * lost packet is gone (§5.2).
 *
 * <p>Each datagram is copied once into an array of its own in each direction: datagrams are messages the
 * application hands over whole, not a stream the hot path moves. Not thread-safe; the connection owns it.
 */
final class Datagrams {

    /** Datagrams each queue holds at most. */
    static final int MAX_QUEUED = 256;

    // Small at first: most connections never carry a datagram (RFC 9221 is off by default).
    private final ArrayDeque<byte[]> outgoing = new ArrayDeque<>(2);
    private final ArrayDeque<byte[]> incoming = new ArrayDeque<>(2);
    private long droppedOnArrival;
    private long discardedUnsent;

    /** {@return the size of a DATAGRAM frame with a Length field carrying {@code length} bytes} */
    static int frameSize(int length) {
        return FrameEncoder.datagramHeaderLength(length, true) + length;
    }

    /** Queues a copy of {@code data}'s remaining bytes; false, changing nothing, if the queue is full. */
    boolean offer(ByteBuffer data) {
        if (outgoing.size() >= MAX_QUEUED) {
            return false;
        }
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        outgoing.add(copy);
        return true;
    }

    boolean hasOutgoing() {
        return !outgoing.isEmpty();
    }

    /**
     * Writes queued datagrams as DATAGRAM frames (type 0x31, with Length) while they fit before {@code limit}.
     * A datagram too large for any packet of {@code largestPayload} bytes (the path's datagram size shrank since
     * it was queued) is discarded rather than left to block the queue.
     *
     * @return whether a frame was written
     */
    boolean writeFrames(ByteBuffer out, int limit, int largestPayload) {
        boolean wrote = false;
        while (!outgoing.isEmpty()) {
            byte[] d = outgoing.peek();
            int size = frameSize(d.length);
            if (size > limit - out.position()) {
                if (size > largestPayload) {
                    outgoing.poll();
                    discardedUnsent++;
                    continue;
                }
                break;
            }
            FrameEncoder.writeDatagramHeader(out, d.length, true);
            out.put(d);
            outgoing.poll();
            wrote = true;
        }
        return wrote;
    }

    /** Keeps a copy of a received datagram's bytes, {@code length} of them at {@code offset} in {@code payload}. */
    void onReceived(ByteBuffer payload, int offset, int length) {
        if (incoming.size() >= MAX_QUEUED) {
            droppedOnArrival++;
            return;
        }
        byte[] copy = new byte[length];
        payload.get(offset, copy);
        incoming.add(copy);
    }

    /** {@return the length of the next datagram to read, or -1 if none waits} */
    int nextLength() {
        byte[] d = incoming.peek();
        return d == null ? -1 : d.length;
    }

    /** Moves the next datagram into {@code dst}, which the caller checked has room; {@return its length} */
    int poll(ByteBuffer dst) {
        byte[] d = incoming.poll();
        dst.put(d);
        return d.length;
    }

    long droppedOnArrival() {
        return droppedOnArrival;
    }

    long discardedUnsent() {
        return discardedUnsent;
    }
}
