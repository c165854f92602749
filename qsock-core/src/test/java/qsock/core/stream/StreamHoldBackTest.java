package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.Role;

/**
 * New stream data held back to fill packets: the cork ({@link StreamManager#setCorked}, the socket draft's MSG_MORE)
 * and Nagle's algorithm ({@link StreamManager#setNagle}, the draft's {@code stream_data_nodelay} off), as the kernel's
 * quic_outq_delay_check holds them.
 */
class StreamHoldBackTest {

    private static final long NOW = 1_000_000_000L;
    private static final int PACKET = 1200;

    private final RecordingSink sink = new RecordingSink();

    private static StreamManager manager() {
        StreamManager m = new StreamManager(Role.CLIENT,
                new StreamConfig(1 << 20, 1 << 16, 1 << 16, 1 << 16, 8, 8, 1 << 22, 1 << 20, 1 << 20, 1 << 20, 64));
        m.setPeerLimits(1 << 20, 1 << 16, 1 << 16, 1 << 16, 8, 8);
        m.setFullPacket(PACKET - 50);
        return m;
    }

    /** {@return the stream bytes written into packets of {@link #PACKET} bytes until nothing is pending} */
    private int flush(StreamManager m) {
        int before = streamBytes();
        for (int packets = 0; m.hasPendingFrames(); packets++) {
            assertTrue(packets < 100, "writeFrames makes no progress");
            ByteBuffer p = ByteBuffer.allocate(PACKET);
            assertTrue(m.writeFrames(p, PACKET, sink, NOW) > 0, "pending frames but nothing written");
        }
        return streamBytes() - before;
    }

    private int streamBytes() {
        int n = 0;
        for (RecordingSink.Sent s : sink.sent) {
            if (s.kind() == null) {
                n += s.length();
            }
        }
        return n;
    }

    private void ackAll(StreamManager m) {
        for (RecordingSink.Sent s : sink.sent) {
            s.acked(m);
        }
        sink.sent.clear();
    }

    @Test
    void corkedDataLeavesOnlyInFullPacketsAndAllOfItOnceUncorked() throws Exception {
        StreamManager m = manager();
        long id = m.openStream(true);
        m.setCorked(true);
        m.write(id, ByteBuffer.allocate(100), false);
        assertFalse(m.hasPendingFrames(), "100 bytes wait for a packet's worth");
        assertEquals(0, flush(m));
        m.write(id, ByteBuffer.allocate(2000), false);
        int sent = flush(m);
        assertTrue(sent >= PACKET - 50 && sent < 2100, "full packets only: " + sent);
        assertTrue(2100 - sent < PACKET - 50, "less than a packet's worth held: " + (2100 - sent));
        m.setCorked(false);
        assertEquals(2100 - sent, flush(m), "uncorked: the rest leaves");
    }

    @Test
    void aCorkedFinWaitsWithItsData() throws Exception {
        StreamManager m = manager();
        long id = m.openStream(true);
        m.setCorked(true);
        m.write(id, ByteBuffer.allocate(10), true);
        assertFalse(m.hasPendingFrames());
        m.setCorked(false);
        flush(m);
        assertTrue(sink.sent.get(sink.sent.size() - 1).fin(), "the FIN left with the data");
    }

    @Test
    void nagleHoldsSmallDataWhileDataIsInFlightAndLetsItGoWhenAcknowledged() throws Exception {
        StreamManager m = manager();
        m.setNagle(true);
        long id = m.openStream(true);
        m.write(id, ByteBuffer.allocate(100), false);
        assertEquals(100, flush(m), "nothing in flight: the first small send leaves at once");
        m.write(id, ByteBuffer.allocate(100), false);
        assertFalse(m.hasPendingFrames(), "100 bytes in flight: the next small send waits");
        ackAll(m);
        assertEquals(100, flush(m), "acknowledged: it leaves");
        m.write(id, ByteBuffer.allocate(100), false);
        m.write(id, ByteBuffer.allocate(PACKET), false);
        assertTrue(flush(m) >= PACKET - 50, "a packet's worth leaves even with data in flight");
    }

    @Test
    void withoutNagleOrCorkSmallDataLeavesAtOnce() throws Exception {
        StreamManager m = manager();
        long id = m.openStream(true);
        m.write(id, ByteBuffer.allocate(100), false);
        assertEquals(100, flush(m));
        m.write(id, ByteBuffer.allocate(100), false);
        assertEquals(100, flush(m), "in flight or not, it goes");
    }

    @Test
    void aLostFrameIsSentAgainEvenWhileNewDataIsHeld() throws Exception {
        StreamManager m = manager();
        long id = m.openStream(true);
        m.write(id, ByteBuffer.allocate(100), false);
        flush(m);
        RecordingSink.Sent first = sink.sent.get(0);
        sink.sent.clear();
        m.setCorked(true);
        m.write(id, ByteBuffer.allocate(100), false);
        first.lost(m);
        assertTrue(m.hasPendingFrames(), "the retransmission is not held");
        assertEquals(100, flush(m), "only the lost 100 bytes, not the corked new ones");
        assertEquals(0, sink.sent.get(0).offset());
    }
}
