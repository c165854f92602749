package qsock.tools.scale;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.HandshakeDriver;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;

/**
 * The measurement behind {@code scripts/idle-scale} (issue 9, "Idle connections at scale"): a running qsock server
 * (another process: {@code qsock server --alpn echo}) gets N idle connections, then this measures, while they sit
 * idle, the server's heap per idle connection, the handshakes per second it still completes and the round trip of
 * an echo on a fresh connection. Not a test: it measures time, on whatever machine runs it.
 *
 * <p>The N idle connections come from one thread driving sans-I/O {@link QuicEndpoint}s, 100 connections to each
 * (one UDP socket each), so that 10,000 connections need neither 10,000 sockets' threads nor an endpoint that scans
 * 10,000 connections per datagram on this side. They send a PING every 10 s (keep-alive: the server's idle timeout
 * is 30 s) and advertise a 1472-byte max_udp_payload_size, so that the server's path MTU discovery does not send
 * each a 64 KB probe. The handshakes and round trips are measured with {@link QuicSocket}s, as an application
 * uses them. Every phase is bounded in time.
 *
 * <p>Usage: {@code IdleScale PORT CONNECTIONS SERVER_PID [CLIENT_SOCKETS]}; the last, when positive, also measures
 * the heap this process holds per client {@link QuicSocket} (each with its own UDP socket and I/O thread).
 */
public final class IdleScale {

    private static final Duration ESTABLISH_LIMIT = Duration.ofSeconds(Long.getLong("idle.establishSeconds", 150));
    private static final Duration RATE_WINDOW = Duration.ofSeconds(Long.getLong("idle.rateSeconds", 10));
    private static final int RATE_THREADS = 4;
    private static final int ROUND_TRIPS = 50;
    private static final int WINDOW = 64;
    private static final int PER_ENDPOINT = 100;

    private static final ConnectionConfig CLIENT = ConnectionConfig.builder().keepAliveMillis(10_000)
            .maxUdpPayloadSize(1472).build();
    private static final TlsClientConfig TLS = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("echo").insecure().build();

    private IdleScale() {}

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: IdleScale PORT CONNECTIONS SERVER_PID [CLIENT_SOCKETS]");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        int n = Integer.parseInt(args[1]);
        long pid = Long.parseLong(args[2]);
        int clientSockets = args.length > 3 ? Integer.parseInt(args[3]) : 0;

        // Warm the server up (JIT, class loading) with a few connections, closed before the baseline.
        for (int i = 0; i < 20; i++) {
            roundTrips(server, 1);
        }
        Thread.sleep(3_000);
        Map<String, Long> before = histogram(pid);
        long baseline = before.get(TOTAL);

        IdleClients idle = new IdleClients(server, n);
        Thread loop = Thread.ofPlatform().name("idle-clients").start(idle);
        long start = System.nanoTime();
        long limit = start + ESTABLISH_LIMIT.toNanos();
        int reported = 0;
        while (idle.established.get() + idle.failed.get() < n && System.nanoTime() - limit < 0 && loop.isAlive()) {
            Thread.sleep(200);
            int e = idle.established.get();
            if (e >= reported + Math.max(1_000, n / 10) || e == n) {
                reported = e;
                System.out.printf(Locale.ROOT, "  %6d established after %5.1f s%n", e, seconds(System.nanoTime() - start));
            }
        }
        double establishSeconds = seconds(System.nanoTime() - start);
        int established = idle.established.get();
        System.out.printf(Locale.ROOT, "idle connections: %d of %d established in %.1f s (%.0f/s), %d failed%n",
                established, n, establishSeconds, established / establishSeconds, idle.failed.get());
        Thread.sleep(3_000);
        Map<String, Long> after = histogram(pid);
        long live = after.get(TOTAL);
        System.out.printf(Locale.ROOT, "server heap: %.1f MB live before, %.1f MB with %d idle connections: %d B per"
                        + " idle connection%n", baseline / 1e6, live / 1e6, established,
                established == 0 ? 0 : (live - baseline) / established);
        if (Boolean.getBoolean("idle.histogram") && established > 0) {
            after.entrySet().stream().filter(e -> !e.getKey().equals(TOTAL))
                    .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(30)
                    .forEach(e -> System.out.printf(Locale.ROOT, "  %8d B/conn  %s%n", e.getValue() / established,
                            e.getKey()));
        }

        double rate = handshakeRate(server);
        System.out.printf(Locale.ROOT, "handshakes with %d idle connections: %.1f/s (%d threads, one after another"
                + " each, for %d s)%n", established, rate, RATE_THREADS, RATE_WINDOW.toSeconds());
        long[] rtt = roundTrips(server, ROUND_TRIPS);
        Arrays.sort(rtt);
        System.out.printf(Locale.ROOT, "echo round trip on a fresh connection with %d idle: median %.2f ms, p90 %.2f"
                        + " ms, max %.2f ms (%d round trips)%n", established, rtt[rtt.length / 2] / 1e6,
                rtt[rtt.length * 9 / 10] / 1e6, rtt[rtt.length - 1] / 1e6, rtt.length);
        System.out.printf(Locale.ROOT, "idle connections still open at the end: %d of %d%n", idle.open(), established);
        if (clientSockets > 0) {
            clientSocketFootprint(server, clientSockets);
        }
        idle.stop = true;
        loop.join(5_000);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static final String TOTAL = "(total)";

    /**
     * {@return the bytes of live objects in process {@code pid} by class, and their total under {@link #TOTAL}}
     * {@code jcmd GC.class_histogram} collects first.
     */
    private static Map<String, Long> histogram(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        p.waitFor();
        Map<String, Long> bytes = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (line.startsWith("Total") && f.length >= 3) {
                bytes.put(TOTAL, Long.parseLong(f[2]));
            } else if (f.length >= 4 && f[0].endsWith(":")) {
                bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
            }
        }
        if (!bytes.containsKey(TOTAL)) {
            throw new IOException("no total in jcmd's output: " + out.lines().limit(5).toList());
        }
        return bytes;
    }

    /** {@return the handshakes per second {@value #RATE_THREADS} threads complete, each one after another} */
    private static double handshakeRate(InetSocketAddress server) throws InterruptedException {
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long end = System.nanoTime() + RATE_WINDOW.toNanos();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < RATE_THREADS; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() - end < 0) {
                    try (QuicSocket s = QuicSocket.open(CLIENT)) {
                        s.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(10));
                        s.connect(server);
                        QuicHandshake.clientHandshake(s, TLS, Duration.ofSeconds(10));
                        done.incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join(RATE_WINDOW.toMillis() + 15_000);
        }
        if (failed.get() > 0) {
            System.out.println("  " + failed.get() + " handshakes failed");
        }
        return done.get() / seconds(System.nanoTime() - start);
    }

    /** {@return the times of {@code count} echo round trips of 32 bytes, each on a new stream of one new connection} */
    private static long[] roundTrips(InetSocketAddress server, int count) throws IOException {
        try (QuicSocket s = QuicSocket.open(CLIENT)) {
            s.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(10));
            s.connect(server);
            QuicHandshake.clientHandshake(s, TLS, Duration.ofSeconds(10));
            long[] times = new long[count];
            ByteBuffer message = ByteBuffer.allocate(32);
            ByteBuffer in = ByteBuffer.allocate(256);
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                s.send(message.clear(), -1, StreamFlags.NEW | StreamFlags.FIN);
                int got = 0;
                while (true) {
                    StreamMessage m = s.receive(in.clear());
                    got += m.length();
                    if (m.fin()) {
                        break;
                    }
                }
                times[i] = System.nanoTime() - t0;
                if (got != 32) {
                    throw new IOException("echo returned " + got + " bytes, not 32");
                }
            }
            return times;
        }
    }

    /** Measures this process's heap per connected client QuicSocket (each with its UDP socket and I/O thread). */
    private static void clientSocketFootprint(InetSocketAddress server, int count) throws Exception {
        long before = heapAfterGc();
        List<QuicSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                QuicSocket s = QuicSocket.open(CLIENT);
                sockets.add(s);
                s.connect(server);
                QuicHandshake.clientHandshake(s, TLS, Duration.ofSeconds(10));
            }
            Thread.sleep(2_000);
            long after = heapAfterGc();
            System.out.printf(Locale.ROOT, "client QuicSockets: %d B of heap per idle connected socket (%d sockets)%n",
                    (after - before) / count, count);
        } finally {
            for (QuicSocket s : sockets) {
                s.close();
            }
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Idle client connections, opened {@value #WINDOW} handshakes at a time and kept open, on sans-I/O endpoints
     * of {@value #PER_ENDPOINT} connections each, driven by one thread.
     */
    private static final class IdleClients implements Runnable {

        private final InetSocketAddress server;
        private final int target;
        private final List<Shard> shards = new ArrayList<>();
        private final SecureRandom tlsRandom = new SecureRandom();
        private final ByteBuffer buffer = ByteBuffer.allocate(65_536);
        /** The endpoint's touched(connection) where the library has it (older ones scan every connection). */
        private final MethodHandle touched;
        private final Selector selector;
        final AtomicInteger established = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private int opened;
        private int inFlight;
        volatile boolean stop;

        private final class Shard {
            final DatagramChannel channel;
            final QuicEndpoint endpoint;
            final List<Conn> conns = new ArrayList<>();
            long deadline = Long.MAX_VALUE;
            boolean dirty;

            Shard() throws IOException {
                channel = DatagramChannel.open();
                channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                channel.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
                channel.bind(new InetSocketAddress("127.0.0.1", 0));
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, this);
                byte[] key = new byte[32];
                tlsRandom.nextBytes(key);
                endpoint = new QuicEndpoint(new EndpointConfig(CLIENT, key), new SplittableRandom(tlsRandom.nextLong()));
            }
        }

        private static final class Conn {
            final QuicConnection connection;
            final HandshakeDriver driver;
            long packets = -1;
            ConnectionState state;
            boolean counted;
            boolean ended;

            Conn(QuicConnection connection, HandshakeDriver driver) {
                this.connection = connection;
                this.driver = driver;
            }
        }

        IdleClients(InetSocketAddress server, int target) throws IOException {
            this.server = server;
            this.target = target;
            this.selector = Selector.open();
            MethodHandle h;
            try {
                h = MethodHandles.publicLookup().findVirtual(QuicEndpoint.class, "touched",
                        MethodType.methodType(void.class, QuicConnection.class));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                h = null;
            }
            this.touched = h;
        }

        int open() {
            int n = 0;
            synchronized (this) {
                for (Shard s : shards) {
                    for (Conn c : s.conns) {
                        if (c.counted && !c.ended) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }

        @Override
        public void run() {
            try {
                loop();
            } catch (Throwable t) {
                t.printStackTrace();
            } finally {
                try {
                    selector.close();
                    for (Shard s : shards) {
                        s.channel.close();
                    }
                } catch (IOException e) {
                    // Ending anyway.
                }
            }
        }

        private void loop() throws Throwable {
            while (!stop) {
                long now = System.nanoTime();
                while (opened < target && inFlight < WINDOW) {
                    openOne(now);
                }
                long earliest = Long.MAX_VALUE;
                for (Shard s : shards) {
                    if (s.dirty) {
                        flush(s, now);
                    }
                    earliest = Math.min(earliest, s.deadline);
                }
                long wait = earliest == Long.MAX_VALUE ? 50 : Math.min(50, (earliest - now + 999_999) / 1_000_000);
                if (wait <= 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    Shard s = (Shard) key.attachment();
                    for (int i = 0; i < 256; i++) {
                        buffer.clear();
                        InetSocketAddress from = (InetSocketAddress) s.channel.receive(buffer);
                        if (from == null) {
                            break;
                        }
                        s.endpoint.handleDatagram(from, buffer.flip(), now);
                        s.dirty = true;
                    }
                }
                selector.selectedKeys().clear();
                for (Shard s : shards) {
                    if (s.deadline - now <= 0) {
                        s.endpoint.handleTimeout(now);
                        s.dirty = true;
                    }
                }
                synchronized (this) {
                    for (Shard s : shards) {
                        if (s.dirty) {
                            step(s);
                        }
                    }
                }
            }
        }

        private void openOne(long now) throws Throwable {
            int index = opened / PER_ENDPOINT;
            if (index == shards.size()) {
                shards.add(new Shard());
            }
            Shard s = shards.get(index);
            QuicConnection c = s.endpoint.connect(server, now);
            Conn conn = new Conn(c, HandshakeDriver.client(c.handshakeChannel(System::nanoTime), TLS, tlsRandom));
            synchronized (this) {
                s.conns.add(conn);
            }
            drive(s, conn);
            s.dirty = true;
            opened++;
            inFlight++;
        }

        /** Steps the handshakes of the shard's connections that received something or changed state. */
        private void step(Shard s) throws Throwable {
            for (Conn conn : s.conns) {
                QuicConnection c = conn.connection;
                if (conn.ended || c.packetsReceived() == conn.packets && c.state() == conn.state) {
                    continue;
                }
                drive(s, conn);
                conn.packets = c.packetsReceived();
                conn.state = c.state();
                if (!conn.counted && c.state() == ConnectionState.CONFIRMED) {
                    conn.counted = true;
                    inFlight--;
                    established.incrementAndGet();
                } else if (c.state().isClosingOrClosed() && !conn.ended) {
                    conn.ended = true;
                    if (!conn.counted) {
                        inFlight--;
                        failed.incrementAndGet();
                    }
                }
            }
        }

        private void drive(Shard s, Conn conn) throws Throwable {
            for (int i = 0; i < 8; i++) {
                if (conn.driver.step() != HandshakeDriver.Step.TASK_PENDING) {
                    break;
                }
                conn.driver.delegatedTask().run();
            }
            if (touched != null) {
                touched.invoke(s.endpoint, conn.connection);
            }
        }

        private void flush(Shard s, long now) throws IOException {
            while (true) {
                buffer.clear();
                InetSocketAddress to = s.endpoint.pollDatagram(buffer, now);
                if (to == null) {
                    break;
                }
                s.channel.send(buffer.flip(), to);
            }
            s.deadline = s.endpoint.nextDeadline();
            s.dirty = false;
        }
    }
}
