package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.stream.ControlFrame;
import qsock.core.stream.SentFrameSink;
import qsock.core.stream.StreamManager;

/**
 * Every stream notification of the core becomes the socket draft's event with the right state and fields: the
 * receiving states (Recv, Size Known, Data Recvd, Reset Recvd) from frames handed to a server's streams, out of order
 * where the state needs it, and the sending states and limits from frames written and acknowledged.
 */
class EventPumpMappingTest {

    private static final long NOW = 1_000_000_000L;

    /** The frames written, to acknowledge. */
    private static final class Sent implements SentFrameSink {
        final List<long[]> stream = new ArrayList<>();
        final List<Object[]> control = new ArrayList<>();

        @Override
        public void streamFrame(long id, long offset, int length, boolean fin) {
            stream.add(new long[] {id, offset, length, fin ? 1 : 0});
        }

        @Override
        public void controlFrame(ControlFrame kind, long streamIdOrMinus1, long value) {
            control.add(new Object[] {kind, streamIdOrMinus1, value});
        }
    }

    private static List<QuicEvent> drain(EventPump pump, QuicConnection c, ConnectionStreams streams) {
        pump.drain(c, streams);
        List<QuicEvent> out = new ArrayList<>();
        for (QuicEvent e = pump.poll(); e != null; e = pump.poll()) {
            out.add(e);
        }
        return out;
    }

    private static EventPump allOn() {
        EventPump pump = new EventPump();
        int all = 0;
        for (QuicEvent.Type t : QuicEvent.Type.values()) {
            all |= t.bit();
        }
        pump.enable(all);
        return pump;
    }

    @Test
    void receivingStatesBecomeStreamUpdatesWithTheirFinalSizes() throws Exception {
        QuicConnection server = ConnectionPair.established(7).serverConnection();
        StreamManager m = server.streams();
        m.setStateEvents(true, true, true);
        EventPump pump = allOn();
        ConnectionStreams streams = new ConnectionStreams(m, Role.SERVER);
        drain(pump, server, streams);

        // The FIN first, the bytes before it later: Size Known, then Data Recvd.
        m.onStreamFrame(0, 5, ByteBuffer.allocate(5), true, NOW);
        assertEquals(List.of(new QuicEvent.StreamUpdate(0, QuicEvent.StreamState.RECV_RECV, 0, 0),
                new QuicEvent.StreamUpdate(0, QuicEvent.StreamState.RECV_SIZE_KNOWN, 0, 10)),
                drain(pump, server, streams));
        m.onStreamFrame(0, 0, ByteBuffer.allocate(5), false, NOW);
        assertEquals(List.of(new QuicEvent.StreamUpdate(0, QuicEvent.StreamState.RECV_RECVD, 0, 10)),
                drain(pump, server, streams));
        // A reset of another stream.
        m.onStreamFrame(4, 0, ByteBuffer.allocate(3), false, NOW);
        m.onResetStream(4, 9, 3);
        List<QuicEvent> reset = drain(pump, server, streams);
        assertTrue(reset.contains(new QuicEvent.StreamUpdate(4, QuicEvent.StreamState.RECV_RESET_RECVD, 9, 3)),
                reset::toString);
    }

    @Test
    void sendingStatesAndRaisedLimitsBecomeTheirEvents() throws Exception {
        QuicConnection server = ConnectionPair.established(8).serverConnection();
        StreamManager m = server.streams();
        m.setStateEvents(true, true, true);
        EventPump pump = allOn();
        ConnectionStreams streams = new ConnectionStreams(m, Role.SERVER);
        drain(pump, server, streams);

        long done = streams.open(true, true);
        long reset = streams.open(true, true);
        m.write(done, ByteBuffer.allocate(10), true);
        m.write(reset, ByteBuffer.allocate(10), false);
        m.reset(reset, 6);
        Sent sent = new Sent();
        for (int i = 0; i < 10 && m.hasPendingFrames(); i++) {
            m.writeFrames(ByteBuffer.allocate(1200), 1200, sent, NOW);
        }
        for (long[] f : sent.stream) {
            m.onStreamFrameAcked(f[0], f[1], (int) f[2], f[3] == 1);
        }
        for (Object[] f : sent.control) {
            m.onControlFrameAcked((ControlFrame) f[0], (Long) f[1], (Long) f[2]);
        }
        List<QuicEvent> acked = drain(pump, server, streams);
        assertTrue(acked.contains(new QuicEvent.StreamUpdate(done, QuicEvent.StreamState.SEND_RECVD, 0, 0)),
                acked::toString);
        assertTrue(acked.contains(new QuicEvent.StreamUpdate(reset, QuicEvent.StreamState.SEND_RESET_RECVD, 6, 0)),
                acked::toString);

        long open = streams.open(true, true);
        m.onMaxStreamData(open, 1 << 24);
        m.onMaxStreams(false, 1000);
        List<QuicEvent> limits = drain(pump, server, streams);
        assertTrue(limits.contains(new QuicEvent.MaxStreamData(open, 1 << 24)), limits::toString);
        assertTrue(limits.contains(new QuicEvent.MaxStreams(false, 1000)), limits::toString);
    }
}
