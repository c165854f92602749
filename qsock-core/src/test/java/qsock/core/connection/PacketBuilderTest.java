package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.CongestionAlgorithm;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.cc.CongestionController;
import qsock.core.cc.Pacer;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameEncoder;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.recovery.LossDetector;
import qsock.core.wire.ConnectionId;

/**
 * The one packet builder: headers of both forms, the Length field, padding of datagrams with an Initial and of path
 * MTU probes, the fixed bit and its grease, coalescing, and what it hands to recovery. Every datagram built here is
 * parsed and opened again with the receiver's keys.
 */
class PacketBuilderTest {

    private static final QuicVersion V1 = QuicVersion.V1;
    private static final ConnectionId DCID = ConnectionId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    private static final ConnectionId SCID = ConnectionId.of(new byte[] {9, 10, 11, 12, 13, 14, 15, 16});

    private final LossDetector recovery = new LossDetector(Role.CLIENT, 100_000_000L);
    private final CongestionController congestion = CongestionController.create(CongestionAlgorithm.NEW_RENO, 1200);
    private final KeyPhases oneRtt = new KeyPhases();
    private final PacketBuilder builder = new PacketBuilder(V1, new SplittableRandom(7), recovery, congestion,
            new Pacer(1200), oneRtt);
    private final PacketSpace initial = space(PacketNumberSpace.INITIAL, EncryptionLevel.INITIAL);
    private final PacketSpace handshake = space(PacketNumberSpace.HANDSHAKE, EncryptionLevel.HANDSHAKE);
    private final PacketSpace application = space(PacketNumberSpace.APPLICATION, EncryptionLevel.APPLICATION);
    private final byte[] handshakeSecret = secret(1);
    private final byte[] applicationSecret = secret(2);

    PacketBuilderTest() {
        initial.sealer = PacketProtection.initial(V1, DCID, Role.CLIENT);
        handshake.sealer = PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, V1, handshakeSecret);
        oneRtt.sealer = PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, V1, applicationSecret);
        recovery.setHasHandshakeKeys(true);
    }

    private static PacketSpace space(PacketNumberSpace id, EncryptionLevel level) {
        return new PacketSpace(id, level, 25_000_000L, 1 << 16);
    }

    private static byte[] secret(int seed) {
        byte[] s = new byte[32];
        new SplittableRandom(seed).nextBytes(s);
        return s;
    }

    /** The receiver's keys for packets of {@code type}. */
    private PacketProtection opener(PacketType type) {
        return switch (type) {
            case INITIAL -> PacketProtection.initial(V1, DCID, Role.CLIENT);
            case HANDSHAKE -> PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, V1, handshakeSecret);
            default -> PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, V1, applicationSecret);
        };
    }

    /** A packet of the datagram, parsed and opened as a receiver would. */
    private record Opened(PacketType type, int start, int end, long packetNumber, int firstByte, byte[] payload) {}

    private Opened open(ByteBuffer datagram, int offset, boolean greaseAccepted) {
        PacketHeaderView header = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(datagram, offset, DCID.length(), greaseAccepted, header));
        PacketProtection keys = opener(header.type());
        OpenedPacket opened = new OpenedPacket();
        assertTrue(keys.removeHeaderProtection(datagram, header.packetStart(), header.pnOffset(), header.packetEnd(),
                -1, opened));
        int n = keys.decryptPayload(datagram, opened);
        assertTrue(n >= 0, "the packet opens: " + n);
        byte[] payload = new byte[opened.payloadLength()];
        datagram.get(opened.payloadOffset(), payload);
        return new Opened(header.type(), header.packetStart(), header.packetEnd(), opened.packetNumber(),
                opened.firstByte(), payload);
    }

    private void ping(PacketSpace space, ByteBuffer token) {
        builder.begin(space, space == application ? oneRtt.sealer : space.sealer, DCID, SCID, token);
        FrameEncoder.writePing(builder.buffer());
        builder.finish(true, new SentFrames());
    }

    @Test
    void aClientInitialIsPaddedTo1200BytesAndItsLengthFieldCoversThePacket() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1452);
        ping(initial, ByteBuffer.wrap(new byte[] {42, 43}));
        builder.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        int length = builder.seal(0);
        assertEquals(1200, length);
        assertEquals(1200, out.position());
        Opened p = open(out.flip(), 0, false);
        assertEquals(PacketType.INITIAL, p.type());
        assertEquals(1200, p.end(), "the Length field runs to the datagram's end");
        assertEquals(0, p.packetNumber());
        assertEquals(1, p.payload()[0], "PING first");
        for (int i = 1; i < p.payload().length; i++) {
            assertEquals(0, p.payload()[i], "then PADDING");
        }
        assertEquals(1, initial.nextPacketNumber, "the packet number is used");
        assertEquals(1200, congestion.bytesInFlight(), "tracked and in flight");
        assertEquals(1, builder.lastDatagramPackets());
        assertEquals(PacketNumberSpace.INITIAL, builder.lastDatagramSpace(0));
        assertTrue(builder.sealedAckEliciting());
    }

    @Test
    void padsOnlyUpToTheBudget() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1000);
        ping(initial, null);
        builder.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        assertEquals(1000, builder.seal(0));
    }

    @Test
    void theLengthFieldTakesFourBytesOnlyWhenThePacketMayExceed16383Bytes() {
        for (int budget : new int[] {1200, 16_383, 16_384, 65_527}) {
            PacketSpace space = handshake;
            ByteBuffer out = ByteBuffer.allocate(65_527);
            builder.startDatagram(out, budget);
            builder.begin(space, space.sealer, DCID, SCID, null);
            FrameEncoder.writePing(out);
            builder.finish(true, new SentFrames());
            builder.padDatagram(budget);
            assertEquals(budget, builder.seal(0));
            Opened p = open(out.flip(), 0, false);
            assertEquals(budget, p.end());
            // The Length field sits just before the packet number; its first two bits give its size.
            int headerBeforeLength = 1 + 4 + 1 + DCID.length() + 1 + SCID.length();
            int prefix = (out.get(headerBeforeLength) & 0xff) >>> 6;
            assertEquals(budget <= 16_383 ? 1 : 2, prefix, "Length field of a packet of up to " + budget + " bytes");
        }
    }

    @Test
    void aPathMtuProbeFillsTheProbedSize() {
        ByteBuffer out = ByteBuffer.allocate(9000);
        builder.startDatagram(out, 8000);
        ping(application, null);
        builder.padDatagram(8000);
        assertEquals(8000, builder.seal(0));
        Opened p = open(out.flip(), 0, false);
        assertEquals(PacketType.ONE_RTT, p.type());
        assertEquals(8000, p.end());
        assertEquals(8000, congestion.bytesInFlight());
    }

    @Test
    void coalescesUpToOnePacketPerSpaceEachWithItsOwnLength() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1452);
        ping(initial, null);
        ping(handshake, null);
        ping(application, null);
        assertEquals(3, builder.packetCount());
        assertThrows(IllegalStateException.class, () -> builder.begin(application, oneRtt.sealer, DCID, SCID, null));
        builder.padDatagram(ConnectionConfig.MIN_DATAGRAM_SIZE);
        int length = builder.seal(0);
        assertEquals(1200, length);
        out.flip();
        Opened a = open(out, 0, false);
        Opened b = open(out, a.end(), false);
        Opened c = open(out, b.end(), false);
        assertEquals(PacketType.INITIAL, a.type());
        assertEquals(PacketType.HANDSHAKE, b.type());
        assertEquals(PacketType.ONE_RTT, c.type());
        assertEquals(1200, c.end(), "the last packet, short header, runs to the datagram's end and holds the padding");
        assertTrue(builder.holds(PacketNumberSpace.HANDSHAKE));
        assertEquals(3, builder.lastDatagramPackets());
    }

    @Test
    void aTinyPacketIsPaddedForTheHeaderProtectionSample() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1452);
        builder.begin(application, oneRtt.sealer, DCID, SCID, null);
        FrameEncoder.writePing(out);
        // A packet of PING alone with a one-byte packet number: two bytes, short of the four a sample needs.
        builder.finish(false, new SentFrames());
        int length = builder.seal(0);
        Opened p = open(out.flip(), 0, false);
        assertEquals(length, p.end());
        assertEquals(3, p.payload().length, "PING and two PADDING bytes after a one-byte packet number");
        assertEquals(length, congestion.bytesInFlight(), "padding puts the packet in flight (RFC 9002 §2)");
    }

    @Test
    void theFixedBitIsSetUnlessThePeerGreasesIt() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        for (int i = 0; i < 64; i++) {
            builder.startDatagram(out.clear(), 1452);
            ping(application, null);
            builder.seal(i);
            assertEquals(0x40, open(out.flip(), 0, false).firstByte() & 0x40);
        }
        builder.greaseQuicBit(true);
        int set = 0;
        for (int i = 0; i < 64; i++) {
            builder.startDatagram(out.clear(), 1452);
            boolean close = i % 2 == 0;
            builder.begin(close ? handshake : application, close ? handshake.sealer : oneRtt.sealer, DCID, SCID,
                    null);
            FrameEncoder.writePing(out);
            if (close) {
                builder.finishUntracked();
            } else {
                builder.finish(true, new SentFrames());
            }
            builder.seal(i);
            set += open(out.flip(), 0, true).firstByte() & 0x40;
        }
        assertTrue(set > 0 && set < 64 * 0x40, "greased: the bit varies, for tracked and untracked packets alike");
    }

    @Test
    void anUntrackedPacketIsNotHandedToRecovery() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1452);
        builder.begin(handshake, handshake.sealer, DCID, SCID, null);
        FrameEncoder.writePing(out);
        builder.finishUntracked();
        int length = builder.seal(0);
        assertEquals(0, congestion.bytesInFlight());
        assertTrue(recovery.log(PacketNumberSpace.HANDSHAKE).isEmpty());
        assertEquals(0, builder.lastDatagramPackets());
        assertEquals(length, builder.lastDatagramLength(), "its bytes still count, should it not leave");
        assertFalse(builder.sealedAckEliciting());
        assertEquals(1, handshake.nextPacketNumber);
    }

    @Test
    void anAbandonedPacketLeavesNoTrace() {
        ByteBuffer out = ByteBuffer.allocate(1500);
        builder.startDatagram(out, 1452);
        builder.begin(application, oneRtt.sealer, DCID, SCID, null);
        assertTrue(builder.isEmpty());
        assertThrows(IllegalStateException.class, () -> builder.finish(false, new SentFrames()),
                "a packet without frames is refused");
        builder.abandon();
        assertEquals(0, out.position());
        assertEquals(0, application.nextPacketNumber);
        assertEquals(0, builder.packetCount());
    }
}
