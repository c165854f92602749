package qsock.bench.crypto;

import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import qsock.core.handshake.CipherSuite;

/**
 * Packets per second through qsock's packet protection next to the bare JCA AEAD call it is built on,
 * in the same run: the packets and the four operations of {@link ProtectionWorkload} ({@code rawSeal},
 * {@code qsockSeal}, {@code rawOpen}, {@code qsockOpen}), 1200 or 1452 bytes on the wire.
 *
 * <p>Build and run (with a Java 25 {@code java}):
 * <pre>
 * ./mvn25 -q -B -o package -DskipTests -pl qsock-bench -am
 * java -jar qsock-bench/target/benchmarks.jar 'crypto' -f 1 -wi 3 -i 5 -w 1 -r 1
 * java -jar qsock-bench/target/benchmarks.jar 'crypto' -f 1 -wi 3 -i 3 -w 1 -r 1 -prof gc
 * </pre>
 * On a shared machine one fork's throughput depends on the load it met and on how the JIT compiled the
 * JDK's GCM code in that fork (runs are visibly bimodal), so forks of qsock and of the raw call, run at
 * different times, compare poorly; {@link ProtectionCostHarness} ({@code scripts/bench-interleaved})
 * measures the ratio in interleaved blocks within each JVM instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PacketProtectionBenchmark {

    @Param({"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"})
    public CipherSuite suite;

    @Param({"1200", "1452"})
    public int packetSize;

    private ProtectionWorkload workload;

    @Setup
    public void setUp() throws GeneralSecurityException {
        workload = new ProtectionWorkload(suite, packetSize);
    }

    @Benchmark
    public int rawSeal() throws GeneralSecurityException {
        return workload.rawSeal();
    }

    @Benchmark
    public int qsockSeal() {
        return workload.qsockSeal();
    }

    @Benchmark
    public int rawOpen() throws GeneralSecurityException {
        return workload.rawOpen();
    }

    @Benchmark
    public int qsockOpen() {
        return workload.qsockOpen();
    }
}
