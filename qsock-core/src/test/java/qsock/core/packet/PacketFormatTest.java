package qsock.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/** Writing headers, Version Negotiation and Stateless Reset, and reading them back. */
class PacketFormatTest {

    private static final HexFormat HEX = HexFormat.of();
    private final PacketHeaderView view = new PacketHeaderView();

    // The header of RFC 9001 A.2 before protection: c3 (pn length 4), v1, DCID 8394c8f03e515708, no SCID,
    // no token, Length 0x449e (2 bytes), packet number 2.
    @Test
    void writesTheRfc9001ClientInitialHeaderByteForByte() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1, PacketType.INITIAL,
                ConnectionId.ofHex("8394c8f03e515708"), ConnectionId.EMPTY, null, 2, 4, 2, true);
        PacketHeaderWriter.setLength(b, pnOffset, 2, 1200);
        assertEquals("c300000001088394c8f03e5157080000449e00000002", HEX.formatHex(b.array(), 0, b.position()));
        assertEquals(18, pnOffset);
        assertEquals(22, PacketHeaderWriter.longHeaderLength(PacketType.INITIAL,
                ConnectionId.ofHex("8394c8f03e515708"), ConnectionId.EMPTY, 0, 4, 2));
    }

    // RFC 9369 A.2: the same packet in version 2 starts d3 6b3343cf.
    @Test
    void writesTheRfc9369ClientInitialHeaderByteForByte() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V2, PacketType.INITIAL,
                ConnectionId.ofHex("8394c8f03e515708"), ConnectionId.EMPTY, null, 2, 4, 2, true);
        PacketHeaderWriter.setLength(b, pnOffset, 2, pnOffset + 0x049e);
        assertEquals("d36b3343cf088394c8f03e5157080000449e00000002", HEX.formatHex(b.array(), 0, b.position()));
    }

    // RFC 9001 A.5: the short header 4200bff4 (pn length 3, packet number 654360564, empty DCID).
    @Test
    void writesTheRfc9001ShortHeaderByteForByte() {
        ByteBuffer b = ByteBuffer.allocate(32);
        int pnOffset = PacketHeaderWriter.writeShortHeader(b, ConnectionId.EMPTY, false, false, 654360564L, 3, true);
        assertEquals(1, pnOffset);
        assertEquals("4200bff4", HEX.formatHex(b.array(), 0, b.position()));
    }

    @Test
    void shortHeaderCarriesSpinAndKeyPhase() {
        ByteBuffer b = ByteBuffer.allocate(32);
        PacketHeaderWriter.writeShortHeader(b, ConnectionId.ofHex("aa"), true, true, 1, 1, true);
        assertEquals(0x40 | 0x20 | 0x04, b.get(0) & 0xff);
        b.clear();
        PacketHeaderWriter.writeShortHeader(b, ConnectionId.ofHex("aa"), false, false, 1, 2, false);
        assertEquals(0x01, b.get(0) & 0xff);
    }

    @Test
    void writerRefusesWhatTheFormatCannotCarry() {
        ByteBuffer b = ByteBuffer.allocate(100);
        ConnectionId c = ConnectionId.EMPTY;
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1,
                PacketType.RETRY, c, c, null, 0, 1, 2, true));
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1,
                PacketType.HANDSHAKE, c, c, ByteBuffer.allocate(1), 0, 1, 2, true));
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1,
                PacketType.INITIAL, c, c, null, 0, 5, 2, true));
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1,
                PacketType.INITIAL, c, c, null, 0, 1, 3, true));
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.writeShortHeader(b, c, false, false,
                -1, 1, true));
        // A 2-byte Length holds at most 16383.
        ByteBuffer big = ByteBuffer.allocate(20000);
        int pn = PacketHeaderWriter.writeLongHeader(big, QuicVersion.V1, PacketType.HANDSHAKE, c, c, null, 0, 1, 2, true);
        assertThrows(IllegalArgumentException.class, () -> PacketHeaderWriter.setLength(big, pn, 2, pn + 16384));
        PacketHeaderWriter.setLength(big, pn, 2, pn + 16383);
    }

    @Test
    void versionNegotiationAnswersAnUnknownVersionWithSwappedConnectionIds() {
        ByteBuffer in = ByteBuffer.allocate(1200);
        byte[] clientDcid = new byte[40];
        new SplittableRandom(1).nextBytes(clientDcid);
        in.put((byte) 0xc0).putInt(0x5a6a7a8a).put((byte) 40).put(clientDcid).put((byte) 2).put(new byte[] {7, 8})
                .position(0);
        assertEquals(ParseStatus.UNSUPPORTED_VERSION, PacketParser.parse(in, 0, 8, false, view));

        ByteBuffer out = ByteBuffer.allocate(200);
        int[] supported = {QuicVersion.V2.wireValue(), QuicVersion.V1.wireValue(), 0x1a2a3a4a};
        VersionNegotiationPacket.writeResponse(out, in, view, supported, 0x40);
        out.flip();
        assertEquals(ParseStatus.VERSION_NEGOTIATION, PacketParser.parse(out, 0, 8, false, view));
        VersionNegotiationPacket vn = VersionNegotiationPacket.from(out, view);
        assertArrayEquals(new byte[] {7, 8}, vn.dcid());
        assertArrayEquals(clientDcid, vn.scid());
        assertArrayEquals(supported, vn.versions());
        assertTrue(vn.lists(QuicVersion.V1.wireValue()));
        assertFalse(vn.lists(0x5a6a7a8a));
        assertEquals(0xc0, out.get(0) & 0xff);
        assertEquals(vn.encodedLength(), out.limit());

        ByteBuffer again = ByteBuffer.allocate(vn.encodedLength());
        vn.writeTo(again, 0x40);
        assertEquals(out.rewind(), again.flip());
    }

    @Test
    void versionNegotiationWithAPartialVersionIsDropped() {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.put((byte) 0x80).putInt(0).put((byte) 1).put((byte) 1).put((byte) 1).put((byte) 2)
                .putInt(1).put((byte) 0).flip();
        assertEquals(ParseStatus.MALFORMED_VERSION_LIST, PacketParser.parse(b, 0, 8, false, view));
    }

    @Test
    void reservedVersionsFollowThePattern() {
        assertTrue(QuicVersion.isReservedForNegotiation(0x1a2a3a4a));
        assertTrue(QuicVersion.isReservedForNegotiation(0xfafafafa));
        assertFalse(QuicVersion.isReservedForNegotiation(1));
        assertFalse(QuicVersion.isReservedForNegotiation(QuicVersion.V2.wireValue()));
    }

    @Test
    void retryRoundTripsThroughTheParser() {
        ByteBuffer b = ByteBuffer.allocate(100);
        RetryPacket retry = new RetryPacket(QuicVersion.V2, ConnectionId.ofHex("0102"), ConnectionId.ofHex("030405"),
                new byte[] {1, 2, 3, 4, 5}, new byte[16], 0x0a);
        retry.writeTo(b);
        b.flip();
        assertEquals(ParseStatus.OK, PacketParser.parse(b, 0, 8, false, view));
        assertEquals(retry, RetryPacket.from(b, view));
        assertEquals(b.limit() - 16, view.pnOffset());
    }

    @Test
    void statelessResetLooksLikeAShortHeaderAndEndsInTheToken() {
        byte[] token = HEX.parseHex("00112233445566778899aabbccddeeff");
        ByteBuffer b = ByteBuffer.allocate(64);
        StatelessReset.write(b, 43, token, new SplittableRandom(3));
        b.flip();
        assertEquals(43, b.limit());
        assertEquals(0x40, b.get(0) & 0xc0);
        assertTrue(StatelessReset.endsWithToken(b, 0, 43, token));
        token[15] ^= 1;
        assertFalse(StatelessReset.endsWithToken(b, 0, 43, token));
        assertFalse(StatelessReset.endsWithToken(b, 0, 20, token));
    }

    @Test
    void statelessResetsComeFromASmallFixedRangeAndNeverAnswerWhatCouldBeOne() {
        SplittableRandom random = new SplittableRandom(4);
        for (int trigger : new int[] {49, 50, 100, 1200, 65527}) {
            for (int i = 0; i < 50; i++) {
                int length = StatelessReset.responseLength(trigger, random);
                assertTrue(length >= StatelessReset.MIN_RESPONSE_LENGTH && length <= StatelessReset.MAX_RESPONSE_LENGTH
                        && length < trigger, length + " in answer to " + trigger);
            }
        }
        for (int trigger : new int[] {0, 21, 41, 47, 48}) {
            assertEquals(0, StatelessReset.responseLength(trigger, random), "a trigger of " + trigger + " bytes");
        }
        // Whatever a reset of ours meets, it draws no reset by the same rule: loops end after one reset.
        assertEquals(0, StatelessReset.responseLength(StatelessReset.MAX_RESPONSE_LENGTH, random));
        assertTrue(StatelessReset.MIN_RESPONSE_LENGTH >= 41, "RFC 9000 §10.3.3: shorter resets may be told apart");
        assertThrows(IllegalArgumentException.class,
                () -> StatelessReset.write(ByteBuffer.allocate(64), 20, new byte[16], new SplittableRandom()));
    }
}
