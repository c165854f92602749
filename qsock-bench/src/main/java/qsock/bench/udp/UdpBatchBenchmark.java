package qsock.bench.udp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import qsock.core.runtime.ffm.BatchUdpSocket;

/**
 * Datagrams per second over loopback, one thread sending a batch and then receiving all of it: the JDK's NIO
 * DatagramChannel (one system call per datagram each way, what qsock's runtime does today) against qsock's FFM socket
 * (one sendmmsg and recvmmsg per batch; or one GSO send per batch, received with GRO). Every operation is one
 * datagram of {@code size} bytes; a batch that does not arrive whole within 10,000 polls fails the run rather than
 * count. With {@code cmsgs} "ecn" the FFM sockets read each datagram's ECN codepoint (IP_RECVTOS) and every send
 * carries an ECT(0) mark (a cmsg IP_TOS), as every QUIC endpoint does (RFC 9000 §13.4); with "all" they also read each
 * datagram's destination address (IP_PKTINFO) and every send names its source (an in_pktinfo cmsg), as a QUIC server on
 * a wildcard address does; "none": the bare calls, to tell what those cost. Run: {@code java
 * --enable-native-access=ALL-UNNAMED -jar qsock-bench/target/benchmarks.jar UdpBatchBenchmark -f 1 -wi 3 -w 1 -i 5
 * -r 1} (Java 25). What the cmsgs cost, in one JVM with the three settings interleaved so that a
 * busy machine's drift falls on each alike: {@code java --enable-native-access=ALL-UNNAMED -cp
 * qsock-bench/target/benchmarks.jar qsock.bench.udp.UdpBatchBenchmark} ({@link #main}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UdpBatchBenchmark {

    private static final int BATCH = 32;
    /** ECT(0)'s two bits (RFC 3168 §5). */
    private static final byte ECT_0 = 0b10;

    @Param({"1200", "1452"})
    public int size;

    /** What the FFM sockets read and send beside the bytes: none, ecn, all (ECN and addresses). */
    @Param({"none", "ecn", "all"})
    public String cmsgs;

    private boolean ecnOn;

    private DatagramChannel nioA;
    private DatagramChannel nioB;
    private ByteBuffer nioOut;
    private ByteBuffer nioIn;
    private BatchUdpSocket a;
    private BatchUdpSocket b;
    private BatchUdpSocket gsoA;
    private BatchUdpSocket groB;
    private final int[] lengths = new int[BATCH];
    private final InetSocketAddress[] to = new InetSocketAddress[BATCH];
    private final int[] gsoLength = new int[1];
    private final InetSocketAddress[] gsoTo = new InetSocketAddress[1];
    private final int[] gsoSegment = new int[1];
    private byte[] ecn;
    private InetSocketAddress[] from;
    private byte[] gsoEcn;
    private InetSocketAddress[] gsoFrom;

    @Setup(Level.Trial)
    public void open() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        nioA = DatagramChannel.open().bind(loopback);
        nioB = DatagramChannel.open().bind(loopback);
        nioA.configureBlocking(false);
        nioB.configureBlocking(false);
        nioB.connect(nioA.getLocalAddress());
        nioA.connect(nioB.getLocalAddress());
        nioOut = ByteBuffer.allocateDirect(size);
        nioIn = ByteBuffer.allocateDirect(65_536);
        ecnOn = !cmsgs.equals("none");
        boolean addresses = cmsgs.equals("all");
        BatchUdpSocket.Options options = new BatchUdpSocket.Options(false, ecnOn, addresses);
        a = BatchUdpSocket.open(loopback, BATCH, 2048, options);
        b = BatchUdpSocket.open(loopback, BATCH, 2048, options);
        if (ecnOn) {
            ecn = new byte[BATCH];
            Arrays.fill(ecn, ECT_0);
        }
        if (addresses) {
            from = new InetSocketAddress[BATCH];
            Arrays.fill(from, a.localAddress());
        }
        Arrays.fill(lengths, size);
        Arrays.fill(to, b.localAddress());
        for (int i = 0; i < BATCH; i++) {
            a.sendSlot(i).clear().put(new byte[size]);
        }
        gsoA = BatchUdpSocket.open(loopback, 1, 65_535, options);
        groB = BatchUdpSocket.open(loopback, 4, 65_535, options);
        if (ecnOn) {
            gsoEcn = new byte[] {ECT_0};
        }
        if (addresses) {
            gsoFrom = new InetSocketAddress[] {gsoA.localAddress()};
        }
        if (!groB.enableGro()) {
            throw new IllegalStateException("UDP_GRO refused");
        }
        gsoA.sendSlot(0).clear().put(new byte[size * BATCH]);
        gsoLength[0] = size * BATCH;
        gsoTo[0] = groB.localAddress();
        gsoSegment[0] = size;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        nioA.close();
        nioB.close();
        a.close();
        b.close();
        gsoA.close();
        groB.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int nioOneCallPerDatagram() throws IOException {
        for (int i = 0; i < BATCH; i++) {
            nioOut.clear();
            if (nioA.write(nioOut) == 0) {
                throw new IllegalStateException("send buffer full");
            }
        }
        int got = 0;
        for (int polls = 0; got < BATCH; polls++) {
            nioIn.clear();
            if (nioB.read(nioIn) > 0) {
                got++;
            } else if (polls > 10_000) {
                throw new IllegalStateException("lost datagrams: " + got);
            }
        }
        return got;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int ffmSendmmsgRecvmmsg() throws IOException {
        if (a.sendWithEcnBits(BATCH, lengths, to, null, ecn, from) != BATCH) {
            throw new IllegalStateException("send buffer full");
        }
        int got = 0;
        for (int polls = 0; got < BATCH; polls++) {
            int n = b.receive();
            for (int i = 0; i < n; i++) {
                // What a runtime reads of each datagram; the ECN and destination are only read with cmsgs.
                if (b.sourceOf(i) == null || b.ecnBitsOf(i) != (ecnOn ? ECT_0 : 0) || b.destinationOf(i) == null) {
                    throw new IllegalStateException("slot " + i);
                }
            }
            got += n;
            if (n == 0 && polls > 10_000) {
                throw new IllegalStateException("lost datagrams: " + got);
            }
        }
        return got;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int ffmGsoGro() throws IOException {
        if (gsoA.sendWithEcnBits(1, gsoLength, gsoTo, gsoSegment, gsoEcn, gsoFrom) != 1) {
            throw new IllegalStateException("send buffer full");
        }
        int got = 0;
        for (int polls = 0; got < BATCH; polls++) {
            int n = groB.receive();
            for (int i = 0; i < n; i++) {
                int segment = groB.segmentSizeOf(i);
                if (groB.ecnBitsOf(i) != (ecnOn ? ECT_0 : 0) || groB.destinationOf(i) == null) {
                    throw new IllegalStateException("slot " + i);
                }
                got += (groB.received(i).limit() + segment - 1) / segment;
            }
            if (n == 0 && polls > 10_000) {
                throw new IllegalStateException("lost datagrams: " + got);
            }
        }
        return got;
    }

    /**
     * The cost of the cmsgs, each FFM benchmark at 1452 bytes with cmsgs none, ecn and all, in one JVM: 30 rounds, each
     * running every setting for 200 ms in turn (after 2 s of warming each); prints each setting's median datagrams per
     * second and its ratio to none's.
     */
    public static void main(String[] args) throws Exception {
        String[] settings = {"none", "ecn", "all"};
        UdpBatchBenchmark[] benches = new UdpBatchBenchmark[settings.length];
        for (int s = 0; s < settings.length; s++) {
            benches[s] = new UdpBatchBenchmark();
            benches[s].size = 1452;
            benches[s].cmsgs = settings[s];
            benches[s].open();
        }
        try {
            for (boolean gso : new boolean[] {false, true}) {
                for (UdpBatchBenchmark b : benches) {
                    rate(b, gso, 2_000_000_000L);
                }
                double[][] rates = new double[settings.length][30];
                for (int round = 0; round < 30; round++) {
                    for (int s = 0; s < settings.length; s++) {
                        rates[s][round] = rate(benches[s], gso, 200_000_000L);
                    }
                }
                double none = median(rates[0]);
                for (int s = 0; s < settings.length; s++) {
                    double m = median(rates[s]);
                    System.out.printf("%-20s cmsgs %-4s %,12.0f datagrams/s  %.3f x none%n",
                            gso ? "ffmGsoGro" : "ffmSendmmsgRecvmmsg", settings[s], m, m / none);
                }
            }
        } finally {
            for (UdpBatchBenchmark b : benches) {
                b.close();
            }
        }
    }

    /** {@return datagrams per second of one benchmark run for {@code nanos}} */
    private static double rate(UdpBatchBenchmark b, boolean gso, long nanos) throws IOException {
        long start = System.nanoTime();
        long datagrams = 0;
        long elapsed;
        do {
            datagrams += gso ? b.ffmGsoGro() : b.ffmSendmmsgRecvmmsg();
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return datagrams * 1e9 / elapsed;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted[sorted.length / 2] + sorted[(sorted.length - 1) / 2]) / 2;
    }
}
