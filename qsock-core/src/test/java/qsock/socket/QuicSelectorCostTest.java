package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a selection costs: it looks at the sockets signalled since the last one and at those found ready then, not at
 * every registered socket; and in the steady state it allocates nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSelectorCostTest {

    private static final int SOCKETS = 100;

    @Test
    void aSelectionLooksAtWhatChangedAndWhatWasReadyNotAtEverySocket() throws Exception {
        List<QuicSocket> sockets = new ArrayList<>();
        try (QuicSocket peer = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSelector selector = QuicSelector.open()) {
            for (int i = 0; i < SOCKETS; i++) {
                // Connected, never handshaking: nothing is sent, nothing arrives, nothing to read.
                QuicSocket s = QuicSocket.open();
                sockets.add(s);
                s.connect(peer.localAddress());
                s.configureBlocking(false);
                s.register(selector, QuicSelectionKey.OP_READ);
            }
            assertEquals(0, selector.selectNow());
            long looks = selector.looks();
            assertTrue(looks >= SOCKETS, "each new key is looked at once: " + looks);
            for (int i = 0; i < 10; i++) {
                assertEquals(0, selector.selectNow());
            }
            assertEquals(looks, selector.looks(), "nothing changed: no socket looked at");

            QuicSocket changed = sockets.get(SOCKETS / 2);
            changed.shutdown(ShutdownHow.READ);
            assertEquals(1, selector.selectNow());
            assertEquals(Set.of(changed.keyFor(selector)), selector.selectedKeys());
            assertEquals(looks + 1, selector.looks(), "only the socket that changed");

            // Level-triggered: the ready key is looked at again at each selection, and only it.
            for (int i = 0; i < 10; i++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.selectNow());
            }
            assertEquals(looks + 11, selector.looks());
        } finally {
            sockets.forEach(QuicSocket::close);
        }
    }

    @Test
    void aSelectionAllocatesNothingInTheSteadyState() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (QuicSocket peer = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket ready = QuicSocket.open();
             QuicSocket idle = QuicSocket.open();
             QuicSelector selector = QuicSelector.open()) {
            ready.connect(peer.localAddress());
            idle.connect(peer.localAddress());
            ready.configureBlocking(false);
            idle.configureBlocking(false);
            ready.register(selector, QuicSelectionKey.OP_READ);
            idle.register(selector, QuicSelectionKey.OP_READ);
            ready.shutdown(ShutdownHow.READ);
            int selections = 20_000;
            for (int i = 0; i < selections; i++) {
                // Warming up: the paths compiled, the selected-key set at its size.
                selector.selectedKeys().clear();
                selector.selectNow();
            }
            long id = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(id);
            int selected = 0;
            for (int i = 0; i < selections; i++) {
                selector.selectedKeys().clear();
                selected += selector.selectNow();
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertEquals(selections, selected, "the ready key was selected each time");
            // Less than a byte per selection: what the measurement itself costs, nothing per selection.
            assertTrue(allocated < selections, allocated + " bytes allocated by " + selections + " selections");
        }
    }
}
