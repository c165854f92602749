package qsock.bench.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import qsock.core.crypto.CipherSuite;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketKeys;
import qsock.core.crypto.PacketProtection;
import qsock.core.packet.QuicVersion;

/**
 * Packets per second through qsock's packet protection next to the bare JCA AEAD call it is built on,
 * in the same run: a realistic 1-RTT packet (short header, 8-byte Destination Connection ID, 2-byte
 * packet number) of 1200 or 1452 bytes on the wire, tag included, in a heap buffer.
 *
 * <ul>
 *   <li>{@code rawSeal}: {@code Cipher.init} with a new nonce (and a new parameter spec, as JCA code
 *       usually does), {@code updateAAD} of the header, {@code doFinal} in place. No header protection.
 *   <li>{@code qsockSeal}: {@link PacketProtection#seal}: the same AEAD plus packet number write, checks
 *       and header protection.
 *   <li>{@code rawOpen} / {@code qsockOpen}: the reverse, each first restoring the protected packet
 *       from a pristine copy (an in-place open destroys its input), a copy both sides pay.
 * </ul>
 *
 * <p>Build and run (with a Java 25 {@code java}):
 * <pre>
 * ./mvn25 -q -B -o package -DskipTests -pl qsock-bench -am
 * java -jar qsock-bench/target/benchmarks.jar 'crypto' -f 1 -wi 3 -i 5 -w 1 -r 1
 * java -jar qsock-bench/target/benchmarks.jar 'crypto' -f 1 -wi 3 -i 3 -w 1 -r 1 -prof gc
 * </pre>
 * On a shared machine one fork's throughput depends on the load it met and on how the JIT compiled the
 * JDK's GCM code in that fork (runs are visibly bimodal); to compare qsock with the raw call, run several
 * short forks ({@code -f 5 -wi 4 -i 3 -w 500ms -r 500ms}) and compare the median of each fork's best
 * iteration.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PacketProtectionBenchmark {

    static final int HEADER_LENGTH = 1 + 8 + 2;
    static final int PN_OFFSET = 1 + 8;
    static final int PN_LENGTH = 2;
    /** Short header, fixed bit, key phase 0, 2-byte packet number. */
    static final byte FIRST_BYTE = 0x41;
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    @Param({"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"})
    public CipherSuite suite;

    @Param({"1200", "1452"})
    public int packetSize;

    private int payloadLength;

    private PacketProtection sealer;
    private PacketProtection opener;
    private final OpenedPacket opened = new OpenedPacket();
    private ByteBuffer sealBuffer;
    private ByteBuffer openBuffer;
    /** A packet sealed by qsock with packet number 1, to open again and again. */
    private byte[] protectedPacket;
    private long packetNumber = 1;

    private Cipher rawCipher;
    private SecretKeySpec rawKey;
    private byte[] rawNonce;
    private long rawIvLow;
    private byte[] rawSealBytes;
    private byte[] rawOpenBytes;
    /** The same packet sealed by the raw path (AEAD only) with packet number 1. */
    private byte[] rawProtectedPacket;
    private long rawPacketNumber = 1;

    @Setup
    public void setUp() throws GeneralSecurityException {
        payloadLength = packetSize - HEADER_LENGTH - CipherSuite.TAG_LENGTH;
        SplittableRandom random = new SplittableRandom(1);
        byte[] secret = new byte[suite.hash().length()];
        random.nextBytes(secret);
        byte[] packet = new byte[packetSize];
        random.nextBytes(packet);
        packet[0] = FIRST_BYTE;

        sealer = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        opener = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        sealBuffer = ByteBuffer.wrap(packet.clone());
        openBuffer = ByteBuffer.allocate(packetSize);
        ByteBuffer first = ByteBuffer.wrap(packet.clone());
        PacketProtection.fromSecret(suite, QuicVersion.V1, secret)
                .seal(first, 0, PN_OFFSET, PN_LENGTH, 1, HEADER_LENGTH + payloadLength);
        protectedPacket = first.array();

        PacketKeys keys = PacketKeys.derive(suite, QuicVersion.V1, secret);
        rawCipher = Cipher.getInstance(suite.aeadTransformation());
        rawKey = new SecretKeySpec(keys.key(), suite.keyAlgorithm());
        rawNonce = keys.iv();
        rawIvLow = (long) LONG_BE.get(rawNonce, 4);
        rawSealBytes = packet.clone();
        rawOpenBytes = new byte[packetSize];
        rawProtectedPacket = packet.clone();
        LONG_BE.set(rawNonce, 4, rawIvLow ^ 1);
        rawCipher.init(Cipher.ENCRYPT_MODE, rawKey, spec(rawNonce));
        rawCipher.updateAAD(rawProtectedPacket, 0, HEADER_LENGTH);
        rawCipher.doFinal(rawProtectedPacket, HEADER_LENGTH, payloadLength, rawProtectedPacket, HEADER_LENGTH);
    }

    private AlgorithmParameterSpec spec(byte[] nonce) {
        return suite.usesChaCha20() ? new IvParameterSpec(nonce) : new GCMParameterSpec(128, nonce);
    }

    @Benchmark
    public int rawSeal() throws GeneralSecurityException {
        LONG_BE.set(rawNonce, 4, rawIvLow ^ ++rawPacketNumber);
        rawCipher.init(Cipher.ENCRYPT_MODE, rawKey, spec(rawNonce));
        rawCipher.updateAAD(rawSealBytes, 0, HEADER_LENGTH);
        return rawCipher.doFinal(rawSealBytes, HEADER_LENGTH, payloadLength, rawSealBytes, HEADER_LENGTH);
    }

    @Benchmark
    public int qsockSeal() {
        // A packet builder writes a fresh first byte per packet; header protection masked the last one.
        sealBuffer.put(0, FIRST_BYTE);
        return sealer.seal(sealBuffer, 0, PN_OFFSET, PN_LENGTH, ++packetNumber, HEADER_LENGTH + payloadLength);
    }

    @Benchmark
    public int rawOpen() throws GeneralSecurityException {
        System.arraycopy(rawProtectedPacket, 0, rawOpenBytes, 0, packetSize);
        LONG_BE.set(rawNonce, 4, rawIvLow ^ 1);
        rawCipher.init(Cipher.DECRYPT_MODE, rawKey, spec(rawNonce));
        rawCipher.updateAAD(rawOpenBytes, 0, HEADER_LENGTH);
        return rawCipher.doFinal(rawOpenBytes, HEADER_LENGTH, packetSize - HEADER_LENGTH, rawOpenBytes, HEADER_LENGTH);
    }

    @Benchmark
    public int qsockOpen() {
        openBuffer.put(0, protectedPacket);
        return opener.open(openBuffer, 0, PN_OFFSET, packetSize, 0, opened);
    }
}
