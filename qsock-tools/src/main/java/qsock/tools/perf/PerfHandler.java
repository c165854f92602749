package qsock.tools.perf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import qsock.api.Role;
import qsock.core.error.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamIds;
import qsock.socket.StreamMessage;
import qsock.tools.server.ApplicationHandler;
import qsock.tools.server.Traffic;

/** The server side of {@link PerfProtocol}: counts throughput streams and echoes request/response streams. */
public final class PerfHandler implements ApplicationHandler {

    private static final int BUFFER_SIZE = 256 * 1024;

    @Override
    public void serve(QuicSocket connection, Traffic traffic) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
        ByteBuffer answer = ByteBuffer.allocate(Long.BYTES);
        // Per stream: its mode byte once seen and, for throughput, the bytes counted after it.
        Map<Long, long[]> streams = new HashMap<>();
        while (true) {
            buffer.clear();
            StreamMessage message;
            try {
                message = connection.receive(buffer);
            } catch (StreamResetException e) {
                streams.remove(e.streamId());
                continue;
            } catch (ClosedConnectionException e) {
                return;
            }
            traffic.received(message.length());
            long id = message.streamId();
            if (!StreamIds.canSend(id, Role.SERVER)) {
                continue;
            }
            buffer.flip();
            long[] state = streams.get(id);
            if (state == null && buffer.hasRemaining()) {
                byte mode = buffer.get();
                if (mode != PerfProtocol.THROUGHPUT && mode != PerfProtocol.REQUEST_RESPONSE) {
                    connection.stopSending(id, PerfProtocol.UNKNOWN_MODE);
                    connection.resetStream(id, PerfProtocol.UNKNOWN_MODE);
                    streams.put(id, new long[] {-1, 0});
                    continue;
                }
                state = new long[] {mode, 0};
                streams.put(id, state);
            }
            if (state == null || state[0] < 0) {
                if (message.fin()) {
                    streams.remove(id);
                }
                continue;
            }
            try {
                if (state[0] == PerfProtocol.THROUGHPUT) {
                    state[1] += buffer.remaining();
                    if (message.fin()) {
                        answer.clear();
                        answer.putLong(state[1]).flip();
                        connection.send(answer, id, StreamFlags.FIN);
                        traffic.sent(Long.BYTES);
                    }
                } else {
                    int n = buffer.remaining();
                    connection.send(buffer, id, message.fin() ? StreamFlags.FIN : 0);
                    traffic.sent(n);
                }
            } catch (StreamResetException e) {
                // The client stopped this stream; the others go on.
            }
            if (message.fin()) {
                streams.remove(id);
            }
        }
    }
}
