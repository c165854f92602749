package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import qsock.core.endpoint.EndpointConfig;

/**
 * The I/O thread serves datagrams even when the thread queued ahead of it for the endpoint's lock never runs
 * (issue 9: the I/O thread parked on a free lock, its next owner a virtual thread without a carrier, after an
 * OutOfMemoryError). Made deterministic with one carrier for all virtual threads, kept busy by a virtual thread
 * that never yields: this class runs in a surefire execution of its own with
 * {@code -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1}.
 */
@EnabledIfSystemProperty(named = "jdk.virtualThreadScheduler.parallelism", matches = "1")
class IoEndpointStarvationTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLockWaiterThatNeverRunsDoesNotStopTheIoThread() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        ReentrantLock lock = io.lock();
        AtomicBoolean hogging = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        Thread waiter = null;
        Thread hog = null;
        try (DatagramChannel peer = DatagramChannel.open()) {
            // Only an endpoint that listens answers an unknown version (RFC 9000 §6.1: servers send VN).
            io.lock().lock();
            try {
                io.endpoint().listen(4);
            } finally {
                io.lock().unlock();
            }
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            byte[] scid = {7, 7, 7, 7, 7, 7, 7, 7};
            lock.lock();
            try {
                // First in the lock's queue: a virtual thread (an application's send, say).
                waiter = Thread.ofVirtual().start(() -> {
                    lock.lock();
                    lock.unlock();
                });
                Thread queued = waiter;
                awaitTrue(() -> lock.hasQueuedThread(queued), "the virtual thread queues for the lock");
                // Then the I/O thread, woken by a datagram that wants an answer.
                peer.send(IoEndpointTest.unknownVersion(scid), io.localAddress());
                awaitTrue(() -> lock.hasQueuedThread(io.thread()), "the I/O thread queues behind it");
                // The only carrier is taken by a virtual thread that never yields: the waiter cannot run.
                hog = Thread.ofVirtual().start(() -> {
                    hogging.set(true);
                    while (!release.get()) {
                        Thread.onSpinWait();
                    }
                });
                awaitTrue(hogging::get, "the carrier is taken");
            } finally {
                // The lock goes to the waiter, which cannot take it: the lock is free, its next owner never runs.
                lock.unlock();
            }
            // Blocking: the test's timeout bounds it. The I/O thread must take the free lock and answer.
            IoEndpointTest.awaitVersionNegotiation(peer, scid);
            assertTrue(waiter.isAlive(), "the waiter still has not run: the I/O thread went past it");
        } finally {
            release.set(true);
            if (hog != null) {
                hog.join(10_000);
            }
            if (waiter != null) {
                waiter.join(10_000);
            }
            io.lock().lock();
            io.detach(client);
            io.lock().unlock();
        }
    }

    /** Waits, a millisecond at a time and for ten seconds at most, until {@code condition} holds. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 10_000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(1);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
