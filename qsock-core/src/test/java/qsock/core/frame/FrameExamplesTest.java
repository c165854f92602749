package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.wire.ConnectionId;

/**
 * Hand-checked encodings of every frame type (RFC 9000 §19, RFC 9221 §4): each frame encodes to exactly
 * the bytes worked out by hand from the RFC's field layouts, and those bytes decode back to the frame.
 */
class FrameExamplesTest {

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(hex(s));
    }

    /** Encodes {@code frame}, compares with {@code expectedHex}, then decodes those bytes in a 1-RTT packet. */
    static void assertCodec(String expectedHex, Frame frame, boolean endsPacket) throws QuicProtocolException {
        int length = FrameEncoder.encodedLength(frame, endsPacket);
        ByteBuffer buf = ByteBuffer.allocate(length);
        assertEquals(length, FrameEncoder.encode(buf, frame, endsPacket));
        assertEquals(expectedHex.replace(" ", ""), HexFormat.of().formatHex(buf.array()));
        assertEquals(length, buf.position());
        ByteBuffer in = bytes(expectedHex);
        assertEquals(frame, FrameDecoder.decode(in, PacketType.ONE_RTT));
        assertEquals(in.limit(), in.position(), "decoder consumed the whole frame");
    }

    static void assertCodec(String expectedHex, Frame frame) throws QuicProtocolException {
        assertCodec(expectedHex, frame, false);
    }

    static Frame decode(String hex) throws QuicProtocolException {
        ByteBuffer in = bytes(hex);
        Frame f = FrameDecoder.decode(in, PacketType.ONE_RTT);
        assertEquals(in.limit(), in.position(), "decoder consumed the whole frame");
        return f;
    }

    @Test
    void padding() throws QuicProtocolException {
        assertCodec("00", new PaddingFrame(1));
        assertCodec("000000", new PaddingFrame(3));
    }

    @Test
    void paddingRunStopsAtTheNextFrame() throws QuicProtocolException {
        ByteBuffer in = bytes("0000 01 00");
        assertEquals(new PaddingFrame(2), FrameDecoder.decode(in, PacketType.INITIAL));
        assertEquals(2, in.position());
        assertSame(PingFrame.INSTANCE, FrameDecoder.decode(in, PacketType.INITIAL));
        assertEquals(new PaddingFrame(1), FrameDecoder.decode(in, PacketType.INITIAL));
        assertFalse(in.hasRemaining());
    }

    @Test
    void ping() throws QuicProtocolException {
        assertCodec("01", PingFrame.INSTANCE);
    }

    @Test
    void ackWithThreeRanges() throws QuicProtocolException {
        // Packets 0-2, 5 and 7-9: Largest 9, Delay 3, Range Count 2, First Range 9-7=2,
        // then Gap 7-5-2=0, Length 0, then Gap 5-2-2=1, Length 2-0=2.
        assertCodec("02 09 03 02 02 00 00 01 02", AckFrame.of(3, 9, 7, 5, 5, 2, 0));
    }

    @Test
    void ackWithEcnCounts() throws QuicProtocolException {
        // Largest 100 (2-byte 0x4064), Delay 0, Range Count 0, First Range 0, ECT0 1, ECT1 0, CE 64 (0x4040).
        assertCodec("03 4064 00 00 00 01 00 4040",
                new AckFrame(0, new long[] {100, 100}, new AckFrame.EcnCounts(1, 0, 64)));
    }

    @Test
    void ackDownToPacketZero() throws QuicProtocolException {
        // Largest 10, First Range 0, Gap 8 puts the next range's largest at 10-8-2 = 0, Length 0.
        assertCodec("02 0a 00 01 00 08 00", AckFrame.of(0, 10, 10, 0, 0));
    }

    @Test
    void resetStream() throws QuicProtocolException {
        // Stream 4, error 0x1234 (2-byte 0x5234), final size 1000 (0x43e8).
        assertCodec("04 04 5234 43e8", new ResetStreamFrame(4, 0x1234, 1000));
    }

    @Test
    void stopSending() throws QuicProtocolException {
        assertCodec("05 03 00", new StopSendingFrame(3, 0));
    }

    @Test
    void crypto() throws QuicProtocolException {
        assertCodec("06 00 02 abcd", new CryptoFrame(0, bytes("abcd")));
        assertCodec("06 4046 00", new CryptoFrame(70, ByteBuffer.allocate(0)));
    }

    @Test
    void newToken() throws QuicProtocolException {
        assertCodec("07 05 0102030405", NewTokenFrame.of(hex("0102030405")));
    }

    @Test
    void streamWithLengthAndOffsetOnlyWhenNonZero() throws QuicProtocolException {
        assertCodec("0a 04 02 6869", new StreamFrame(4, 0, bytes("6869"), false));
        assertCodec("0f 04 05 02 6869", new StreamFrame(4, 5, bytes("6869"), true));
        assertCodec("0b 00 00", new StreamFrame(0, 0, ByteBuffer.allocate(0), true));
    }

    @Test
    void streamThatEndsThePacketOmitsItsLength() throws QuicProtocolException {
        assertCodec("09 04 6869", new StreamFrame(4, 0, bytes("6869"), true), true);
        assertCodec("0c 04 4040 6869", new StreamFrame(4, 64, bytes("6869"), false), true);
        assertCodec("08 3f", new StreamFrame(63, 0, ByteBuffer.allocate(0), false), true);
    }

    @Test
    void everyStreamTypeDecodes() throws QuicProtocolException {
        ByteBuffer hi = bytes("6869");
        assertEquals(new StreamFrame(4, 0, hi, false), decode("08 04 6869"));
        assertEquals(new StreamFrame(4, 0, hi, true), decode("09 04 6869"));
        assertEquals(new StreamFrame(4, 0, hi, false), decode("0a 04 02 6869"));
        assertEquals(new StreamFrame(4, 0, hi, true), decode("0b 04 02 6869"));
        assertEquals(new StreamFrame(4, 7, hi, false), decode("0c 04 07 6869"));
        assertEquals(new StreamFrame(4, 7, hi, true), decode("0d 04 07 6869"));
        assertEquals(new StreamFrame(4, 7, hi, false), decode("0e 04 07 02 6869"));
        assertEquals(new StreamFrame(4, 7, hi, true), decode("0f 04 07 02 6869"));
        // An explicit zero offset is legal and means the same as no Offset field.
        assertEquals(new StreamFrame(4, 0, hi, false), decode("0e 04 00 02 6869"));
    }

    @Test
    void streamWithLengthLeavesTheRestOfThePayload() throws QuicProtocolException {
        ByteBuffer in = bytes("0a 04 01 68 01");
        assertEquals(new StreamFrame(4, 0, bytes("68"), false), FrameDecoder.decode(in, PacketType.ONE_RTT));
        assertEquals(4, in.position());
    }

    @Test
    void maxDataAndMaxStreamData() throws QuicProtocolException {
        // 1 000 000 = 0xF4240 needs the 4-byte form; 65536 too.
        assertCodec("10 800f4240", new MaxDataFrame(1_000_000));
        assertCodec("11 08 80010000", new MaxStreamDataFrame(8, 65536));
    }

    @Test
    void maxStreams() throws QuicProtocolException {
        assertCodec("12 4064", new MaxStreamsFrame(true, 100));
        // 2^60, the largest count, in 8 bytes: 0xc0.. | 2^60 = 0xd0..
        assertCodec("13 d000000000000000", new MaxStreamsFrame(false, 1L << 60));
    }

    @Test
    void blockedFrames() throws QuicProtocolException {
        assertCodec("14 00", new DataBlockedFrame(0));
        assertCodec("15 02 3f", new StreamDataBlockedFrame(2, 63));
        assertCodec("16 00", new StreamsBlockedFrame(true, 0));
        assertCodec("17 4040", new StreamsBlockedFrame(false, 64));
    }

    @Test
    void newConnectionId() throws QuicProtocolException {
        assertCodec("18 01 00 08 0102030405060708 000102030405060708090a0b0c0d0e0f",
                new NewConnectionIdFrame(1, 0, ConnectionId.ofHex("0102030405060708"),
                        hex("000102030405060708090a0b0c0d0e0f")));
    }

    @Test
    void retireConnectionId() throws QuicProtocolException {
        assertCodec("19 02", new RetireConnectionIdFrame(2));
    }

    @Test
    void pathChallengeAndResponse() throws QuicProtocolException {
        assertCodec("1a 0123456789abcdef", new PathChallengeFrame(0x0123456789abcdefL));
        assertCodec("1b ffffffffffffffff", new PathResponseFrame(-1L));
    }

    @Test
    void transportConnectionClose() throws QuicProtocolException {
        // FRAME_ENCODING_ERROR (7) triggered by a STREAM frame (8), reason "bad".
        assertCodec("1c 07 08 03 626164", ConnectionCloseFrame.of(TransportErrorCode.FRAME_ENCODING_ERROR, 8, "bad"));
        // CRYPTO_ERROR for TLS alert 40: 0x128 in 2 bytes, no reason.
        assertCodec("1c 4128 06 00", ConnectionCloseFrame.of(TransportErrorCode.cryptoError(40), 6, ""));
    }

    @Test
    void applicationConnectionClose() throws QuicProtocolException {
        assertCodec("1d 4100 03 627965", ApplicationCloseFrame.of(0x100, "bye"));
        assertEquals("bye", ((ApplicationCloseFrame) decode("1d 4100 03 627965")).reason());
    }

    @Test
    void handshakeDone() throws QuicProtocolException {
        assertCodec("1e", HandshakeDoneFrame.INSTANCE);
    }

    @Test
    void datagram() throws QuicProtocolException {
        assertCodec("31 03 010203", new DatagramFrame(bytes("010203")));
        assertCodec("30 010203", new DatagramFrame(bytes("010203")), true);
        // RFC 9221 §4: empty datagrams are allowed, in both forms.
        assertCodec("31 00", new DatagramFrame(ByteBuffer.allocate(0)));
        assertCodec("30", new DatagramFrame(ByteBuffer.allocate(0)), true);
    }

    @Test
    void fieldsWithLongerVarintsThanNeededDecode() throws QuicProtocolException {
        // RFC 9000 §16 allows any varint length in fields; only the frame type must be minimal (§12.4).
        assertEquals(new MaxDataFrame(1), decode("10 4001"));
        assertEquals(new CryptoFrame(0, bytes("aa")), decode("06 c000000000000000 4001 aa"));
    }

    @Test
    void dataFramesAreReadOnlyViewsOfThePayloadNotCopies() throws QuicProtocolException {
        byte[] packet = hex("0a 04 02 6869 31 01 77");
        ByteBuffer in = ByteBuffer.wrap(packet);
        StreamFrame stream = assertInstanceOf(StreamFrame.class, FrameDecoder.decode(in, PacketType.ONE_RTT));
        DatagramFrame datagram = assertInstanceOf(DatagramFrame.class, FrameDecoder.decode(in, PacketType.ONE_RTT));
        assertTrue(stream.data().isReadOnly());
        assertEquals(0, stream.data().position());
        assertEquals(2, stream.data().capacity());
        packet[3] = 'H';
        packet[7] = 'W';
        assertEquals('H', stream.data().get(0));
        assertEquals('W', datagram.data().get(0));
    }

    @Test
    void decodeAllReadsEveryFrameOfAPayload() throws QuicProtocolException {
        List<Frame> frames = new ArrayList<>();
        int n = FrameDecoder.decodeAll(bytes("01 0000 06 00 01 aa 0000"), PacketType.INITIAL, frames);
        assertEquals(4, n);
        assertEquals(List.of(PingFrame.INSTANCE, new PaddingFrame(2), new CryptoFrame(0, bytes("aa")),
                new PaddingFrame(2)), frames);
    }
}
