package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionState;
import qsock.core.cid.ConnectionIdOwner;
import qsock.core.runtime.IoEndpointGroup;
import qsock.socket.IoThreadStatistics;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/**
 * A listener on several I/O threads (issue 14, "several cores"; {@link QuicSocketOptions#IO_THREADS}): N UDP sockets on
 * one port with SO_REUSEPORT, each thread with its own endpoint and connections. Many clients are spread over the
 * threads and each connection is served by one; a client whose new address hashes to another thread's socket is
 * handed over to its own by the connection ID; a thread kept busy does not hold the other's connections back; closing
 * the listener ends every thread.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // a resource closed for its effect alone: the accepted sockets, before the pool waits
class QuicSocketIoThreadsTest {

    private static final int CONNECTIONS = 40;
    /** Every server socket accepted, closed after each test however it ended, so that no echo outlives it. */
    private static final java.util.Queue<QuicSocket> ACCEPTED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Closes the server sockets accepted: declared after the pool, it runs before the pool waits for their echoes. */
    private static void closeAccepted() {
        for (QuicSocket s = ACCEPTED.poll(); s != null; s = ACCEPTED.poll()) {
            s.close();
        }
    }

    @BeforeAll
    static void linux() {
        Assumptions.assumeTrue(IoEndpointGroup.supported(), "SO_REUSEPORT spreading datagrams: Linux only");
    }

    @Test
    void twoThreadsServeManyClientsEachOnOneThread() throws Exception {
        manyClients(2);
    }

    @Test
    void fourThreadsServeManyClientsEachOnOneThread() throws Exception {
        manyClients(4);
    }

    private static void manyClients(int threads) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             AutoCloseable accepted = QuicSocketIoThreadsTest::closeAccepted;
             QuicSocket listener = listener(threads, CONNECTIONS)) {
            assertEquals(threads, listener.getOption(QuicSocketOptions.IO_THREADS));
            List<IoThreadStatistics> listenerThreads = listener.ioThreads();
            assertEquals(threads, listenerThreads.size());
            Future<List<QuicSocket>> served = pool.submit(() -> serve(listener, CONNECTIONS, pool));
            List<Future<byte[]>> echoes = new ArrayList<>();
            List<QuicSocket> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                QuicSocket client = QuicSocket.open();
                clients.add(client);
                int seed = i;
                echoes.add(pool.submit(() -> {
                    client.connect(listener.localAddress());
                    QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return echo(client, 20_000 + seed * 100, seed);
                }));
            }
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    assertArrayEquals(data(20_000 + i * 100, i), echoes.get(i).get(60, TimeUnit.SECONDS),
                            "connection " + i + " echoed its bytes");
                }
                List<QuicSocket> servers = served.get(10, TimeUnit.SECONDS);
                Set<String> used = new HashSet<>();
                for (QuicSocket server : servers) {
                    // The runtime's view: the socket's calls go through one thread's endpoint, which holds it.
                    List<IoThreadStatistics> mine = server.ioThreads();
                    assertEquals(1, mine.size(), "one thread serves " + server);
                    String thread = mine.get(0).thread();
                    int index = threadIndex(thread);
                    used.add(thread);
                    // Every ID the connection issued names that thread.
                    assertEquals(index, ConnectionIdOwner.ownerOf(server.localConnectionId()[0], threads),
                            "the connection ID names its thread");
                    assertTrue(listenerThreads.stream().anyMatch(t -> t.thread().equals(thread)));
                }
                assertEquals(threads, used.size(), "the clients are spread over every thread: " + used);
                // Nobody changed address: no datagram had to be handed between threads.
                for (IoThreadStatistics t : listener.ioThreads()) {
                    assertEquals(0, t.datagramsHandedOff(), t.toString());
                    assertEquals(0, t.datagramsTakenOver(), t.toString());
                    assertTrue(t.datagramsReceived() > 0, t.toString());
                }
                for (QuicSocket server : servers) {
                    server.close();
                }
            } finally {
                for (QuicSocket client : clients) {
                    client.close();
                }
            }
        }
    }

    /**
     * RFC 9000 §9: a client moves to a port the kernel hashes to the other thread's socket (found by probing ports with
     * a datagram naming a thread, bounded); that thread hands its datagrams to the connection's own, and the transfer
     * completes both ways from the new address.
     */
    @Test
    void aClientThatMovesToAPortOfTheOtherThreadIsHandedOver() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             AutoCloseable accepted = QuicSocketIoThreadsTest::closeAccepted;
             QuicSocket listener = listener(2, 4)) {
            Future<List<QuicSocket>> served = pool.submit(() -> serve(listener, 1, pool));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                QuicSocket server = served.get(10, TimeUnit.SECONDS).get(0);
                until("the handshake is confirmed", () -> client.state() == ConnectionState.CONFIRMED);
                assertArrayEquals(data(5000, 1), echo(client, 5000, 1));
                int owner = threadIndex(server.ioThreads().get(0).thread());
                int other = 1 - owner;

                InetSocketAddress port = portHashedTo(listener, owner, other);
                long handedBefore = listener.ioThreads().get(other).datagramsHandedOff();
                client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, port);
                assertArrayEquals(data(300_000, 2), echo(client, 300_000, 2), "the echo after the move");
                assertEquals(port, client.localAddress());
                until("the server follows the client", () -> port.equals(server.remoteAddress()));
                IoThreadStatistics otherNow = listener.ioThreads().get(other);
                IoThreadStatistics ownerNow = listener.ioThreads().get(owner);
                assertTrue(otherNow.datagramsHandedOff() > handedBefore, "the other thread handed over: " + otherNow);
                assertTrue(ownerNow.datagramsTakenOver() > 0, "the owner took them over: " + ownerNow);
                // Every datagram handed over was taken over, or dropped for want of room (counted, never lost unseen).
                until("what was handed over is accounted for", () -> {
                    List<IoThreadStatistics> t = listener.ioThreads();
                    return t.get(other).datagramsHandedOff()
                            == t.get(owner).datagramsTakenOver() + t.get(owner).handoffsDropped();
                });
                // Still served by its own thread alone.
                assertEquals(owner, threadIndex(server.ioThreads().get(0).thread()));
                server.close();
            }
        }
    }

    /**
     * A thread whose connection is flooded (a client uploading as fast as it can) does not hold the other thread's
     * connection back: its request/response exchanges all complete meanwhile, on its own thread, and the upload
     * arrives whole.
     */
    @Test
    void aFloodedThreadDoesNotHoldTheOtherBack() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             AutoCloseable accepted = QuicSocketIoThreadsTest::closeAccepted;
             QuicSocket listener = listener(2, 32)) {
            Future<List<QuicSocket>> served = pool.submit(() -> serve(listener, Integer.MAX_VALUE, pool));
            // Connect until each thread has a connection (bounded: each new one lands on either with about even odds).
            QuicSocket[] onThread = new QuicSocket[2];
            List<QuicSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 24 && (onThread[0] == null || onThread[1] == null); i++) {
                    QuicSocket client = QuicSocket.open();
                    client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                    clients.add(client);
                    client.connect(listener.localAddress());
                    QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                    int index = ConnectionIdOwner.ownerOf(client.peerConnectionId()[0], 2);
                    if (onThread[index] == null) {
                        onThread[index] = client;
                    }
                }
                assertTrue(onThread[0] != null && onThread[1] != null, "both threads got a connection");
                QuicSocket flooding = onThread[0];
                QuicSocket quiet = onThread[1];
                int flood = 32 << 20;
                Future<byte[]> upload = pool.submit(() -> echo(flooding, flood, 7));
                int exchanges = 0;
                while (!upload.isDone() && exchanges < 200) {
                    assertArrayEquals(data(1000, exchanges), echo(quiet, 1000, exchanges));
                    exchanges++;
                }
                assertArrayEquals(data(flood, 7), upload.get(60, TimeUnit.SECONDS), "the flood arrived whole");
                assertTrue(exchanges > 0, "exchanges ran during the flood");
                for (IoThreadStatistics t : listener.ioThreads()) {
                    assertEquals(0, t.handoffsDropped(), t.toString());
                    assertEquals(0, t.datagramsHandedOff(), t.toString());
                }
            } finally {
                for (QuicSocket c : clients) {
                    c.close();
                }
                served.cancel(true);
            }
        }
    }

    /**
     * RFC 9000 §9.6: a listener of two threads with a preferred address binds it on each thread; clients move there by
     * themselves once confirmed, whichever socket of the preferred address their datagrams reach, and go on.
     */
    @Test
    void clientsMoveToThePreferredAddressOfAListenerOfTwoThreads() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             AutoCloseable accepted = QuicSocketIoThreadsTest::closeAccepted;
             QuicSocket listener = listener(2, 16)) {
            listener.setOption(QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress preferred = listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION);
            assertNotEquals(0, preferred.getPort());
            int n = 6;
            Future<List<QuicSocket>> served = pool.submit(() -> serve(listener, n, pool));
            List<QuicSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    QuicSocket client = QuicSocket.open();
                    client.setOption(QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
                    clients.add(client);
                    client.connect(listener.localAddress());
                    QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                }
                List<QuicSocket> servers = served.get(10, TimeUnit.SECONDS);
                for (int i = 0; i < n; i++) {
                    QuicSocket client = clients.get(i);
                    try {
                        until("client " + client + " moved to the preferred address",
                                () -> preferred.equals(client.remoteAddress()));
                    } catch (AssertionError e) {
                        // What the client went through, to tell a lost probe from a move given up (RFC 9000 §8.2.4).
                        List<Object> events = new ArrayList<>();
                        for (var ev = client.pollEvent(); ev != null; ev = client.pollEvent()) {
                            events.add(ev);
                        }
                        throw new AssertionError(e.getMessage() + "; client " + client.state() + " "
                                + client.statistics() + ", events " + events + ", threads " + listener.ioThreads(), e);
                    }
                    assertArrayEquals(data(50_000, i), echo(client, 50_000, i), "the echo after the move");
                }
                for (QuicSocket server : servers) {
                    until("the server's connection is reached at its preferred address",
                            () -> preferred.equals(server.localAddress()));
                    server.close();
                }
            } finally {
                for (QuicSocket c : clients) {
                    c.close();
                }
            }
        }
    }

    /** Closing the listener (and its connections) ends every I/O thread. */
    @Test
    void closingTheListenerEndsEveryThread() throws Exception {
        List<String> names;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            QuicSocket listener = listener(3, 16);
            names = listener.ioThreads().stream().map(IoThreadStatistics::thread).toList();
            assertEquals(3, names.size());
            assertEquals(3, Set.copyOf(names).size());
            until("the threads run", () -> liveThreads(names) == 3);
            Future<List<QuicSocket>> served = pool.submit(() -> serve(listener, 6, pool));
            List<QuicSocket> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                QuicSocket client = QuicSocket.open();
                clients.add(client);
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                assertArrayEquals(data(100, i), echo(client, 100, i));
            }
            List<QuicSocket> servers = served.get(10, TimeUnit.SECONDS);
            listener.close();
            for (QuicSocket s : servers) {
                s.close();
            }
            for (QuicSocket c : clients) {
                c.close();
            }
        }
        until("every I/O thread of the listener ended", () -> liveThreads(names) == 0);
    }

    // ---- helpers ----

    private static QuicSocket listener(int threads, int backlog) throws IOException {
        QuicSocket listener = QuicSocket.open();
        listener.setOption(QuicSocketOptions.IO_THREADS, threads);
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        listener.listen(backlog);
        return listener;
    }

    /** Accepts {@code n} connections, each handshaken and echoed on a thread of {@code pool}; {@return their sockets} */
    private static List<QuicSocket> serve(QuicSocket listener, int n, ExecutorService pool) throws Exception {
        List<QuicSocket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            QuicSocket s = listener.accept();
            sockets.add(s);
            ACCEPTED.add(s);
            pool.submit(() -> {
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return EchoServer.run(s);
            });
        }
        return sockets;
    }

    /** Sends {@code n} seeded bytes on a new stream and {@return what came back on it} */
    private static byte[] echo(QuicSocket client, int n, long seed) throws IOException {
        long stream = client.openStream(0);
        client.send(ByteBuffer.wrap(data(n, seed)), stream, StreamFlags.FIN);
        long[] id = {stream};
        return EchoServer.receiveStream(client, id);
    }

    private static byte[] data(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * Waits until {@code condition} holds, at most 30 s (three times {@link Waits#LIMIT}: these tests run dozens of
     * connections and several I/O threads on two shared cores); fails naming {@code what} after it.
     */
    private static void until(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 3 * Waits.LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still waiting after " + 3 * Waits.LIMIT.toSeconds() + " s until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    static int threadIndex(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    private static long liveThreads(List<String> names) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> names.contains(t.getName())).count();
    }

    /**
     * {@return a free loopback port whose datagrams the kernel gives to thread {@code other}'s socket} Each candidate
     * sends one short-header datagram: loopback queues it at a socket within the send, and only it reaches the other
     * thread (the connection is on the owner's), whose received count so tells a hit; the owner's count rising first
     * is taken as a miss (at worst a hit missed). At most 64 candidates.
     */
    static InetSocketAddress portHashedTo(QuicSocket listener, int owner, int other) throws IOException {
        InetSocketAddress server = (InetSocketAddress) listener.localAddress();
        byte[] probe = new byte[64];
        new SplittableRandom(3).nextBytes(probe);
        probe[0] = 0x40; // short header, fixed bit
        for (int attempt = 0; attempt < 64; attempt++) {
            try (DatagramChannel ch = DatagramChannel.open()) {
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                long atOther = listener.ioThreads().get(other).datagramsReceived();
                long atOwner = listener.ioThreads().get(owner).datagramsReceived();
                ch.send(ByteBuffer.wrap(probe), server);
                boolean[] hit = new boolean[1];
                until("the probe arrived", () -> {
                    List<IoThreadStatistics> t = listener.ioThreads();
                    hit[0] = t.get(other).datagramsReceived() > atOther;
                    return hit[0] || t.get(owner).datagramsReceived() > atOwner;
                });
                if (hit[0]) {
                    InetSocketAddress found = (InetSocketAddress) ch.getLocalAddress();
                    assertNotEquals(0, found.getPort());
                    return found;
                }
            }
        }
        throw new AssertionError("64 ports in a row hashed to thread " + owner);
    }
}
