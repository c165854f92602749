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

/**
 * The server side of {@link PerfProtocol}: counts throughput streams and echoes request/response streams. It serves
 * either from the connection's thread with blocking calls, or from the I/O thread in the socket's ready handler
 * ({@link QuicSocket#setReadyHandler}), where an echo leaves in the turn that received its request.
 */
public final class PerfHandler implements ApplicationHandler {

    private static final int BUFFER_SIZE = 256 * 1024;

    private final boolean onIoThread;

    /** A handler with blocking calls on the connection's thread. */
    public PerfHandler() {
        this(false);
    }

    /** A handler that serves from the I/O thread if {@code onIoThread}, else with blocking calls. */
    public PerfHandler(boolean onIoThread) {
        this.onIoThread = onIoThread;
    }

    @Override
    public void serve(QuicSocket connection, Traffic traffic) throws IOException {
        if (onIoThread) {
            Session server = new Session(traffic);
            connection.setReadyHandler(server);
            try {
                server.ended.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while serving");
            } finally {
                connection.setReadyHandler(null);
            }
            return;
        }
        // The same protocol with blocking calls: a send takes everything, so nothing is ever left unsent.
        Session session = new Session(traffic);
        while (true) {
            session.buffer.clear();
            StreamMessage message;
            try {
                message = connection.receive(session.buffer);
            } catch (StreamResetException e) {
                session.forget(e.streamId());
                continue;
            } catch (ClosedConnectionException e) {
                return;
            }
            session.buffer.flip();
            session.onMessage(connection, message);
        }
    }

    /**
     * One connection's protocol state. As the ready handler every call in it is non-blocking, and an echo the stream
     * cannot take at once waits, copied, for a later run (room frees with the peer's acknowledgments, which run the
     * handler again); driven by {@link #serve}'s blocking loop, its sends take everything.
     */
    private static final class Session implements java.util.function.Consumer<QuicSocket> {
        final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        private final Traffic traffic;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
        /** Per stream: its mode (or -1 when refused) and, for throughput, the bytes counted after it. */
        private final Map<Long, long[]> streams = new HashMap<>();
        /** Per stream: what it could not take yet, and whether the FIN follows it. */
        private final Map<Long, ByteBuffer> unsent = new HashMap<>();
        private final Map<Long, Boolean> finUnsent = new HashMap<>();

        Session(Traffic traffic) {
            this.traffic = traffic;
        }

        @Override
        public void accept(QuicSocket connection) {
            try {
                sendUnsent(connection);
                while (true) {
                    buffer.clear();
                    StreamMessage message;
                    try {
                        message = connection.receive(buffer);
                    } catch (StreamResetException e) {
                        forget(e.streamId());
                        continue;
                    }
                    if (message == null) {
                        return;
                    }
                    buffer.flip();
                    onMessage(connection, message);
                }
            } catch (ClosedConnectionException e) {
                ended.countDown();
            } catch (IOException e) {
                ended.countDown();
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** Acts on {@code message}, whose bytes {@link #buffer} holds (flipped). */
        void onMessage(QuicSocket connection, StreamMessage message) throws IOException {
            traffic.received(message.length());
            long id = message.streamId();
            if (!StreamIds.canSend(id, Role.SERVER)) {
                return;
            }
            long[] state = streams.get(id);
            if (state == null && buffer.hasRemaining()) {
                byte mode = buffer.get();
                if (mode != PerfProtocol.THROUGHPUT && mode != PerfProtocol.REQUEST_RESPONSE) {
                    connection.stopSending(id, PerfProtocol.UNKNOWN_MODE);
                    connection.resetStream(id, PerfProtocol.UNKNOWN_MODE);
                    streams.put(id, new long[] {-1, 0});
                    return;
                }
                state = new long[] {mode, 0};
                streams.put(id, state);
            }
            if (state == null || state[0] < 0) {
                if (message.fin()) {
                    streams.remove(id);
                }
                return;
            }
            try {
                if (state[0] == PerfProtocol.THROUGHPUT) {
                    state[1] += buffer.remaining();
                    if (message.fin()) {
                        ByteBuffer answer = ByteBuffer.allocate(Long.BYTES).putLong(state[1]).flip();
                        send(connection, id, answer, true);
                    }
                } else {
                    send(connection, id, buffer, message.fin());
                }
            } catch (StreamResetException e) {
                forget(id); // the client stopped this stream; the others go on
                return;
            }
            if (message.fin()) {
                streams.remove(id);
            }
        }

        /** Sends {@code data} on {@code id} behind what waits there; keeps a copy of what the stream cannot take. */
        private void send(QuicSocket connection, long id, ByteBuffer data, boolean fin) throws IOException {
            if (!data.hasRemaining() && !fin) {
                return; // nothing to say: an empty send carries a FIN or nothing
            }
            ByteBuffer waiting = unsent.get(id);
            if (waiting != null) {
                ByteBuffer more = ByteBuffer.allocate(waiting.remaining() + data.remaining());
                unsent.put(id, more.put(waiting).put(data).flip());
                finUnsent.put(id, fin);
                return;
            }
            int n = data.remaining();
            int taken = connection.trySend(data, id, fin ? StreamFlags.FIN : 0);
            traffic.sent(taken);
            if (taken < n) {
                unsent.put(id, ByteBuffer.allocate(data.remaining()).put(data).flip());
                finUnsent.put(id, fin);
            }
        }

        private void sendUnsent(QuicSocket connection) throws IOException {
            for (var it = unsent.entrySet().iterator(); it.hasNext();) {
                var e = it.next();
                long id = e.getKey();
                boolean fin = finUnsent.getOrDefault(id, false);
                try {
                    traffic.sent(connection.trySend(e.getValue(), id, fin ? StreamFlags.FIN : 0));
                } catch (StreamResetException reset) {
                    it.remove();
                    finUnsent.remove(id);
                    streams.remove(id);
                    continue;
                }
                if (!e.getValue().hasRemaining()) {
                    it.remove();
                    finUnsent.remove(id);
                }
            }
        }

        void forget(long id) {
            streams.remove(id);
            unsent.remove(id);
            finUnsent.remove(id);
        }
    }
}
