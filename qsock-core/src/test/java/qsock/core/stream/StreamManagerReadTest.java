package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.StreamResetException;

/** The read side an application sees: {@link StreamManager#recv} and {@link StreamManager#readableNext}. */
class StreamManagerReadTest {

    private static StreamManager server() {
        StreamManager m = new StreamManager(Role.SERVER,
                new StreamConfig(3000, 1000, 1000, 1000, 4, 4, 12_000, 4000, 2000, 1 << 20, 64));
        m.setPeerLimits(3000, 1000, 1000, 1000, 4, 4);
        return m;
    }

    private static ByteBuffer data(int n) {
        return ByteBuffer.wrap(new byte[n]);
    }

    @Test
    void recvReportsTheEndWithTheLastBytesAndTheStreamReachesDataRead() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(5), true, 0);
        long read = s.recv(2, ByteBuffer.allocate(10));
        assertEquals(5, StreamRead.length(read));
        assertTrue(StreamRead.fin(read), "the last bytes carry the end");
        assertNull(s.recvStream(2), "Data Read: a receive-only stream is forgotten at once");
    }

    @Test
    void recvWithoutTheEndReportsNoFinAndAFinAloneIsReportedWithNoBytes() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(5), false, 0);
        long read = s.recv(2, ByteBuffer.allocate(10));
        assertEquals(5, StreamRead.length(read));
        assertFalse(StreamRead.fin(read));
        assertEquals(StreamRead.of(0, false), s.recv(2, ByteBuffer.allocate(10)), "nothing ready");
        s.onStreamFrame(2, 5, data(0), true, 0);
        assertEquals(StreamRead.of(0, true), s.recv(2, ByteBuffer.allocate(10)));
        assertNull(s.recvStream(2));
    }

    @Test
    void aBufferTooSmallLeavesTheEndForTheNextRecv() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(5), true, 0);
        assertEquals(StreamRead.of(3, false), s.recv(2, ByteBuffer.allocate(3)));
        assertEquals(StreamRead.of(2, true), s.recv(2, ByteBuffer.allocate(3)));
    }

    @Test
    void readableStreamsComeInTurnAndAStreamWithMoreToReadGoesToTheBack() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(10), false, 0);
        s.onStreamFrame(6, 0, data(4), false, 0);
        s.onStreamFrame(2, 10, data(10), false, 0);
        assertEquals(2, s.readableNext());
        assertEquals(StreamRead.of(8, false), s.recv(2, ByteBuffer.allocate(8)));
        assertEquals(6, s.readableNext(), "stream 2 went behind 6");
        assertEquals(StreamRead.of(4, false), s.recv(6, ByteBuffer.allocate(8)));
        assertEquals(2, s.readableNext());
        assertEquals(StreamRead.of(8, false), s.recv(2, ByteBuffer.allocate(8)));
        assertEquals(2, s.readableNext());
        assertEquals(StreamRead.of(4, false), s.recv(2, ByteBuffer.allocate(8)));
        assertEquals(-1, s.readableNext(), "everything read: nothing is readable");
        s.onStreamFrame(6, 4, data(1), false, 0);
        assertEquals(6, s.readableNext(), "new data makes a stream readable again");
    }

    @Test
    void aStreamReadThroughReadLeavesTheQueueAndAResetIsReadable() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(3), false, 0);
        s.onStreamFrame(6, 0, data(3), false, 0);
        assertEquals(3, s.read(2, ByteBuffer.allocate(8)));
        s.onResetStream(6, 9, 3);
        assertEquals(6, s.readableNext(), "stream 2, read to its last byte, is no longer queued");
        StreamResetException e = assertThrows(StreamResetException.class, () -> s.recv(6, ByteBuffer.allocate(8)));
        assertEquals(9, e.errorCode());
        assertEquals(-1, s.readableNext(), "a reset is reported once");
    }

    @Test
    void aForgottenStreamLeavesTheQueue() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(3), true, 0);
        s.onStreamFrame(6, 0, data(3), false, 0);
        assertEquals(3, s.read(2, ByteBuffer.allocate(8)));
        assertEquals(-1, s.read(2, ByteBuffer.allocate(8)));
        assertNull(s.recvStream(2));
        assertEquals(6, s.readableNext());
        assertEquals(-1, s.readableNext());
    }
}
