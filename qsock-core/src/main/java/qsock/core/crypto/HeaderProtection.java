package qsock.core.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;

/**
 * Header protection (RFC 9001 §5.4): a 5-byte mask computed from a 16-byte sample of the ciphertext,
 * XORed into the low bits of the first byte and into the Packet Number field. The same computation
 * applies and removes it, so one class serves both directions; the key does not change with key updates
 * (RFC 9001 §6), so all generations of a direction's keys can share one object.
 *
 * <p>AES suites encrypt the sample as one AES-ECB block with a {@code Cipher} initialised once
 * (RFC 9001 §5.4.3). ChaCha20-Poly1305 runs raw ChaCha20 over five zero bytes with the sample's first four
 * bytes (little-endian) as the block counter and the other twelve as the nonce (RFC 9001 §5.4.4). That
 * cipher is initialised in DECRYPT_MODE: the keystream XOR is the same in both modes, and only
 * ENCRYPT_MODE makes the JDK refuse a key and nonce it saw last time, which a repeated sample (a
 * duplicated packet, or an attacker's replay) would be. The JDK's final {@link ChaCha20ParameterSpec} is
 * the one object made per ChaCha20 mask.
 *
 * <p>Not thread-safe.
 */
public final class HeaderProtection {

    /** Length of the ciphertext sample (RFC 9001 §5.4.2). */
    public static final int SAMPLE_LENGTH = CipherSuite.SAMPLE_LENGTH;

    /**
     * How far after the start of the Packet Number field the sample begins: the field is assumed to be 4
     * bytes long, its maximum, since a receiver does not know its length yet (RFC 9001 §5.4.2).
     */
    public static final int SAMPLE_OFFSET = 4;

    /** Returned by {@link #remove} when the packet is too short to hold a sample. */
    public static final int TOO_SHORT = -1;

    /** The input ChaCha20 masks (RFC 9001 §5.4.4: "ChaCha20(hp_key, counter, nonce, {0,0,0,0,0})"). */
    private static final byte[] FIVE_ZEROS = new byte[5];

    private final boolean chacha20;
    private final Cipher cipher;
    private final SecretKeySpec key;
    /** AES-ECB output, ChaCha20 output, or a sample copied out of a direct buffer. */
    private final byte[] block = new byte[16];
    private final byte[] chachaNonce = new byte[12];
    private boolean destroyed;

    /**
     * Creates header protection for {@code suite} with the "quic hp" key.
     *
     * @throws IllegalArgumentException if the key length is not the suite's
     */
    public HeaderProtection(CipherSuite suite, byte[] hpKey) {
        if (hpKey.length != suite.keyLength()) {
            throw new IllegalArgumentException(suite + " needs a " + suite.keyLength() + "-byte hp key, not "
                    + hpKey.length);
        }
        this.chacha20 = suite.usesChaCha20();
        this.key = new SecretKeySpec(hpKey, suite.keyAlgorithm());
        try {
            this.cipher = Cipher.getInstance(suite.headerProtectionTransformation());
            if (!chacha20) {
                // ECB has no IV: one init serves every packet.
                cipher.init(Cipher.ENCRYPT_MODE, key);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(suite.headerProtectionTransformation() + " is not available", e);
        }
    }

    /**
     * Overwrites the buffers that held masks and samples with zeros; afterwards no mask is computed. The key's
     * {@code SecretKeySpec} copy and the {@code Cipher}'s key schedule cannot be zeroed (see
     * {@link PacketProtection#destroy}).
     */
    public void destroy() {
        destroyed = true;
        java.util.Arrays.fill(block, (byte) 0);
        java.util.Arrays.fill(chachaNonce, (byte) 0);
    }

    /**
     * {@return the 5-byte mask for the 16-byte sample at {@code sampleOffset}, its first byte in bits 32-39
     * down to its fifth in bits 0-7}
     *
     * @throws IllegalArgumentException if the sample is not inside the buffer's limit
     */
    public long mask(ByteBuffer buffer, int sampleOffset) {
        if (sampleOffset < 0 || sampleOffset > buffer.limit() - SAMPLE_LENGTH) {
            throw new IllegalArgumentException("sample at " + sampleOffset + " is outside the buffer's "
                    + buffer.limit() + " bytes");
        }
        if (destroyed) {
            throw new IllegalStateException("header protection keys were destroyed");
        }
        // Cipher.update, not doFinal: the AEAD calls doFinal on its own Cipher, and sharing that call site
        // between two CipherSpi classes makes the JIT's profile of it bimorphic, which measurably slowed
        // some runs of sealing and opening. For one ECB block or a stream cipher, update gives the same bytes.
        // (Issue 14, AeadVariantBenchmark: alone, a reused ECB Cipher's doFinal takes ~10 ns a block and update
        // ~14; within whole packets, PacketProtectionBenchmark, the two were within run-to-run noise of +-4%.)
        try {
            if (chacha20) {
                int counter = (buffer.get(sampleOffset) & 0xff)
                        | (buffer.get(sampleOffset + 1) & 0xff) << 8
                        | (buffer.get(sampleOffset + 2) & 0xff) << 16
                        | (buffer.get(sampleOffset + 3) & 0xff) << 24;
                buffer.get(sampleOffset + 4, chachaNonce, 0, chachaNonce.length);
                cipher.init(Cipher.DECRYPT_MODE, key, new ChaCha20ParameterSpec(chachaNonce, counter));
                cipher.update(FIVE_ZEROS, 0, FIVE_ZEROS.length, block, 0);
            } else if (buffer.hasArray()) {
                cipher.update(buffer.array(), buffer.arrayOffset() + sampleOffset, SAMPLE_LENGTH, block, 0);
            } else {
                buffer.get(sampleOffset, block, 0, SAMPLE_LENGTH);
                cipher.update(block, 0, SAMPLE_LENGTH, block, 0);
            }
        } catch (GeneralSecurityException e) {
            // One block into a 16-byte array with a valid key: nothing can fail.
            throw new IllegalStateException("header protection mask failed", e);
        }
        return (block[0] & 0xffL) << 32 | (block[1] & 0xffL) << 24 | (block[2] & 0xffL) << 16
                | (block[3] & 0xffL) << 8 | (block[4] & 0xffL);
    }

    /**
     * Applies header protection to a sealed packet: masks the low 4 bits of the first byte of a long
     * header, or the low 5 of a short header, and the {@code pnLength} bytes of the Packet Number field.
     *
     * @param packetStart index of the packet's first byte
     * @param pnOffset index of the Packet Number field; the sample starts 4 bytes after it
     * @param pnLength the length of the Packet Number field, 1 to 4
     * @throws IllegalArgumentException if an index is outside the buffer, the sample does not fit, or the
     *         buffer is read-only
     */
    public void apply(ByteBuffer buffer, int packetStart, int pnOffset, int pnLength) {
        checkWritable(buffer);
        if (packetStart < 0 || pnOffset <= packetStart || pnLength < 1 || pnLength > 4) {
            throw new IllegalArgumentException("packet at " + packetStart + " with a " + pnLength
                    + "-byte packet number at " + pnOffset);
        }
        long m = mask(buffer, pnOffset + SAMPLE_OFFSET);
        byte first = buffer.get(packetStart);
        buffer.put(packetStart, (byte) (first ^ ((m >>> 32) & firstByteMaskBits(first))));
        xorPacketNumber(buffer, pnOffset, pnLength, m);
    }

    /**
     * Removes header protection: unmasks the first byte, reads the packet number length from it and
     * unmasks that many bytes of the Packet Number field, in place.
     *
     * @param packetStart index of the packet's first byte
     * @param pnOffset index of the Packet Number field, as parsed from the unprotected part of the header
     * @param packetEnd index just past the packet's last byte (from the Length field of a long header,
     *        the end of the datagram for a short header)
     * @return the packet number length, 1 to 4; or {@link #TOO_SHORT}, leaving the buffer unchanged, if
     *         the packet ends before the end of the sample (RFC 9001 §5.4.2: such packets are discarded)
     * @throws IllegalArgumentException if {@code packetStart < pnOffset <= packetEnd <= limit} does not hold,
     *         or the buffer is read-only
     */
    public int remove(ByteBuffer buffer, int packetStart, int pnOffset, int packetEnd) {
        checkWritable(buffer);
        if (packetStart < 0 || pnOffset <= packetStart || packetEnd < pnOffset || packetEnd > buffer.limit()) {
            throw new IllegalArgumentException("packet [" + packetStart + ", " + packetEnd + ") with packet number at "
                    + pnOffset + " does not fit a buffer of " + buffer.limit() + " bytes");
        }
        // RFC 9001 §5.4.2: "An endpoint MUST discard packets that are not long enough to contain a
        // complete sample."
        if (packetEnd - pnOffset < SAMPLE_OFFSET + SAMPLE_LENGTH) {
            return TOO_SHORT;
        }
        long m = mask(buffer, pnOffset + SAMPLE_OFFSET);
        byte first = buffer.get(packetStart);
        first ^= (byte) ((m >>> 32) & firstByteMaskBits(first));
        buffer.put(packetStart, first);
        int pnLength = (first & 0x03) + 1;
        xorPacketNumber(buffer, pnOffset, pnLength, m);
        return pnLength;
    }

    private static void checkWritable(ByteBuffer buffer) {
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException("header protection works in place; the buffer is read-only");
        }
    }

    private static int firstByteMaskBits(byte first) {
        // RFC 9001 §5.4.1: long headers protect 4 bits (Reserved, Packet Number Length), short headers 5
        // (Reserved, Key Phase, Packet Number Length).
        return (first & 0x80) != 0 ? 0x0f : 0x1f;
    }

    private static void xorPacketNumber(ByteBuffer buffer, int pnOffset, int pnLength, long m) {
        for (int i = 0; i < pnLength; i++) {
            int at = pnOffset + i;
            buffer.put(at, (byte) (buffer.get(at) ^ (m >>> (24 - 8 * i))));
        }
    }
}
