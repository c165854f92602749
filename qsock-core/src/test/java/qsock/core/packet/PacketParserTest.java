package qsock.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

class PacketParserTest {

    private static final HexFormat HEX = HexFormat.of();
    private final PacketHeaderView view = new PacketHeaderView();

    private static ByteBuffer hex(String s) {
        return ByteBuffer.wrap(HEX.parseHex(s.replaceAll("\\s", "")));
    }

    // RFC 9001 A.2: the client Initial as protected on the wire; the parser reads the unprotected part.
    @Test
    void parsesTheUnprotectedPartOfTheRfc9001ClientInitial() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put(HEX.parseHex("c000000001088394c8f03e5157080000449e")).position(0);
        assertEquals(ParseStatus.OK, PacketParser.parse(b, 0, 8, false, view));
        assertEquals(PacketType.INITIAL, view.type());
        assertEquals(QuicVersion.V1, view.quicVersion());
        assertEquals(ConnectionId.ofHex("8394c8f03e515708"), view.dcid(b));
        assertEquals(ConnectionId.EMPTY, view.scid(b));
        assertEquals(0, view.tokenLength());
        assertEquals(18, view.pnOffset());
        assertEquals(18 + 0x049e, view.packetEnd());
    }

    @Test
    void v2TypeBitsMapToTheirOwnPacketTypes() {
        // RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
        assertEquals(PacketType.INITIAL, PacketType.fromLongHeaderTypeBits(QuicVersion.V2, 0b01));
        assertEquals(PacketType.ZERO_RTT, PacketType.fromLongHeaderTypeBits(QuicVersion.V2, 0b10));
        assertEquals(PacketType.HANDSHAKE, PacketType.fromLongHeaderTypeBits(QuicVersion.V2, 0b11));
        assertEquals(PacketType.RETRY, PacketType.fromLongHeaderTypeBits(QuicVersion.V2, 0b00));
        assertEquals(PacketType.INITIAL, PacketType.fromLongHeaderTypeBits(QuicVersion.V1, 0b00));
        assertEquals(PacketType.RETRY, PacketType.fromLongHeaderTypeBits(QuicVersion.V1, 0b11));
        // The RFC 9369 A.2 client Initial starts with 0xd3: long, fixed, type 0b01.
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put(HEX.parseHex("d36b3343cf088394c8f03e5157080000449e")).position(0);
        assertEquals(ParseStatus.OK, PacketParser.parse(b, 0, 8, false, view));
        assertEquals(PacketType.INITIAL, view.type());
        assertEquals(QuicVersion.V2, view.quicVersion());
    }

    @Test
    void parsesTheRfcRetryPackets() {
        ByteBuffer v1 = hex("ff000000010008f067a5502a4262b574 6f6b656e04a265ba2eff4d829058fb3f 0f2496ba");
        assertEquals(ParseStatus.OK, PacketParser.parse(v1, 0, 8, false, view));
        RetryPacket retry = RetryPacket.from(v1, view);
        assertEquals(QuicVersion.V1, retry.version());
        assertEquals(ConnectionId.EMPTY, retry.dcid());
        assertEquals(ConnectionId.ofHex("f067a5502a4262b5"), retry.scid());
        assertArrayEquals("token".getBytes(), retry.token());
        assertArrayEquals(HEX.parseHex("04a265ba2eff4d829058fb3f0f2496ba"), retry.integrityTag());

        ByteBuffer v2 = hex("cf6b3343cf0008f067a5502a4262b574 6f6b656ec8646ce8bfe33952d9555436 65dcc7b6");
        assertEquals(ParseStatus.OK, PacketParser.parse(v2, 0, 8, false, view));
        assertEquals(PacketType.RETRY, view.type());
        assertEquals(QuicVersion.V2, view.quicVersion());
        ByteBuffer rewritten = ByteBuffer.allocate(v2.capacity());
        RetryPacket.from(v2, view).writeTo(rewritten);
        assertArrayEquals(v2.array(), rewritten.array());
    }

    @Test
    void retryWithAnEmptyTokenIsNotAValidRetry() {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put(HEX.parseHex("ff000000010008f067a5502a4262b5")).put(new byte[16]).flip();
        assertEquals(ParseStatus.OK, PacketParser.parse(b, 0, 8, false, view));
        assertEquals(0, view.tokenLength());
        assertNull(RetryPacket.from(b, view));
    }

    @Test
    void shortHeaderRunsToTheEndOfTheDatagram() {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.put((byte) 0x41).put(HEX.parseHex("0102030405060708")).position(0);
        assertEquals(ParseStatus.OK, PacketParser.parse(b, 0, 8, false, view));
        assertFalse(view.isLongHeader());
        assertEquals(PacketType.ONE_RTT, view.type());
        assertEquals(1, view.dcidOffset());
        assertEquals(9, view.pnOffset());
        assertEquals(40, view.packetEnd());
    }

    @Test
    void dropsShortHeadersUnder21Bytes() {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.put(0, (byte) 0x40);
        assertEquals(ParseStatus.TOO_SHORT, PacketParser.parse(b, 0, 0, false, view));
        // With an 8-byte CID the packet also needs room for the packet number and the sample.
        assertEquals(ParseStatus.TOO_SHORT, PacketParser.parse(ByteBuffer.allocate(28).put(0, (byte) 0x40),
                0, 8, false, view));
        assertEquals(ParseStatus.OK, PacketParser.parse(ByteBuffer.allocate(29).put(0, (byte) 0x40),
                0, 8, false, view));
    }

    @Test
    void dropsAZeroFixedBitUnlessGreasingWasAdvertised() {
        ByteBuffer shortHeader = ByteBuffer.allocate(40); // first byte 0x00: short, fixed bit 0
        assertEquals(ParseStatus.FIXED_BIT_ZERO, PacketParser.parse(shortHeader, 0, 8, false, view));
        assertEquals(ParseStatus.OK, PacketParser.parse(shortHeader, 0, 8, true, view));

        ByteBuffer longHeader = ByteBuffer.allocate(1200);
        longHeader.put(HEX.parseHex("8000000001088394c8f03e5157080000449e")).position(0);
        assertEquals(ParseStatus.FIXED_BIT_ZERO, PacketParser.parse(longHeader, 0, 8, false, view));
        assertEquals(ParseStatus.OK, PacketParser.parse(longHeader, 0, 8, true, view));
    }

    @Test
    void dropsVersion1ConnectionIdsOver20Bytes() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put((byte) 0xc0).putInt(1).put((byte) 21).put(new byte[21]).put((byte) 0).put((byte) 0)
                .put((byte) 0x41).put((byte) 0x00).position(0);
        assertEquals(ParseStatus.CONNECTION_ID_TOO_LONG, PacketParser.parse(b, 0, 8, false, view));
    }

    @Test
    void unknownVersionsExposeTheirInvariantFieldsEvenWithLongConnectionIds() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        byte[] dcid = new byte[255];
        dcid[0] = 7;
        b.put((byte) 0xc0).putInt(0x1a2a3a4a).put((byte) 255).put(dcid).put((byte) 3).put(new byte[] {1, 2, 3})
                .position(0);
        assertEquals(ParseStatus.UNSUPPORTED_VERSION, PacketParser.parse(b, 0, 8, false, view));
        assertEquals(0x1a2a3a4a, view.version());
        assertEquals(255, view.dcidLength());
        assertEquals(3, view.scidLength());
        assertNull(view.type());
    }

    @Test
    void dropsEveryTruncationOfALongHeader() {
        ByteBuffer full = ByteBuffer.allocate(64);
        int pnOffset = PacketHeaderWriter.writeLongHeader(full, QuicVersion.V1, PacketType.INITIAL,
                ConnectionId.ofHex("0102030405060708"), ConnectionId.ofHex("0a0b"),
                ByteBuffer.wrap(new byte[] {9, 9, 9}), 0, 1, 2, true);
        PacketHeaderWriter.setLength(full, pnOffset, 2, 64);
        for (int cut = 1; cut < 64; cut++) {
            ByteBuffer b = full.duplicate().limit(cut).position(0);
            ParseStatus status = PacketParser.parse(b, 0, 8, false, view);
            assertTrue(status.isDrop(), "cut at " + cut + " gave " + status);
        }
        assertEquals(ParseStatus.OK, PacketParser.parse(full.duplicate().limit(64).position(0), 0, 8, false, view));
    }

    @Test
    void dropsALengthThatRunsPastTheDatagram() {
        ByteBuffer b = ByteBuffer.allocate(100);
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1, PacketType.HANDSHAKE,
                ConnectionId.ofHex("01"), ConnectionId.ofHex("02"), null, 0, 1, 2, true);
        PacketHeaderWriter.setLength(b, pnOffset, 2, 101);
        assertEquals(ParseStatus.LENGTH_BEYOND_DATAGRAM, PacketParser.parse(b.clear(), 0, 1, false, view));
    }

    @Test
    void walksCoalescedPacketsInOrder() {
        ConnectionId dcid = ConnectionId.ofHex("1122334455667788");
        ConnectionId scid = ConnectionId.ofHex("99");
        ByteBuffer d = ByteBuffer.allocate(1200);
        int pn = PacketHeaderWriter.writeLongHeader(d, QuicVersion.V2, PacketType.INITIAL, dcid, scid, null, 0, 1, 2, true);
        PacketHeaderWriter.setLength(d, pn, 2, pn + 40);
        d.position(pn + 40);
        int second = d.position();
        pn = PacketHeaderWriter.writeLongHeader(d, QuicVersion.V2, PacketType.HANDSHAKE, dcid, scid, null, 0, 2, 4, true);
        PacketHeaderWriter.setLength(d, pn, 4, pn + 50);
        d.position(pn + 50);
        int third = d.position();
        PacketHeaderWriter.writeShortHeader(d, dcid, false, true, 5, 1, true);
        d.position(0).limit(third + 60);

        PacketHeaderView first = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(d, 0, 8, false, first));
        assertEquals(PacketType.INITIAL, first.type());
        assertEquals(second, first.packetEnd());
        assertEquals(ParseStatus.OK, PacketParser.parse(d, first.packetEnd(), 8, false, view));
        assertEquals(PacketType.HANDSHAKE, view.type());
        assertEquals(third, view.packetEnd());
        assertTrue(PacketParser.sameDestination(d, first, view));
        assertEquals(ParseStatus.OK, PacketParser.parse(d, view.packetEnd(), 8, false, view));
        assertEquals(PacketType.ONE_RTT, view.type());
        assertEquals(third + 60, view.packetEnd());
        assertTrue(PacketParser.sameDestination(d, first, view));
    }

    @Test
    void coalescedPacketWithAnotherDestinationIsRecognised() {
        ByteBuffer d = ByteBuffer.allocate(200);
        int pn = PacketHeaderWriter.writeLongHeader(d, QuicVersion.V1, PacketType.INITIAL,
                ConnectionId.ofHex("0101"), ConnectionId.EMPTY, null, 0, 1, 2, true);
        PacketHeaderWriter.setLength(d, pn, 2, pn + 30);
        d.position(pn + 30);
        pn = PacketHeaderWriter.writeLongHeader(d, QuicVersion.V1, PacketType.HANDSHAKE,
                ConnectionId.ofHex("0202"), ConnectionId.EMPTY, null, 0, 1, 2, true);
        PacketHeaderWriter.setLength(d, pn, 2, 200);
        d.clear();
        PacketHeaderView first = new PacketHeaderView();
        PacketParser.parse(d, 0, 2, false, first);
        assertEquals(ParseStatus.OK, PacketParser.parse(d, first.packetEnd(), 2, false, view));
        assertFalse(PacketParser.sameDestination(d, first, view));
    }
}
