package qsock.bench.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicConfig;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;

/**
 * A loopback measurement (not a test, not JMH) of the socket draft's {@code stream_data_nodelay} ({@link
 * QuicConfig#streamDataNodelay()}), which picks the default: Nagle's algorithm on (the kernel's default) against off,
 * in fresh connections of one JVM, interleaved.
 *
 * <pre>
 *   java -cp ... qsock.bench.socket.NagleLatency [SECONDS]     (scripts/bench-nagle)
 * </pre>
 * Three patterns, each {@code SECONDS} (default 3) per setting, each setting twice:
 * <ul>
 * <li>{@code write-write-read}: a request written in two sends of 100 bytes, a 1-byte answer; round trips/s. With
 *     Nagle, the second send waits for the acknowledgement of the first, which the server delays (it has nothing to
 *     send until the whole request is in).
 * <li>{@code write-read}: a 200-byte request in one send, a 1-byte answer; round trips/s.
 * <li>{@code small-writes}: 100-byte sends streamed one way; MiB/s and the packets the sender sent per MiB.
 * </ul>
 */
public final class NagleLatency {

    private NagleLatency() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        TlsServerConfig serverTls = qsock.bench.tls.LoopbackTls.server();
        TlsClientConfig clientTls = qsock.bench.tls.LoopbackTls.client();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String pattern : new String[] {"write-write-read", "write-read", "small-writes"}) {
                for (boolean nodelay : new boolean[] {false, true, false, true}) {
                    System.out.println(pattern + " nodelay=" + nodelay + ": "
                            + run(pattern, nodelay, seconds, serverTls, clientTls, pool));
                }
            }
        }
    }

    private static String run(String pattern, boolean nodelay, long seconds, TlsServerConfig serverTls,
                              TlsClientConfig clientTls, ExecutorService pool) throws Exception {
        try (QuicSocket listener = QuicSocket.open()) {
            listener.setOption(QuicSocketOptions.CONFIG,
                    listener.getOption(QuicSocketOptions.CONFIG).withStreamDataNodelay(nodelay));
            listener.bind(new InetSocketAddress("127.0.0.1", 0)).listen(4);
            Future<Long> served = pool.submit(() -> {
                try (QuicSocket s = listener.accept()) {
                    QuicHandshake.serverHandshake(s, serverTls, Duration.ofSeconds(10));
                    return serve(s, pattern);
                }
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.setOption(QuicSocketOptions.CONFIG,
                        client.getOption(QuicSocketOptions.CONFIG).withStreamDataNodelay(nodelay));
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, clientTls, Duration.ofSeconds(10));
                long id = client.openStream(-1, 0);
                long deadline = System.nanoTime() + seconds * 1_000_000_000L;
                long start = System.nanoTime();
                long rounds = 0;
                long packetsBefore = client.statistics().packetsSent();
                ByteBuffer answer = ByteBuffer.allocate(16);
                ByteBuffer small = ByteBuffer.allocate(100);
                while (System.nanoTime() < deadline) {
                    switch (pattern) {
                        case "write-write-read" -> {
                            client.send(small.clear(), id, 0);
                            client.send(small.clear(), id, 0);
                            readAnswer(client, answer);
                        }
                        case "write-read" -> {
                            client.send(ByteBuffer.allocate(200), id, 0);
                            readAnswer(client, answer);
                        }
                        default -> client.send(small.clear(), id, 0);
                    }
                    rounds++;
                }
                client.send(ByteBuffer.allocate(0), id, StreamFlags.FIN);
                double elapsed = (System.nanoTime() - start) / 1e9;
                long packets = client.statistics().packetsSent() - packetsBefore;
                if (pattern.equals("small-writes")) {
                    long received = served.get();
                    double mib = received / (1024.0 * 1024.0);
                    return String.format("%.1f MiB/s, %.0f packets/MiB", mib / elapsed, packets / mib);
                }
                served.get();
                return String.format("%.0f round trips/s", rounds / elapsed);
            }
        }
    }

    private static void readAnswer(QuicSocket client, ByteBuffer answer) throws IOException {
        answer.clear();
        QuicMessage m = client.receive(answer, 0);
        if (m.length() != 1) {
            throw new IOException("unexpected answer " + m);
        }
    }

    /** Reads the stream to its end; answers each 200 bytes with 1 unless streaming. {@return the bytes read} */
    private static long serve(QuicSocket s, String pattern) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long total = 0;
        long pending = 0;
        try {
            while (true) {
                buf.clear();
                QuicMessage m = s.receive(buf, 0);
                total += m.length();
                pending += m.length();
                if (!pattern.equals("small-writes")) {
                    while (pending >= 200) {
                        pending -= 200;
                        s.send(ByteBuffer.wrap(new byte[] {1}), m.streamId(), 0);
                    }
                }
                if (m.fin()) {
                    return total;
                }
            }
        } catch (ClosedConnectionException e) {
            return total;
        }
    }
}
