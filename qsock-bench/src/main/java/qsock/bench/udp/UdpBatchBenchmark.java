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
 * count. With {@code cmsgs} true the FFM sockets read each datagram's ECN codepoint and destination address
 * (IP_RECVTOS, IP_PKTINFO) and every send carries an ECT(0) mark and a source address (cmsgs IP_TOS, IP_PKTINFO), as a
 * QUIC server on a wildcard address does: what those cost against the bare calls. Run: {@code java --enable-native-access=ALL-UNNAMED -jar qsock-bench/target/benchmarks.jar UdpBatchBenchmark
 * -f 1 -wi 3 -w 1 -i 5 -r 1} (Java 25).
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

    /** Whether the FFM sockets read ECN and destinations, and mark and source every send. */
    @Param({"false", "true"})
    public boolean cmsgs;

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
        BatchUdpSocket.Options options = new BatchUdpSocket.Options(false, cmsgs, cmsgs);
        a = BatchUdpSocket.open(loopback, BATCH, 2048, options);
        b = BatchUdpSocket.open(loopback, BATCH, 2048, options);
        if (cmsgs) {
            ecn = new byte[BATCH];
            Arrays.fill(ecn, ECT_0);
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
        if (cmsgs) {
            gsoEcn = new byte[] {ECT_0};
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
                // What a runtime reads of each datagram; the ECN and destination are only there with cmsgs.
                if (b.sourceOf(i) == null || b.ecnBitsOf(i) != (cmsgs ? ECT_0 : 0) || b.destinationOf(i) == null) {
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
                if (groB.ecnBitsOf(i) != (cmsgs ? ECT_0 : 0) || groB.destinationOf(i) == null) {
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
}
