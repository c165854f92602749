package qsock.core.crypto;

import java.nio.ByteBuffer;
import java.util.Arrays;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketNumber;
import qsock.core.wire.ConnectionId;

/**
 * Protection of the packets of one direction at one encryption level and key phase (RFC 9001 §5): AEAD of
 * the payload with the header as associated data, then header protection. Reused for every packet of
 * that key; seals and opens in place in the caller's buffer (heap or direct). Its only allocation per
 * packet is ChaCha20 header protection's {@code ChaCha20ParameterSpec} (see {@link HeaderProtection});
 * what the JDK allocates inside {@code Cipher} is the JDK's (see {@link Aead}).
 *
 * <p>Positions are absolute indexes into the buffer, as {@link ByteBuffer#get(int)} takes them; the
 * buffer's position and limit are neither used nor moved, except that every index must be below the limit.
 * The caller knows the layout from building or parsing the header: where the packet starts, where its
 * Packet Number field is, and where it ends.
 *
 * <p>Opening never throws on bad input: a packet too short for a header protection sample or one that
 * fails authentication returns a negative result, and the caller drops it (RFC 9001 §5.5). Exceptions are
 * for the caller's own bugs.
 *
 * <p>Key updates (RFC 9001 §6): {@link #nextGeneration()} derives the keys of the next key phase from
 * this one's secret; the header protection key and object stay the same. A receiver removes header
 * protection with any generation ({@link #removeHeaderProtection}), reads the Key Phase bit, then decrypts
 * with the generation it selects ({@link #decryptPayload}).
 *
 * <p>Not thread-safe: one thread at a time per direction.
 */
public final class PacketProtection {

    /** Result of {@link #open}: the packet is too short to hold a header protection sample. */
    public static final int TOO_SHORT = -1;

    /** Result of {@link #open} and {@link #decryptPayload}: the payload failed authentication. */
    public static final int AUTHENTICATION_FAILED = -2;

    private static final int TAG = CipherSuite.TAG_LENGTH;

    private final CipherSuite suite;
    private final QuicVersion version;
    private final byte[] secret;
    private final long generation;
    private final Aead aead;
    private final HeaderProtection headerProtection;
    private long authenticationFailures;

    private PacketProtection(CipherSuite suite, QuicVersion version, byte[] secret, long generation,
            PacketKeys keys, HeaderProtection headerProtection) {
        this.suite = suite;
        this.version = version;
        this.secret = secret;
        this.generation = generation;
        byte[] key = keys.key();
        byte[] iv = keys.iv();
        this.aead = new Aead(suite, key, iv);
        // RFC 9001 §9: the Aead keeps its own copies; these and the derived keys are not needed any more.
        Arrays.fill(key, (byte) 0);
        Arrays.fill(iv, (byte) 0);
        keys.destroy();
        this.headerProtection = headerProtection;
    }

    /**
     * {@return the protection of packets protected with {@code secret}}, a traffic secret from TLS for
     * {@code suite}; the keys are derived with {@code version}'s labels (RFC 9001 §5.1, RFC 9369 §3.3.2)
     *
     * @throws IllegalArgumentException if the secret is not the length of the suite's hash
     */
    public static PacketProtection fromSecret(CipherSuite suite, QuicVersion version, byte[] secret) {
        if (secret.length != suite.hash().length()) {
            throw new IllegalArgumentException(suite + " secrets have " + suite.hash().length() + " bytes, not "
                    + secret.length);
        }
        PacketKeys keys = PacketKeys.derive(suite, version, secret);
        byte[] hp = keys.hp();
        HeaderProtection headerProtection = new HeaderProtection(suite, hp);
        Arrays.fill(hp, (byte) 0);
        return new PacketProtection(suite, version, secret.clone(), 0, keys, headerProtection);
    }

    /**
     * {@return the protection of Initial packets sent by {@code sender}} (RFC 9001 §5.2): the client
     * seals and the server opens with {@code CLIENT}'s; the server seals and the client opens with
     * {@code SERVER}'s
     *
     * @param clientDestinationId the Destination Connection ID of the client's first Initial packet
     */
    public static PacketProtection initial(QuicVersion version, ConnectionId clientDestinationId, Role sender) {
        InitialSecrets secrets = InitialSecrets.derive(version, clientDestinationId);
        return fromSecret(InitialSecrets.CIPHER_SUITE, version, secrets.secretOf(sender));
    }

    /**
     * {@return the protection of the next key phase} (RFC 9001 §6.1): a new AEAD key and IV from the next
     * secret ("quic ku" / "quicv2 ku"), the same header protection
     */
    public PacketProtection nextGeneration() {
        if (aead.isDestroyed()) {
            throw new IllegalStateException("these keys were destroyed");
        }
        byte[] next = PacketKeys.nextSecret(suite, version, secret);
        return new PacketProtection(suite, version, next, generation + 1,
                PacketKeys.derive(suite, version, next), headerProtection);
    }

    /**
     * Overwrites the secret and the AEAD's key material this object owns with zeros (RFC 9001 §9: secrets and keys
     * no longer needed are not kept): when its encryption level is discarded, when the previous keys of a key
     * update are dropped, and when the connection ends. Afterwards it seals and opens nothing (an
     * {@link IllegalStateException}, a bug of the caller) and derives no next generation.
     *
     * <p>Best effort, as Java allows: the JCA's {@code SecretKeySpec} keeps its own copy of each key, which it
     * cannot destroy ({@code destroy()} is not implemented), and the provider's {@code Cipher} keeps an expanded
     * key schedule; those go with the garbage collector, not zeroed.
     *
     * @param withHeaderProtection whether the header protection key goes too; not while another generation of
     *        these keys, which shares it, is still in use
     */
    public void destroy(boolean withHeaderProtection) {
        Arrays.fill(secret, (byte) 0);
        aead.destroy();
        if (withHeaderProtection) {
            headerProtection.destroy();
        }
    }

    /** {@return whether {@link #destroy} ran: the secret and the AEAD's IV bytes it owns are all zero} */
    public boolean isDestroyed() {
        for (byte b : secret) {
            if (b != 0) {
                return false;
            }
        }
        return aead.isDestroyed();
    }

    /** {@return the cipher suite} */
    public CipherSuite suite() {
        return suite;
    }

    /** {@return the QUIC version whose labels derived the keys} */
    public QuicVersion version() {
        return version;
    }

    /** {@return how many key updates separate these keys from the first 1-RTT keys: 0, 1, 2, ...} */
    public long generation() {
        return generation;
    }

    /** {@return the Key Phase bit that marks packets of these keys: the generation's low bit} */
    public int keyPhase() {
        return (int) (generation & 1);
    }

    /** {@return the header protection, shared by all generations of these keys} */
    public HeaderProtection headerProtection() {
        return headerProtection;
    }

    /** {@return how many packets these keys sealed}, against {@link CipherSuite#confidentialityLimit()} */
    public long packetsSealed() {
        return aead.sealedCount();
    }

    /**
     * {@return how many packets failed authentication with these keys}; the connection adds these up
     * across its keys against {@link CipherSuite#integrityLimit()}
     */
    public long authenticationFailures() {
        return authenticationFailures;
    }

    /**
     * Seals a packet in place: writes the packet number into the Packet Number field, encrypts the payload
     * with nonce = IV XOR packet number and the header as associated data, appends the tag, and applies
     * header protection (RFC 9001 §5.3, §5.4).
     *
     * <p>The header, from {@code packetStart} to the end of the Packet Number field, must be complete: a
     * long header's Length field already counts the packet number, payload and tag, and the first byte's
     * Packet Number Length bits say {@code pnLength} (and a short header's Key Phase bit says
     * {@link #keyPhase()}). The payload follows the Packet Number field up to {@code payloadEnd}, and the
     * buffer has 16 more bytes for the tag before its limit.
     *
     * @param packetStart index of the first byte of the packet
     * @param pnOffset index of the Packet Number field
     * @param pnLength length of the Packet Number field, 1 to 4
     * @param packetNumber the full packet number, larger than every one sealed before with these keys
     * @param payloadEnd index just past the plaintext payload
     * @return the length of the protected packet, {@code payloadEnd + 16 - packetStart}
     * @throws IllegalArgumentException if the layout does not fit the buffer, the buffer is read-only, the
     *         first byte disagrees with {@code pnLength} or (short header) with {@link #keyPhase()}, or the
     *         packet number and payload together are shorter than 4 bytes (so that there is no full
     *         sample: RFC 9001 §5.4.2 asks the sender to pad)
     * @throws IllegalStateException if {@code packetNumber} is not larger than the last one sealed
     */
    public int seal(ByteBuffer buffer, int packetStart, int pnOffset, int pnLength, long packetNumber,
            int payloadEnd) {
        int payloadOffset = pnOffset + pnLength;
        if (packetStart < 0 || pnOffset <= packetStart || pnLength < 1 || pnLength > 4
                || payloadEnd < payloadOffset || payloadEnd > buffer.limit() - TAG) {
            throw new IllegalArgumentException("packet [" + packetStart + ", " + payloadEnd + ") + tag with a "
                    + pnLength + "-byte packet number at " + pnOffset + " does not fit a buffer of "
                    + buffer.limit() + " bytes");
        }
        if (payloadEnd - pnOffset < HeaderProtection.SAMPLE_OFFSET) {
            // RFC 9001 §5.4.2: packet number and payload together are at least 4 bytes, so that the
            // sample (4 bytes after the Packet Number field) lies inside ciphertext and tag.
            throw new IllegalArgumentException("packet number and payload of " + (payloadEnd - pnOffset)
                    + " bytes leave no full header protection sample; pad to 4");
        }
        if (packetNumber < 0 || packetNumber > PacketNumber.MAX) {
            throw new IllegalArgumentException("packet number " + packetNumber + " out of range");
        }
        int first = buffer.get(packetStart) & 0xff;
        if ((first & 0x03) != pnLength - 1) {
            throw new IllegalArgumentException("first byte 0x" + Integer.toHexString(first)
                    + " does not announce a " + pnLength + "-byte packet number");
        }
        if ((first & 0x80) == 0 && ((first >>> 2) & 1) != keyPhase()) {
            // RFC 9001 §6: the Key Phase bit tells the receiver which keys to open a 1-RTT packet with.
            throw new IllegalArgumentException("short header Key Phase bit is not " + keyPhase()
                    + ", the phase of generation " + generation);
        }
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException("packet protection works in place; the buffer is read-only");
        }
        for (int i = 0; i < pnLength; i++) {
            buffer.put(pnOffset + i, (byte) (packetNumber >>> (8 * (pnLength - 1 - i))));
        }
        // RFC 9001 §5.3: the associated data is the header up to and including the unprotected packet
        // number; header protection comes after (§5.4.1), sampling the ciphertext.
        aead.seal(buffer, packetStart, payloadOffset - packetStart, payloadOffset, payloadEnd - payloadOffset,
                packetNumber);
        headerProtection.apply(buffer, packetStart, pnOffset, pnLength);
        return payloadEnd + TAG - packetStart;
    }

    /**
     * Opens a packet in place: removes header protection, recovers the full packet number, and decrypts
     * and verifies the payload. On success the header and payload are plaintext in the buffer and
     * {@code out} says where (the payload is at {@link OpenedPacket#payloadOffset()}).
     *
     * @param packetStart index of the first byte of the packet
     * @param pnOffset index of the Packet Number field, from the unprotected part of the header
     * @param packetEnd index just past the packet (its tag)
     * @param largestReceived the largest packet number successfully processed in this packet number space,
     *        or {@link PacketNumber#NONE}
     * @param out receives the packet number, its length, the payload bounds and the first byte
     * @return the plaintext payload length (0 or more); or {@link #TOO_SHORT} or
     *         {@link #AUTHENTICATION_FAILED}, and the packet is to be dropped (its bytes are then
     *         unspecified)
     * @throws IllegalArgumentException if {@code packetStart < pnOffset <= packetEnd <= limit} does not
     *         hold or the buffer is read-only
     */
    public int open(ByteBuffer buffer, int packetStart, int pnOffset, int packetEnd, long largestReceived,
            OpenedPacket out) {
        if (!removeHeaderProtection(buffer, packetStart, pnOffset, packetEnd, largestReceived, out)) {
            return TOO_SHORT;
        }
        return decryptPayload(buffer, out);
    }

    /**
     * The first half of {@link #open}: removes header protection in place and fills {@code out} with the
     * unprotected first byte, the packet number and the bounds of the still-encrypted payload. A receiver
     * uses the Key Phase bit then to choose which generation decrypts ({@link #decryptPayload}).
     *
     * @return true; or false if the packet is too short to contain a sample (the buffer is unchanged)
     * @throws IllegalArgumentException as {@link #open} does
     */
    public boolean removeHeaderProtection(ByteBuffer buffer, int packetStart, int pnOffset, int packetEnd,
            long largestReceived, OpenedPacket out) {
        int pnLength = headerProtection.remove(buffer, packetStart, pnOffset, packetEnd);
        if (pnLength == HeaderProtection.TOO_SHORT) {
            return false;
        }
        long truncated = 0;
        for (int i = 0; i < pnLength; i++) {
            truncated = truncated << 8 | (buffer.get(pnOffset + i) & 0xff);
        }
        out.packetStart = packetStart;
        out.packetEnd = packetEnd;
        out.firstByte = buffer.get(packetStart) & 0xff;
        out.packetNumberLength = pnLength;
        out.packetNumber = PacketNumber.decode(largestReceived, truncated, pnLength);
        out.payloadOffset = pnOffset + pnLength;
        // At least 16: the sample check guarantees 20 bytes after pnOffset, pnLength is at most 4.
        out.payloadLength = packetEnd - out.payloadOffset;
        return true;
    }

    /**
     * The second half of {@link #open}: decrypts and verifies the payload of a packet whose header
     * protection {@link #removeHeaderProtection} removed (possibly with another generation of these keys).
     * On success {@code packet}'s payload length becomes the plaintext's.
     *
     * @return the plaintext payload length, or {@link #AUTHENTICATION_FAILED}
     */
    public int decryptPayload(ByteBuffer buffer, OpenedPacket packet) {
        int n = aead.open(buffer, packet.packetStart, packet.payloadOffset - packet.packetStart,
                packet.payloadOffset, packet.payloadLength, packet.packetNumber);
        if (n == Aead.AUTHENTICATION_FAILED) {
            authenticationFailures++;
            return AUTHENTICATION_FAILED;
        }
        packet.payloadLength = n;
        return n;
    }

    @Override
    public String toString() {
        return "PacketProtection[" + suite + ", " + version + ", generation " + generation + "]";
    }
}
