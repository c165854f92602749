package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.socket.QuicSelectionKey.OP_ACCEPT;
import static qsock.socket.QuicSelectionKey.OP_CONNECT;
import static qsock.socket.QuicSelectionKey.OP_READ;
import static qsock.socket.QuicSelectionKey.OP_WRITE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSelectionKey;
import qsock.socket.QuicSelector;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.HandshakeDriver;

/**
 * The test: one server thread with one {@link QuicSelector} accepts, drives each server handshake with
 * {@link HandshakeDriver#step()} and echoes a request on each of many connections, all open at once; the clients
 * are driven the same way, by one client thread with a selector of its own. Every client checks its echo, and every
 * piece of the server's work is seen to run on the server's thread.
 *
 * <p>Each client socket has its own UDP port and I/O thread, as the kernel's sockets each have a port: 1,000 clients
 * are 1,000 platform threads and 1,000 to 3,000 file descriptors (socket, eventfd; an epoll selector on the NIO
 * runtime) beside the server's one of each. {@code -Dqsock.selectorScale.connections=N} sets the count (the default,
 * 1,000, is the issue's).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QuicSelectorScaleTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CONNECTIONS = Integer.getInteger("qsock.selectorScale.connections", 1000);
    /**
     * Handshakes the clients run at once: enough to keep both selector threads busy, few enough that the Initials of
     * a burst do not overflow the listener's UDP receive buffer (a dropped Initial costs a one-second retransmission).
     */
    private static final int HANDSHAKES_IN_FLIGHT = 64;
    /** The whole run's bound: far beyond what it takes, so that a stall fails with counts rather than hangs. */
    private static final long RUN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(150);
    /** Connections outlive the run: nothing times out while the others are served. */
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder().maxIdleTimeoutMillis(300_000).build();

    @Test
    void oneThreadServesManyConnectionsWithOneSelector() throws Exception {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            // Three descriptors a client at most (the NIO runtime's socket, epoll and wakeup pipe), and the rest.
            long needed = 3L * CONNECTIONS + 1000;
            Assumptions.assumeTrue(os.getMaxFileDescriptorCount() >= needed, "the file descriptor limit ("
                    + os.getMaxFileDescriptorCount() + ") is below the " + needed
                    + " this test needs: raise ulimit -n");
        }
        try (QuicSocket listener = QuicSocket.open(CONFIG).bind(new InetSocketAddress("127.0.0.1", 0))) {
            listener.listen(CONNECTIONS);
            Server server = new Server(listener, CONNECTIONS);
            Thread serverThread = Thread.ofPlatform().name("selector-server").start(server);
            Clients clients = new Clients((InetSocketAddress) listener.localAddress(), CONNECTIONS);
            java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long start = System.nanoTime();
            long clientCpuStart = mx.getCurrentThreadCpuTime();
            try {
                clients.run();
                // What 1,000 client sockets cost here, for the record (not asserted): a thread and descriptors each.
                System.out.printf("QuicSelectorScaleTest: %d connections echoed in %.1f s (CPU: server thread %.1f s,"
                        + " client thread %.1f s); %d threads, %s file descriptors open at the peak%n",
                        clients.answered, (System.nanoTime() - start) / 1e9,
                        mx.getThreadCpuTime(serverThread.threadId()) / 1e9,
                        (mx.getCurrentThreadCpuTime() - clientCpuStart) / 1e9,
                        mx.getThreadCount(), openFiles());
            } finally {
                // Each client closes once all have their answers (or the run failed): the server sees every close.
                clients.closeAll();
                serverThread.join(Waits.LIMIT.toMillis());
                server.stop();
                serverThread.join(Waits.LIMIT.toMillis());
            }
            if (server.failure.get() != null) {
                throw new AssertionError("the server failed: " + server, server.failure.get());
            }
            assertEquals(CONNECTIONS, clients.answered, "clients answered: " + clients);
            for (int i = 0; i < CONNECTIONS; i++) {
                assertArrayEquals(request(i), clients.answers[i], "connection " + i + "'s echo");
            }
            assertEquals(CONNECTIONS, server.accepted, server.toString());
            assertEquals(CONNECTIONS, server.echoed, server.toString());
            assertEquals(CONNECTIONS, server.peakOpen, "the server held every connection open at once: " + server);
            assertEquals(CONNECTIONS, server.closed, server.toString());
            assertEquals(Set.of(serverThread), server.threads, "the server's work ran on its one thread");
        }
    }

    /** {@return the process's open file descriptors, where /proc tells} */
    private static String openFiles() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? "unknown" : Integer.toString(fds.length);
    }

    /** The request of connection {@code i}: its number, padded, so that a mix-up between connections shows. */
    static byte[] request(int i) {
        byte[] b = new byte[200];
        Arrays.fill(b, (byte) ('a' + i % 26));
        byte[] label = ("request " + i + " ").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(label, 0, b, 0, label.length);
        return b;
    }

    /** The server: one thread, one selector, every connection's handshake, request and echo. */
    private static final class Server implements Runnable {

        private final QuicSocket listener;
        private final int expected;
        private final QuicSelector selector = QuicSelector.open();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** The threads that did the server's work: the one it runs on, if all is well. */
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);
        private volatile boolean stopped;
        volatile int accepted;
        volatile int established;
        volatile int echoed;
        volatile int closed;
        volatile int open;
        volatile int peakOpen;
        volatile long selections;

        Server(QuicSocket listener, int expected) {
            this.listener = listener;
            this.expected = expected;
        }

        /** One connection's state, the key's attachment. */
        private static final class Conn {
            final HandshakeDriver driver;
            final ByteBuffer request = ByteBuffer.allocate(1024);
            ByteBuffer reply;
            long stream = -1;

            Conn(HandshakeDriver driver) {
                this.driver = driver;
            }
        }

        @Override
        public void run() {
            try {
                listener.configureBlocking(false);
                listener.register(selector, OP_ACCEPT);
                long deadline = System.nanoTime() + RUN_LIMIT_NANOS;
                while (closed < expected && !stopped && System.nanoTime() - deadline < 0) {
                    selector.select(1000);
                    selections++;
                    for (Iterator<QuicSelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        QuicSelectionKey key = it.next();
                        it.remove();
                        threads.add(Thread.currentThread());
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept();
                        } else {
                            serve(key);
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                selector.close();
            }
        }

        private void accept() throws IOException {
            for (QuicSocket s = listener.accept(); s != null; s = listener.accept()) {
                accepted++;
                open++;
                peakOpen = Math.max(peakOpen, open);
                s.register(selector, OP_CONNECT,
                        new Conn(HandshakeDriver.server(s.handshakeChannel(), Loopback.serverTls(), RANDOM)));
            }
        }

        private void serve(QuicSelectionKey key) throws IOException {
            Conn c = (Conn) key.attachment();
            QuicSocket s = key.socket();
            try {
                if (key.isConnectable()) {
                    switch (QuicSelectorTest.step(c.driver)) {
                        case COMPLETE -> {
                            established++;
                            key.interestOps(OP_READ);
                        }
                        case FAILED -> throw new IOException("server handshake failed: " + c.driver.failure());
                        default -> { }
                    }
                    return;
                }
                if (key.isWritable()) {
                    sendReply(key, c, s);
                }
                if (key.isReadable()) {
                    readRequest(key, c, s);
                }
            } catch (ClosedConnectionException e) {
                // The client closed once it had its echo: the connection is done.
                s.close();
                closed++;
                open--;
            }
        }

        private void readRequest(QuicSelectionKey key, Conn c, QuicSocket s) throws IOException {
            for (int i = 0; i < 16; i++) {
                StreamMessage m = s.receive(buffer.clear());
                if (m == null) {
                    return;
                }
                if (m.length() > c.request.remaining()) {
                    throw new IOException("a request larger than " + c.request.capacity() + " bytes");
                }
                c.request.put(buffer.flip());
                c.stream = m.streamId();
                if (m.fin()) {
                    c.reply = c.request.flip();
                    sendReply(key, c, s);
                }
            }
        }

        private void sendReply(QuicSelectionKey key, Conn c, QuicSocket s) throws IOException {
            s.send(c.reply, c.stream, StreamFlags.FIN);
            if (c.reply.hasRemaining()) {
                key.interestOps(OP_READ | OP_WRITE);
            } else {
                echoed++;
                key.interestOps(OP_READ); // for the client's close
            }
        }

        void stop() {
            stopped = true;
            selector.wakeup();
        }

        @Override
        public String toString() {
            return "accepted " + accepted + ", established " + established + ", echoed " + echoed + ", closed "
                    + closed + ", peak open " + peakOpen + " of " + expected + ", " + selections + " selections";
        }
    }

    /** The clients: one thread, one selector, every client's handshake, request and answer. */
    private static final class Clients {

        private final InetSocketAddress server;
        private final int count;
        private final QuicSelector selector = QuicSelector.open();
        private final List<QuicSocket> sockets = new ArrayList<>();
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);
        final byte[][] answers;
        int started;
        int established;
        int answered;
        int inFlight;

        Clients(InetSocketAddress server, int count) {
            this.server = server;
            this.count = count;
            this.answers = new byte[count][];
        }

        /** One client's state, its key's attachment. */
        private static final class Conn {
            final int index;
            final HandshakeDriver driver;
            final ByteBuffer answer = ByteBuffer.allocate(1024);
            long stream = -1;

            Conn(int index, HandshakeDriver driver) {
                this.index = index;
                this.driver = driver;
            }
        }

        void run() throws IOException {
            long deadline = System.nanoTime() + RUN_LIMIT_NANOS;
            while (answered < count) {
                while (inFlight < HANDSHAKES_IN_FLIGHT && started < count) {
                    start(started++);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("clients still waiting after " + RUN_LIMIT_NANOS / 1_000_000_000
                            + " s: " + this);
                }
                selector.select(1000);
                for (Iterator<QuicSelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    QuicSelectionKey key = it.next();
                    it.remove();
                    if (key.isValid()) {
                        handle(key);
                    }
                }
            }
        }

        private void start(int i) throws IOException {
            QuicSocket s = QuicSocket.open(CONFIG);
            sockets.add(s);
            s.connect(server);
            s.configureBlocking(false);
            s.register(selector, OP_CONNECT,
                    new Conn(i, HandshakeDriver.client(s.handshakeChannel(), Loopback.clientTls(), RANDOM)));
            inFlight++;
        }

        private void handle(QuicSelectionKey key) throws IOException {
            Conn c = (Conn) key.attachment();
            QuicSocket s = key.socket();
            if (key.isConnectable()) {
                switch (QuicSelectorTest.step(c.driver)) {
                    case COMPLETE -> {
                        established++;
                        key.interestOps(OP_WRITE);
                    }
                    case FAILED -> throw new IOException("client " + c.index + "'s handshake failed: "
                            + c.driver.failure() + ", " + s.closeError());
                    default -> { }
                }
                return;
            }
            if (key.isWritable()) {
                c.stream = s.openStream(StreamFlags.DONTWAIT);
                if (c.stream < 0) {
                    throw new IOException("client " + c.index + " may open no stream");
                }
                ByteBuffer request = ByteBuffer.wrap(request(c.index));
                if (s.send(request, c.stream, StreamFlags.FIN) != request.capacity()) {
                    throw new IOException("a 200-byte request did not fit an empty send buffer");
                }
                key.interestOps(OP_READ);
                return;
            }
            if (key.isReadable()) {
                for (int i = 0; i < 16; i++) {
                    StreamMessage m = s.receive(buffer.clear());
                    if (m == null) {
                        return;
                    }
                    if (m.streamId() != c.stream || m.length() > c.answer.remaining()) {
                        throw new IOException("client " + c.index + ": unexpected " + m);
                    }
                    c.answer.put(buffer.flip());
                    if (m.fin()) {
                        answers[c.index] = Arrays.copyOf(c.answer.array(), c.answer.position());
                        answered++;
                        inFlight--;
                        // Kept open until every client has its answer: the server holds them all at once.
                        key.interestOps(0);
                        return;
                    }
                }
            }
        }

        void closeAll() {
            selector.close();
            for (QuicSocket s : sockets) {
                s.close();
            }
        }

        @Override
        public String toString() {
            return "started " + started + ", established " + established + ", answered " + answered + " of "
                    + count;
        }
    }
}
