package qsock.bench.socket;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;

/**
 * A loopback measurement (not a test, not JMH) of {@link QuicSocket#sendFile} against the loop it replaces: read a
 * chunk of the file into a buffer, {@code send} it, again. One file (1 GiB by default, in /tmp, created once and
 * read once before the runs so that both read it from the page cache) goes over one stream of a fresh connection
 * per run, both ends in this JVM; the runs alternate between the two ways.
 *
 * <pre>
 *   java -cp ... qsock.bench.socket.SendFileThroughput [RUNS [MIB [FILE]]]     (scripts/bench-sendfile)
 * </pre>
 * For each run: MiB/s (wall clock, from the first send to the receiver's FIN) and the CPU seconds of the whole
 * process (both ends, the I/O threads, the JIT and the GC) per GiB moved; then the median of each way.
 */
public final class SendFileThroughput {

    /** The chunk the read-then-send loop reads at a time: the size qsock server's hq-interop handler read. */
    private static final int CHUNK = 64 * 1024;

    private SendFileThroughput() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        Path path = Path.of(args.length > 2 ? args[2] : "/tmp/qsock-sendfile-" + mib + "m.bin");
        long size = mib << 20;
        prepare(path, size);
        TlsServerConfig serverTls = qsock.bench.tls.LoopbackTls.server();
        TlsClientConfig clientTls = qsock.bench.tls.LoopbackTls.client();
        List<double[]> sendFile = new ArrayList<>();
        List<double[]> readSend = new ArrayList<>();
        System.out.printf("%d MiB from %s, one stream, loopback, %d runs of each, alternating%n", mib, path, runs);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // A warm-up of each way, not counted.
            run(path, size, true, serverTls, clientTls, pool);
            run(path, size, false, serverTls, clientTls, pool);
            for (int i = 0; i < runs; i++) {
                for (boolean zeroCopy : new boolean[] {true, false}) {
                    double[] r = run(path, size, zeroCopy, serverTls, clientTls, pool);
                    (zeroCopy ? sendFile : readSend).add(r);
                    System.out.printf("  %-15s %8.1f MiB/s %6.2f CPU s/GiB%n", zeroCopy ? "sendFile" : "read+send",
                            r[0], r[1]);
                }
            }
        }
        System.out.printf("median sendFile:  %8.1f MiB/s %6.2f CPU s/GiB%n", median(sendFile, 0), median(sendFile, 1));
        System.out.printf("median read+send: %8.1f MiB/s %6.2f CPU s/GiB%n", median(readSend, 0), median(readSend, 1));
    }

    /** Creates the file once (pseudo-random bytes) and reads it through, so that it sits in the page cache. */
    private static void prepare(Path path, long size) throws IOException {
        if (!Files.exists(path) || Files.size(path) != size) {
            byte[] block = new byte[1 << 20];
            new SplittableRandom(42).nextBytes(block);
            try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long written = 0; written < size; written += block.length) {
                    block[0] = (byte) (written >> 20);
                    out.write(ByteBuffer.wrap(block, 0, (int) Math.min(block.length, size - written)));
                }
            }
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
            while (in.read(buf.clear()) > 0) {
                // reading only
            }
        }
    }

    /** {@return MiB/s and process CPU s/GiB of one transfer of the file, by sendFile or by read-then-send} */
    private static double[] run(Path path, long size, boolean zeroCopy, TlsServerConfig serverTls,
                                TlsClientConfig clientTls, ExecutorService pool) throws Exception {
        try (QuicSocket listener = QuicSocket.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0)).listen(4);
            Future<Long> received = pool.submit(() -> {
                try (QuicSocket s = listener.accept()) {
                    QuicHandshake.serverHandshake(s, serverTls, Duration.ofSeconds(10));
                    return drain(s);
                }
            });
            try (QuicSocket client = QuicSocket.open();
                 FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
                client.connect(listener.localAddress());
                QuicHandshake.clientHandshake(client, clientTls, Duration.ofSeconds(10));
                long id = client.openStream(-1, 0);
                long cpu = processCpu();
                long start = System.nanoTime();
                if (zeroCopy) {
                    client.sendFile(file, 0, size, id, StreamFlags.FIN);
                } else {
                    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
                    for (long sent = 0; sent < size; ) {
                        chunk.clear().limit((int) Math.min(CHUNK, size - sent));
                        int n = file.read(chunk, sent);
                        if (n <= 0) {
                            throw new IOException("the file ended at " + sent);
                        }
                        chunk.flip();
                        boolean last = sent + n >= size;
                        client.send(chunk, id, last ? StreamFlags.FIN : 0);
                        sent += n;
                    }
                }
                long got = received.get(10, TimeUnit.MINUTES);
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpuSeconds = (processCpu() - cpu) / 1e9;
                if (got != size) {
                    throw new IOException("received " + got + " of " + size + " bytes");
                }
                double gib = size / (double) (1L << 30);
                return new double[] {size / (1024.0 * 1024.0) / seconds, cpuSeconds / gib};
            }
        }
    }

    /** Reads the first stream to its FIN; {@return the bytes read} */
    private static long drain(QuicSocket s) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256 << 10);
        long total = 0;
        while (true) {
            QuicMessage m = s.receive(buf.clear(), 0);
            total += m.length();
            if (m.fin()) {
                return total;
            }
        }
    }

    private static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        throw new IllegalStateException("this JVM does not report its process CPU time");
    }

    private static double median(List<double[]> runs, int column) {
        List<Double> values = new ArrayList<>();
        for (double[] r : runs) {
            values.add(r[column]);
        }
        Collections.sort(values);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
