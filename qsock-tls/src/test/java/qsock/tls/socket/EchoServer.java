package qsock.tls.socket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import qsock.core.stream.StreamId;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/**
 * Echoes every stream it receives once the stream ended: a bidirectional stream back on itself, a
 * unidirectional one on a new unidirectional stream of its own. Runs until the connection ends.
 */
final class EchoServer {

    private EchoServer() {}

    /** {@return the streams echoed} Returns when the connection ended. */
    static int run(QuicSocket socket) throws IOException {
        Map<Long, ByteArrayOutputStream> pending = new HashMap<>();
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        int echoed = 0;
        try {
            while (true) {
                buf.clear();
                StreamMessage m = socket.receive(buf);
                ByteArrayOutputStream data = pending.computeIfAbsent(m.streamId(), id -> new ByteArrayOutputStream());
                data.write(buf.array(), 0, m.length());
                if (m.fin()) {
                    pending.remove(m.streamId());
                    ByteBuffer back = ByteBuffer.wrap(data.toByteArray());
                    if (StreamId.isBidirectional(m.streamId())) {
                        socket.send(back, m.streamId(), StreamFlags.FIN);
                    } else {
                        // By its ID: -1 would name the active stream, maybe a bidirectional one the client opened.
                        socket.send(back, socket.openStream(-1, StreamFlags.UNI), StreamFlags.FIN);
                    }
                    echoed++;
                }
            }
        } catch (ClosedConnectionException e) {
            return echoed;
        }
    }

    /** {@return everything of one stream, read through {@link QuicSocket#receive} until its end} */
    static byte[] receiveStream(QuicSocket socket, long[] streamId) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            if (streamId[0] == -1) {
                streamId[0] = m.streamId();
            } else if (streamId[0] != m.streamId()) {
                throw new AssertionError("data of stream " + m.streamId() + " while reading " + streamId[0]);
            }
            out.write(buf.array(), 0, m.length());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }
}
