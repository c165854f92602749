package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * Properties of the codec over random input: valid frames round-trip exactly, and any bytes at all,
 * including damaged encodings of valid frames, decode to frames or end in a QuicProtocolException with
 * an RFC code, never another exception, never a read past the end, never a loop that does not consume.
 */
@Timeout(20)
class FramePropertiesTest {

    /** A payload and the packet type it is decoded in; prints as hex so a failure shows its input. */
    record Payload(byte[] bytes, PacketType packetType) {
        @Override
        public String toString() {
            return packetType + " " + HexFormat.of().formatHex(bytes);
        }
    }

    /** Frames of one packet, the last one perhaps without its Length field. */
    record Sequence(List<Frame> frames, boolean lastEndsPacket) {}

    /** A frame, whether it is encoded as the last in its packet, and the packet type. */
    record Single(Frame frame, boolean endsPacket, PacketType packetType) {}

    private static final Set<TransportErrorCode> DECODE_ERRORS = Set.of(TransportErrorCode.FRAME_ENCODING_ERROR,
            TransportErrorCode.PROTOCOL_VIOLATION, TransportErrorCode.CRYPTO_BUFFER_EXCEEDED);

    /** Bytes worth planting in payloads: every known type code and the varint length prefixes. */
    private static final int[] INTERESTING = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x30,
        0x31, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff, 0x14, 0x15,
    };

    private static PacketType packetTypeFor(SplittableRandom r, FrameType type) {
        List<PacketType> allowed = new ArrayList<>(type.packetTypes());
        return allowed.get(r.nextInt(allowed.size()));
    }

    @Test
    void everyValidFrameRoundTrips() {
        Properties.forAll(r -> {
            Frame frame = FrameGenerators.frame(r);
            return new Single(frame, r.nextBoolean(), packetTypeFor(r, frame.type()));
        }, c -> {
            int length = FrameEncoder.encodedLength(c.frame(), c.endsPacket());
            ByteBuffer buf = ByteBuffer.allocate(length);
            assertEquals(length, FrameEncoder.encode(buf, c.frame(), c.endsPacket()));
            assertFalse(buf.hasRemaining());
            buf.flip();
            try {
                assertEquals(c.frame(), FrameDecoder.decode(buf, c.packetType()));
            } catch (QuicProtocolException e) {
                throw new AssertionError("a valid frame was refused: " + e, e);
            }
            assertEquals(length, buf.position(), "consumed length == encodedLength");
        });
    }

    @Test
    void sequencesOfFramesRoundTripThroughDecodeAll() {
        Properties.forAll(r -> new Sequence(FrameGenerators.frames(r, 8), r.nextBoolean()), input -> {
            List<Frame> frames = input.frames();
            byte[] payload = FrameGenerators.encode(frames, input.lastEndsPacket());
            List<Frame> decoded = new ArrayList<>();
            ByteBuffer in = ByteBuffer.wrap(payload);
            try {
                int n = FrameDecoder.decodeAll(in, PacketType.ONE_RTT, decoded);
                assertEquals(decoded.size(), n);
            } catch (QuicProtocolException e) {
                throw new AssertionError("valid frames were refused: " + e, e);
            }
            assertEquals(FrameGenerators.asDecoded(frames), decoded);
            assertFalse(in.hasRemaining());
        });
    }

    @Test
    void randomBytesDecodeToFramesOrProtocolErrors() {
        Properties.forAll(r -> {
            byte[] bytes = Generators.bytes(r, 1 + r.nextInt(r.nextBoolean() ? 16 : 200));
            // Half the time start at a known frame type, so the fields behind it get exercised.
            if (r.nextBoolean()) {
                bytes[0] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
            }
            return new Payload(bytes, FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]);
        }, FramePropertiesTest::decodesSafely);
    }

    @Test
    void randomFrameTypesWithRandomFieldsDecodeToFramesOrProtocolErrors() {
        Properties.forAll(r -> {
            // A string of [type code][a few random or edge bytes] pieces.
            ByteBuffer b = ByteBuffer.allocate(400);
            int pieces = 1 + r.nextInt(6);
            for (int i = 0; i < pieces; i++) {
                b.put((byte) INTERESTING[r.nextInt(INTERESTING.length)]);
                int fields = r.nextInt(30);
                for (int j = 0; j < fields; j++) {
                    b.put(r.nextInt(3) == 0
                            ? (byte) INTERESTING[r.nextInt(INTERESTING.length)]
                            : (byte) r.nextInt(256));
                }
            }
            byte[] bytes = new byte[b.position()];
            b.flip().get(bytes);
            return new Payload(bytes, FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]);
        }, FramePropertiesTest::decodesSafely);
    }

    @Test
    void truncatedEncodingsDecodeToFramesOrProtocolErrors() {
        Properties.forAll(r -> {
            byte[] valid = FrameGenerators.encode(FrameGenerators.frames(r, 4), r.nextBoolean());
            byte[] cut = Arrays.copyOf(valid, 1 + r.nextInt(valid.length));
            return new Payload(cut, PacketType.ONE_RTT);
        }, FramePropertiesTest::decodesSafely);
    }

    @Test
    void mutatedEncodingsDecodeToFramesOrProtocolErrors() {
        Properties.forAll(r -> {
            byte[] bytes = FrameGenerators.encode(FrameGenerators.frames(r, 4), r.nextBoolean());
            int mutations = 1 + r.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                bytes = mutate(r, bytes);
            }
            return new Payload(bytes, FrameGenerators.FRAME_PACKET_TYPES[r.nextInt(4)]);
        }, FramePropertiesTest::decodesSafely);
    }

    @Test
    void frameHeadersNudgedPastTheirLimitsDecodeToFramesOrProtocolErrors() {
        // Frames sitting exactly at a limit of their fields, one header byte moved up or down by one: the
        // cheapest way to step just past a limit check.
        Properties.forAll(r -> {
            Frame frame = atLimit(r);
            byte[] bytes = FrameGenerators.encode(List.of(frame), false);
            int header = bytes.length - dataLength(frame);
            bytes[r.nextInt(header)] += (byte) (r.nextBoolean() ? 1 : -1);
            return new Payload(bytes, PacketType.ONE_RTT);
        }, FramePropertiesTest::decodesSafely);
    }

    /** {@return a frame with a field at its largest (or smallest) legal value} */
    private static Frame atLimit(SplittableRandom r) {
        long max = VarInt.MAX_VALUE;
        ByteBuffer data = ByteBuffer.wrap(Generators.bytes(r, 1 + r.nextInt(3)));
        return switch (r.nextInt(7)) {
            case 0 -> new StreamFrame(r.nextInt(64), max - data.remaining(), data, r.nextBoolean());
            case 1 -> new CryptoFrame(max - data.remaining(), data);
            case 2 -> new MaxStreamsFrame(r.nextBoolean(), FrameChecks.MAX_STREAMS);
            case 3 -> new StreamsBlockedFrame(r.nextBoolean(), FrameChecks.MAX_STREAMS);
            case 4 -> {
                long sequenceNumber = r.nextInt(200);
                yield new NewConnectionIdFrame(sequenceNumber, sequenceNumber,
                        ConnectionId.random(r, r.nextBoolean() ? 1 : ConnectionId.MAX_LENGTH), new byte[16]);
            }
            case 5 -> AckFrame.of(r.nextInt(64), 10, 5, 3, 0); // the lowest range ends at packet 0
            default -> NewTokenFrame.of(new byte[1]);
        };
    }

    private static int dataLength(Frame frame) {
        return switch (frame) {
            case StreamFrame f -> f.length();
            case CryptoFrame f -> f.length();
            case NewTokenFrame f -> 1;
            default -> 0;
        };
    }

    private static byte[] mutate(SplittableRandom r, byte[] bytes) {
        int at = r.nextInt(bytes.length);
        return switch (r.nextInt(7)) {
            case 0 -> {
                bytes[at] ^= (byte) (1 << r.nextInt(8));
                yield bytes;
            }
            case 6 -> { // one up or down: pushes lengths and offsets just past their limits
                bytes[at] += (byte) (r.nextBoolean() ? 1 : -1);
                yield bytes;
            }
            case 1 -> {
                bytes[at] = (byte) r.nextInt(256);
                yield bytes;
            }
            case 2 -> {
                bytes[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                yield bytes;
            }
            case 3 -> { // insert a byte
                byte[] longer = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, longer, 0, at);
                longer[at] = (byte) r.nextInt(256);
                System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                yield longer;
            }
            case 4 -> { // delete a byte, keeping at least one
                if (bytes.length == 1) {
                    yield bytes;
                }
                byte[] shorter = new byte[bytes.length - 1];
                System.arraycopy(bytes, 0, shorter, 0, at);
                System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                yield shorter;
            }
            default -> Arrays.copyOf(bytes, at + 1); // truncate
        };
    }

    /**
     * Decodes every frame of {@code p} in a loop bounded by its length, checking that each step consumes
     * bytes and stays inside the payload, that each frame is a valid record that re-encodes to itself,
     * and that the only exception is a QuicProtocolException with a decoder's error code.
     */
    private static void decodesSafely(Payload p) {
        ByteBuffer in = ByteBuffer.wrap(p.bytes());
        int steps = 0;
        try {
            while (in.hasRemaining()) {
                int before = in.position();
                Frame frame = FrameDecoder.decode(in, p.packetType());
                assertTrue(in.position() > before, "decode consumed nothing");
                assertTrue(in.position() <= in.limit());
                assertTrue(++steps <= p.bytes().length, "more frames than bytes");
                assertTrue(frame.type().allowedIn(p.packetType()));
                assertReencodes(frame, p.packetType());
            }
        } catch (QuicProtocolException e) {
            assertTrue(DECODE_ERRORS.contains(e.errorCode()), "unexpected error code " + e);
            assertNotNull(e.reason());
            assertTrue(e.reason().length() < 64, "reason too long: " + e.reason());
        } catch (RuntimeException e) {
            throw new AssertionError("the decoder threw " + e + " instead of a QuicProtocolException", e);
        }
    }

    private static void assertReencodes(Frame frame, PacketType packetType) throws QuicProtocolException {
        ByteBuffer out = ByteBuffer.allocate(FrameEncoder.encodedLength(frame));
        FrameEncoder.encode(out, frame);
        out.flip();
        assertEquals(frame, FrameDecoder.decode(out, packetType));
        assertFalse(out.hasRemaining());
    }
}
