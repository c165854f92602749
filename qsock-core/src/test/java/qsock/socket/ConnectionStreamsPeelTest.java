package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.stream.ControlFrame;
import qsock.core.stream.SentFrameSink;
import qsock.core.stream.StreamConfig;
import qsock.core.stream.StreamId;
import qsock.core.stream.StreamManager;

/** The socket's side of peeled-off streams over a bare stream manager: the bound, the refusals, the skipping. */
class ConnectionStreamsPeelTest {

    private final StreamManager manager = new StreamManager(Role.CLIENT, StreamConfig.defaults());
    private final ConnectionStreams streams = new ConnectionStreams(manager, Role.CLIENT);

    @BeforeEach
    void peerAllowsManyStreams() {
        manager.setPeerLimits(1 << 20, 1 << 16, 1 << 16, 1 << 16, 4096, 4096);
    }

    @Test
    void peelingIsBoundedUntilAPeeledStreamEnds() throws Exception {
        long[] ids = new long[PeeledStreams.MAX + 1];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = streams.open(false, true);
        }
        for (int i = 0; i < PeeledStreams.MAX; i++) {
            streams.peel(ids[i]);
        }
        IOException full = assertThrows(IOException.class, () -> streams.peel(ids[PeeledStreams.MAX]));
        assertTrue(full.getMessage().contains("EMFILE"), full.getMessage());

        // One ends: its FIN sent and acknowledged, the connection forgets it, which makes room.
        assertTrue(streams.finishPeeled(ids[0]));
        manager.writeFrames(ByteBuffer.allocate(1500), 1500, new Ignored(), 0);
        manager.onStreamFrameAcked(ids[0], 0, 0, true);
        assertFalse(streams.knows(ids[0]));
        streams.peel(ids[PeeledStreams.MAX]);
        assertTrue(streams.isPeeled(ids[PeeledStreams.MAX]));
        assertFalse(streams.isPeeled(ids[0]));
        assertTrue(streams.isPeeled(ids[1]));
    }

    @Test
    void aStreamIsPeeledOffOnce() throws Exception {
        long id = streams.open(true, true);
        streams.peel(id);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> streams.peel(id));
        assertTrue(twice.getMessage().contains("EBUSY"), twice.getMessage());
    }

    @Test
    void peeledStreamsAreFoundInWhateverOrderTheyWerePeeled() throws Exception {
        long[] ids = new long[20];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = streams.open(true, true);
        }
        for (int i = ids.length - 1; i >= 0; i -= 2) {
            streams.peel(ids[i]);
        }
        for (int i = 0; i < ids.length; i += 6) {
            streams.peel(ids[i]);
        }
        for (int i = 0; i < ids.length; i++) {
            boolean peeled = i % 2 == 1 || i % 6 == 0;
            assertEquals(peeled, streams.isPeeled(ids[i]), "stream " + ids[i]);
        }
    }

    @Test
    void theSocketsReceivePassesAPeeledStreamBy() throws Exception {
        long peeled = StreamId.of(Role.SERVER, false, 0);
        long other = StreamId.of(Role.SERVER, false, 1);
        manager.onStreamFrame(peeled, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), false, 0);
        manager.onStreamFrame(other, 0, ByteBuffer.wrap(new byte[] {4}), true, 0);
        streams.peel(peeled);

        ByteBuffer dst = ByteBuffer.allocate(10);
        StreamMessage m = streams.readNext(dst);
        assertEquals(new StreamMessage(other, 1, true), m);
        assertNull(streams.readNext(dst), "the peeled stream's bytes are not the socket's");
        ByteBuffer mine = ByteBuffer.allocate(10);
        assertEquals(3, streams.readPeeled(peeled, mine, new boolean[] {true}));
    }

    @Test
    void theSocketsOwnWritesAndReadsRefuseAPeeledStream() throws Exception {
        long id = streams.open(true, true);
        streams.peel(id);
        assertThrows(IllegalStateException.class, () -> streams.write(id, ByteBuffer.allocate(1), false));
        assertThrows(IllegalStateException.class, () -> streams.read(id, ByteBuffer.allocate(1), new boolean[1]));
        assertEquals(1, streams.writePeeled(id, ByteBuffer.allocate(1), false));
    }

    @Test
    void inputGivenUpIsDroppedUntilTheStreamEndsAndIsForgotten() throws Exception {
        long id = StreamId.of(Role.SERVER, false, 0);
        manager.onStreamFrame(id, 0, ByteBuffer.wrap(new byte[100]), false, 0);
        streams.peel(id);
        streams.discardPeeled(id);
        assertTrue(streams.discardPeeledInput(), "what had arrived is dropped");
        assertTrue(streams.knows(id));

        manager.onStreamFrame(id, 100, ByteBuffer.wrap(new byte[50]), true, 0);
        assertTrue(streams.discardPeeledInput(), "what came later and the end too");
        assertFalse(streams.knows(id), "the stream ended");
        assertFalse(streams.isPeeled(id), "and is no longer counted as peeled");
        assertFalse(streams.discardPeeledInput(), "nothing left to do");
    }

    /** Takes the frame notes {@link StreamManager#writeFrames} gives; the test acknowledges by hand. */
    private static final class Ignored implements SentFrameSink {
        @Override
        public void streamFrame(long id, long offset, int length, boolean fin) {
        }

        @Override
        public void controlFrame(ControlFrame kind, long streamIdOrMinus1, long value) {
        }
    }
}
