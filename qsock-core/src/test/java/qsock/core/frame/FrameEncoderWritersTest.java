package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The hot-path writers of {@link FrameEncoder} (those the connection, the stream manager and the connection ID
 * sets use instead of building a record) write exactly what {@link FrameEncoder#encode} writes for the matching
 * record, and refuse a buffer that is too small without writing anything.
 */
class FrameEncoderWritersTest {

    private static byte[] written(Consumer<ByteBuffer> writer) {
        ByteBuffer b = ByteBuffer.allocate(64);
        writer.accept(b);
        b.flip();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    private static byte[] encoded(Frame frame) {
        return written(b -> FrameEncoder.encode(b, frame));
    }

    @Test
    void typeOnlyAndPathFramesMatchTheirRecords() {
        assertArrayEquals(encoded(new PingFrame()), written(FrameEncoder::writePing));
        assertArrayEquals(encoded(new HandshakeDoneFrame()), written(FrameEncoder::writeHandshakeDone));
        long data = 0x0102030405060708L;
        assertArrayEquals(encoded(new PathChallengeFrame(data)), written(b -> FrameEncoder.writePathChallenge(b, data)));
        assertArrayEquals(encoded(new PathResponseFrame(data)), written(b -> FrameEncoder.writePathResponse(b, data)));
    }

    @Test
    void connectionLimitFramesMatchTheirRecords() {
        for (long v : new long[] {0, 63, 64, 16_383, 16_384, 1L << 40}) {
            assertArrayEquals(encoded(new MaxDataFrame(v)), written(b -> FrameEncoder.writeConnectionLimit(b, 0x10, v)));
            assertArrayEquals(encoded(new DataBlockedFrame(v)),
                    written(b -> FrameEncoder.writeConnectionLimit(b, 0x14, v)));
            long streams = Math.min(v, 1L << 40);
            assertArrayEquals(encoded(new MaxStreamsFrame(true, streams)),
                    written(b -> FrameEncoder.writeConnectionLimit(b, 0x12, streams)));
            assertArrayEquals(encoded(new MaxStreamsFrame(false, streams)),
                    written(b -> FrameEncoder.writeConnectionLimit(b, 0x13, streams)));
            assertArrayEquals(encoded(new StreamsBlockedFrame(true, streams)),
                    written(b -> FrameEncoder.writeConnectionLimit(b, 0x16, streams)));
            assertArrayEquals(encoded(new StreamsBlockedFrame(false, streams)),
                    written(b -> FrameEncoder.writeConnectionLimit(b, 0x17, streams)));
            assertArrayEquals(encoded(new RetireConnectionIdFrame(v)),
                    written(b -> FrameEncoder.writeRetireConnectionId(b, v)));
            assertEquals(encoded(new RetireConnectionIdFrame(v)).length, FrameEncoder.retireConnectionIdLength(v));
        }
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.writeConnectionLimit(ByteBuffer.allocate(9),
                0x11, 1));
    }

    @Test
    void streamControlFramesMatchTheirRecords() {
        long id = 4_000_001;
        assertArrayEquals(encoded(new ResetStreamFrame(id, 7, 1_000_000)),
                written(b -> FrameEncoder.writeStreamControl(b, 0x04, id, 7, 1_000_000)));
        assertArrayEquals(encoded(new StopSendingFrame(id, 300)),
                written(b -> FrameEncoder.writeStreamControl(b, 0x05, id, 300, -1)));
        assertArrayEquals(encoded(new MaxStreamDataFrame(id, 1L << 33)),
                written(b -> FrameEncoder.writeStreamControl(b, 0x11, id, 1L << 33, -1)));
        assertArrayEquals(encoded(new StreamDataBlockedFrame(id, 17)),
                written(b -> FrameEncoder.writeStreamControl(b, 0x15, id, 17, -1)));
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.writeStreamControl(ByteBuffer.allocate(16), 0x04, id, 7, -1));
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.writeStreamControl(ByteBuffer.allocate(16), 0x10, id, 7, -1));
    }

    @Test
    void aWriterThatDoesNotFitWritesNothing() {
        ByteBuffer small = ByteBuffer.allocate(8);
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writePathChallenge(small, 1));
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeStreamControl(small, 0x04, 1L << 40,
                1L << 40, 1L << 40));
        assertEquals(0, small.position());
        ByteBuffer none = ByteBuffer.allocate(0);
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writePing(none));
        assertThrows(BufferOverflowException.class, () -> FrameEncoder.writeHandshakeDone(none));
    }
}
