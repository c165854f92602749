package qsock.socket;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * The streams of one connection peeled off as channels of their own ({@link QuicSocket#peelOff}), which the socket's
 * own reads pass by. Each ID carries whether its channel gave its input up (closed, or shut down for reading): what
 * still arrives on such a stream is dropped, so that the stream can end and be forgotten, and the peer's stream
 * limit rise again (RFC 9000 §4.6). Bounded at {@link #MAX} IDs: the application peels, the peer cannot grow it. The
 * IDs are kept sorted, so that the check made for every stream the socket's {@code receive} passes is a binary
 * search, without allocation. Guarded by the endpoint's lock.
 */
final class PeeledStreams {

    /** The streams that may be peeled off at once: ten times the kernel's default stream limits of 100 each way. */
    static final int MAX = 1024;

    private long[] ids = new long[4];
    private boolean[] discarding = new boolean[4];
    private int size;
    private int discardingCount;

    /** {@return true if stream {@code id} is peeled off} */
    boolean contains(long id) {
        return size > 0 && Arrays.binarySearch(ids, 0, size, id) >= 0;
    }

    /** {@return the streams peeled off, their channels open or not} */
    int size() {
        return size;
    }

    /** {@return true if some peeled stream's input is to be dropped} */
    boolean anyDiscarding() {
        return discardingCount > 0;
    }

    /**
     * Adds stream {@code id}, which must not be in already.
     *
     * @return false if {@link #MAX} streams are peeled off already
     */
    boolean add(long id) {
        int at = Arrays.binarySearch(ids, 0, size, id);
        if (at >= 0) {
            throw new IllegalStateException("stream " + id + " is peeled off already");
        }
        if (size == MAX) {
            return false;
        }
        if (size == ids.length) {
            int grown = Math.min(MAX, size * 2);
            ids = Arrays.copyOf(ids, grown);
            discarding = Arrays.copyOf(discarding, grown);
        }
        int insert = -at - 1;
        System.arraycopy(ids, insert, ids, insert + 1, size - insert);
        System.arraycopy(discarding, insert, discarding, insert + 1, size - insert);
        ids[insert] = id;
        discarding[insert] = false;
        size++;
        return true;
    }

    /** Marks stream {@code id}'s input as given up: whatever arrives on it is to be dropped. */
    void discard(long id) {
        int at = Arrays.binarySearch(ids, 0, size, id);
        if (at >= 0 && !discarding[at]) {
            discarding[at] = true;
            discardingCount++;
        }
    }

    /** {@return the ID at {@code index}, in ascending order, for a walk over all of them} */
    long id(int index) {
        return ids[index];
    }

    /** {@return true if the stream at {@code index} has its input given up} */
    boolean discarding(int index) {
        return discarding[index];
    }

    /**
     * Forgets every stream {@code gone} says the connection forgot, or only those with their input given up
     * ({@code discardingOnly}, which spares the lookups for the others); {@return how many}
     */
    int removeIf(LongPredicate gone, boolean discardingOnly) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if ((discarding[i] || !discardingOnly) && gone.test(ids[i])) {
                if (discarding[i]) {
                    discardingCount--;
                }
                continue;
            }
            ids[kept] = ids[i];
            discarding[kept] = discarding[i];
            kept++;
        }
        int removed = size - kept;
        size = kept;
        return removed;
    }
}
