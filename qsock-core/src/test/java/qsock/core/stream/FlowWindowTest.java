package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowWindowTest {

    private static final long MS = 1_000_000;

    @Test
    void anUpdateIsDueOnceHalfTheWindowIsConsumed() {
        FlowWindow w = new FlowWindow(1000, 1000);
        w.consume(499);
        assertFalse(w.shouldUpdate());
        w.consume(1);
        assertTrue(w.shouldUpdate());
        assertEquals(1500, w.update(0, 100 * MS));
        assertFalse(w.shouldUpdate());
    }

    @Test
    void aWindowConsumedWithinTwoRttsDoubles() {
        FlowWindow w = new FlowWindow(1000, 1 << 20);
        w.start(0);
        w.consume(500);
        // 150 ms after the start with a 100 ms RTT: less than 2 RTT, so the window is the bottleneck.
        assertEquals(500 + 2000, w.update(150 * MS, 100 * MS));
        assertEquals(2000, w.window());
        w.consume(1000);
        assertEquals(1500 + 4000, w.update(300 * MS, 100 * MS));
    }

    @Test
    void aSlowlyConsumedWindowKeepsItsSize() {
        FlowWindow w = new FlowWindow(1000, 1 << 20);
        w.start(0);
        w.consume(500);
        assertEquals(1500, w.update(250 * MS, 100 * MS));
        assertEquals(1000, w.window());
    }

    @Test
    void autoTuningStopsAtTheCap() {
        FlowWindow w = new FlowWindow(1000, 3000);
        w.start(0);
        long now = 0;
        for (int i = 0; i < 5; i++) {
            w.consume(w.limit() - w.consumed());
            now += MS;
            w.update(now, 100 * MS);
        }
        assertEquals(3000, w.window());
        assertEquals(w.consumed() + 3000, w.limit());
    }

    @Test
    void theFirstUpdateWithoutAStartDoesNotDouble() {
        FlowWindow w = new FlowWindow(1000, 1 << 20);
        w.consume(600);
        w.update(5 * MS, 100 * MS);
        assertEquals(1000, w.window());
    }

    @Test
    void ensureWindowRaisesButNeverPastTheCap() {
        FlowWindow w = new FlowWindow(1000, 5000);
        w.ensureWindow(3000);
        assertEquals(3000, w.window());
        w.ensureWindow(9000);
        assertEquals(5000, w.window());
        w.ensureWindow(10);
        assertEquals(5000, w.window());
    }
}
