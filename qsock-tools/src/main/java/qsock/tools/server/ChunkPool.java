package qsock.tools.server;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The file chunks of one connection's responses: at most {@code count} buffers of {@code size} bytes, allocated
 * when first needed and then reused, so that what a handler holds per connection does not grow with the streams
 * a peer opens (issue 9, finding 2). A response holds a chunk only while it reads from its file and hands the
 * bytes to the transport without waiting; it never holds one while it waits for the peer, so a peer that reads
 * nothing cannot pin the chunks and starve its other streams.
 */
final class ChunkPool {

    private final int size;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicLong allocatedBytes = new AtomicLong();
    private final LongConsumer allocated;

    /**
     * A pool of at most {@code count} chunks of {@code size} bytes.
     *
     * @param allocated told the pool's allocated bytes each time a chunk is allocated
     */
    ChunkPool(int count, int size, LongConsumer allocated) {
        if (count < 1 || size < 1) {
            throw new IllegalArgumentException("count " + count + ", size " + size);
        }
        this.size = size;
        this.allocated = allocated;
        // Fair: a response that waits gets the next chunk, not one that just gave its own back.
        this.permits = new Semaphore(count, true);
    }

    /** {@return a cleared chunk, waiting while all of them are in use} */
    ByteBuffer acquire() throws InterruptedIOException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a file chunk");
        }
        ByteBuffer chunk = free.poll();
        if (chunk == null) {
            // Direct: the file is read straight into it, without the JDK's temporary copy.
            chunk = ByteBuffer.allocateDirect(size);
            allocated.accept(allocatedBytes.addAndGet(size));
        }
        return chunk.clear();
    }

    /** Gives back a chunk {@link #acquire()} returned. */
    void release(ByteBuffer chunk) {
        free.add(chunk);
        permits.release();
    }

    /** {@return the bytes of the chunks allocated so far: never more than count x size} */
    long allocatedBytes() {
        return allocatedBytes.get();
    }
}
