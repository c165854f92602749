package qsock.bench.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketKeys;
import qsock.core.crypto.PacketProtection;
import qsock.api.QuicVersion;

/**
 * The packet protection work both benchmarks measure, for one cipher suite and packet size: a realistic
 * 1-RTT packet (short header, 8-byte Destination Connection ID, 2-byte packet number) of {@code packetSize}
 * bytes on the wire, tag included, in a heap buffer, sealed and opened by qsock and by the bare JCA AEAD
 * call on the same bytes. {@link PacketProtectionBenchmark} runs it under JMH, {@link ProtectionCostHarness}
 * in interleaved blocks.
 *
 * <ul>
 *   <li>{@link #rawSeal}: {@code Cipher.init} with a new nonce (and a new parameter spec, as JCA code
 *       usually does), {@code updateAAD} of the header, {@code doFinal} in place. No header protection.
 *   <li>{@link #qsockSeal}: {@link PacketProtection#seal}: the same AEAD plus packet number write, checks
 *       and header protection.
 *   <li>{@link #rawOpen} / {@link #qsockOpen}: the reverse, each first restoring the protected packet
 *       from a pristine copy (an in-place open destroys its input), a copy both sides pay.
 * </ul>
 *
 * <p>Not thread-safe: one thread per instance, as JMH's thread-scoped state.
 */
final class ProtectionWorkload {

    static final int HEADER_LENGTH = 1 + 8 + 2;
    static final int PN_OFFSET = 1 + 8;
    static final int PN_LENGTH = 2;
    /** Short header, fixed bit, key phase 0, 2-byte packet number. */
    static final byte FIRST_BYTE = 0x41;
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final CipherSuite suite;
    private final int packetSize;
    private final int payloadLength;

    private final PacketProtection sealer;
    private final PacketProtection opener;
    private final OpenedPacket opened = new OpenedPacket();
    private final ByteBuffer sealBuffer;
    private final ByteBuffer openBuffer;
    /** A packet sealed by qsock with packet number 1, to open again and again. */
    private final byte[] protectedPacket;
    private long packetNumber = 1;

    private final Cipher rawCipher;
    private final SecretKeySpec rawKey;
    private final byte[] rawNonce;
    private final long rawIvLow;
    private final byte[] rawSealBytes;
    private final byte[] rawOpenBytes;
    /** The same packet sealed by the raw path (AEAD only) with packet number 1. */
    private final byte[] rawProtectedPacket;
    private long rawPacketNumber = 1;

    /**
     * Derives keys from a fixed pseudo-random secret and seals the packets the open paths will open.
     *
     * @throws GeneralSecurityException if the JDK lacks the suite's AEAD
     */
    ProtectionWorkload(CipherSuite suite, int packetSize) throws GeneralSecurityException {
        this.suite = suite;
        this.packetSize = packetSize;
        this.payloadLength = packetSize - HEADER_LENGTH - CipherSuite.TAG_LENGTH;
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

    CipherSuite suite() {
        return suite;
    }

    int packetSize() {
        return packetSize;
    }

    private AlgorithmParameterSpec spec(byte[] nonce) {
        return suite.usesChaCha20() ? new IvParameterSpec(nonce) : new GCMParameterSpec(128, nonce);
    }

    /** Seals the next packet with the bare AEAD call; returns the ciphertext-and-tag length. */
    int rawSeal() throws GeneralSecurityException {
        LONG_BE.set(rawNonce, 4, rawIvLow ^ ++rawPacketNumber);
        rawCipher.init(Cipher.ENCRYPT_MODE, rawKey, spec(rawNonce));
        rawCipher.updateAAD(rawSealBytes, 0, HEADER_LENGTH);
        return rawCipher.doFinal(rawSealBytes, HEADER_LENGTH, payloadLength, rawSealBytes, HEADER_LENGTH);
    }

    /** Seals the next packet with qsock; returns the protected packet's length. */
    int qsockSeal() {
        // A packet builder writes a fresh first byte per packet; header protection masked the last one.
        sealBuffer.put(0, FIRST_BYTE);
        return sealer.seal(sealBuffer, 0, PN_OFFSET, PN_LENGTH, ++packetNumber, HEADER_LENGTH + payloadLength);
    }

    /** Restores and opens the raw-sealed packet with the bare AEAD call; returns the plaintext length. */
    int rawOpen() throws GeneralSecurityException {
        System.arraycopy(rawProtectedPacket, 0, rawOpenBytes, 0, packetSize);
        LONG_BE.set(rawNonce, 4, rawIvLow ^ 1);
        rawCipher.init(Cipher.DECRYPT_MODE, rawKey, spec(rawNonce));
        rawCipher.updateAAD(rawOpenBytes, 0, HEADER_LENGTH);
        return rawCipher.doFinal(rawOpenBytes, HEADER_LENGTH, packetSize - HEADER_LENGTH, rawOpenBytes, HEADER_LENGTH);
    }

    /** Restores and opens the qsock-sealed packet with qsock; returns the plaintext length. */
    int qsockOpen() {
        openBuffer.put(0, protectedPacket);
        return opener.open(openBuffer, 0, PN_OFFSET, packetSize, 0, opened);
    }

    /** {@return a byte of each output buffer folded together}, so that a caller can consume the work */
    int outputDigest() {
        return sealBuffer.get(packetSize - 1) ^ rawSealBytes[packetSize - 1] ^ openBuffer.get(HEADER_LENGTH)
                ^ rawOpenBytes[HEADER_LENGTH];
    }
}
