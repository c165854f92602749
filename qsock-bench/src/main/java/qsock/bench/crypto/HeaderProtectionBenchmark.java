package qsock.bench.crypto;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
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
import qsock.core.crypto.HeaderProtection;

/**
 * Header protection alone: one 5-byte mask from a 16-byte sample (AES-ECB on one block, or ChaCha20 with
 * a per-sample counter and nonce), samples changing every call as they do between packets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeaderProtectionBenchmark {

    private static final int SAMPLES = 1024;

    @Param({"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"})
    public CipherSuite suite;

    private HeaderProtection protection;
    private ByteBuffer samples;
    private int next;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] key = new byte[suite.keyLength()];
        random.nextBytes(key);
        protection = new HeaderProtection(suite, key);
        byte[] bytes = new byte[SAMPLES * 16];
        random.nextBytes(bytes);
        samples = ByteBuffer.wrap(bytes);
    }

    @Benchmark
    public long mask() {
        int at = (next++ & (SAMPLES - 1)) * 16;
        return protection.mask(samples, at);
    }
}
