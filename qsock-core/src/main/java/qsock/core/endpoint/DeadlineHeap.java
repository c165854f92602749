package qsock.core.endpoint;

import java.util.Arrays;

/**
 * An indexed binary min-heap of nodes keyed by a deadline: the earliest is read in O(1), and a node's deadline is
 * set, changed or removed in O(log n), because each node knows its place in the heap. The endpoint keeps one node
 * per connection keyed by the connection's next deadline, so that finding what is due costs what is due, not one
 * look at every connection.
 *
 * <p>{@link Long#MAX_VALUE} means "never": a node with that deadline is not in the heap. Deadlines compare as
 * plain numbers, as the connections' {@code Math.min} of their timers does. Ties come out in an order fixed by
 * the sequence of calls, so an endpoint driven the same way behaves the same way.
 *
 * <p>Not thread-safe; the endpoint owns it.
 *
 * @param <T> the nodes' type
 */
final class DeadlineHeap<T extends DeadlineHeap.Node> {

    /** What the heap keeps: one per item scheduled, holding its place and deadline (only the heap sets them). */
    static class Node {
        /** The node's index in the heap, -1 while it is not in it. */
        int heapIndex = -1;
        long deadline = Long.MAX_VALUE;

        /** {@return the deadline the node is in the heap with, or {@code Long.MAX_VALUE} if it is not in it} */
        final long deadline() {
            return deadline;
        }

        /** {@return true while the node is in a heap} */
        final boolean scheduled() {
            return heapIndex >= 0;
        }
    }

    private static final Node[] EMPTY = new Node[0];

    private Node[] nodes = EMPTY;
    private int size;

    /** {@return the number of nodes in the heap} */
    int size() {
        return size;
    }

    /** {@return true if no node is in the heap} */
    boolean isEmpty() {
        return size == 0;
    }

    /** {@return the earliest deadline, or {@code Long.MAX_VALUE} if the heap is empty} */
    long earliest() {
        return size == 0 ? Long.MAX_VALUE : nodes[0].deadline;
    }

    /** {@return the node with the earliest deadline, or null if the heap is empty} */
    @SuppressWarnings("unchecked")
    T peek() {
        return size == 0 ? null : (T) nodes[0];
    }

    /** {@return the node with the earliest deadline, taken out of the heap; null if the heap is empty} */
    T poll() {
        T first = peek();
        if (first != null) {
            removeAt(0);
        }
        return first;
    }

    /**
     * Puts {@code node} in the heap with {@code deadline}, or moves it there if it is in already;
     * {@code Long.MAX_VALUE} takes it out.
     */
    void set(T node, long deadline) {
        if (deadline == Long.MAX_VALUE) {
            remove(node);
            return;
        }
        int i = node.heapIndex;
        if (i < 0) {
            if (size == nodes.length) {
                nodes = Arrays.copyOf(nodes, Math.max(16, size * 2));
            }
            node.deadline = deadline;
            node.heapIndex = size;
            nodes[size++] = node;
            siftUp(size - 1);
            return;
        }
        long old = node.deadline;
        node.deadline = deadline;
        if (deadline < old) {
            siftUp(i);
        } else if (deadline > old) {
            siftDown(i);
        }
    }

    /** Takes {@code node} out of the heap; nothing happens if it is not in it. */
    void remove(T node) {
        int i = node.heapIndex;
        if (i >= 0) {
            removeAt(i);
        }
    }

    private void removeAt(int i) {
        Node removed = nodes[i];
        int last = --size;
        if (i != last) {
            Node moved = nodes[last];
            nodes[i] = moved;
            moved.heapIndex = i;
            nodes[last] = null;
            siftDown(i);
            if (nodes[i] == moved) {
                siftUp(i);
            }
        } else {
            nodes[last] = null;
        }
        removed.heapIndex = -1;
        removed.deadline = Long.MAX_VALUE;
        if (size == 0 && nodes.length > 1024) {
            // A heap that once held many and is now empty gives its array back.
            nodes = EMPTY;
        }
    }

    private void siftUp(int i) {
        Node n = nodes[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Node p = nodes[parent];
            if (p.deadline <= n.deadline) {
                break;
            }
            nodes[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        nodes[i] = n;
        n.heapIndex = i;
    }

    private void siftDown(int i) {
        Node n = nodes[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Node c = nodes[child];
            int right = child + 1;
            if (right < size && nodes[right].deadline < c.deadline) {
                child = right;
                c = nodes[child];
            }
            if (n.deadline <= c.deadline) {
                break;
            }
            nodes[i] = c;
            c.heapIndex = i;
            i = child;
        }
        nodes[i] = n;
        n.heapIndex = i;
    }

    @Override
    public String toString() {
        return "DeadlineHeap[size=" + size + ", earliest=" + (size == 0 ? "none" : earliest()) + "]";
    }
}
