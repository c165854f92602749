package qsock.tools.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.core.error.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamClosedException;
import qsock.socket.StreamFlags;
import qsock.socket.StreamIds;
import qsock.socket.StreamMessage;

/**
 * The {@code echo} protocol: every byte the client sends on a bidirectional stream comes back on the same
 * stream, and the stream's FIN after the client's. Unidirectional streams have no way back: their bytes are
 * read and dropped. A stream the client resets is reset back with the same code.
 *
 * <p>Bytes go back from the reading thread, with the blocking send, so a client that sends more than the flow
 * control windows hold must read while it sends, as with a TCP echo server. The handler holds one buffer per
 * connection, however many streams the client opens; the transport bounds what it queues.
 */
public final class EchoHandler implements ApplicationHandler {

    /** The ALPN protocol name. */
    public static final String ALPN = "echo";

    /** Per connection; small, because an idle connection keeps it (a heap array: nothing here needs direct). */
    private static final int BUFFER_SIZE = 16 * 1024;

    @Override
    public void serve(QuicSocket connection, Traffic traffic) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        while (true) {
            buffer.clear();
            StreamMessage message;
            try {
                message = connection.receive(buffer);
            } catch (StreamResetException e) {
                if (StreamIds.canSend(e.streamId(), Role.SERVER)) {
                    resetBack(connection, e.streamId(), e.errorCode());
                }
                continue;
            } catch (ClosedConnectionException e) {
                return;
            }
            traffic.received(message.length());
            if (!StreamIds.canSend(message.streamId(), Role.SERVER)) {
                continue;
            }
            buffer.flip();
            try {
                connection.send(buffer, message.streamId(), message.fin() ? StreamFlags.FIN : 0);
                traffic.sent(message.length());
            } catch (StreamResetException | StreamClosedException e) {
                // The client asked us to stop sending on this stream (RFC 9000 §3.5: our part of it is reset), or
                // reset it after its last bytes: its echo ends here, the others go on.
            }
        }
    }

    /**
     * Resets the echo of a stream the client reset, unless it ended already: the client's STOP_SENDING reset it
     * (RFC 9000 §3.5), or its echo was complete before the client's RESET_STREAM arrived. Either way the connection's
     * other streams go on.
     */
    private static void resetBack(QuicSocket connection, long streamId, long errorCode) throws IOException {
        try {
            connection.resetStream(streamId, errorCode);
        } catch (StreamClosedException e) {
            // Nothing left to reset.
        }
    }
}
