package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.DataBlockedFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.MaxDataFrame;
import qsock.core.frame.MaxStreamDataFrame;
import qsock.core.frame.MaxStreamsFrame;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.StopSendingFrame;
import qsock.core.frame.StreamDataBlockedFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.frame.StreamsBlockedFrame;
import qsock.core.packet.PacketType;

class StreamManagerTest {

    private static final long MS = 1_000_000;

    /** Windows of 1000 bytes per stream and 3000 per connection, growing to 4x; 2+2 peer streams. */
    private static StreamConfig config() {
        return new StreamConfig(3000, 1000, 1000, 1000, 2, 2, 12_000, 4000, 2000, 1 << 20, 64);
    }

    private static StreamManager client() {
        StreamManager m = new StreamManager(Role.CLIENT, config());
        m.setPeerLimits(3000, 1000, 1000, 1000, 2, 2);
        return m;
    }

    private static StreamManager server() {
        StreamManager m = new StreamManager(Role.SERVER, config());
        m.setPeerLimits(3000, 1000, 1000, 1000, 2, 2);
        return m;
    }

    private final RecordingSink sink = new RecordingSink();

    /** Writes every pending frame into 1200-byte packets and decodes them. */
    private List<Frame> flush(StreamManager m, long now) throws QuicProtocolException {
        List<Frame> frames = new ArrayList<>();
        for (int packets = 0; m.hasPendingFrames(); packets++) {
            assertTrue(packets < 1000, "writeFrames makes no progress");
            ByteBuffer p = ByteBuffer.allocate(1200);
            int n = m.writeFrames(p, 1200, sink, now);
            assertEquals(n, p.position());
            assertTrue(n > 0, "pending frames but nothing written");
            p.flip();
            FrameDecoder.decodeAll(p, PacketType.ONE_RTT, frames);
        }
        return frames;
    }

    private static <T extends Frame> List<T> only(List<Frame> frames, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Frame f : frames) {
            if (type.isInstance(f)) {
                out.add(type.cast(f));
            }
        }
        return out;
    }

    private static List<StreamEvent> events(StreamManager m) {
        List<StreamEvent> out = new ArrayList<>();
        for (StreamEvent e; (e = m.pollEvent()) != null; ) {
            out.add(e);
        }
        return out;
    }

    private static void assertCode(TransportErrorCode code, long frameType, Executable ex) {
        QuicProtocolException e = assertThrows(QuicProtocolException.class, ex);
        assertEquals(code, e.errorCode(), e.toString());
        assertEquals(frameType, e.frameType());
    }

    private static ByteBuffer data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return ByteBuffer.wrap(b);
    }

    // ---------------------------------------------------------------- opening and stream limits

    @Test
    void streamsCannotBeOpenedBeforeThePeerLimitsAreKnown() {
        StreamManager m = new StreamManager(Role.CLIENT, config());
        assertEquals(-1, m.openStream(true));
        assertFalse(m.hasPendingFrames(), "no STREAMS_BLOCKED for an unknown limit");
    }

    @Test
    void openStreamNumbersStreamsByRoleAndDirection() {
        StreamManager c = client();
        assertEquals(0, c.openStream(true));
        assertEquals(4, c.openStream(true));
        assertEquals(2, c.openStream(false));
        StreamManager s = server();
        assertEquals(1, s.openStream(true));
        assertEquals(3, s.openStream(false));
    }

    @Test
    void streamsBlockedIsSentOncePerLimitAndStreamsAvailableFollowsMaxStreams() throws Exception {
        StreamManager c = client();
        c.openStream(true);
        c.openStream(true);
        assertEquals(-1, c.openStream(true));
        assertEquals(-1, c.openStream(true));
        List<Frame> frames = flush(c, 0);
        assertEquals(List.of(new StreamsBlockedFrame(true, 2)), only(frames, StreamsBlockedFrame.class));
        assertEquals(-1, c.openStream(true));
        assertTrue(only(flush(c, 0), StreamsBlockedFrame.class).isEmpty(), "once per limit");
        c.onMaxStreams(true, 1);
        assertEquals(-1, c.openStream(true), "RFC 9000 §4.6: a lower MAX_STREAMS is ignored");
        c.onMaxStreams(true, 3);
        assertTrue(events(c).contains(new StreamEvent.StreamsAvailable(true)));
        assertEquals(8, c.openStream(true));
        assertEquals(-1, c.openStream(true));
        assertEquals(List.of(new StreamsBlockedFrame(true, 3)), only(flush(c, 0), StreamsBlockedFrame.class));
    }

    @Test
    void aLostStreamsBlockedIsResentOnlyWhileStillBlocked() throws Exception {
        StreamManager c = client();
        c.openStream(false);
        c.openStream(false);
        c.openStream(false);
        flush(c, 0);
        RecordingSink.Sent blocked = sink.take().getFirst();
        assertEquals(ControlFrame.STREAMS_BLOCKED_UNI, blocked.kind());
        blocked.lost(c);
        assertEquals(List.of(new StreamsBlockedFrame(false, 2)), only(flush(c, 0), StreamsBlockedFrame.class));
        c.onMaxStreams(false, 5);
        blocked.lost(c);
        assertFalse(c.hasPendingFrames());
    }

    @Test
    void aPeerStreamOpensEveryLowerStreamOfItsType() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(4, 0, data(3), false, 0);
        List<StreamEvent> ev = events(s);
        assertEquals(List.of(new StreamEvent.Opened(0), new StreamEvent.Opened(4), new StreamEvent.Readable(4)), ev);
        assertEquals(2, s.streamCount());
        assertEquals(0, s.read(0, ByteBuffer.allocate(10)));
    }

    @Test
    void aPeerStreamPastOurLimitIsAStreamLimitError() {
        StreamManager s = server();
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x08, () -> s.onStreamFrame(8, 0, data(1), false, 0));
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x08, () -> s.onStreamFrame(10, 0, data(1), false, 0));
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x04, () -> s.onResetStream(8, 0, 0));
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x05, () -> s.onStopSending(8, 0));
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x11, () -> s.onMaxStreamData(8, 10));
        assertCode(TransportErrorCode.STREAM_LIMIT_ERROR, 0x15, () -> s.onStreamDataBlocked(8, 10));
    }

    @Test
    void ourMaxStreamsRisesAsPeerStreamsClose() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(5), true, 0);
        s.onStreamFrame(6, 0, data(5), true, 0);
        assertEquals(2, s.localMaxStreams(false));
        assertEquals(5, s.read(2, ByteBuffer.allocate(10)));
        assertEquals(-1, s.read(2, ByteBuffer.allocate(10)));
        assertTrue(events(s).contains(new StreamEvent.Closed(2)));
        assertEquals(3, s.localMaxStreams(false));
        assertEquals(List.of(new MaxStreamsFrame(false, 3)), only(flush(s, 0), MaxStreamsFrame.class));
        s.onStreamFrame(10, 0, data(1), false, 0);
        assertEquals(2, s.streamCount());
        assertThrows(IllegalStateException.class, () -> s.read(2, ByteBuffer.allocate(1)),
                "a closed stream is forgotten");
        s.onStreamFrame(2, 0, data(5), true, 0);
        assertNull(s.recvStream(2), "a late frame for a closed stream is ignored");
    }

    @Test
    void aLostMaxStreamsIsResentWithTheCurrentValueOnlyIfNotSuperseded() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(1), true, 0);
        s.read(2, ByteBuffer.allocate(10));
        s.read(2, ByteBuffer.allocate(10));
        flush(s, 0);
        RecordingSink.Sent first = sink.take().getFirst();
        assertEquals(new RecordingSink.Sent(ControlFrame.MAX_STREAMS_UNI, -1, -1, 0, false, 3), first);
        s.onStreamFrame(6, 0, data(1), true, 0);
        s.read(6, ByteBuffer.allocate(10));
        s.read(6, ByteBuffer.allocate(10));
        flush(s, 0);
        sink.take();
        first.lost(s);
        assertFalse(s.hasPendingFrames(), "MAX_STREAMS 4 already superseded 3");
        s.onStreamsBlocked(false, 3);
        assertEquals(List.of(new MaxStreamsFrame(false, 4)), only(flush(s, 0), MaxStreamsFrame.class),
                "STREAMS_BLOCKED below our limit: our update was lost, send it again");
    }

    // ---------------------------------------------------------------- STREAM_STATE_ERROR

    @Test
    void streamFrameForOurSendOnlyStreamIsAStreamStateError() {
        StreamManager c = client();
        long uni = c.openStream(false);
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x08, () -> c.onStreamFrame(uni, 0, data(1), false, 0));
    }

    @Test
    void streamFrameForOurStreamNotYetOpenedIsAStreamStateError() {
        StreamManager c = client();
        c.openStream(true);
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x08, () -> c.onStreamFrame(4, 0, data(1), false, 0));
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x04, () -> c.onResetStream(4, 0, 0));
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x15, () -> c.onStreamDataBlocked(4, 0));
    }

    @Test
    void resetStreamForOurSendOnlyStreamIsAStreamStateError() {
        StreamManager c = client();
        long uni = c.openStream(false);
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x04, () -> c.onResetStream(uni, 0, 0));
    }

    @Test
    void stopSendingForAReceiveOnlyStreamIsAStreamStateError() {
        StreamManager c = client();
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x05, () -> c.onStopSending(3, 0));
    }

    @Test
    void stopSendingForOurStreamNotYetOpenedIsAStreamStateError() {
        StreamManager c = client();
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x05, () -> c.onStopSending(0, 0));
    }

    @Test
    void maxStreamDataForAReceiveOnlyStreamIsAStreamStateError() {
        StreamManager c = client();
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x11, () -> c.onMaxStreamData(3, 100));
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x11, () -> c.onMaxStreamData(0, 100));
    }

    @Test
    void streamDataBlockedForOurSendOnlyStreamIsAStreamStateError() {
        StreamManager c = client();
        long uni = c.openStream(false);
        assertCode(TransportErrorCode.STREAM_STATE_ERROR, 0x15, () -> c.onStreamDataBlocked(uni, 0));
    }

    // ---------------------------------------------------------------- flow control errors

    @Test
    void dataPastAStreamLimitIsAFlowControlError() {
        StreamManager s = server();
        assertCode(TransportErrorCode.FLOW_CONTROL_ERROR, 0x08, () -> s.onStreamFrame(0, 500, data(501), false, 0));
    }

    @Test
    void dataPastTheConnectionLimitIsAFlowControlError() throws Exception {
        StreamManager s = new StreamManager(Role.SERVER, new StreamConfig(1500, 1000, 1000, 1000, 4, 4, 1500, 1000,
                2000, 1 << 20, 64));
        s.onStreamFrame(0, 0, data(1000), false, 0);
        s.onStreamFrame(4, 0, data(500), false, 0);
        // A duplicate spends no new credit.
        s.onStreamFrame(4, 0, data(500), false, 0);
        assertCode(TransportErrorCode.FLOW_CONTROL_ERROR, 0x08, () -> s.onStreamFrame(8, 999, data(1), false, 0));
    }

    @Test
    void aResetFinalSizeSpendsConnectionCredit() throws Exception {
        StreamManager s = new StreamManager(Role.SERVER, new StreamConfig(1500, 1000, 1000, 1000, 4, 4, 1500, 1000,
                2000, 1 << 20, 64));
        s.onResetStream(0, 1, 1000);
        assertEquals(1000, s.connectionDataReceived());
        assertCode(TransportErrorCode.FLOW_CONTROL_ERROR, 0x04, () -> s.onResetStream(4, 1, 501));
    }

    @Test
    void finalSizeErrorsReachTheConnection() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(0, 0, data(10), true, 0);
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, 0x08, () -> s.onStreamFrame(0, 10, data(1), false, 0));
        assertCode(TransportErrorCode.FINAL_SIZE_ERROR, 0x04, () -> s.onResetStream(0, 0, 11));
    }

    // ---------------------------------------------------------------- window updates

    @Test
    void maxStreamDataAndMaxDataAreSentWhenHalfTheWindowIsRead() throws Exception {
        StreamManager s = server();
        s.onRttUpdated(10 * MS);
        s.onStreamFrame(0, 0, data(1000), false, 0);
        s.read(0, ByteBuffer.allocate(499));
        assertFalse(s.hasPendingFrames());
        s.read(0, ByteBuffer.allocate(1));
        assertTrue(s.hasPendingFrames());
        // Long after the start: no auto-tuning, the limit moves by the window.
        List<Frame> frames = flush(s, 1000 * MS);
        assertEquals(List.of(new MaxStreamDataFrame(0, 1500)), only(frames, MaxStreamDataFrame.class));
        assertTrue(only(frames, MaxDataFrame.class).isEmpty(), "500 of 3000 consumed: no MAX_DATA yet");
        s.onStreamFrame(0, 1000, data(500), false, 1000 * MS);
        s.onStreamFrame(4, 0, data(1000), false, 1000 * MS);
        ByteBuffer sink1 = ByteBuffer.allocate(2000);
        s.read(0, sink1);
        s.read(4, sink1);
        frames = flush(s, 2000 * MS);
        assertEquals(1, only(frames, MaxDataFrame.class).size());
        // 500 + 1000 read from stream 0, 1000 from stream 4.
        assertEquals(2500 + 3000, only(frames, MaxDataFrame.class).getFirst().maximumData());
    }

    @Test
    void aWindowReadWithinTwoRttsDoublesUpToTheCap() throws Exception {
        StreamManager s = server();
        s.onRttUpdated(100 * MS);
        long now = 0;
        long offset = 0;
        List<Long> windows = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            long limit = s.recvStream(0) == null ? 1000 : s.recvStream(0).window().limit();
            s.onStreamFrame(0, offset, data((int) (limit - offset)), false, now);
            offset = limit;
            ByteBuffer dst = ByteBuffer.allocate(10_000);
            s.read(0, dst);
            now += 10 * MS;
            flush(s, now);
            windows.add(s.recvStream(0).window().window());
        }
        assertEquals(List.of(2000L, 4000L, 4000L, 4000L, 4000L, 4000L), windows);
        assertTrue(s.connectionWindow().window() >= 6000, "the connection window follows: "
                + s.connectionWindow());
    }

    @Test
    void aLostMaxStreamDataIsResentOnlyIfStillCurrent() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(0, 0, data(1000), false, 0);
        s.read(0, ByteBuffer.allocate(600));
        flush(s, 10_000 * MS);
        RecordingSink.Sent update = sink.take().getFirst();
        assertEquals(ControlFrame.MAX_STREAM_DATA, update.kind());
        update.lost(s);
        assertEquals(List.of(new MaxStreamDataFrame(0, 1600)), only(flush(s, 10_000 * MS), MaxStreamDataFrame.class));
        sink.take();
        s.onStreamFrame(0, 1000, data(600), true, 0);
        update.lost(s);
        assertFalse(s.hasPendingFrames(), "the final size is known: no more MAX_STREAM_DATA");
    }

    // ---------------------------------------------------------------- sending, blocked frames

    @Test
    void dataIsSentWithinTheStreamLimitAndStreamDataBlockedOncePerLimit() throws Exception {
        StreamManager c = client();
        long id = c.openStream(true);
        assertEquals(2000, c.write(id, data(2500), false));
        List<Frame> frames = flush(c, 0);
        int sent = only(frames, StreamFrame.class).stream().mapToInt(StreamFrame::length).sum();
        assertEquals(1000, sent, "the peer's bidi_remote limit");
        assertEquals(List.of(new StreamDataBlockedFrame(id, 1000)), only(frames, StreamDataBlockedFrame.class));
        c.write(id, data(0), false);
        assertFalse(c.hasPendingFrames(), "STREAM_DATA_BLOCKED once per limit");
        c.onMaxStreamData(id, 1500);
        frames = flush(c, 0);
        assertEquals(500, only(frames, StreamFrame.class).stream().mapToInt(StreamFrame::length).sum());
        assertEquals(List.of(new StreamDataBlockedFrame(id, 1500)), only(frames, StreamDataBlockedFrame.class));
    }

    @Test
    void dataBlockedIsSentOncePerConnectionLimit() throws Exception {
        StreamManager c = new StreamManager(Role.CLIENT, config());
        c.setPeerLimits(1500, 1000, 1000, 1000, 4, 4);
        long a = c.openStream(true);
        long b = c.openStream(true);
        c.write(a, data(1000), false);
        c.write(b, data(1000), false);
        List<Frame> frames = flush(c, 0);
        assertEquals(1500, only(frames, StreamFrame.class).stream().mapToInt(StreamFrame::length).sum());
        assertEquals(List.of(new DataBlockedFrame(1500)), only(frames, DataBlockedFrame.class));
        assertEquals(0, c.connectionDataSent() - c.peerMaxData());
        c.write(a, data(0), false);
        assertFalse(c.hasPendingFrames());
        c.onMaxData(1800);
        frames = flush(c, 0);
        assertEquals(300, only(frames, StreamFrame.class).stream().mapToInt(StreamFrame::length).sum());
        assertEquals(List.of(new DataBlockedFrame(1800)), only(frames, DataBlockedFrame.class));
        c.onMaxData(100);
        assertFalse(c.hasPendingFrames(), "a lower MAX_DATA is ignored");
    }

    @Test
    void streamsTakeTurnsInPackets() throws Exception {
        StreamManager c = client();
        long a = c.openStream(true);
        long b = c.openStream(true);
        c.write(a, data(1000), false);
        c.write(b, data(1000), false);
        List<Long> order = new ArrayList<>();
        while (c.hasPendingFrames()) {
            ByteBuffer p = ByteBuffer.allocate(200);
            c.writeFrames(p, 200, sink, 0);
        }
        for (RecordingSink.Sent s : sink.take()) {
            order.add(s.id());
        }
        for (int i = 1; i < order.size(); i++) {
            assertTrue(!order.get(i).equals(order.get(i - 1)), "round robin: " + order);
        }
    }

    @Test
    void lostDataIsRetransmittedBeforeNewDataAndAcksFreeTheBuffer() throws Exception {
        StreamManager c = client();
        long id = c.openStream(true);
        c.write(id, data(2000), false);
        ByteBuffer p = ByteBuffer.allocate(600);
        c.writeFrames(p, 600, sink, 0);
        List<RecordingSink.Sent> first = sink.take();
        assertEquals(1, first.size());
        first.getFirst().lost(c);
        p.clear();
        c.writeFrames(p, 600, sink, 0);
        RecordingSink.Sent again = sink.take().getFirst();
        assertEquals(first.getFirst().offset(), again.offset());
        assertEquals(first.getFirst().length(), again.length());
        again.acked(c);
        assertEquals(again.length(), c.sendStream(id).buffer().ackedOffset());
    }

    @Test
    void aFullSendBufferRaisesWritableWhenAcksFreeRoom() throws Exception {
        StreamManager c = client();
        long id = c.openStream(true);
        assertEquals(2000, c.write(id, data(3000), false));
        flush(c, 0);
        List<RecordingSink.Sent> sent = sink.take();
        assertTrue(events(c).isEmpty());
        for (RecordingSink.Sent s : sent) {
            s.acked(c);
        }
        assertEquals(List.of(new StreamEvent.Writable(id)), events(c));
    }

    @Test
    void finOnItsOwnAndAStreamClosesWhenBothSidesAreDone() throws Exception {
        StreamManager c = client();
        long id = c.openStream(false);
        c.write(id, data(10), false);
        flush(c, 0);
        c.write(id, data(0), true);
        List<Frame> frames = flush(c, 0);
        assertEquals(List.of(new StreamFrame(id, 10, ByteBuffer.allocate(0), true)), frames);
        for (RecordingSink.Sent s : sink.take()) {
            s.acked(c);
        }
        assertEquals(SendStreamState.DATA_RECVD, c.sendStream(id) == null ? SendStreamState.DATA_RECVD
                : c.sendStream(id).state());
        assertTrue(events(c).contains(new StreamEvent.Closed(id)));
        assertEquals(0, c.streamCount());
    }

    // ---------------------------------------------------------------- resets and STOP_SENDING

    @Test
    void stopSendingMakesUsResetWithTheSameCode() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(0, 0, data(10), false, 0);
        s.write(0, data(700), false);
        flush(s, 0);
        sink.take();
        s.onStopSending(0, 77);
        assertTrue(events(s).contains(new StreamEvent.StopSendingReceived(0, 77)));
        List<Frame> frames = flush(s, 0);
        assertEquals(List.of(new ResetStreamFrame(0, 77, 700)), only(frames, ResetStreamFrame.class));
        assertTrue(only(frames, StreamFrame.class).isEmpty());
        StreamResetException e = assertThrows(StreamResetException.class, () -> s.write(0, data(1), false));
        assertEquals(77, e.errorCode());
        // The RESET_STREAM is lost, sent again, then acknowledged.
        RecordingSink.Sent reset = sink.take().getFirst();
        reset.lost(s);
        assertEquals(1, only(flush(s, 0), ResetStreamFrame.class).size());
        sink.take().getFirst().acked(s);
        assertEquals(SendStreamState.RESET_RECVD, s.sendStream(0).state());
    }

    @Test
    void anApplicationResetSendsResetStreamWithTheFinalSize() throws Exception {
        StreamManager c = client();
        long id = c.openStream(false);
        c.write(id, data(300), false);
        ByteBuffer p = ByteBuffer.allocate(100);
        c.writeFrames(p, 100, sink, 0);
        long sentBytes = sink.take().getFirst().length();
        c.reset(id, 5);
        List<Frame> frames = flush(c, 0);
        assertEquals(List.of(new ResetStreamFrame(id, 5, sentBytes)), frames);
        sink.take().getFirst().acked(c);
        assertEquals(0, c.streamCount(), "a uni stream closes when its reset is acknowledged");
    }

    @Test
    void aResetReceivedIsReportedOnReadAndReleasesConnectionCredit() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(0, 0, data(100), false, 0);
        s.onResetStream(0, 9, 1000);
        List<StreamEvent> ev = events(s);
        assertTrue(ev.contains(new StreamEvent.ResetReceived(0, 9, 1000)), ev.toString());
        StreamResetException e = assertThrows(StreamResetException.class, () -> s.read(0, ByteBuffer.allocate(10)));
        assertEquals(9, e.errorCode());
        assertFalse(s.hasPendingFrames(), "1000 of 3000 consumed");
        s.onResetStream(4, 9, 600);
        // 1600 bytes of the 3000-byte connection window count as consumed, none read: MAX_DATA moves (by
        // the window alone, this long after the first data).
        assertEquals(List.of(new MaxDataFrame(4600)), only(flush(s, 10_000 * MS), MaxDataFrame.class));
    }

    @Test
    void ourStopSendingIsSentOnceAndResentWhileRelevant() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(2, 0, data(5), false, 0);
        s.stopSending(2, 4);
        s.stopSending(2, 4);
        assertEquals(List.of(new StopSendingFrame(2, 4)), flush(s, 0));
        RecordingSink.Sent stop = sink.take().getFirst();
        stop.lost(s);
        assertEquals(List.of(new StopSendingFrame(2, 4)), flush(s, 0));
        s.onResetStream(2, 4, 5);
        stop.lost(s);
        assertFalse(s.hasPendingFrames(), "the reset arrived: STOP_SENDING no longer matters");
    }

    @Test
    void applicationMisuseIsAnIllegalState() {
        StreamManager c = client();
        long uni = c.openStream(false);
        assertThrows(IllegalStateException.class, () -> c.read(uni, ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, () -> c.write(400, data(1), false));
        assertThrows(IllegalStateException.class, () -> c.stopSending(uni, 0));
        assertThrows(IllegalArgumentException.class, () -> c.reset(uni, -1));
    }

    @Test
    void dataBlockedBelowOurLimitResendsMaxData() throws Exception {
        StreamManager s = server();
        s.onStreamFrame(0, 0, data(1000), false, 0);
        s.onStreamFrame(4, 0, data(1000), false, 0);
        s.read(0, ByteBuffer.allocate(1000));
        s.read(4, ByteBuffer.allocate(1000));
        List<Frame> frames = flush(s, 0);
        long max = only(frames, MaxDataFrame.class).getFirst().maximumData();
        s.onDataBlocked(max);
        assertFalse(s.hasPendingFrames(), "blocked at our current limit: nothing to add");
        s.onDataBlocked(3000);
        assertEquals(List.of(new MaxDataFrame(max)), only(flush(s, 0), MaxDataFrame.class));
    }

    @Test
    void writeFramesRespectsMaxBytes() throws Exception {
        StreamManager c = client();
        long id = c.openStream(true);
        c.write(id, data(900), false);
        ByteBuffer p = ByteBuffer.allocate(1200);
        assertEquals(0, c.writeFrames(p, 3, sink, 0), "no room for a header and a byte");
        int n = c.writeFrames(p, 50, sink, 0);
        assertTrue(n <= 50 && n > 0);
        p.flip();
        List<Frame> frames = new ArrayList<>();
        FrameDecoder.decodeAll(p, PacketType.ONE_RTT, frames);
        StreamFrame f = assertInstanceOf(StreamFrame.class, frames.getFirst());
        byte[] got = new byte[f.length()];
        f.data().get(got);
        byte[] want = new byte[f.length()];
        data(900).get(want);
        assertArrayEquals(want, got);
    }
}
