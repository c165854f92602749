package qsock.socket;

import java.io.Closeable;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread waiting on many {@link QuicSocket}s, as the JDK's {@code java.nio.channels.Selector} waits on channels
 * (and the kernel's QUIC sockets on poll and epoll): a server can accept, run the TLS handshakes of, and serve
 * thousands of connections from one thread, none of its calls blocking. Each socket's I/O thread still moves its
 * datagrams; the selector's thread does the application's work (and the handshakes' cryptography).
 *
 * <p>A socket in non-blocking mode is {@linkplain QuicSocket#register registered} with an interest set of
 * {@link QuicSelectionKey} operations; {@link #select()} waits until at least one registered socket is ready for an
 * operation of its interest set and puts its key in the {@linkplain #selectedKeys() selected-key set}, which the
 * caller empties as it handles the keys (as with the JDK, a key stays there, and its ready set only grows, until the
 * caller removes it). Readiness is level-triggered: a key whose condition still holds at the next selection is
 * selected again. A socket is registered with one selector at a time.
 *
 * <p>A server loop, accepting, handshaking with qsock-tls's {@code HandshakeDriver} and answering, on one thread:
 * <pre>{@code
 * try (QuicSelector selector = QuicSelector.open()) {
 *     listener.configureBlocking(false);
 *     listener.register(selector, QuicSelectionKey.OP_ACCEPT);
 *     while (running) {
 *         selector.select();
 *         for (Iterator<QuicSelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
 *             QuicSelectionKey key = it.next();
 *             it.remove();
 *             if (key.isAcceptable()) {
 *                 for (QuicSocket s = listener.accept(); s != null; s = listener.accept()) {
 *                     s.register(selector, QuicSelectionKey.OP_CONNECT,
 *                             HandshakeDriver.server(s.handshakeChannel(), tls, random));
 *                 }
 *             } else if (key.isConnectable()) {
 *                 HandshakeDriver driver = (HandshakeDriver) key.attachment();
 *                 HandshakeDriver.Step step = driver.step();
 *                 for (int i = 0; i < 16 && step == HandshakeDriver.Step.TASK_PENDING; i++) {
 *                     driver.delegatedTask().run(); // signing: here, or on a pool that calls wakeup()
 *                     step = driver.step();
 *                 }
 *                 switch (step) {
 *                     case COMPLETE -> key.interestOps(QuicSelectionKey.OP_READ);
 *                     case FAILED -> key.socket().close(); // cancels the key
 *                     default -> { } // more input to come: selected again when it arrives
 *                 }
 *             } else if (key.isReadable()) {
 *                 QuicSocket s = key.socket();
 *                 try {
 *                     for (StreamMessage m = s.receive(buffer.clear()); m != null; m = s.receive(buffer.clear())) {
 *                         answer(s, m, buffer.flip()); // send() takes what fits; OP_WRITE says when there is room
 *                     }
 *                 } catch (ClosedConnectionException e) {
 *                     s.close();
 *                 }
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>How it hears of changes: a registered socket's I/O thread, after each batch that may have changed the socket
 * (data, acknowledgements freeing room, events, a state change, a connection to accept), marks the socket's key and
 * wakes the selecting thread; that costs a flag and a queue slot, never a wait on the selector. A selection looks at
 * the keys marked since the last one and again at those it found ready last time (whose readiness the application's
 * own calls since, a receive that drained, a send that filled the bound, may have taken away), each under its socket's
 * lock: the cost of a selection follows what changed, not the number of keys. A change made by the application on a
 * key that was not ready (a handshake step that established the connection) is seen when its interest set changes or
 * the connection's I/O thread next hears from the peer. Nothing is allocated per selection.
 *
 * <p>Thread-safe as the JDK's: keys may be registered, cancelled and their interest sets changed from any thread;
 * one selection runs at a time; {@link #wakeup()} and {@link #close()} may be called from any thread. The key sets
 * themselves are not thread-safe: use them from the selecting thread, or lock around them.
 */
public final class QuicSelector implements Closeable {

    /** Guards the queue of signalled keys, the key set and the closed flag; taken by I/O threads, so held briefly. */
    private final ReentrantLock guard = new ReentrantLock();
    /** One selection at a time; close waits for the one in progress. */
    private final ReentrantLock selectLock = new ReentrantLock();
    /** Keys signalled since the selection took the queue last, each at most once (their flag). */
    private final ArrayDeque<QuicSelectionKey> queue = new ArrayDeque<>();
    private final Set<QuicSelectionKey> keys = new HashSet<>();
    private final Set<QuicSelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final SelectedKeys selected = new SelectedKeys();

    // The selecting thread's, reused from selection to selection.
    /** The keys found ready by the last selection's rounds: looked at again at the next selection. */
    private final ArrayList<QuicSelectionKey> recheck = new ArrayList<>();
    /** The keys one round looks at. */
    private final ArrayList<QuicSelectionKey> work = new ArrayList<>();
    private long round;
    /** Readiness looks taken, each under a socket's lock: what a selection costs, for the tests that bound it. */
    private long looks;

    /** The thread in a selection, which a signal or a wakeup unparks; null between selections. */
    private volatile Thread selecting;
    private volatile boolean wakeupPending;
    private volatile boolean closed;

    private QuicSelector() {}

    /** {@return a new selector, with no key} */
    public static QuicSelector open() {
        return new QuicSelector();
    }

    /** {@return true until {@link #close()}} */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * {@return the keys registered, as a set that cannot be modified} A cancelled key leaves it at the next selection.
     *
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    public Set<QuicSelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    /**
     * {@return the selected-key set: the keys found ready for an operation of their interest sets} The caller removes
     * each key as it handles it (through the iterator, {@code remove} or {@code clear}); keys cannot be added.
     *
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    public Set<QuicSelectionKey> selectedKeys() {
        ensureOpen();
        return selected;
    }

    /**
     * Waits until at least one key is selected (added to the selected-key set, or its ready set grew), {@link
     * #wakeup()} is called, the thread is interrupted (its status stays set) or the selector is closed.
     *
     * @return the keys whose ready sets were updated, maybe 0
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    public int select() {
        return selectNanos(-1);
    }

    /**
     * As {@link #select()}, for at most {@code timeoutMillis} milliseconds; 0 waits without a limit, as the JDK's.
     *
     * @return the keys whose ready sets were updated; 0 if none was ready before the timeout
     * @throws IllegalArgumentException if {@code timeoutMillis} is negative
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    public int select(long timeoutMillis) {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("negative timeout: " + timeoutMillis);
        }
        if (timeoutMillis == 0) {
            return selectNanos(-1);
        }
        long nanos = timeoutMillis >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE / 2
                : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return selectNanos(nanos);
    }

    /**
     * Selects the keys ready now, without waiting; clears a pending {@link #wakeup()}.
     *
     * @return the keys whose ready sets were updated, maybe 0
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    public int selectNow() {
        return selectNanos(0);
    }

    /**
     * Makes the selection in progress return at once, or if none is, the next one (unless {@link #selectNow()} runs
     * first). Any thread.
     *
     * @return this
     */
    public QuicSelector wakeup() {
        wakeupPending = true;
        unparkSelecting();
        return this;
    }

    /**
     * Closes the selector: a selection in progress returns, every key is cancelled (its socket no longer registered,
     * free to register elsewhere) and the key sets are emptied. Closing again does nothing.
     */
    @Override
    public void close() {
        guard.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            guard.unlock();
        }
        unparkSelecting();
        selectLock.lock();
        try {
            List<QuicSelectionKey> all;
            guard.lock();
            try {
                all = new ArrayList<>(keys);
                keys.clear();
                queue.clear();
            } finally {
                guard.unlock();
            }
            for (QuicSelectionKey k : all) {
                k.invalidate();
                k.recheck = false;
            }
            selected.clear();
            recheck.clear();
        } finally {
            selectLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "QuicSelector[" + (closed ? "closed" : "keys " + keys.size()) + "]";
    }

    /**
     * Registers {@code socket}, which supports {@code validOps}, with interest in {@code ops}; {@return its key} The
     * socket makes the key its watcher and signals it, so the next selection looks at it.
     *
     * @throws IllegalArgumentException if {@code ops} holds an operation not in {@code validOps}
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     */
    QuicSelectionKey register(QuicSocket socket, int validOps, int ops, Object attachment) {
        QuicSelectionKey.checkOps(ops, validOps);
        QuicSelectionKey key = new QuicSelectionKey(this, socket, validOps, ops, attachment);
        guard.lock();
        try {
            ensureOpen();
            keys.add(key);
        } finally {
            guard.unlock();
        }
        return key;
    }

    /**
     * Queues a signalled key for the next selection and wakes the selecting thread; from {@link
     * QuicSelectionKey#signal}, on any thread, an I/O thread among them with its endpoint's lock held.
     */
    void enqueue(QuicSelectionKey key) {
        guard.lock();
        try {
            if (closed) {
                return;
            }
            queue.add(key);
        } finally {
            guard.unlock();
        }
        unparkSelecting();
    }

    private void unparkSelecting() {
        Thread t = selecting;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * A selection of at most {@code timeoutNanos}: 0 looks once, negative waits without a limit. Lost wakeups are
     * avoided by order: the thread is published in {@link #selecting} before the queue is looked at, and a signaller
     * queues before it reads {@link #selecting}; so either the selection sees the key queued or its park returns at
     * once (the signaller's unpark came first).
     */
    private int selectNanos(long timeoutNanos) {
        selectLock.lock();
        try {
            ensureOpen();
            Thread me = Thread.currentThread();
            selecting = me;
            long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
            int updated = evaluate(true);
            while (updated == 0 && timeoutNanos != 0 && !wakeupPending && !closed && !me.isInterrupted()) {
                if (!hasQueued()) {
                    if (timeoutNanos < 0) {
                        LockSupport.park(this);
                    } else {
                        long remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            break;
                        }
                        LockSupport.parkNanos(this, remaining);
                    }
                }
                // Only what was signalled since: the keys looked at already cannot have changed but through a signal.
                updated = evaluate(false);
            }
            wakeupPending = false;
            return updated;
        } finally {
            selecting = null;
            selectLock.unlock();
        }
    }

    private boolean hasQueued() {
        guard.lock();
        try {
            return !queue.isEmpty();
        } finally {
            guard.unlock();
        }
    }

    /**
     * One round: looks at the keys signalled since the last round and, at a selection's first round, at those the last
     * selection found ready; puts the ready ones in the selected-key set. {@return the keys whose ready sets were
     * updated}
     */
    private int evaluate(boolean withRecheck) {
        long r = ++round;
        guard.lock();
        try {
            for (QuicSelectionKey k = queue.poll(); k != null; k = queue.poll()) {
                // Cleared before the key is looked at: a change from now on queues it again.
                k.clearSignal();
                k.gatheredInRound = r;
                work.add(k);
            }
        } finally {
            guard.unlock();
        }
        if (withRecheck) {
            for (int i = 0; i < recheck.size(); i++) {
                QuicSelectionKey k = recheck.get(i);
                k.recheck = false;
                if (k.gatheredInRound != r) {
                    k.gatheredInRound = r;
                    work.add(k);
                }
            }
            recheck.clear();
        }
        int updated = 0;
        for (int i = 0; i < work.size(); i++) {
            QuicSelectionKey k = work.get(i);
            if (!k.isValid()) {
                drop(k);
                continue;
            }
            looks++;
            int ready = k.socket().readyOps(k.interestOpsForSelection());
            // A key cancelled meanwhile was signalled by its cancel: the next round drops it.
            if (ready == 0 || !k.isValid()) {
                continue;
            }
            if (!k.recheck) {
                k.recheck = true;
                recheck.add(k);
            }
            if (k.selectedIndex < 0) {
                k.readyOps = ready;
                selected.addKey(k);
                updated++;
            } else if ((ready & ~k.readyOps) != 0) {
                k.readyOps |= ready;
                updated++;
            }
        }
        work.clear();
        return updated;
    }

    /** {@return the readiness looks taken so far, each under a socket's lock} For tests; the selecting thread's. */
    long looks() {
        return looks;
    }

    /** Takes a cancelled key out of the key sets. */
    private void drop(QuicSelectionKey k) {
        guard.lock();
        try {
            keys.remove(k);
        } finally {
            guard.unlock();
        }
        selected.remove(k);
    }

    private void ensureOpen() {
        if (closed) {
            throw new java.nio.channels.ClosedSelectorException();
        }
    }

    /**
     * The selected-key set: an array of keys, each knowing its index, so that adding, finding and removing a key
     * take constant time and allocate nothing. The caller may remove, not add. Iteration runs from the last key to
     * the first, so that removing the current key (moving the last into its place) skips nothing.
     */
    private static final class SelectedKeys extends AbstractSet<QuicSelectionKey> {

        private QuicSelectionKey[] items = new QuicSelectionKey[16];
        private int size;
        private int modCount;

        void addKey(QuicSelectionKey k) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            k.selectedIndex = size;
            items[size++] = k;
            modCount++;
        }

        @Override
        public boolean add(QuicSelectionKey k) {
            throw new UnsupportedOperationException("keys are added by selection only");
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean contains(Object o) {
            return o instanceof QuicSelectionKey k && k.selectedIndex >= 0 && k.selectedIndex < size
                    && items[k.selectedIndex] == k;
        }

        @Override
        public boolean remove(Object o) {
            if (!contains(o)) {
                return false;
            }
            removeAt(((QuicSelectionKey) o).selectedIndex);
            return true;
        }

        @Override
        public void clear() {
            for (int i = 0; i < size; i++) {
                items[i].selectedIndex = -1;
                items[i] = null;
            }
            size = 0;
            modCount++;
        }

        private void removeAt(int i) {
            QuicSelectionKey gone = items[i];
            QuicSelectionKey last = items[--size];
            items[i] = last;
            last.selectedIndex = i;
            items[size] = null;
            gone.selectedIndex = -1;
            modCount++;
        }

        @Override
        public Iterator<QuicSelectionKey> iterator() {
            return new Iterator<>() {
                private int next = size - 1;
                private int current = -1;
                private int expected = modCount;

                @Override
                public boolean hasNext() {
                    return next >= 0;
                }

                @Override
                public QuicSelectionKey next() {
                    if (modCount != expected) {
                        throw new ConcurrentModificationException();
                    }
                    if (next < 0) {
                        throw new NoSuchElementException();
                    }
                    current = next--;
                    return items[current];
                }

                @Override
                public void remove() {
                    if (current < 0) {
                        throw new IllegalStateException();
                    }
                    if (modCount != expected) {
                        throw new ConcurrentModificationException();
                    }
                    removeAt(current);
                    current = -1;
                    expected = modCount;
                }
            };
        }
    }
}
