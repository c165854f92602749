package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qsock.core.error.TransportErrorCode.CRYPTO_BUFFER_EXCEEDED;
import static qsock.core.error.TransportErrorCode.FRAME_ENCODING_ERROR;
import static qsock.core.error.TransportErrorCode.PROTOCOL_VIOLATION;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;

/** Each rule by which RFC 9000 §12.4/§19 and RFC 9221 §4 make a receiver reject a frame, with its code. */
class FrameDecoderRejectionTest {

    private static final String TOKEN = "000102030405060708090a0b0c0d0e0f";

    private static void assertRejected(TransportErrorCode code, long frameType, String hex) {
        assertRejected(code, frameType, hex, PacketType.ONE_RTT);
    }

    private static void assertRejected(TransportErrorCode code, long frameType, String hex, PacketType packetType) {
        ByteBuffer in = ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", "")));
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> FrameDecoder.decode(in, packetType), hex);
        assertEquals(code, e.errorCode(), hex);
        assertEquals(frameType, e.frameType(), hex);
    }

    private static Frame decode(String hex) throws QuicProtocolException {
        ByteBuffer in = ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", "")));
        Frame f = FrameDecoder.decode(in, PacketType.ONE_RTT);
        assertEquals(in.limit(), in.position());
        return f;
    }

    // ---- §12.4: frame types ----

    @Test
    void unknownFrameTypeIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x1f, "1f");
        assertRejected(FRAME_ENCODING_ERROR, 0x2f, "2f 00 00");
        assertRejected(FRAME_ENCODING_ERROR, 0x32, "32");
        assertRejected(FRAME_ENCODING_ERROR, 0x3f, "3f");
        assertRejected(FRAME_ENCODING_ERROR, 0x40, "4040");
        assertRejected(FRAME_ENCODING_ERROR, 0x3fffffffffffffffL, "ffffffffffffffff");
    }

    @Test
    void frameTypeNotMinimallyEncodedIsProtocolViolation() {
        assertRejected(PROTOCOL_VIOLATION, 0x01, "4001");
        assertRejected(PROTOCOL_VIOLATION, 0x08, "80000008 00");
        assertRejected(PROTOCOL_VIOLATION, 0x1e, "c00000000000001e");
        assertRejected(PROTOCOL_VIOLATION, 0x00, "4000");
        // An unknown type is refused for its encoding first: the rule holds for future types too.
        assertRejected(PROTOCOL_VIOLATION, 0x21, "4021");
    }

    @Test
    void truncatedFrameTypeIsFrameEncodingErrorWithoutAType() {
        assertRejected(FRAME_ENCODING_ERROR, QuicProtocolException.NO_FRAME, "40");
        assertRejected(FRAME_ENCODING_ERROR, QuicProtocolException.NO_FRAME, "c0000000");
    }

    @Test
    void frameNotPermittedInThePacketTypeIsProtocolViolation() {
        assertRejected(PROTOCOL_VIOLATION, 0x1e, "1e", PacketType.HANDSHAKE);
        assertRejected(PROTOCOL_VIOLATION, 0x1d, "1d 00 00", PacketType.INITIAL);
        assertRejected(PROTOCOL_VIOLATION, 0x02, "02 00 00 00 00", PacketType.ZERO_RTT);
        assertRejected(PROTOCOL_VIOLATION, 0x31, "31 00", PacketType.HANDSHAKE);
        // The packet type is checked before the body: a truncated frame of a wrong type is still a violation.
        assertRejected(PROTOCOL_VIOLATION, 0x08, "08", PacketType.INITIAL);
    }

    @Test
    void payloadWithoutFramesIsProtocolViolation() {
        QuicProtocolException e = assertThrows(QuicProtocolException.class,
                () -> FrameDecoder.decodeAll(ByteBuffer.allocate(0), PacketType.ONE_RTT, new ArrayList<>()));
        assertEquals(PROTOCOL_VIOLATION, e.errorCode());
        assertEquals(QuicProtocolException.NO_FRAME, e.frameType());
    }

    @Test
    void decodingPastTheEndOrForARetryPacketIsACallerBug() {
        assertThrows(IllegalArgumentException.class,
                () -> FrameDecoder.decode(ByteBuffer.allocate(0), PacketType.ONE_RTT));
        assertThrows(IllegalArgumentException.class,
                () -> FrameDecoder.decodeAll(ByteBuffer.wrap(new byte[] {1}), PacketType.RETRY, new ArrayList<>()));
    }

    // ---- truncation: every field of every frame type ----

    /**
     * Complete frames whose every proper prefix is truncated, with multi-byte varints so that cuts fall
     * inside fields as well as between them, and declared lengths that then run past the end.
     */
    private static final String[] COMPLETE = {
        "02 4005 4001 01 4001 4000 4000",                 // ACK
        "03 05 00 00 01 4001 4002 4003",                  // ACK with ECN counts
        "04 4004 80000001 c000000000000002",              // RESET_STREAM
        "05 4004 4001",                                   // STOP_SENDING
        "06 4001 03 aabbcc",                              // CRYPTO
        "07 03 aabbcc",                                   // NEW_TOKEN
        "08 4004",                                        // STREAM, no OFF/LEN: only the ID can be cut
        "09 4004",
        "0a 4004 02 aabb",
        "0b 4004 02 aabb",
        "0c 4004 4001",                                   // STREAM, OFF without LEN
        "0d 4004 4001",
        "0e 4004 4001 4002 aabb",
        "0f 4004 4001 02 aabb",
        "10 80000001",                                    // MAX_DATA
        "11 4001 4002",                                   // MAX_STREAM_DATA
        "12 4001", "13 4001",                             // MAX_STREAMS
        "14 4001",                                        // DATA_BLOCKED
        "15 4001 4002",                                   // STREAM_DATA_BLOCKED
        "16 4001", "17 4001",                             // STREAMS_BLOCKED
        "18 4002 4001 04 aabbccdd " + TOKEN,              // NEW_CONNECTION_ID
        "19 4001",                                        // RETIRE_CONNECTION_ID
        "1a 0011223344556677",                            // PATH_CHALLENGE
        "1b 0011223344556677",                            // PATH_RESPONSE
        "1c 4001 4002 02 6869",                           // CONNECTION_CLOSE (transport)
        "1d 4001 02 6869",                                // CONNECTION_CLOSE (application)
        "31 4002 aabb",                                   // DATAGRAM with length
    };

    @Test
    void everyTruncationOfAFrameIsFrameEncodingErrorWithItsType() throws QuicProtocolException {
        for (String hex : COMPLETE) {
            byte[] frame = HexFormat.of().parseHex(hex.replace(" ", ""));
            decode(hex); // the whole frame is valid
            for (int cut = 1; cut < frame.length; cut++) {
                ByteBuffer in = ByteBuffer.wrap(frame, 0, cut).slice();
                QuicProtocolException e = assertThrows(QuicProtocolException.class,
                        () -> FrameDecoder.decode(in, PacketType.ONE_RTT), hex + " cut at " + cut);
                assertEquals(FRAME_ENCODING_ERROR, e.errorCode(), hex + " cut at " + cut);
                assertEquals(frame[0], e.frameType(), hex + " cut at " + cut);
            }
        }
    }

    @Test
    void declaredLengthPastTheEndIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x06, "06 00 05 aabb");
        assertRejected(FRAME_ENCODING_ERROR, 0x07, "07 05 aabb");
        assertRejected(FRAME_ENCODING_ERROR, 0x0a, "0a 00 05 aabb");
        assertRejected(FRAME_ENCODING_ERROR, 0x31, "31 05 0102");
        // CONNECTION_CLOSE reason phrase length past the end, both types.
        assertRejected(FRAME_ENCODING_ERROR, 0x1c, "1c 00 00 05 6162");
        assertRejected(FRAME_ENCODING_ERROR, 0x1d, "1d 00 05 61");
        // The largest declared length there is, without trying to allocate it.
        assertRejected(FRAME_ENCODING_ERROR, 0x07, "07 ffffffffffffffff aabb");
    }

    // ---- §19.3.1: ACK ranges ----

    @Test
    void ackFirstRangeBelowZeroIsFrameEncodingError() {
        // Largest 5, First ACK Range 6: smallest would be -1.
        assertRejected(FRAME_ENCODING_ERROR, 0x02, "02 05 00 00 06");
        assertRejected(FRAME_ENCODING_ERROR, 0x03, "03 05 00 00 06 00 00 00");
    }

    @Test
    void ackGapBelowZeroIsFrameEncodingError() {
        // Largest 5, First Range 3 (smallest 2), Gap 1: next largest = 2 - 1 - 2 = -1.
        assertRejected(FRAME_ENCODING_ERROR, 0x02, "02 05 00 01 03 01 00");
    }

    @Test
    void ackRangeLengthBelowZeroIsFrameEncodingError() {
        // Largest 10, First Range 0, Gap 0 (next largest 8), Length 9: smallest = -1.
        assertRejected(FRAME_ENCODING_ERROR, 0x02, "02 0a 00 01 00 00 09");
    }

    @Test
    void ackRangesReachingExactlyZeroAreAccepted() throws QuicProtocolException {
        assertEquals(AckFrame.of(0, 10, 10, 8, 0), decode("02 0a 00 01 00 00 08"));
        assertEquals(AckFrame.of(0, 5, 0), decode("02 05 00 00 05"));
    }

    @Test
    void ackRangeCountBeyondThePayloadIsFrameEncodingErrorWithoutAllocatingForIt() {
        assertRejected(FRAME_ENCODING_ERROR, 0x02, "02 05 00 03 00 00 00 00 00");
        assertRejected(FRAME_ENCODING_ERROR, 0x02, "02 05 00 ffffffffffffffff 00 00 00");
        assertRejected(FRAME_ENCODING_ERROR, 0x03, "03 05 00 bfffffff 00 00 00 00 00");
    }

    // ---- §19.6, §19.8: data beyond 2^62-1 ----

    @Test
    void cryptoDataEndingPast2To62IsCryptoBufferExceeded() {
        assertRejected(CRYPTO_BUFFER_EXCEEDED, 0x06, "06 ffffffffffffffff 01 aa");
        assertRejected(CRYPTO_BUFFER_EXCEEDED, 0x06, "06 fffffffffffffffe 02 aabb");
    }

    @Test
    void streamDataEndingPast2To62IsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x0e, "0e 00 ffffffffffffffff 01 aa");
        assertRejected(FRAME_ENCODING_ERROR, 0x0f, "0f 00 fffffffffffffffe 02 aabb");
        // Without a Length field the data runs to the end of the packet and counts the same.
        assertRejected(FRAME_ENCODING_ERROR, 0x0c, "0c 00 ffffffffffffffff aa");
    }

    @Test
    void dataEndingExactlyAt2To62Minus1IsAccepted() throws QuicProtocolException {
        assertEquals(new StreamFrame(0, (1L << 62) - 1, ByteBuffer.allocate(0), true),
                decode("0f 00 ffffffffffffffff 00"));
        assertEquals(new StreamFrame(0, (1L << 62) - 2, ByteBuffer.wrap(new byte[] {(byte) 0xaa}), false),
                decode("0c 00 fffffffffffffffe aa"));
        assertEquals(new CryptoFrame((1L << 62) - 1, ByteBuffer.allocate(0)), decode("06 ffffffffffffffff 00"));
    }

    // ---- §19.7: NEW_TOKEN ----

    @Test
    void emptyNewTokenIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x07, "07 00");
    }

    // ---- §19.11, §19.14: stream counts ----

    @Test
    void maxStreamsAbove2To60IsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x12, "12 d000000000000001");
        assertRejected(FRAME_ENCODING_ERROR, 0x13, "13 ffffffffffffffff");
    }

    @Test
    void streamsBlockedAbove2To60IsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x16, "16 d000000000000001");
        assertRejected(FRAME_ENCODING_ERROR, 0x17, "17 ffffffffffffffff");
    }

    @Test
    void streamCountOf2To60IsAccepted() throws QuicProtocolException {
        assertEquals(new MaxStreamsFrame(true, 1L << 60), decode("12 d000000000000000"));
        assertEquals(new StreamsBlockedFrame(false, 1L << 60), decode("17 d000000000000000"));
    }

    // ---- §19.15: NEW_CONNECTION_ID ----

    @Test
    void newConnectionIdOfLengthZeroIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x18, "18 01 00 00 " + TOKEN);
    }

    @Test
    void newConnectionIdLongerThan20IsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x18, "18 01 00 15 " + "aa".repeat(21) + TOKEN);
        assertRejected(FRAME_ENCODING_ERROR, 0x18, "18 01 00 ff " + "aa".repeat(255) + TOKEN);
    }

    @Test
    void newConnectionIdOf20BytesIsAccepted() throws QuicProtocolException {
        NewConnectionIdFrame f = (NewConnectionIdFrame) decode("18 01 00 14 " + "aa".repeat(20) + TOKEN);
        assertEquals(20, f.connectionId().length());
    }

    @Test
    void retirePriorToAboveSequenceNumberIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x18, "18 01 02 04 aabbccdd " + TOKEN);
    }

    @Test
    void retirePriorToEqualToSequenceNumberIsAccepted() throws QuicProtocolException {
        NewConnectionIdFrame f = (NewConnectionIdFrame) decode("18 02 02 04 aabbccdd " + TOKEN);
        assertEquals(2, f.retirePriorTo());
    }

    // ---- RFC 9221 §4: DATAGRAM ----

    @Test
    void datagramWithoutLengthTakesTheRestOfThePayload() throws QuicProtocolException {
        DatagramFrame f = (DatagramFrame) decode("30 01 02 03");
        assertEquals(3, f.length());
    }

    @Test
    void datagramLengthPastTheEndIsFrameEncodingError() {
        assertRejected(FRAME_ENCODING_ERROR, 0x31, "31 02 aa");
        assertRejected(FRAME_ENCODING_ERROR, 0x31, "31");
    }
}
