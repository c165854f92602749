package qsock.core.sim.quic;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.api.Role;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketKeys;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * Reads and forges the packets of one direction of a fixed-secret pair, with the keys everyone knows
 * ({@link FixedSecrets}; Initial keys from the client's first Destination Connection ID): what a test uses to check
 * what a connection put on the wire and to play a misbehaving peer. 1-RTT packets of any key generation up to
 * {@link #MAX_GENERATION} open. Stateful: packet numbers are recovered against the largest one read in each space.
 */
public final class Wire {

    /** The highest 1-RTT key generation {@link #read} tries. */
    public static final int MAX_GENERATION = 8;

    /**
     * One packet read.
     *
     * @param type its type
     * @param number its packet number
     * @param keyPhase the Key Phase bit of a 1-RTT packet, else 0
     * @param generation the key generation that opened a 1-RTT packet, else 0
     * @param length its length on the wire
     * @param frames its frames, decoded
     */
    public record Packet(PacketType type, long number, int keyPhase, int generation, int length, List<Frame> frames) {

        /** {@return the frames of {@code type}} */
        public <T extends Frame> List<T> frames(Class<T> type) {
            List<T> out = new ArrayList<>();
            for (Frame f : frames) {
                if (type.isInstance(f)) {
                    out.add(type.cast(f));
                }
            }
            return out;
        }
    }

    private final Role sender;
    private final CipherSuite suite;
    private final QuicVersion version;
    private final ConnectionId originalDestination;
    private final int shortHeaderDcidLength;
    private final PacketHeaderView view = new PacketHeaderView();
    private final OpenedPacket opened = new OpenedPacket();
    private final long[] largest = {PacketNumber.NONE, PacketNumber.NONE, PacketNumber.NONE};
    private final PacketProtection[] oneRtt = new PacketProtection[MAX_GENERATION + 1];
    private final PacketProtection handshake;

    /**
     * A reader of what {@code sender} sends.
     *
     * @param originalDestination the Destination Connection ID of the client's first Initial (Initial keys)
     * @param shortHeaderDcidLength the length of the receiver's connection IDs
     */
    public Wire(Role sender, CipherSuite suite, QuicVersion version, ConnectionId originalDestination,
                int shortHeaderDcidLength) {
        this(sender, suite, version, originalDestination, shortHeaderDcidLength,
                FixedSecrets.secret(EncryptionLevel.HANDSHAKE, sender, suite),
                FixedSecrets.secret(EncryptionLevel.APPLICATION, sender, suite));
    }

    /**
     * A reader of what {@code sender} sends under the given secrets: those a real TLS handshake derived, as a
     * {@link RecordingChannel} keeps them.
     *
     * @param handshakeSecret the sender's Handshake write secret
     * @param oneRttSecret the sender's first 1-RTT write secret
     */
    public Wire(Role sender, CipherSuite suite, QuicVersion version, ConnectionId originalDestination,
                int shortHeaderDcidLength, byte[] handshakeSecret, byte[] oneRttSecret) {
        this.sender = sender;
        this.suite = suite;
        this.version = version;
        this.originalDestination = originalDestination;
        this.shortHeaderDcidLength = shortHeaderDcidLength;
        this.handshake = PacketProtection.fromSecret(suite, version, handshakeSecret);
        oneRtt[0] = PacketProtection.fromSecret(suite, version, oneRttSecret);
        for (int g = 1; g <= MAX_GENERATION; g++) {
            oneRtt[g] = oneRtt[g - 1].nextGeneration();
        }
    }

    /** {@return the packets of {@code datagram} (between position and limit, left as it is) that open, in order} */
    public List<Packet> read(ByteBuffer datagram) {
        ByteBuffer copy = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
        List<Packet> packets = new ArrayList<>();
        int offset = 0;
        while (offset < copy.limit()) {
            if (PacketParser.parse(copy, offset, shortHeaderDcidLength, true, view) != ParseStatus.OK) {
                break;
            }
            int start = view.packetStart();
            int end = view.packetEnd();
            PacketType type = view.type();
            if (type == PacketType.ONE_RTT) {
                for (int g = 0; g <= MAX_GENERATION; g++) {
                    Packet p = open(copy, start, view.pnOffset(), end, type, oneRtt[g], g);
                    if (p != null) {
                        packets.add(p);
                        break;
                    }
                }
            } else if (type == PacketType.INITIAL || type == PacketType.HANDSHAKE) {
                PacketProtection keys = type == PacketType.INITIAL
                        ? PacketProtection.initial(version, originalDestination, sender)
                        : handshake;
                Packet p = open(copy, start, view.pnOffset(), end, type, keys, 0);
                if (p != null) {
                    packets.add(p);
                }
            }
            offset = end;
        }
        return packets;
    }

    /**
     * {@return the types of the packets in {@code datagram}, read from their headers alone}
     *
     * @param shortHeaderDcidLength the length of the receiver's connection IDs
     */
    public static List<PacketType> types(ByteBuffer datagram, int shortHeaderDcidLength) {
        PacketHeaderView view = new PacketHeaderView();
        List<PacketType> types = new ArrayList<>();
        int offset = datagram.position();
        while (offset < datagram.limit()
                && PacketParser.parse(datagram, offset, shortHeaderDcidLength, true, view) == ParseStatus.OK) {
            types.add(view.type());
            offset = view.packetEnd();
        }
        return types;
    }

    private Packet open(ByteBuffer datagram, int start, int pnOffset, int end, PacketType type,
                        PacketProtection keys, int generation) {
        // Opening works in place and a failed try leaves garbage: each try opens a copy of the packet.
        ByteBuffer packet = ByteBuffer.allocate(end - start);
        packet.put(0, datagram, start, end - start);
        int space = type == PacketType.INITIAL ? 0 : type == PacketType.HANDSHAKE ? 1 : 2;
        int n = keys.open(packet, 0, pnOffset - start, end - start, largest[space], opened);
        if (n < 0) {
            return null;
        }
        largest[space] = Math.max(largest[space], opened.packetNumber());
        List<Frame> frames = new ArrayList<>();
        try {
            FrameDecoder.decodeAll(packet.duplicate().limit(opened.payloadOffset() + n)
                    .position(opened.payloadOffset()), type, frames);
        } catch (QuicProtocolException e) {
            throw new AssertionError("an undecodable " + type + " packet " + opened.packetNumber(), e);
        }
        return new Packet(type, opened.packetNumber(), type == PacketType.ONE_RTT ? opened.keyPhase() : 0,
                generation, end - start, frames);
    }

    /**
     * {@return a datagram of one 1-RTT packet protected as {@code writer} protects it with key generation
     * {@code generation}} The payload starts with PADDING, so that the header protection sample lies inside it, and
     * ends with what {@code frames} writes.
     */
    public static ByteBuffer oneRtt(Role writer, CipherSuite suite, QuicVersion version, int generation,
                                    ConnectionId destination, long packetNumber, Consumer<ByteBuffer> frames) {
        PacketProtection keys = FixedSecrets.protection(EncryptionLevel.APPLICATION, writer, suite, version);
        for (int g = 0; g < generation; g++) {
            keys = keys.nextGeneration();
        }
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        int pnOffset = PacketHeaderWriter.writeShortHeader(buf, destination, false, keys.keyPhase() == 1,
                packetNumber, 4, true);
        FrameEncoder.writePadding(buf, 24);
        frames.accept(buf);
        int length = keys.seal(buf, 0, pnOffset, 4, packetNumber, buf.position());
        return buf.position(0).limit(length);
    }

    /**
     * {@return a datagram of one Initial packet protected as {@code writer} protects it with the Initial keys of
     * {@code originalDestination}, padded to 1200 bytes} The payload starts with what {@code frames} writes; {@code
     * token} may be null (no token).
     */
    public static ByteBuffer initial(Role writer, QuicVersion version, ConnectionId originalDestination,
                                     ConnectionId destination, ConnectionId source, byte[] token, long packetNumber,
                                     Consumer<ByteBuffer> frames) {
        PacketProtection keys = PacketProtection.initial(version, originalDestination, writer);
        ByteBuffer buf = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(buf, version, PacketType.INITIAL, destination, source,
                token == null ? null : ByteBuffer.wrap(token), packetNumber, 4, 2, true);
        frames.accept(buf);
        // Initial packets use AEAD_AES_128_GCM, whose tag is 16 bytes (RFC 9001 §5.2).
        FrameEncoder.writePadding(buf, 1200 - 16 - buf.position());
        PacketHeaderWriter.setLength(buf, pnOffset, 2, 1200);
        int length = keys.seal(buf, 0, pnOffset, 4, packetNumber, buf.position());
        return buf.position(0).limit(length);
    }

    /**
     * {@return a datagram of one 1-RTT packet of AES-128-GCM sealed with key generation {@code generation} under a
     * Key Phase bit of the caller's choice} The bit may disagree with the generation, which
     * {@link PacketProtection#seal} refuses, so this seals by hand (RFC 9001 §5.3, §5.4): what a peer sends whose
     * phase bit and keys are read apart while another thread updates them (Kwik 0.10.8's sender, see
     * ConnectionKeyPhaseTest). The payload starts with PADDING and ends with what {@code frames} writes.
     */
    public static ByteBuffer oneRttWithKeyPhase(Role writer, QuicVersion version, int generation, int keyPhase,
                                                ConnectionId destination, long packetNumber,
                                                Consumer<ByteBuffer> frames) throws GeneralSecurityException {
        CipherSuite suite = CipherSuite.TLS_AES_128_GCM_SHA256;
        byte[] secret = FixedSecrets.secret(EncryptionLevel.APPLICATION, writer, suite);
        byte[] hp = PacketKeys.derive(suite, version, secret).hp();
        for (int g = 0; g < generation; g++) {
            secret = PacketKeys.nextSecret(suite, version, secret);
        }
        PacketKeys keys = PacketKeys.derive(suite, version, secret);
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        int pnOffset = PacketHeaderWriter.writeShortHeader(buf, destination, false, keyPhase == 1, packetNumber, 4,
                true);
        int payloadOffset = pnOffset + 4;
        FrameEncoder.writePadding(buf, 24);
        frames.accept(buf);
        int payloadEnd = buf.position();
        byte[] nonce = keys.iv().clone();
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (packetNumber >>> (8 * i));
        }
        byte[] header = new byte[payloadOffset];
        buf.get(0, header);
        byte[] plaintext = new byte[payloadEnd - payloadOffset];
        buf.get(payloadOffset, plaintext);
        Cipher aead = Cipher.getInstance("AES/GCM/NoPadding");
        aead.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.key(), "AES"), new GCMParameterSpec(128, nonce));
        aead.updateAAD(header);
        byte[] sealed = aead.doFinal(plaintext);
        buf.put(payloadOffset, sealed);
        // RFC 9001 §5.4.2: the sample starts 4 bytes after the start of the Packet Number field.
        byte[] sample = new byte[16];
        buf.get(pnOffset + 4, sample);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hp, "AES"));
        byte[] mask = ecb.doFinal(sample);
        buf.put(0, (byte) (buf.get(0) ^ (mask[0] & 0x1f)));
        for (int i = 0; i < 4; i++) {
            buf.put(pnOffset + i, (byte) (buf.get(pnOffset + i) ^ mask[1 + i]));
        }
        return buf.position(0).limit(payloadOffset + sealed.length);
    }

    /** {@return a consumer that encodes {@code frames} in order} */
    public static Consumer<ByteBuffer> frames(Frame... frames) {
        return buf -> {
            for (Frame f : frames) {
                FrameEncoder.encode(buf, f);
            }
        };
    }
}
