package qsock.core.stream;

import java.util.Arrays;

/**
 * A set of non-negative {@code long} values kept as sorted, disjoint, non-adjacent half-open ranges
 * {@code [start, end)}, with a cap on the number of ranges.
 *
 * <p>Ranges live in two parallel arrays, grown up to the cap and then reused, so steady-state use does not
 * allocate. Lookups are binary searches; an insertion or removal in the middle moves the ranges behind it.
 *
 * <p>The cap exists because a peer can drive the number of ranges (by acknowledging or sending every other
 * piece). When an operation would need more ranges than the cap, the exact operations ({@link #add},
 * {@link #remove}) refuse and change nothing, and the caller decides; {@link #addCoarse} instead merges
 * the two ranges closest to each other, so the set grows to a superset of what it should hold.
 */
public final class RangeSet {

    private final int maxRanges;
    private long[] starts;
    private long[] ends;
    private int size;

    /**
     * @param maxRanges the most ranges the set holds, at least 1
     * @throws IllegalArgumentException if {@code maxRanges} is less than 1
     */
    public RangeSet(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("maxRanges must be at least 1: " + maxRanges);
        }
        this.maxRanges = maxRanges;
        int initial = Math.min(maxRanges, 4);
        this.starts = new long[initial];
        this.ends = new long[initial];
    }

    /** {@return the number of ranges} */
    public int size() {
        return size;
    }

    /** {@return true if the set holds no value} */
    public boolean isEmpty() {
        return size == 0;
    }

    /** {@return the most ranges this set holds} */
    public int maxRanges() {
        return maxRanges;
    }

    /** {@return the first value of range {@code i}, ranges counted from the lowest} */
    public long start(int i) {
        checkIndex(i);
        return starts[i];
    }

    /** {@return the value after the last one of range {@code i}} */
    public long end(int i) {
        checkIndex(i);
        return ends[i];
    }

    /** {@return the value after the highest in the set, or 0 if empty} */
    public long max() {
        return size == 0 ? 0 : ends[size - 1];
    }

    /** {@return true if {@code value} is in the set} */
    public boolean contains(long value) {
        int i = firstEndingAfter(value);
        return i < size && starts[i] <= value;
    }

    /** {@return true if every value of {@code [start, end)} is in the set; true for an empty range} */
    public boolean containsAll(long start, long end) {
        if (start >= end) {
            return true;
        }
        int i = firstEndingAfter(start);
        return i < size && starts[i] <= start && ends[i] >= end;
    }

    /** {@return the index of the first range whose end is above {@code value}, or {@link #size()}} */
    public int firstEndingAfter(long value) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** {@return the index of the first range whose end is at or above {@code value}, or {@link #size()}} */
    private int firstEndingAtOrAfter(long value) {
        return value == Long.MIN_VALUE ? 0 : firstEndingAfter(value - 1);
    }

    /** {@return the index of the first range that starts above {@code value}, or {@link #size()}} */
    private int firstStartingAfter(long value) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] > value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Adds {@code [start, end)}, merging it with the ranges it overlaps or touches.
     *
     * @return false, with the set unchanged, if the range would need a new range beyond the cap
     * @throws IllegalArgumentException if {@code start} is negative or above {@code end}
     */
    public boolean add(long start, long end) {
        checkRange(start, end);
        if (start == end) {
            return true;
        }
        int i = firstEndingAtOrAfter(start);
        int j = firstStartingAfter(end);
        if (i == j) {
            if (size == maxRanges) {
                return false;
            }
            insertAt(i, start, end);
            return true;
        }
        starts[i] = Math.min(starts[i], start);
        ends[i] = Math.max(ends[j - 1], end);
        deleteRange(i + 1, j);
        return true;
    }

    /**
     * Adds {@code [start, end)}; when the cap is reached, first merges the two ranges with the smallest
     * gap between them (which adds the gap's values), so that this never fails.
     *
     * @throws IllegalArgumentException if {@code start} is negative or above {@code end}
     */
    public void addCoarse(long start, long end) {
        while (!add(start, end)) {
            mergeClosestPair(start, end);
        }
    }

    private void mergeClosestPair(long start, long end) {
        if (size == 1) {
            // The cap is one range: widen it to cover the new one too.
            starts[0] = Math.min(starts[0], start);
            ends[0] = Math.max(ends[0], end);
            return;
        }
        int best = 0;
        long bestGap = Long.MAX_VALUE;
        for (int k = 0; k + 1 < size; k++) {
            long gap = starts[k + 1] - ends[k];
            if (gap < bestGap) {
                bestGap = gap;
                best = k;
            }
        }
        ends[best] = ends[best + 1];
        deleteRange(best + 1, best + 2);
    }

    /**
     * Removes {@code [start, end)} from the set.
     *
     * @return false, with the set unchanged, if that would split a range in two beyond the cap
     * @throws IllegalArgumentException if {@code start} is negative or above {@code end}
     */
    public boolean remove(long start, long end) {
        checkRange(start, end);
        if (start == end) {
            return true;
        }
        int i = firstEndingAfter(start);
        int j = firstStartingAfter(end - 1);
        if (i >= j) {
            return true;
        }
        if (j - i == 1 && starts[i] < start && ends[i] > end) {
            if (size == maxRanges) {
                return false;
            }
            long oldEnd = ends[i];
            ends[i] = start;
            insertAt(i + 1, end, oldEnd);
            return true;
        }
        if (starts[i] < start) {
            ends[i] = start;
            i++;
        }
        if (i < j && ends[j - 1] > end) {
            starts[j - 1] = end;
            j--;
        }
        deleteRange(i, j);
        return true;
    }

    /** Removes every value below {@code value}; never needs a new range. */
    public void removeBelow(long value) {
        int i = firstEndingAfter(value);
        deleteRange(0, i);
        if (size > 0 && starts[0] < value) {
            starts[0] = value;
        }
    }

    /** Removes the lowest range. */
    public void removeFirst() {
        if (size == 0) {
            throw new IllegalStateException("empty range set");
        }
        deleteRange(0, 1);
    }

    /** Removes every range. */
    public void clear() {
        size = 0;
    }

    private void insertAt(int i, long start, long end) {
        if (size == starts.length) {
            int capacity = Math.min(maxRanges, Math.max(4, starts.length * 2));
            starts = Arrays.copyOf(starts, capacity);
            ends = Arrays.copyOf(ends, capacity);
        }
        System.arraycopy(starts, i, starts, i + 1, size - i);
        System.arraycopy(ends, i, ends, i + 1, size - i);
        starts[i] = start;
        ends[i] = end;
        size++;
    }

    private void deleteRange(int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        System.arraycopy(starts, to, starts, from, size - to);
        System.arraycopy(ends, to, ends, from, size - to);
        size -= n;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("range " + i + " of " + size);
        }
    }

    private static void checkRange(long start, long end) {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < size; k++) {
            if (k > 0) {
                sb.append(", ");
            }
            sb.append('[').append(starts[k]).append(", ").append(ends[k]).append(')');
        }
        return sb.append(']').toString();
    }
}
