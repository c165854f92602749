package qsock.bench.cores;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;

/**
 * A scripted loopback run (not a test, not JMH) for a listener's I/O threads ({@link QuicSocketOptions#IO_THREADS}):
 * a server process with N threads, a client process with many concurrent connections; run by
 * {@code scripts/bench-cores}, which compares N=1 with N=2.
 *
 * <pre>
 *   server PORT THREADS                       serves until killed
 *   handshakes PORT CONCURRENCY SECONDS       handshakes/s: loops of connect, handshake, one tiny request, close
 *   throughput PORT CONNECTIONS SECONDS       aggregate download: each connection asks for 1 MiB at a time
 *   handoff SECONDS                           in one process: a listener of 2 threads, one client uploading, first
 *                                             on its own thread's socket, then moved to a port the kernel hashes to
 *                                             the other thread's: every datagram then goes through the hand-over
 *                                             (what one socket dispatched by CID would do to all of them)
 * </pre>
 * The client prints one line: the rate, and the process CPU time per unit.
 */
public final class IoThreadsLoopback {

    private static final int BLOCK = 1 << 20;

    private IoThreadsLoopback() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "server" -> server(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "handshakes" -> handshakes(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]));
            case "throughput" -> throughput(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]));
            case "handoff" -> handoff(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void server(int port, int threads) throws Exception {
        TlsServerConfig tls = qsock.bench.tls.LoopbackTls.server();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            QuicSocket listener = QuicSocket.open();
            listener.setOption(QuicSocketOptions.IO_THREADS, threads);
            listener.bind(new InetSocketAddress("127.0.0.1", port));
            listener.listen(1024);
            System.out.println("listening threads=" + listener.getOption(QuicSocketOptions.IO_THREADS));
            while (true) {
                QuicSocket s = listener.accept();
                pool.submit(() -> {
                    try (s) {
                        QuicHandshake.serverHandshake(s, tls, Duration.ofSeconds(10));
                        serve(s);
                    } catch (Exception e) {
                        // A client that went: nothing to do.
                    }
                    return null;
                });
            }
        }
    }

    /** Each request: a stream carrying 4 bytes, a length; the answer: that many bytes on the same stream. */
    private static void serve(QuicSocket s) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(64);
        ByteBuffer out = ByteBuffer.allocate(BLOCK);
        try {
            while (true) {
                in.clear();
                StreamMessage m = s.receive(in);
                if (!m.fin()) {
                    continue;
                }
                int length = in.getInt(0);
                out.clear().limit(length);
                s.send(out, m.streamId(), StreamFlags.FIN);
            }
        } catch (ClosedConnectionException e) {
            // done
        }
    }

    private static long request(QuicSocket c, int length, ByteBuffer buf) throws IOException {
        long stream = c.openStream(0);
        c.send(ByteBuffer.allocate(4).putInt(0, length), stream, StreamFlags.FIN);
        long got = 0;
        while (true) {
            buf.clear();
            StreamMessage m = c.receive(buf);
            got += m.length();
            if (m.fin()) {
                return got;
            }
        }
    }

    private static void handshakes(int port, int concurrency, int seconds) throws Exception {
        TlsClientConfig tls = qsock.bench.tls.LoopbackTls.client();
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        AtomicLong done = new AtomicLong();
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
        long[] cpuAtStart = new long[1];
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                loops.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(64);
                    while (System.nanoTime() - end < 0) {
                        try (QuicSocket c = QuicSocket.open()) {
                            c.connect(server);
                            QuicHandshake.clientHandshake(c, tls, Duration.ofSeconds(10));
                            request(c, 16, buf);
                            long now = System.nanoTime();
                            if (now - warmEnd >= 0 && now - end < 0) {
                                done.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            sleepUntil(warmEnd);
            cpuAtStart[0] = cpu();
            for (Future<?> f : loops) {
                f.get();
            }
        }
        double cpuMs = (cpu() - cpuAtStart[0]) / 1e6;
        System.out.printf("handshakes/s %.0f (client CPU %.2f ms per handshake)%n", done.get() / (double) seconds,
                cpuMs / Math.max(1, done.get()));
    }

    private static void throughput(int port, int connections, int seconds) throws Exception {
        TlsClientConfig tls = qsock.bench.tls.LoopbackTls.client();
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        AtomicLong bytes = new AtomicLong();
        List<QuicSocket> sockets = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            QuicSocket c = QuicSocket.open();
            c.connect(server);
            QuicHandshake.clientHandshake(c, tls, Duration.ofSeconds(10));
            sockets.add(c);
        }
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
        long cpuAtStart;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (QuicSocket c : sockets) {
                loops.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    while (System.nanoTime() - end < 0) {
                        long got = request(c, BLOCK, buf);
                        long now = System.nanoTime();
                        if (now - warmEnd >= 0 && now - end < 0) {
                            bytes.addAndGet(got);
                        }
                    }
                    return null;
                }));
            }
            sleepUntil(warmEnd);
            cpuAtStart = cpu();
            for (Future<?> f : loops) {
                f.get();
            }
        }
        double cpuMs = (cpu() - cpuAtStart) / 1e6;
        double mib = bytes.get() / (double) (1 << 20);
        System.out.printf("aggregate MiB/s %.1f over %d connections (client CPU %.1f ms per MiB)%n", mib / seconds,
                connections, cpuMs / Math.max(1, mib));
        for (QuicSocket c : sockets) {
            c.close();
        }
    }

    private static void handoff(int seconds) throws Exception {
        TlsServerConfig serverTls = qsock.bench.tls.LoopbackTls.server();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            QuicSocket listener = QuicSocket.open();
            listener.setOption(QuicSocketOptions.IO_THREADS, 2);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.listen(16);
            Future<QuicSocket> accepted = pool.submit(() -> {
                QuicSocket s = listener.accept();
                QuicHandshake.serverHandshake(s, serverTls, Duration.ofSeconds(10));
                return s;
            });
            QuicSocket client = QuicSocket.open();
            client.connect(listener.localAddress());
            QuicHandshake.clientHandshake(client, qsock.bench.tls.LoopbackTls.client(), Duration.ofSeconds(10));
            QuicSocket server = accepted.get();
            AtomicLong received = new AtomicLong();
            pool.submit(() -> {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                try {
                    while (true) {
                        buf.clear();
                        received.addAndGet(server.receive(buf).length());
                    }
                } catch (IOException e) {
                    return null;
                }
            });
            long stream = client.openStream(0);
            Future<?> upload = pool.submit(() -> {
                ByteBuffer block = ByteBuffer.allocate(64 * 1024);
                while (!Thread.currentThread().isInterrupted()) {
                    block.clear();
                    client.send(block, stream, 0);
                }
                return null;
            });
            String name = server.ioThreads().get(0).thread();
            int owner = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
            double direct = rate(received, seconds);
            InetSocketAddress port = portHashedTo(listener, owner, 1 - owner);
            client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, port);
            Thread.sleep(1000);
            long handedBefore = listener.ioThreads().get(1 - owner).datagramsHandedOff();
            double handed = rate(received, seconds);
            long handedDuring = listener.ioThreads().get(1 - owner).datagramsHandedOff() - handedBefore;
            // And back to a port of the owner's socket, so that JIT warm-up does not favour the second phase.
            client.setOption(QuicSocketOptions.CONNECTION_MIGRATION, portHashedTo(listener, 1 - owner, owner));
            Thread.sleep(1000);
            double directAgain = rate(received, seconds);
            System.out.printf("upload MiB/s direct %.1f (cold), every datagram handed over %.1f, direct again %.1f (handed"
                    + " over / direct again %.2f); %d handed over, %d dropped%n", direct, handed, directAgain,
                    handed / directAgain, handedDuring, listener.ioThreads().get(owner).handoffsDropped());
            upload.cancel(true);
            client.close();
            server.close();
            listener.close();
            System.exit(0);
        }
    }

    /** {@return the MiB/s {@code counter} grows by over {@code seconds}, after a second of warm-up} */
    private static double rate(AtomicLong counter, int seconds) throws InterruptedException {
        Thread.sleep(1000);
        long start = counter.get();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return (counter.get() - start) / (double) (1 << 20) / ((System.nanoTime() - t0) / 1e9);
    }

    /** A free loopback port whose datagrams reach thread {@code other}'s socket (as the socket test finds one). */
    private static InetSocketAddress portHashedTo(QuicSocket listener, int notThis, int other) throws Exception {
        InetSocketAddress server = (InetSocketAddress) listener.localAddress();
        byte[] probe = new byte[64];
        probe[0] = 0x40;
        for (int attempt = 0; attempt < 64; attempt++) {
            try (java.nio.channels.DatagramChannel ch = java.nio.channels.DatagramChannel.open()) {
                ch.bind(new InetSocketAddress("127.0.0.1", 0));
                long atOther = listener.ioThreads().get(other).datagramsReceived();
                ch.send(ByteBuffer.wrap(probe), server);
                Thread.sleep(50);
                if (listener.ioThreads().get(other).datagramsReceived() > atOther) {
                    return (InetSocketAddress) ch.getLocalAddress();
                }
            }
        }
        throw new IllegalStateException("no port hashed to thread " + other);
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, wait / 1_000_000));
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
