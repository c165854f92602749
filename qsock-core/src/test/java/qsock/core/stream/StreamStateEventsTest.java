package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;

/**
 * The opt-in stream notifications ({@link StreamManager#setStateEvents}): each comes exactly when its RFC 9000 §3
 * state is reached, with the state's fields, never while off, and a flood of limit frames leaves a bounded queue.
 */
class StreamStateEventsTest {

    private static final long NOW = 1_000_000_000L;

    /** Windows of 1000 bytes per stream and 3000 per connection; 2+2 peer streams. */
    private static StreamConfig config() {
        return new StreamConfig(3000, 1000, 1000, 1000, 2, 2, 12_000, 4000, 2000, 1 << 20, 64);
    }

    private static StreamManager manager(Role role, boolean states, boolean maxData, boolean maxStreams) {
        StreamManager m = new StreamManager(role, config());
        m.setPeerLimits(3000, 1000, 1000, 1000, 2, 2);
        m.setStateEvents(states, maxData, maxStreams);
        return m;
    }

    private final RecordingSink sink = new RecordingSink();

    private static List<StreamEvent> events(StreamManager m) {
        List<StreamEvent> out = new ArrayList<>();
        for (StreamEvent e; (e = m.pollEvent()) != null; ) {
            out.add(e);
        }
        return out;
    }

    /** {@return the notifications among the events waiting in {@code m}, the others dropped} */
    private static List<StreamEvent> notifications(StreamManager m) {
        List<StreamEvent> out = new ArrayList<>();
        for (StreamEvent e : events(m)) {
            if (e instanceof StreamEvent.Notification) {
                out.add(e);
            }
        }
        return out;
    }

    private static ByteBuffer data(int n) {
        return ByteBuffer.wrap(new byte[n]);
    }

    /** Hands the server a STREAM frame of {@code length} bytes at {@code offset} on stream {@code id}. */
    private static void frame(StreamManager m, long id, long offset, int length, boolean fin)
            throws QuicProtocolException {
        m.onStreamFrame(id, offset, data(length), fin, NOW);
    }

    /** Writes every pending frame into packets of {@code size} bytes, each frame reported to {@link #sink}. */
    private void flush(StreamManager m, int size) {
        for (int packets = 0; m.hasPendingFrames(); packets++) {
            assertTrue(packets < 1000, "writeFrames makes no progress");
            ByteBuffer p = ByteBuffer.allocate(size);
            assertTrue(m.writeFrames(p, size, sink, NOW) > 0, "pending frames but nothing written");
        }
    }

    // ---------------------------------------------------------------- receiving part

    @Test
    void firstDataReceivedComesWithTheFirstFrameThatCarriesDataOrAFinAndOnlyOnce() throws Exception {
        StreamManager s = manager(Role.SERVER, true, false, false);
        // Stream 0 opens with an empty frame: nothing received, as the kernel drops it for a duplicate.
        frame(s, 0, 0, 0, false);
        assertEquals(List.of(new StreamEvent.Opened(0)), events(s));
        frame(s, 0, 0, 10, false);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(0), new StreamEvent.Readable(0)), events(s));
        frame(s, 0, 10, 10, false);
        assertEquals(List.of(), notifications(s), "the second frame is not the first");
        // Out of order, and opening stream 4: its first frame all the same.
        frame(s, 4, 500, 10, false);
        assertEquals(List.of(new StreamEvent.Opened(4), new StreamEvent.FirstDataReceived(4)), events(s));
        // A lone FIN is data enough: Recv, then at once Data Recvd, as the kernel reports them.
        frame(s, 2, 0, 0, true);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(2), new StreamEvent.AllDataReceived(2, 0)),
                notifications(s));
    }

    @Test
    void sizeKnownComesOnlyForAFinThatArrivesBeforeDataItEnds() throws Exception {
        StreamManager s = manager(Role.SERVER, true, false, false);
        frame(s, 0, 0, 10, false);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(0)), notifications(s));
        frame(s, 0, 20, 10, true);
        assertEquals(List.of(new StreamEvent.SizeKnown(0, 30)), notifications(s), "a FIN with bytes 10-20 missing");
        assertEquals(RecvStreamState.SIZE_KNOWN, s.recvStream(0).state());
        frame(s, 0, 20, 10, true);
        assertEquals(List.of(), notifications(s), "a repeated FIN changes no state");
        frame(s, 0, 10, 10, false);
        assertEquals(List.of(new StreamEvent.AllDataReceived(0, 30)), notifications(s));

        // In order, the FIN completes the data at once: Data Recvd alone, no Size Known.
        frame(s, 4, 0, 10, false);
        frame(s, 4, 10, 10, true);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(4), new StreamEvent.AllDataReceived(4, 20)),
                notifications(s));
    }

    @Test
    void allDataReceivedComesOnlyOnceEveryByteUpToTheFinalSizeIsInAndBeforeAnyRead() throws Exception {
        StreamManager s = manager(Role.SERVER, true, false, false);
        frame(s, 0, 0, 10, false);
        frame(s, 0, 20, 10, false);
        frame(s, 0, 30, 10, true);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(0), new StreamEvent.SizeKnown(0, 40)),
                notifications(s));
        frame(s, 0, 10, 5, false);
        assertEquals(List.of(), notifications(s), "bytes 15-20 are still missing");
        assertEquals(RecvStreamState.SIZE_KNOWN, s.recvStream(0).state());
        frame(s, 0, 15, 5, false);
        assertEquals(List.of(new StreamEvent.AllDataReceived(0, 40)), notifications(s));
        assertEquals(0, s.recvStream(0).readOffset(), "received, not read");
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(40, s.read(0, dst));
        assertEquals(-1, s.read(0, dst));
        assertEquals(List.of(), notifications(s), "reading reports nothing more");
    }

    // ---------------------------------------------------------------- sending part

    /**
     * On a bidirectional stream, so that the stream outlives the event (its receiving part is open) and a late
     * acknowledgement could report it twice.
     */
    @Test
    void dataAcknowledgedComesWithTheLastAcknowledgementAndNotBefore() throws Exception {
        StreamManager c = manager(Role.CLIENT, true, false, false);
        long id = c.openStream(true);
        c.write(id, data(900), true);
        flush(c, 300);
        List<RecordingSink.Sent> sent = sink.take();
        assertTrue(sent.size() >= 4, sent.toString());
        RecordingSink.Sent last = sent.getLast();
        assertTrue(last.fin(), "the FIN rides on the last frame");
        // The FIN first, then all but the second frame: the data is not all acknowledged.
        last.acked(c);
        for (int i = 0; i < sent.size() - 1; i++) {
            if (i != 1) {
                sent.get(i).acked(c);
            }
        }
        assertEquals(List.of(), notifications(c), "bytes of the second frame are not acknowledged");
        // The second frame is lost and sent again; its first copy's acknowledgement would do, but the copy's does too.
        sent.get(1).lost(c);
        flush(c, 300);
        List<RecordingSink.Sent> again = sink.take();
        assertEquals(1, again.size(), again.toString());
        assertEquals(List.of(), notifications(c));
        again.getFirst().acked(c);
        assertEquals(List.of(new StreamEvent.DataAcknowledged(id)), events(c));
        assertEquals(SendStreamState.DATA_RECVD, c.sendStream(id).state());
        sent.get(1).acked(c);
        assertEquals(List.of(), events(c), "a late acknowledgement reports nothing again");
    }

    /** On a bidirectional stream too, which outlives the event. */
    @Test
    void resetAcknowledgedComesWhenTheResetStreamIsAcknowledgedWithItsCodeAndFinalSize() throws Exception {
        StreamManager c = manager(Role.CLIENT, true, false, false);
        long id = c.openStream(true);
        c.write(id, data(300), false);
        flush(c, 1200);
        sink.take();
        c.reset(id, 7);
        flush(c, 1200);
        List<RecordingSink.Sent> reset = sink.take();
        assertEquals(1, reset.size(), reset.toString());
        assertEquals(ControlFrame.RESET_STREAM, reset.getFirst().kind());
        assertEquals(List.of(), notifications(c), "Reset Sent is not Reset Recvd");
        reset.getFirst().lost(c);
        flush(c, 1200);
        List<RecordingSink.Sent> again = sink.take();
        assertEquals(ControlFrame.RESET_STREAM, again.getFirst().kind());
        assertEquals(List.of(), notifications(c));
        again.getFirst().acked(c);
        assertEquals(List.of(new StreamEvent.ResetAcknowledged(id, 7, 300)), events(c));
        assertEquals(SendStreamState.RESET_RECVD, c.sendStream(id).state());
        reset.getFirst().acked(c);
        assertEquals(List.of(), events(c), "the first copy's late acknowledgement reports nothing again");
    }

    // ---------------------------------------------------------------- limits

    @Test
    void maxStreamDataRaisedComesWhenAFrameRaisesAStreamsSendLimit() throws Exception {
        StreamManager c = manager(Role.CLIENT, false, true, false);
        long id = c.openStream(true);
        c.onMaxStreamData(id, 5000);
        assertEquals(List.of(new StreamEvent.MaxStreamDataRaised(id, 5000)), events(c));
        c.onMaxStreamData(id, 5000);
        c.onMaxStreamData(id, 4000);
        assertEquals(List.of(), events(c), "a limit that does not rise is ignored (RFC 9000 §4.1)");
        c.onMaxStreamData(id, 6000);
        assertEquals(List.of(new StreamEvent.MaxStreamDataRaised(id, 6000)), events(c));
    }

    @Test
    void maxStreamsRaisedComesForEveryRaiseOfEitherDirectionRefusedOpenOrNot() {
        StreamManager c = manager(Role.CLIENT, false, false, true);
        c.onMaxStreams(true, 5);
        assertEquals(List.of(new StreamEvent.MaxStreamsRaised(true, 5)), events(c), "no open was refused");
        c.onMaxStreams(false, 7);
        assertEquals(List.of(new StreamEvent.MaxStreamsRaised(false, 7)), events(c));
        c.onMaxStreams(false, 6);
        c.onMaxStreams(true, 5);
        assertEquals(List.of(), events(c), "a limit that does not rise is ignored (RFC 9000 §4.6)");
        for (int i = 0; i < 7; i++) {
            assertTrue(c.openStream(false) >= 0);
        }
        assertEquals(-1, c.openStream(false));
        c.onMaxStreams(false, 8);
        assertEquals(List.of(new StreamEvent.StreamsAvailable(false), new StreamEvent.MaxStreamsRaised(false, 8)),
                events(c), "after a refused open, both");
    }

    // ---------------------------------------------------------------- off, and bounded

    @Test
    void nothingOfTheNotificationsIsQueuedWhileTheyAreOff() throws Exception {
        StreamManager s = manager(Role.SERVER, false, false, false);
        frame(s, 0, 0, 10, false);
        frame(s, 0, 20, 10, true);
        frame(s, 0, 10, 10, false);
        frame(s, 2, 0, 10, true);
        long id = s.openStream(false);
        s.write(id, data(100), true);
        long reset = s.openStream(false);
        s.write(reset, data(100), false);
        flush(s, 1200);
        s.reset(reset, 3);
        flush(s, 1200);
        for (RecordingSink.Sent f : sink.take()) {
            f.acked(s);
        }
        s.onMaxStreamData(0, 5000);
        s.onMaxStreams(true, 10);
        s.onMaxStreams(false, 10);
        List<StreamEvent> all = events(s);
        assertTrue(all.contains(new StreamEvent.Closed(id)), "the streams went through their states: " + all);
        assertTrue(all.contains(new StreamEvent.Closed(reset)), all.toString());
        assertEquals(List.of(), all.stream().filter(e -> e instanceof StreamEvent.Notification).toList());
    }

    @Test
    void turningTheNotificationsOffStopsThemButLeavesThoseQueued() throws Exception {
        StreamManager s = manager(Role.SERVER, true, true, true);
        frame(s, 0, 0, 10, false);
        s.setStateEvents(false, false, false);
        frame(s, 0, 10, 10, true);
        s.onMaxStreamData(0, 5000);
        s.onMaxStreams(true, 10);
        assertEquals(List.of(new StreamEvent.FirstDataReceived(0)), notifications(s));
    }

    @Test
    void aFloodOfLimitFramesLeavesOneEventPerStreamAndDirectionWithTheLatestLimit() throws Exception {
        StreamManager c = manager(Role.CLIENT, false, true, true);
        long a = c.openStream(true);
        long b = c.openStream(true);
        events(c);
        for (int i = 1; i <= 10_000; i++) {
            c.onMaxStreamData(a, 1000 + i);
            c.onMaxStreamData(b, 2000 + 2L * i);
            c.onMaxStreams(true, 2 + i);
            c.onMaxStreams(false, 2 + 3L * i);
            assertTrue(c.queuedEvents() <= 4, c.queuedEvents() + " events after " + i + " rounds");
        }
        assertEquals(List.of(new StreamEvent.MaxStreamDataRaised(a, 11_000),
                new StreamEvent.MaxStreamDataRaised(b, 22_000), new StreamEvent.MaxStreamsRaised(true, 10_002),
                new StreamEvent.MaxStreamsRaised(false, 30_002)), events(c));
        // Once polled, the next raise queues a new one.
        c.onMaxStreamData(a, 11_001);
        assertEquals(List.of(new StreamEvent.MaxStreamDataRaised(a, 11_001)), events(c));
    }
}
