package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import qsock.api.Role;

/**
 * What the application may queue for sending is bounded for the whole connection, not only per stream, and
 * the connection's room is shared so that no stream keeps the others out.
 */
class ConnectionSendBoundTest {

    private static final int STREAM_BUFFER = 2000;
    private static final int CONNECTION_BUFFER = 20_000;

    private final RecordingSink sink = new RecordingSink();

    /** Send buffers of {@code streamBuffer} per stream and {@code connectionBuffer} per connection; a generous peer. */
    private static StreamManager client(int streamBuffer, int connectionBuffer) {
        StreamManager m = new StreamManager(Role.CLIENT, new StreamConfig(3000, 1000, 1000, 1000, 2, 2, 12_000, 4000,
                streamBuffer, connectionBuffer, 64));
        m.setPeerLimits(1L << 30, 1L << 20, 1L << 20, 1L << 20, 1000, 1000);
        return m;
    }

    /** Sends every pending frame in packets of at most {@code packetSize} bytes; {@return the STREAM frames sent} */
    private List<RecordingSink.Sent> send(StreamManager m, int packetSize) {
        for (int packets = 0; m.hasPendingFrames(); packets++) {
            assertTrue(packets < 10_000, "writeFrames makes no progress");
            m.writeFrames(ByteBuffer.allocate(packetSize), packetSize, sink, 0);
        }
        List<RecordingSink.Sent> frames = new ArrayList<>();
        for (RecordingSink.Sent s : sink.take()) {
            if (s.kind() == null) {
                frames.add(s);
            }
        }
        return frames;
    }

    private static Set<Long> writable(StreamManager m) {
        Set<Long> ids = new HashSet<>();
        for (StreamEvent e; (e = m.pollEvent()) != null; ) {
            if (e instanceof StreamEvent.Writable(long id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static long held(StreamManager m, long id) {
        return m.sendStream(id).buffer().held();
    }

    @Test
    void aHundredStreamsWrittenUntilTheyBlockQueueNoMoreThanTheConnectionBound() throws Exception {
        StreamManager m = client(STREAM_BUFFER, CONNECTION_BUFFER);
        long total = 0;
        int refused = 0;
        for (int i = 0; i < 100; i++) {
            long id = m.openStream(true);
            ByteBuffer src = ByteBuffer.allocate(3 * STREAM_BUFFER);
            for (int writes = 0; writes < 10; writes++) {
                int n = m.write(id, src, false);
                total += n;
                if (n == 0) {
                    break;
                }
            }
            assertTrue(src.hasRemaining(), "every stream blocks, on its buffer or the connection's");
            if (src.position() == 0) {
                refused++;
            }
        }
        assertEquals(CONNECTION_BUFFER, total, "the connection's bound, not 100 x " + STREAM_BUFFER);
        assertEquals(total, m.sendBuffered());
        assertEquals(100 - CONNECTION_BUFFER / STREAM_BUFFER, refused);
    }

    @Test
    void acknowledgementsFreeRoomAndTellEveryWaitingStream() throws Exception {
        StreamManager m = client(STREAM_BUFFER, CONNECTION_BUFFER);
        List<Long> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long id = m.openStream(true);
            m.write(id, ByteBuffer.allocate(STREAM_BUFFER), false);
            if (held(m, id) == 0) {
                waiting.add(id);
            }
        }
        assertEquals(10, waiting.size());
        writable(m);
        for (RecordingSink.Sent s : send(m, 1200)) {
            s.acked(m);
        }
        assertEquals(0, m.sendBuffered(), "acknowledged bytes leave the count");
        Set<Long> told = writable(m);
        assertTrue(told.containsAll(waiting), "every waiting stream hears of the room: " + told);
        for (long id : waiting) {
            assertEquals(STREAM_BUFFER, m.write(id, ByteBuffer.allocate(STREAM_BUFFER), true));
        }
        assertEquals(10 * STREAM_BUFFER, m.sendBuffered());
    }

    @Test
    void aStreamWritingAgainAtOnceCannotStarveAWaitingOne() throws Exception {
        // One stream could take the whole bound by itself, and always writes first when room frees.
        StreamManager m = client(CONNECTION_BUFFER, CONNECTION_BUFFER);
        long greedy = m.openStream(true);
        long patient = m.openStream(true);
        assertEquals(CONNECTION_BUFFER, m.write(greedy, ByteBuffer.allocate(CONNECTION_BUFFER), false));
        assertEquals(0, m.write(patient, ByteBuffer.allocate(CONNECTION_BUFFER), false));
        for (int round = 0; round < 100; round++) {
            // 1000 bytes leave and are acknowledged per round: the greedy stream's until the patient one sends too.
            for (RecordingSink.Sent s : send(m, 1000)) {
                s.acked(m);
            }
            m.write(greedy, ByteBuffer.allocate(CONNECTION_BUFFER), false);
            m.write(patient, ByteBuffer.allocate(CONNECTION_BUFFER), false);
            assertTrue(m.sendBuffered() <= CONNECTION_BUFFER);
        }
        assertTrue(held(m, patient) >= CONNECTION_BUFFER / 2 - 1000,
                "the waiting stream got its share: " + held(m, patient));
        assertTrue(held(m, greedy) <= CONNECTION_BUFFER / 2 + 1000, "held " + held(m, greedy));
    }

    @Test
    void aResetOrStoppedStreamGivesBackItsRoom() throws Exception {
        StreamManager m = client(CONNECTION_BUFFER, CONNECTION_BUFFER);
        long first = m.openStream(true);
        long second = m.openStream(true);
        long third = m.openStream(true);
        assertEquals(CONNECTION_BUFFER, m.write(first, ByteBuffer.allocate(CONNECTION_BUFFER), false));
        assertEquals(0, m.write(third, ByteBuffer.allocate(10), false));
        m.reset(first, 1);
        assertEquals(0, m.sendBuffered());
        assertTrue(writable(m).contains(third), "the waiting stream hears of the room a reset freed");
        assertEquals(10, m.write(third, ByteBuffer.allocate(10), false));
        assertEquals(CONNECTION_BUFFER - 10, m.write(second, ByteBuffer.allocate(CONNECTION_BUFFER), false));
        assertEquals(0, m.write(third, ByteBuffer.allocate(10), false));
        m.onStopSending(second, 2);
        assertEquals(10, m.sendBuffered());
        assertEquals(10, m.write(third, ByteBuffer.allocate(10), false));
    }

    @Test
    void theEndOfAStreamNeedsNoRoom() throws Exception {
        StreamManager m = client(CONNECTION_BUFFER, CONNECTION_BUFFER);
        long full = m.openStream(true);
        long other = m.openStream(true);
        m.write(other, ByteBuffer.allocate(10), false);
        m.write(full, ByteBuffer.allocate(CONNECTION_BUFFER), false);
        assertEquals(0, m.write(other, ByteBuffer.allocate(0), true));
        assertTrue(m.sendStream(other).isFinished(), "FIN queued at the bound");
        assertFalse(m.sendStream(full).isFinished());
    }
}
