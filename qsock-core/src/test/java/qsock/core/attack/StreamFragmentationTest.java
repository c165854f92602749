package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.StreamFrame;
import qsock.core.stream.ReassemblyBuffer;
import qsock.core.stream.RecvStream;
import qsock.core.stream.StreamId;

/**
 * Stream reassembly fragmentation (RFC 9000 §21.7): a peer sends tiny pieces out of order, every other byte, so that
 * the receiver keeps a range and a buffer for each gap. qsock bounds the ranges of a stream ({@value
 * ReassemblyBuffer#DEFAULT_MAX_RANGES}, then PROTOCOL_VIOLATION), the storage of a stream by its window and that of
 * the connection by its window: flow control counts the highest offset of each stream, however few bytes it carries.
 * Cost to the attacker: one byte and a STREAM frame header per range; to us: at most the windows we advertised.
 */
class StreamFragmentationTest {

    private static final long STREAM_WINDOW = 64 * 1024;
    private static final long CONNECTION_WINDOW = 256 * 1024;
    /** The reassembly chunk of a 64 KiB window: 16 KiB (ChunkedBytes#chunkSizeFor). */
    private static final long CHUNK = 16 * 1024;

    private static ConnectionConfig config() {
        return ConnectionConfig.builder().initialMaxStreamData(STREAM_WINDOW).maxStreamWindow(STREAM_WINDOW)
                .initialMaxData(CONNECTION_WINDOW).maxConnectionWindow(CONNECTION_WINDOW).build();
    }

    private static StreamFrame oneByte(long stream, long offset) {
        return new StreamFrame(stream, offset, ByteBuffer.wrap(new byte[] {7}), false);
    }

    @Test
    void reassemblyFragmentationKeepsAStreamUnder1024RangesAndItsWindowOfStorage() throws Exception {
        HostileClient t = new HostileClient(2201, config());
        long stream = StreamId.of(Role.CLIENT, true, 0);
        int maxRanges = 0;
        long maxHeld = 0;
        long offset = 1;
        // Every other byte from offset 1: byte 0 never comes, so nothing is readable and every byte is held.
        for (int i = 0; i < 2 * ReassemblyBuffer.DEFAULT_MAX_RANGES && !t.server.state().isClosingOrClosed(); i++) {
            t.send(oneByte(stream, offset));
            offset += 2;
            RecvStream r = t.server.streams().recvStream(stream);
            if (r != null) {
                maxRanges = Math.max(maxRanges, r.rangeCount());
                maxHeld = Math.max(maxHeld, r.bytesHeld());
            }
        }
        assertTrue(t.server.state().isClosingOrClosed(), "the range cap ended the connection");
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), t.server.closeError().code());
        assertEquals(ReassemblyBuffer.DEFAULT_MAX_RANGES, maxRanges, "ranges held at most");
        assertEquals(2L * ReassemblyBuffer.DEFAULT_MAX_RANGES + 3, offset, "the piece one range too many was refused");
        assertTrue(maxHeld <= STREAM_WINDOW, "storage of one stream: " + maxHeld);
    }

    @Test
    void reassemblyFragmentationAcrossStreamsKeepsTheConnectionUnderItsWindowOfStorage() throws Exception {
        HostileClient t = new HostileClient(2202, config());
        long maxHeld = 0;
        int streamsTaken = 0;
        // One byte at the far end of each chunk of each stream's window: the most chunks per byte sent.
        for (int s = 0; s < 100 && !t.server.state().isClosingOrClosed(); s++) {
            long stream = StreamId.of(Role.CLIENT, true, s);
            for (long off = CHUNK - 1; off < STREAM_WINDOW && !t.server.state().isClosingOrClosed(); off += CHUNK) {
                t.send(oneByte(stream, off));
                maxHeld = Math.max(maxHeld, t.server.streams().receiveBytesHeld());
            }
            if (!t.server.state().isClosingOrClosed()) {
                streamsTaken++;
            }
        }
        assertTrue(t.server.state().isClosingOrClosed(), "a fifth full window passes the connection's");
        assertEquals(TransportErrorCode.FLOW_CONTROL_ERROR.value(), t.server.closeError().code());
        assertEquals(CONNECTION_WINDOW / STREAM_WINDOW, streamsTaken, "streams whose whole window fit");
        assertTrue(maxHeld <= CONNECTION_WINDOW, "storage of the connection: " + maxHeld);
        assertTrue(maxHeld >= CONNECTION_WINDOW / 2, "the attack did make the server hold something: " + maxHeld);
    }

    @Test
    void inOrderDataOnManyStreamsAlsoStaysUnderTheConnectionWindow() throws Exception {
        HostileClient t = new HostileClient(2203, config());
        long maxHeld = 0;
        byte[] block = new byte[1000];
        for (int s = 0; s < 50 && !t.server.state().isClosingOrClosed(); s++) {
            long stream = StreamId.of(Role.CLIENT, true, s);
            for (long off = 0; off < 16_000 && !t.server.state().isClosingOrClosed(); off += block.length) {
                t.send(new StreamFrame(stream, off, ByteBuffer.wrap(block), false));
                maxHeld = Math.max(maxHeld, t.server.streams().receiveBytesHeld());
            }
        }
        assertFalse(t.server.state().isClosingOrClosed() && t.server.closeError().code()
                != TransportErrorCode.FLOW_CONTROL_ERROR.value(), "only flow control may end it");
        assertTrue(maxHeld <= CONNECTION_WINDOW + 50 * CHUNK, "storage held with nothing read: " + maxHeld);
    }
}
