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
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.api.QuicVersion;

/**
 * The same 1452-byte 1-RTT packets as {@link PacketProtectionBenchmark}, sealed and opened in a direct
 * buffer (copied through a heap array inside {@code Aead}), and the cost of dropping a forged packet (a
 * failed open, heap buffer).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DirectBufferBenchmark {

    private static final int PACKET_SIZE = 1452;
    private static final int HEADER_LENGTH = ProtectionWorkload.HEADER_LENGTH;
    private static final int PN_OFFSET = ProtectionWorkload.PN_OFFSET;
    private static final int PN_LENGTH = ProtectionWorkload.PN_LENGTH;
    private static final int PAYLOAD_LENGTH = PACKET_SIZE - HEADER_LENGTH - CipherSuite.TAG_LENGTH;

    @Param({"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"})
    public CipherSuite suite;

    private PacketProtection sealer;
    private PacketProtection opener;
    private final OpenedPacket opened = new OpenedPacket();
    private ByteBuffer sealBuffer;
    private ByteBuffer openBuffer;
    private ByteBuffer heapOpenBuffer;
    private byte[] protectedPacket;
    private byte[] forgedPacket;
    private long packetNumber = 1;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(2);
        byte[] secret = new byte[suite.hash().length()];
        random.nextBytes(secret);
        byte[] packet = new byte[PACKET_SIZE];
        random.nextBytes(packet);
        packet[0] = ProtectionWorkload.FIRST_BYTE;
        sealer = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        opener = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        sealBuffer = ByteBuffer.allocateDirect(PACKET_SIZE).put(0, packet);
        openBuffer = ByteBuffer.allocateDirect(PACKET_SIZE);
        heapOpenBuffer = ByteBuffer.allocate(PACKET_SIZE);
        ByteBuffer first = ByteBuffer.wrap(packet.clone());
        PacketProtection.fromSecret(suite, QuicVersion.V1, secret)
                .seal(first, 0, PN_OFFSET, PN_LENGTH, 1, HEADER_LENGTH + PAYLOAD_LENGTH);
        protectedPacket = first.array();
        forgedPacket = protectedPacket.clone();
        forgedPacket[PACKET_SIZE - 1] ^= 1;
    }

    @Benchmark
    public int qsockSealDirect() {
        sealBuffer.put(0, ProtectionWorkload.FIRST_BYTE);
        return sealer.seal(sealBuffer, 0, PN_OFFSET, PN_LENGTH, ++packetNumber, HEADER_LENGTH + PAYLOAD_LENGTH);
    }

    @Benchmark
    public int qsockOpenDirect() {
        openBuffer.put(0, protectedPacket);
        return opener.open(openBuffer, 0, PN_OFFSET, PACKET_SIZE, 0, opened);
    }

    /** A forged packet (last tag bit flipped) in a heap buffer: the JDK's AEADBadTagException is inside. */
    @Benchmark
    public int qsockOpenForged() {
        heapOpenBuffer.put(0, forgedPacket);
        return opener.open(heapOpenBuffer, 0, PN_OFFSET, PACKET_SIZE, 0, opened);
    }
}
