package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.socket.QuicSelectionKey.OP_ACCEPT;
import static qsock.socket.QuicSelectionKey.OP_CONNECT;
import static qsock.socket.QuicSelectionKey.OP_READ;
import static qsock.socket.QuicSelectionKey.OP_WRITE;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSelectionKey;
import qsock.socket.QuicSelector;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.ShutdownHow;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.core.runtime.IoEndpointGroup;
import qsock.tls.HandshakeDriver;

/**
 * {@link QuicSelector}: each operation is selected when its condition holds and not before, readiness is
 * level-triggered, interest sets filter, and the selector's own calls (cancel, wakeup, timeouts, selectNow, close)
 * behave as the JDK's {@code Selector}'s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuicSelectorTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** A selection that must find something: bounded, so that a missing signal fails rather than hangs. */
    private static final long LIMIT_MILLIS = Waits.LIMIT.toMillis();
    /** A selection that must find nothing: whatever it waits, nothing may be selected. */
    private static final long QUIET_MILLIS = 200;

    // ------------------------------------------------------------------------------------------------
    // OP_ACCEPT

    @Test
    void acceptIsSelectedOnceAClientsInitialIsQueuedAndWhileItWaits() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             QuicSelector selector = QuicSelector.open();
             QuicSocket client = QuicSocket.open()) {
            QuicSocket listener = loopback.listener;
            listener.configureBlocking(false);
            QuicSelectionKey key = listener.register(selector, OP_ACCEPT);
            assertEquals(OP_ACCEPT, key.validOps());
            assertEquals(0, selector.selectNow(), "no client yet");
            assertEquals(0, selector.select(QUIET_MILLIS), "no client yet");

            client.connect(loopback.address);
            HandshakeDriver driver = HandshakeDriver.client(client.handshakeChannel(), Loopback.clientTls(), RANDOM);
            assertEquals(HandshakeDriver.Step.NEEDS_INPUT, driver.step(), "the ClientHello left");

            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertEquals(Set.of(key), selector.selectedKeys());
            assertTrue(key.isAcceptable());
            // Level-triggered: selected again while the connection waits.
            selector.selectedKeys().clear();
            assertEquals(1, selector.selectNow(), "the connection still waits");

            try (QuicSocket accepted = listener.accept()) {
                assertNotNull(accepted);
                selector.selectedKeys().clear();
                assertEquals(0, selector.selectNow(), "nothing waits once accepted");
                assertNull(listener.accept());

                // A listener shut down is acceptable: accept throws at once.
                listener.shutdown(ShutdownHow.WRITE);
                assertEquals(1, selector.selectNow());
                assertTrue(key.isAcceptable());
                assertThrows(AsynchronousCloseException.class, listener::accept);
            }
        }
    }

    @Test
    void acceptIsSelectedForConnectionsQueuedOnAnyIoThreadOfTheListener() throws Exception {
        Assumptions.assumeTrue(IoEndpointGroup.supported(), "SO_REUSEPORT spreading datagrams: Linux only");
        int clients = 16;
        List<QuicSocket> sockets = new ArrayList<>();
        try (QuicSocket listener = QuicSocket.open();
             QuicSelector selector = QuicSelector.open()) {
            listener.setOption(QuicSocketOptions.IO_THREADS, 2);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(clients);
            listener.configureBlocking(false);
            QuicSelectionKey key = listener.register(selector, OP_ACCEPT);
            // One client at a time, each landing on the thread its address hashes to: each must be selected by itself,
            // not found while another thread's connection was.
            Set<String> threads = new HashSet<>();
            int accepted = 0;
            for (int i = 0; i < clients; i++) {
                QuicSocket client = QuicSocket.open();
                sockets.add(client);
                client.connect(listener.localAddress());
                HandshakeDriver.client(client.handshakeChannel(), Loopback.clientTls(), RANDOM).step();
                assertEquals(1, selector.select(LIMIT_MILLIS), "client " + i + " selected");
                assertTrue(selector.selectedKeys().remove(key));
                assertTrue(key.isAcceptable());
                QuicSocket s = listener.accept();
                assertNotNull(s);
                sockets.add(s);
                threads.add(s.ioThreads().getFirst().thread());
                accepted++;
                assertNull(listener.accept());
            }
            assertEquals(clients, accepted);
            assertEquals(2, threads.size(), "connections queued on both threads were selected: " + threads);
            assertEquals(0, selector.selectNow(), "nothing left to accept");
        } finally {
            sockets.forEach(QuicSocket::close);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // OP_CONNECT

    @Test
    void connectIsSelectedForTheFirstStepThenOnlyWhenThePeerSendsSomething() throws Exception {
        // A peer that receives and never answers: nothing can make the handshake go on.
        try (DatagramChannel silent = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket client = QuicSocket.open();
             QuicSelector selector = QuicSelector.open()) {
            silent.configureBlocking(false);
            client.connect(silent.getLocalAddress());
            client.configureBlocking(false);
            HandshakeDriver driver = HandshakeDriver.client(client.handshakeChannel(), Loopback.clientTls(), RANDOM);
            QuicSelectionKey key = client.register(selector, OP_CONNECT | OP_READ | OP_WRITE);
            assertEquals(1, selector.selectNow(), "a new connection's first step is due");
            assertEquals(OP_CONNECT, key.readyOps(), "nothing to read, no writing before the handshake");
            assertEquals(HandshakeDriver.Step.NEEDS_INPUT, driver.step());
            Waits.until("the ClientHello reached the silent peer",
                    () -> receiveQuietly(silent, ByteBuffer.allocate(2048)));

            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "nothing arrived for the handshake");
            assertEquals(0, selector.select(QUIET_MILLIS), "nothing arrived for the handshake");
        }
    }

    @Test
    void oneThreadDrivesBothHandshakesSteppingEachOnlyWhenSelected() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             QuicSelector selector = QuicSelector.open();
             QuicSocket client = QuicSocket.open()) {
            loopback.listener.configureBlocking(false);
            loopback.listener.register(selector, OP_ACCEPT);
            client.connect(loopback.address);
            client.configureBlocking(false);
            client.register(selector, OP_CONNECT | OP_WRITE,
                    new Side(HandshakeDriver.client(client.handshakeChannel(), Loopback.clientTls(), RANDOM)));
            Side server = null;
            Side clientSide = (Side) client.keyFor(selector).attachment();
            for (int selections = 0; selections < 1000 && !(clientSide.writable && server != null && server.writable);
                 selections++) {
                assertTrue(selector.select(LIMIT_MILLIS) > 0, "selected: " + selector.keys());
                for (Iterator<QuicSelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    QuicSelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        QuicSocket s = loopback.listener.accept();
                        assertNotNull(s);
                        server = new Side(HandshakeDriver.server(s.handshakeChannel(), Loopback.serverTls(), RANDOM));
                        s.register(selector, OP_CONNECT | OP_WRITE, server);
                        // One connection in this test: the listener's part is done.
                        key.cancel();
                        continue;
                    }
                    Side side = (Side) key.attachment();
                    if (key.isWritable()) {
                        // The handshake's side must be complete: no 0-RTT, no 0.5-RTT here.
                        assertTrue(side.driver.isComplete(), "writable before the handshake completed: " + key);
                        side.writable = true;
                        key.interestOps(0);
                    } else if (key.isConnectable()) {
                        HandshakeDriver.Step step = step(side.driver);
                        side.steps++;
                        assertTrue(step != HandshakeDriver.Step.FAILED, "handshake failed: " + side.driver.failure());
                        if (step == HandshakeDriver.Step.COMPLETE) {
                            key.interestOps(OP_WRITE);
                        }
                    }
                }
            }
            assertNotNull(server, "the connection was accepted");
            assertTrue(clientSide.writable && server.writable, "both sides became writable");
            // The handshake took flights both ways: each side was selected for it more than once.
            assertTrue(clientSide.steps >= 2, "client steps " + clientSide.steps);
            assertTrue(server.steps >= 2, "server steps " + server.steps);
            QuicSocket serverSocket = serverSocket(selector, client);
            try {
                assertTrue(client.state().isEstablished());
                assertTrue(serverSocket.state().isEstablished());
            } finally {
                serverSocket.close();
            }
        }
    }

    @Test
    void connectIsSelectedWhenThePeerClosesDuringTheHandshake() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             QuicSelector selector = QuicSelector.open();
             QuicSocket client = QuicSocket.open()) {
            client.connect(loopback.address);
            client.configureBlocking(false);
            HandshakeDriver driver = HandshakeDriver.client(client.handshakeChannel(), Loopback.clientTls(), RANDOM);
            QuicSelectionKey key = client.register(selector, OP_CONNECT);
            assertEquals(1, selector.selectNow());
            assertEquals(HandshakeDriver.Step.NEEDS_INPUT, driver.step());
            selector.selectedKeys().clear();
            // The server takes the connection and closes it before answering the ClientHello.
            QuicSocket accepted = loopback.background(loopback.listener::accept).get(30, TimeUnit.SECONDS);
            accepted.close(0x77, "not now");

            HandshakeDriver.Step step = HandshakeDriver.Step.NEEDS_INPUT;
            for (int selections = 0; selections < 100 && step == HandshakeDriver.Step.NEEDS_INPUT; selections++) {
                assertEquals(1, selector.select(LIMIT_MILLIS), "selected for the close");
                assertTrue(selector.selectedKeys().remove(key));
                assertTrue(key.isConnectable());
                step = driver.step();
            }
            assertEquals(HandshakeDriver.Step.FAILED, step);
            assertTrue(client.state().isClosingOrClosed());
            // A closed connection stays connectable: the driver's step reports it.
            assertEquals(1, selector.selectNow());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // OP_READ

    @Test
    void readIsSelectedAfterStreamDataUntilItIsRead() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open()) {
            QuicSelectionKey key = c.server().register(selector, OP_READ);
            assertEquals(0, selector.selectNow(), "nothing to read yet");
            assertEquals(0, selector.select(QUIET_MILLIS), "nothing to read yet");

            c.client().send(ascii("hello"), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertTrue(key.isReadable());
            selector.selectedKeys().clear();
            assertEquals(1, selector.selectNow(), "still readable while unread");

            ByteBuffer buffer = ByteBuffer.allocate(64);
            StreamMessage m = c.server().receive(buffer);
            assertEquals(5, m.length());
            assertTrue(m.fin());
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "all read");
            assertNull(c.server().receive(buffer.clear()));
        }
    }

    @Test
    void readIsSelectedAfterADatagram() throws Exception {
        ConnectionConfig datagrams = ConnectionConfig.builder().maxDatagramFrameSize(1200).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", datagrams, 4);
             Loopback.Connection c = settled(loopback, datagrams);
             QuicSelector selector = QuicSelector.open()) {
            QuicSelectionKey key = c.server().register(selector, OP_READ);
            assertEquals(0, selector.selectNow());

            assertTrue(c.client().sendDatagram(ascii("ping"), 0));
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertTrue(key.isReadable());
            assertEquals(4, c.server().receiveDatagram(ByteBuffer.allocate(1200)));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "the datagram was taken");
        }
    }

    @Test
    void readIsSelectedAfterAnEvent() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open()) {
            // Events are off until turned on, as in the kernel.
            c.server().setOption(QuicSocketOptions.EVENT, java.util.EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            // A stream of the server's, which the client reads, then asks the server to stop sending on.
            long id = c.server().openStream(0);
            assertTrue(id >= 0);
            assertEquals(1, c.server().send(ascii("x"), id, 0));
            ByteBuffer buffer = ByteBuffer.allocate(64);
            Waits.until("the client read the server's byte", () -> receiveQuietly(c.client(), buffer));
            QuicSelectionKey key = c.server().register(selector, OP_READ);
            assertEquals(0, selector.selectNow(), "no data comes on the server's stream, no event yet");

            c.client().stopSending(id, 7);
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertTrue(key.isReadable());
            QuicEvent event = c.server().pollEvent();
            QuicEvent.StreamUpdate update = assertInstanceOf(QuicEvent.StreamUpdate.class, event);
            assertEquals(id, update.streamId());
            assertEquals(7, update.errorCode());
        }
    }

    @Test
    void readIsSelectedOnceThePeerClosedAndAfterAShutdownForReading() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             Loopback.Connection d = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open()) {
            c.server().setOption(QuicSocketOptions.EVENT, java.util.EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
            QuicSelectionKey closedByPeer = c.server().register(selector, OP_READ);
            QuicSelectionKey shutDown = d.server().register(selector, OP_READ);
            assertEquals(0, selector.selectNow());

            c.client().close();
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertEquals(Set.of(closedByPeer), selector.selectedKeys());
            // Read the close event, then the receive that reports the end.
            boolean closeEvent = false;
            for (QuicEvent e = c.server().pollEvent(); e != null; e = c.server().pollEvent()) {
                closeEvent |= e instanceof QuicEvent.ConnectionClose;
            }
            assertTrue(closeEvent);
            assertThrows(ClosedConnectionException.class, () -> c.server().receive(ByteBuffer.allocate(8)));
            selector.selectedKeys().clear();
            assertEquals(1, selector.selectNow(), "an ended connection stays readable: receive throws");

            // Our own shutdown: selected at the next selection, no packet needed.
            d.server().shutdown(ShutdownHow.READ);
            selector.selectedKeys().clear();
            assertEquals(2, selector.selectNow());
            assertTrue(shutDown.isReadable());
            assertThrows(ClosedChannelException.class, () -> d.server().receive(ByteBuffer.allocate(8)));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // OP_WRITE

    private static final int SEND_BOUND = 64 << 10;
    private static final int RECEIVE_WINDOW = 16 << 10;

    /** The receiver (the server) lets little out before it reads; the sender (the client) queues little. */
    private static ConnectionConfig smallWindow() {
        return ConnectionConfig.builder().initialMaxData(RECEIVE_WINDOW).initialMaxStreamData(RECEIVE_WINDOW).build();
    }

    private static ConnectionConfig smallBound() {
        return ConnectionConfig.builder().connectionSendBufferSize(SEND_BOUND).streamSendBufferSize(SEND_BOUND).build();
    }

    @Test
    void writeIsNotSelectedWhileTheSendBoundIsFullAndIsAgainOnceAcknowledgementsFreeRoom() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", smallWindow(), 4);
             Loopback.Connection c = settled(loopback, smallBound());
             QuicSelector selector = QuicSelector.open()) {
            QuicSocket sender = c.client();
            QuicSelectionKey key = sender.register(selector, OP_WRITE);
            assertEquals(1, selector.selectNow(), "established, room to send");
            assertTrue(key.isWritable());

            long id = fillPastTheWindow(sender);
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "the bound is full: not writable");
            assertEquals(0, selector.select(QUIET_MILLIS), "nothing frees room while the receiver does not read");

            // The receiver reads: its window opens, more leaves, and its acknowledgements free room.
            ByteBuffer buffer = ByteBuffer.allocate(RECEIVE_WINDOW);
            AtomicInteger read = new AtomicInteger();
            Waits.until("the server read its window", () -> {
                read.addAndGet(receiveLength(c.server(), buffer.clear()));
                return read.get() >= RECEIVE_WINDOW;
            });
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertTrue(key.isWritable());
            assertTrue(sender.sendBuffered() < SEND_BOUND, "room under the bound: " + sender.sendBuffered());
            assertEquals(1, sender.send(ByteBuffer.allocate(1), id, StreamFlags.DONTWAIT), "a send takes data");
        }
    }

    @Test
    void writeIsSelectedOnceTheConnectionEndedEvenWithTheBoundFull() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", smallWindow(), 4);
             Loopback.Connection c = settled(loopback, smallBound());
             QuicSelector selector = QuicSelector.open()) {
            QuicSocket sender = c.client();
            long id = fillPastTheWindow(sender);
            QuicSelectionKey key = sender.register(selector, OP_WRITE);
            assertEquals(0, selector.selectNow(), "the bound is full");

            c.server().close();
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertTrue(key.isWritable());
            assertThrows(ClosedConnectionException.class, () -> sender.send(ByteBuffer.allocate(1), id, 0));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Interest sets, ready sets, cancel

    @Test
    void theInterestSetFiltersAndTheReadySetGrowsWhileTheKeyStaysSelected() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open()) {
            QuicSelectionKey key = c.server().register(selector, OP_READ, "attached");
            assertEquals("attached", key.attachment());
            c.client().send(ascii("data"), -1, StreamFlags.NEW);
            assertEquals(1, selector.select(LIMIT_MILLIS));
            assertEquals(OP_READ, key.readyOps(), "writable too, but only reading is asked for");

            // Readable and writable from now on; interested in nothing.
            key.interestOps(0);
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "no interest, no selection");

            key.interestOps(OP_WRITE);
            assertEquals(1, selector.selectNow());
            assertEquals(OP_WRITE, key.readyOps(), "readable too, but only writing is asked for");
            // Still selected: a wider interest set grows the ready set and counts as an update; nothing new does not.
            key.interestOps(OP_WRITE | OP_READ);
            assertEquals(1, selector.selectNow());
            assertEquals(OP_WRITE | OP_READ, key.readyOps());
            assertEquals(0, selector.selectNow(), "nothing new for a key still selected");
            assertEquals(Set.of(key), selector.selectedKeys());

            assertEquals("attached", key.attach("other"));
            assertEquals("other", key.attachment());
            assertThrows(IllegalArgumentException.class, () -> key.interestOps(OP_ACCEPT));

            // An interest set changed from another thread wakes the selection in progress.
            key.interestOps(0);
            selector.selectedKeys().clear();
            AtomicInteger result = new AtomicInteger(-1);
            Thread selecting = Thread.ofPlatform().start(() -> result.set(selector.select()));
            Waits.until("the selection waits", () -> selecting.getState() == Thread.State.WAITING);
            key.interestOps(OP_READ);
            selecting.join(LIMIT_MILLIS);
            assertFalse(selecting.isAlive(), "the selection returned");
            assertEquals(1, result.get());
            assertEquals(OP_READ, key.readyOps());
        }
    }

    @Test
    void aCancelledKeyLeavesTheSetsAndTheSocketMayRegisterAgain() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open();
             QuicSelector other = QuicSelector.open()) {
            QuicSocket socket = c.server();
            QuicSelectionKey key = socket.register(selector, OP_WRITE);
            assertEquals(1, selector.selectNow());
            assertSame(key, socket.keyFor(selector));

            key.cancel();
            assertFalse(key.isValid());
            key.cancel(); // again: nothing
            assertThrows(CancelledKeyException.class, key::interestOps);
            assertThrows(CancelledKeyException.class, () -> key.interestOps(OP_READ));
            assertNull(socket.keyFor(selector));
            assertEquals(Set.of(key), selector.keys(), "a cancelled key leaves at the next selection");
            assertEquals(0, selector.selectNow());
            assertTrue(selector.keys().isEmpty());
            assertTrue(selector.selectedKeys().isEmpty());

            QuicSelectionKey again = socket.register(other, OP_WRITE);
            assertEquals(1, other.selectNow());
            assertTrue(again.isWritable());
        }
    }

    @Test
    void registrationRules() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector selector = QuicSelector.open();
             QuicSelector other = QuicSelector.open();
             QuicSocket unconnected = QuicSocket.open()) {
            QuicSocket socket = c.server();
            socket.configureBlocking(true);
            assertThrows(IllegalBlockingModeException.class, () -> socket.register(selector, OP_READ));
            socket.configureBlocking(false);

            assertThrows(IllegalArgumentException.class, () -> socket.register(selector, OP_ACCEPT));
            QuicSelectionKey key = socket.register(selector, OP_READ, "a");
            assertEquals(OP_CONNECT | OP_READ | OP_WRITE, key.validOps());
            assertSame(key, socket.register(selector, OP_WRITE, "b"), "the same selector: the same key, updated");
            assertEquals(OP_WRITE, key.interestOps());
            assertEquals("b", key.attachment());
            assertThrows(IllegalStateException.class, () -> socket.register(other, OP_READ),
                    "one selector at a time");
            assertThrows(IllegalBlockingModeException.class, () -> socket.configureBlocking(true));
            assertFalse(socket.isBlocking());

            unconnected.configureBlocking(false);
            assertThrows(IllegalStateException.class, () -> unconnected.register(selector, OP_READ));
            other.close();
            assertThrows(ClosedSelectorException.class, () -> c.client().register(other, OP_READ));
            unconnected.close();
            assertThrows(ClosedChannelException.class, () -> unconnected.register(selector, OP_READ));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The selector's own calls

    @Test
    void selectWithATimeoutReturnsZeroWhenNothingIsReady() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             QuicSelector selector = QuicSelector.open()) {
            assertEquals(0, selector.select(QUIET_MILLIS), "no key at all");
            loopback.listener.configureBlocking(false);
            loopback.listener.register(selector, OP_ACCEPT);
            assertEquals(0, selector.select(QUIET_MILLIS), "a key, not ready");
            assertEquals(0, selector.selectNow());
            assertThrows(IllegalArgumentException.class, () -> selector.select(-1));
        }
    }

    @Test
    void wakeupFromAnotherThreadReturnsTheSelection() throws Exception {
        try (QuicSelector selector = QuicSelector.open()) {
            AtomicInteger result = new AtomicInteger(-1);
            Thread selecting = Thread.ofPlatform().start(() -> result.set(selector.select()));
            Waits.until("the selection waits", () -> selecting.getState() == Thread.State.WAITING);
            selector.wakeup();
            selecting.join(LIMIT_MILLIS);
            assertFalse(selecting.isAlive(), "the selection returned");
            assertEquals(0, result.get());

            // A wakeup before a selection makes the next one return at once (bounded here by the test's timeout) ...
            selector.wakeup();
            assertEquals(0, selector.select());
            // ... unless selectNow cleared it: the next selection waits again.
            selector.wakeup();
            assertEquals(0, selector.selectNow());
            Thread waiting = Thread.ofPlatform().start(selector::select);
            Waits.until("the selection waits again", () -> waiting.getState() == Thread.State.WAITING);
            selector.wakeup();
            waiting.join(LIMIT_MILLIS);
            assertFalse(waiting.isAlive());

            // An interrupted thread's selection returns, its status kept.
            AtomicInteger interrupted = new AtomicInteger();
            Thread interruptee = Thread.ofPlatform().start(() -> {
                selector.select();
                interrupted.set(Thread.currentThread().isInterrupted() ? 1 : 2);
            });
            Waits.until("the selection waits", () -> interruptee.getState() == Thread.State.WAITING);
            interruptee.interrupt();
            interruptee.join(LIMIT_MILLIS);
            assertEquals(1, interrupted.get());
        }
    }

    @Test
    void closingTheSelectorDeregistersEveryKeyAndClosingASocketCancelsItsKey() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = settled(loopback, ConnectionConfig.defaults());
             QuicSelector other = QuicSelector.open()) {
            QuicSelector selector = QuicSelector.open();
            QuicSelectionKey clientKey = c.client().register(selector, OP_READ);
            QuicSelectionKey serverKey = c.server().register(selector, OP_READ);
            assertEquals(Set.of(clientKey, serverKey), selector.keys());

            // Closing a socket cancels its key.
            c.client().close();
            assertFalse(clientKey.isValid());
            assertNull(c.client().keyFor(selector));
            assertEquals(1, selector.select(LIMIT_MILLIS), "the server hears of the close");
            assertEquals(Set.of(serverKey), selector.selectedKeys());
            assertEquals(Set.of(serverKey), selector.keys());

            // A selection in progress returns when the selector closes.
            selector.selectedKeys().clear();
            serverKey.interestOps(0);
            Thread selecting = Thread.ofPlatform().start(selector::select);
            Waits.until("the selection waits", () -> selecting.getState() == Thread.State.WAITING);
            selector.close();
            selecting.join(LIMIT_MILLIS);
            assertFalse(selecting.isAlive(), "the selection returned");
            assertFalse(selector.isOpen());
            assertFalse(serverKey.isValid());
            assertNull(c.server().keyFor(selector));
            assertThrows(ClosedSelectorException.class, selector::selectNow);
            assertThrows(ClosedSelectorException.class, selector::keys);
            assertThrows(ClosedSelectorException.class, selector::selectedKeys);
            selector.close(); // again: nothing
            // Deregistered: free to register elsewhere.
            c.server().register(other, OP_READ);
            assertEquals(1, other.selectNow());
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** A handshake driven from the selector, and what the test saw of it. */
    private static final class Side {
        final HandshakeDriver driver;
        int steps;
        boolean writable;

        Side(HandshakeDriver driver) {
            this.driver = driver;
        }
    }

    /** Steps, running the delegated tasks (certificate checks, signing) inline, a bounded number of times. */
    static HandshakeDriver.Step step(HandshakeDriver driver) {
        HandshakeDriver.Step step = driver.step();
        for (int i = 0; i < 16 && step == HandshakeDriver.Step.TASK_PENDING; i++) {
            driver.delegatedTask().run();
            step = driver.step();
        }
        return step;
    }

    /** {@return the other socket registered with {@code selector} than {@code client}} */
    private static QuicSocket serverSocket(QuicSelector selector, QuicSocket client) {
        for (QuicSelectionKey k : selector.keys()) {
            if (k.socket() != client && k.isValid()) {
                return k.socket();
            }
        }
        throw new AssertionError("no server socket among " + selector.keys());
    }

    /**
     * {@return a connected pair past the handshake and its confirmation, both sockets non-blocking, the events the
     * handshake left polled}
     */
    private static Loopback.Connection settled(Loopback loopback, ConnectionConfig clientConfig) throws Exception {
        Loopback.Connection c = loopback.connect(clientConfig);
        Waits.untilConfirmed(c.client(), c.server());
        for (QuicSocket s : List.of(c.client(), c.server())) {
            s.configureBlocking(false);
            while (s.pollEvent() != null) {
                // The handshake's events: not what the tests wait for.
            }
        }
        return c;
    }

    /**
     * Queues on a new stream of {@code sender} until the bound is full with what the receiver's window keeps from
     * leaving: nothing more can be acknowledged until the receiver reads. {@return the stream}
     */
    private static long fillPastTheWindow(QuicSocket sender) throws Exception {
        long id = sender.openStream(StreamFlags.DONTWAIT);
        assertTrue(id >= 0);
        ByteBuffer data = ByteBuffer.allocate(RECEIVE_WINDOW + SEND_BOUND + 1000);
        Waits.until("the bound is full past the receiver's window", () -> {
            try {
                sender.send(data, id, StreamFlags.DONTWAIT);
            } catch (qsock.socket.WouldBlockException full) {
                // The bound is full for now: what is in flight frees room as it is acknowledged.
                return false;
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            return data.position() == RECEIVE_WINDOW + SEND_BOUND;
        }, () -> "taken " + data.position() + ", queued " + sender.sendBuffered());
        assertEquals(SEND_BOUND, sender.sendBuffered());
        return id;
    }

    private static boolean receiveQuietly(DatagramChannel channel, ByteBuffer buffer) {
        try {
            return channel.receive(buffer) != null;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean receiveQuietly(QuicSocket socket, ByteBuffer buffer) {
        return receiveLength(socket, buffer.clear()) > 0;
    }

    private static int receiveLength(QuicSocket socket, ByteBuffer buffer) {
        try {
            StreamMessage m = socket.receive(buffer);
            return m == null ? 0 : m.length();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
