package qsock.socket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one way a socket calls under a lock: a body run with the lock held and released however it ends, and the
 * socket's condition of that lock to wait on with a deadline. A socket has one over its UDP endpoint's lock, which
 * guards the endpoint and its connections and which the I/O thread signals through (each socket its own condition,
 * so that a batch wakes only the sockets it concerned), and one over its own setup lock.
 */
final class SocketLock {

    /** A body that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws IOException;
    }

    private final ReentrantLock lock;
    private final Condition changed;

    SocketLock(ReentrantLock lock) {
        this.lock = lock;
        this.changed = lock.newCondition();
    }

    /** {@return what {@code body} returned, run with the lock held} */
    <T> T call(Body<T> body) throws IOException {
        lock.lock();
        try {
            return body.run();
        } finally {
            lock.unlock();
        }
    }

    /** {@return what {@code body} returned, run with the lock held} */
    <T> T get(Supplier<T> body) {
        lock.lock();
        try {
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code body} with the lock held. */
    void run(Runnable body) {
        lock.lock();
        try {
            body.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, the lock held, until the condition is signalled or {@code deadline} ({@link System#nanoTime()}, or
     * {@link Long#MAX_VALUE} for none) passes; a wakeup may be spurious, so the caller checks again what it waits for.
     *
     * @return false, at once, if the deadline had passed already
     * @throws InterruptedIOException if the thread was interrupted (its status stays set)
     */
    boolean await(long deadline) throws InterruptedIOException {
        try {
            if (deadline == Long.MAX_VALUE) {
                changed.await();
                return true;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            changed.awaitNanos(remaining);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting");
        }
    }

    /** Wakes every thread waiting on the condition; the lock is held. */
    void signalAll() {
        changed.signalAll();
    }

    /** {@return the threads waiting on the condition, which have released the lock to do so} */
    int waiters() {
        return get(() -> lock.getWaitQueueLength(changed));
    }
}
