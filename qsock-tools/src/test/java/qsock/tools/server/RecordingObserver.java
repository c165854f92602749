package qsock.tools.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test support: counts an {@link HqInteropHandler}'s responses, and can hold the first ones back until enough
 * requests are in flight at once, which proves the client sent them side by side without timing anything.
 */
public final class RecordingObserver implements ResponseObserver {

    private final CountDownLatch gate;
    private final long gateSeconds;
    private final AtomicBoolean gateGaveUp = new AtomicBoolean();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger complete = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    /** An observer that only counts. */
    public RecordingObserver() {
        this(0, 0);
    }

    /**
     * An observer that holds every response back until {@code together} responses have started, or gives up
     * after {@code gateSeconds} (then lets everything through and remembers it gave up): a client that waits for
     * each response before sending the next request never gets the gate open.
     */
    public RecordingObserver(int together, long gateSeconds) {
        this.gate = new CountDownLatch(together);
        this.gateSeconds = gateSeconds;
    }

    @Override
    public void responseStarting(long streamId, String path) throws InterruptedException {
        started.incrementAndGet();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        gate.countDown();
        if (!gate.await(gateSeconds, TimeUnit.SECONDS)) {
            gateGaveUp.set(true);
            while (gate.getCount() > 0) {
                gate.countDown();
            }
        }
    }

    @Override
    public void responseEnded(long streamId, long bytesSent, boolean whole) {
        inFlight.decrementAndGet();
        if (whole) {
            complete.incrementAndGet();
        }
        ended.incrementAndGet();
    }

    /** {@return the responses started so far} */
    public int started() {
        return started.get();
    }

    /** {@return the responses ended so far, whole or not} */
    public int ended() {
        return ended.get();
    }

    /** {@return the responses ended whole so far} */
    public int complete() {
        return complete.get();
    }

    /** {@return the most responses started and not ended at one time} */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** {@return true if the gate's time ran out before enough responses were in flight together} */
    public boolean gateGaveUp() {
        return gateGaveUp.get();
    }

    /**
     * Waits until {@code condition} holds, for at most {@code seconds}; a bound, not a measurement.
     *
     * @throws AssertionError naming {@code what} if it does not come true in time
     */
    public static void awaitTrue(String what, long seconds, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + seconds + " s");
            }
            Thread.sleep(10);
        }
    }
}
