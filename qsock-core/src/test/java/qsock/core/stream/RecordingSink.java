package qsock.core.stream;

import java.util.ArrayList;
import java.util.List;

/** A {@link SentFrameSink} that keeps what it is told, for tests to acknowledge or lose. */
final class RecordingSink implements SentFrameSink {

    /** One reported frame: a STREAM frame when {@code kind} is null. */
    record Sent(ControlFrame kind, long id, long offset, int length, boolean fin, long value) {

        void acked(StreamManager m) {
            if (kind == null) {
                m.onStreamFrameAcked(id, offset, length, fin);
            } else {
                m.onControlFrameAcked(kind, id, value);
            }
        }

        void lost(StreamManager m) {
            if (kind == null) {
                m.onStreamFrameLost(id, offset, length, fin);
            } else {
                m.onControlFrameLost(kind, id, value);
            }
        }
    }

    final List<Sent> sent = new ArrayList<>();

    @Override
    public void streamFrame(long id, long offset, int length, boolean fin) {
        sent.add(new Sent(null, id, offset, length, fin, -1));
    }

    @Override
    public void controlFrame(ControlFrame kind, long streamIdOrMinus1, long value) {
        sent.add(new Sent(kind, streamIdOrMinus1, -1, 0, false, value));
    }

    List<Sent> take() {
        List<Sent> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }
}
