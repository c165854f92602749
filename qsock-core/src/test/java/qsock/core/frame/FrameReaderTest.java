package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;

/**
 * The cursor of {@link FrameReader} agrees with the records of {@link FrameDecoder}: on valid frames the
 * accessors hold exactly what the record holds, and on random, mutated and truncated bytes both paths
 * accept the same frames and fail at the same frame with the same error code and frame type. The records
 * here are rebuilt from the reader's public accessors only, so a field the connection reads wrongly fails.
 * One reader serves every try, as one serves a whole connection: nothing may leak from frame to frame.
 */
class FrameReaderTest {

    /** A payload and the packet type it is read in. */
    record Payload(byte[] bytes, PacketType packetType) {
        @Override
        public String toString() {
            return packetType + " " + HexFormat.of().formatHex(bytes);
        }
    }

    /** Frames encoded into one payload, the last perhaps without its Length field, read in a packet type. */
    record Sequence(List<Frame> frames, boolean lastEndsPacket, PacketType packetType) {}

    private static final int[] INTERESTING = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0d, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
        0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x30, 0x31, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff,
    };

    private final FrameReader reader = new FrameReader();

    @Test
    void twoReadersNeverShareTheirAckRanges() throws Exception {
        // Readers of different connections run on different I/O threads: a one-range ACK read by one must not
        // land in the array another reader hands out.
        FrameReader first = new FrameReader();
        FrameReader second = new FrameReader();
        ByteBuffer a = ByteBuffer.allocate(32);
        FrameEncoder.encode(a, AckFrame.of(0, 9, 5));
        ByteBuffer b = ByteBuffer.allocate(32);
        FrameEncoder.encode(b, AckFrame.of(0, 184_893, 184_000));
        first.read(a.flip(), PacketType.ONE_RTT);
        second.read(b.flip(), PacketType.ONE_RTT);
        assertNotSame(first.ackRanges(), second.ackRanges());
        assertEquals(9, first.ackRanges()[0]);
        assertEquals(5, first.ackRanges()[1]);
        assertEquals(9, first.largestAcknowledged());
    }

    @Test
    void validFramesReadAsTheFramesEncoded() {
        Properties.forAll(r -> new Sequence(FrameGenerators.frames(r, 8), r.nextBoolean(), PacketType.ONE_RTT),
                this::readsAsEncoded);
    }

    @Test
    void validFramesInEveryPacketTypeReadAsEncodedUpToTheFirstOneNotPermitted() {
        Properties.forAll(r -> new Sequence(FrameGenerators.frames(r, 6), r.nextBoolean(),
                FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]), this::readsAsEncoded);
    }

    @Test
    void randomBytesFailAlike() {
        Properties.forAll(r -> {
            byte[] bytes = Generators.bytes(r, 1 + r.nextInt(r.nextBoolean() ? 16 : 200));
            if (r.nextBoolean()) {
                bytes[0] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
            }
            return new Payload(bytes, FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]);
        }, this::bothPathsAgree);
    }

    @Test
    void mutatedFramesFailAlike() {
        Properties.forAll(r -> {
            byte[] bytes = FrameGenerators.encode(FrameGenerators.frames(r, 4), r.nextBoolean());
            int mutations = 1 + r.nextInt(3);
            for (int m = 0; m < mutations && bytes.length > 0; m++) {
                bytes = mutate(r, bytes);
            }
            return new Payload(bytes.length == 0 ? new byte[] {0x01} : bytes,
                    FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]);
        }, this::bothPathsAgree);
    }

    @Test
    void truncatedFramesFailAlike() {
        Properties.forAll(r -> {
            byte[] valid = FrameGenerators.encode(FrameGenerators.frames(r, 4), r.nextBoolean());
            return new Payload(Arrays.copyOf(valid, 1 + r.nextInt(valid.length)), PacketType.ONE_RTT);
        }, this::bothPathsAgree);
    }

    @Test
    void anAckWithMoreRangesThanTheReaderHeldGrowsItsArray() throws QuicProtocolException {
        long[] ranges = new long[2 * 200];
        for (int i = 0; i < 200; i++) {
            ranges[2 * i] = 10_000 - 10L * i;
            ranges[2 * i + 1] = 10_000 - 10L * i - 3;
        }
        ByteBuffer payload = ByteBuffer.allocate(2000);
        FrameEncoder.encode(payload, AckFrame.of(7, ranges));
        payload.flip();
        assertSame(FrameType.ACK, reader.read(payload, PacketType.ONE_RTT));
        assertEquals(200, reader.ackRangeCount());
        assertArrayEquals(ranges, Arrays.copyOf(reader.ackRanges(), 400));
        assertEquals(10_000, reader.largestAcknowledged());
        assertEquals(7, reader.ackDelay());
    }

    @Test
    void theDataOfAFrameIsFoundInThePayloadAndAViewIsPointedAtIt() throws QuicProtocolException {
        byte[] data = {1, 2, 3, 4, 5};
        ByteBuffer payload = ByteBuffer.allocate(64);
        payload.put((byte) 0x01); // PING first, so the data does not start at 0
        FrameEncoder.encode(payload, new StreamFrame(4, 100, ByteBuffer.wrap(data), true));
        payload.flip();
        reader.read(payload, PacketType.ONE_RTT);
        reader.read(payload, PacketType.ONE_RTT);
        assertFalse(payload.hasRemaining());
        assertEquals(1, reader.frameStart());
        assertEquals(payload.limit(), reader.frameEnd());
        ByteBuffer view = payload.asReadOnlyBuffer();
        assertSame(view, reader.positionOnData(view));
        byte[] seen = new byte[view.remaining()];
        view.get(seen);
        assertArrayEquals(data, seen);
    }

    @Test
    void aFailedReadLeavesNoFrameType() {
        ByteBuffer payload = ByteBuffer.wrap(new byte[] {0x01, 0x1f});
        assertThrows(QuicProtocolException.class, () -> {
            reader.read(payload, PacketType.ONE_RTT);
            reader.read(payload, PacketType.ONE_RTT);
        });
        assertNull(reader.type());
    }

    @Test
    void callerMistakesAreNotProtocolErrors() {
        assertThrows(IllegalArgumentException.class, () -> reader.read(ByteBuffer.allocate(0), PacketType.ONE_RTT));
        assertThrows(IllegalArgumentException.class, () -> reader.read(ByteBuffer.allocate(1), PacketType.RETRY));
    }

    /**
     * Reads encoded frames with the reader: each frame as generated (runs of PADDING merged), until the
     * first frame the packet type does not permit, which fails with PROTOCOL_VIOLATION and its type; the
     * decoder agrees all along.
     */
    private void readsAsEncoded(Sequence s) {
        byte[] bytes = FrameGenerators.encode(s.frames(), s.lastEndsPacket());
        bothPathsAgree(new Payload(bytes, s.packetType()));
        ByteBuffer payload = ByteBuffer.wrap(bytes);
        for (Frame expected : FrameGenerators.asDecoded(s.frames())) {
            if (!expected.type().allowedIn(s.packetType())) {
                QuicProtocolException e = assertThrows(QuicProtocolException.class,
                        () -> reader.read(payload, s.packetType()));
                assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode());
                assertTrue(expected.type().hasCode(e.frameType()));
                return;
            }
            try {
                assertSame(expected.type(), reader.read(payload, s.packetType()));
            } catch (QuicProtocolException e) {
                throw new AssertionError("refused " + expected, e);
            }
            assertEquals(expected, fromCursor(payload));
        }
        assertFalse(payload.hasRemaining());
    }

    /**
     * Reads the payload frame by frame with the reader and with the decoder, each from its own buffer
     * over the same bytes: the same frames at the same positions, then the same end or the same error.
     */
    private void bothPathsAgree(Payload p) {
        ByteBuffer a = ByteBuffer.wrap(p.bytes().clone());
        ByteBuffer b = ByteBuffer.wrap(p.bytes().clone());
        while (a.hasRemaining()) {
            Frame expected;
            try {
                expected = FrameDecoder.decode(b, p.packetType());
            } catch (QuicProtocolException e) {
                QuicProtocolException got = assertThrows(QuicProtocolException.class,
                        () -> reader.read(a, p.packetType()), "the decoder refused what the reader took");
                assertEquals(e.errorCode(), got.errorCode());
                assertEquals(e.frameType(), got.frameType());
                return;
            }
            int start = a.position();
            FrameType type;
            try {
                type = reader.read(a, p.packetType());
            } catch (QuicProtocolException e) {
                throw new AssertionError("the reader refused " + expected, e);
            }
            assertSame(expected.type(), type);
            assertSame(type, reader.type());
            assertEquals(start, reader.frameStart());
            assertEquals(a.position(), reader.frameEnd());
            assertEquals(b.position(), a.position(), "both paths consume the same bytes");
            assertEquals(expected, fromCursor(a));
            assertTrue(expected.type().hasCode(reader.typeCode()));
        }
        assertFalse(b.hasRemaining());
    }

    /** Builds the record of the frame the reader holds from its public accessors alone. */
    private Frame fromCursor(ByteBuffer payload) {
        FrameReader c = reader;
        return switch (c.type()) {
            case PADDING -> new PaddingFrame(c.paddingLength());
            case PING -> PingFrame.INSTANCE;
            case ACK -> new AckFrame(c.ackDelay(), Arrays.copyOf(c.ackRanges(), 2 * c.ackRangeCount()),
                    c.hasEcnCounts() ? new AckFrame.EcnCounts(c.ect0(), c.ect1(), c.ecnCe()) : null);
            case RESET_STREAM -> new ResetStreamFrame(c.streamId(), c.errorCode(), c.finalSize());
            case STOP_SENDING -> new StopSendingFrame(c.streamId(), c.errorCode());
            case CRYPTO -> new CryptoFrame(c.offset(), data(payload));
            case NEW_TOKEN -> new NewTokenFrame(data(payload));
            case STREAM -> new StreamFrame(c.streamId(), c.offset(), data(payload), c.fin());
            case MAX_DATA -> new MaxDataFrame(c.maximum());
            case MAX_STREAM_DATA -> new MaxStreamDataFrame(c.streamId(), c.maximum());
            case MAX_STREAMS -> new MaxStreamsFrame(c.bidirectional(), c.maximum());
            case DATA_BLOCKED -> new DataBlockedFrame(c.maximum());
            case STREAM_DATA_BLOCKED -> new StreamDataBlockedFrame(c.streamId(), c.maximum());
            case STREAMS_BLOCKED -> new StreamsBlockedFrame(c.bidirectional(), c.maximum());
            case NEW_CONNECTION_ID -> {
                byte[] cid = new byte[c.dataLength()];
                payload.get(c.dataOffset(), cid);
                byte[] token = new byte[NewConnectionIdFrame.TOKEN_LENGTH];
                payload.get(c.statelessResetTokenOffset(), token);
                yield new NewConnectionIdFrame(c.sequenceNumber(), c.retirePriorTo(), ConnectionId.of(cid), token);
            }
            case RETIRE_CONNECTION_ID -> new RetireConnectionIdFrame(c.sequenceNumber());
            case PATH_CHALLENGE -> new PathChallengeFrame(c.pathData());
            case PATH_RESPONSE -> new PathResponseFrame(c.pathData());
            case CONNECTION_CLOSE -> new ConnectionCloseFrame(TransportErrorCode.of(c.errorCode()),
                    c.errorFrameType(), data(payload));
            case APPLICATION_CLOSE -> new ApplicationCloseFrame(c.errorCode(), data(payload));
            case HANDSHAKE_DONE -> HandshakeDoneFrame.INSTANCE;
            case DATAGRAM -> new DatagramFrame(data(payload));
        };
    }

    private ByteBuffer data(ByteBuffer payload) {
        return reader.positionOnData(payload.duplicate());
    }

    private static byte[] mutate(SplittableRandom r, byte[] bytes) {
        int at = r.nextInt(bytes.length);
        return switch (r.nextInt(6)) {
            case 0 -> {
                bytes[at] ^= (byte) (1 << r.nextInt(8));
                yield bytes;
            }
            case 1 -> {
                bytes[at] += (byte) (r.nextBoolean() ? 1 : -1);
                yield bytes;
            }
            case 2 -> {
                bytes[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                yield bytes;
            }
            case 3 -> {
                byte[] longer = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, longer, 0, at);
                longer[at] = (byte) r.nextInt(256);
                System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                yield longer;
            }
            case 4 -> {
                byte[] shorter = new byte[bytes.length - 1];
                System.arraycopy(bytes, 0, shorter, 0, at);
                System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                yield shorter;
            }
            default -> Arrays.copyOf(bytes, at);
        };
    }
}
