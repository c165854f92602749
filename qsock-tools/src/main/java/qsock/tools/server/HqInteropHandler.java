package qsock.tools.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import qsock.core.Role;
import qsock.core.stream.StreamId;
import qsock.core.stream.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.HqRequest;
import qsock.tools.hq.HqRequestException;
import qsock.tools.hq.ServedDirectory;

/**
 * Serves a directory over hq-interop: each client bidirectional stream carries one {@code GET /path} request,
 * answered by the file's bytes and FIN on the same stream. The request ends at its line end or the stream's
 * FIN, whichever comes first. A path that names no regular file under the directory gets the stream reset with
 * {@link HqInterop#NOT_FOUND}; a malformed request with {@link HqInterop#BAD_REQUEST}.
 *
 * <p>One thread reads every stream; each response is written by a virtual thread of its own, so large files
 * go out side by side and a slow one holds up no request.
 */
public final class HqInteropHandler implements ApplicationHandler {

    private static final System.Logger LOG = System.getLogger(HqInteropHandler.class.getName());
    private static final int READ_BUFFER_SIZE = 16 * 1024;
    private static final int FILE_CHUNK_SIZE = 256 * 1024;

    private final ServedDirectory directory;

    /** Serves the files under {@code directory}. */
    public HqInteropHandler(ServedDirectory directory) {
        this.directory = directory;
    }

    @Override
    public void serve(QuicSocket connection, Traffic traffic) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
        // Requests still arriving, by stream; bounded by the streams the peer may open times the request limit.
        Map<Long, PendingRequest> pending = new HashMap<>();
        while (true) {
            buffer.clear();
            StreamMessage message;
            try {
                message = connection.receive(buffer);
            } catch (StreamResetException e) {
                pending.remove(e.streamId());
                continue;
            } catch (ClosedConnectionException e) {
                return;
            }
            traffic.received(message.length());
            long id = message.streamId();
            if (!StreamId.canSend(id, Role.SERVER)) {
                continue; // hq-interop has no unidirectional streams; their bytes are dropped
            }
            PendingRequest request = pending.computeIfAbsent(id, k -> new PendingRequest());
            if (!request.answered) {
                buffer.flip();
                request.append(buffer);
                int lineEnd = HqRequest.lineEnd(request.bytes, request.length);
                if (request.length > HqRequest.MAX_REQUEST_BYTES && lineEnd < 0) {
                    request.answered = true;
                    reset(connection, id, HqInterop.BAD_REQUEST);
                } else if (lineEnd >= 0 || message.fin()) {
                    request.answered = true;
                    int length = lineEnd < 0 ? request.length
                            : lineEnd + (request.bytes[lineEnd] == '\r' ? 2 : 1);
                    respond(connection, traffic, id, request.bytes, length);
                }
            }
            if (message.fin()) {
                pending.remove(id);
            }
        }
    }

    private void respond(QuicSocket connection, Traffic traffic, long id, byte[] bytes, int length) throws IOException {
        HqRequest request;
        try {
            request = HqRequest.parse(bytes, length);
        } catch (HqRequestException e) {
            LOG.log(Level.DEBUG, () -> "stream " + id + ": " + e.getMessage());
            reset(connection, id, HqInterop.BAD_REQUEST);
            return;
        }
        Optional<Path> file = directory.resolve(request.path());
        if (file.isEmpty()) {
            reset(connection, id, HqInterop.NOT_FOUND);
            return;
        }
        Thread.ofVirtual().name("qsock-hq-" + id).start(() -> sendFile(connection, traffic, id, file.get()));
    }

    private static void sendFile(QuicSocket connection, Traffic traffic, long id, Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(FILE_CHUNK_SIZE);
            long size = channel.size();
            long sent = 0;
            while (true) {
                chunk.clear();
                int n = channel.read(chunk);
                chunk.flip();
                // The size read at open decides the end; a file that shrank meanwhile ends where it ends.
                boolean last = n < 0 || sent + n >= size;
                connection.send(chunk, id, last ? StreamFlags.FIN : 0);
                if (n > 0) {
                    sent += n;
                    traffic.sent(n);
                }
                if (last) {
                    return;
                }
            }
        } catch (ClosedConnectionException | ClosedChannelException | StreamResetException e) {
            // The client went away, the server is closing, or the client stopped this response: nothing to do.
        } catch (IOException e) {
            LOG.log(Level.WARNING, () -> "stream " + id + ": cannot send " + file + ": " + e);
            try {
                connection.resetStream(id, HqInterop.SERVER_ERROR);
            } catch (IOException ignored) {
                // The connection is gone too.
            }
        }
    }

    private static void reset(QuicSocket connection, long id, long code) throws IOException {
        try {
            connection.resetStream(id, code);
        } catch (ClosedConnectionException e) {
            throw e;
        } catch (IOException e) {
            // The stream ended meanwhile (the client reset it): nothing to refuse.
        }
    }

    /** The bytes of one request read so far. */
    private static final class PendingRequest {
        byte[] bytes = new byte[128];
        int length;
        boolean answered;

        void append(ByteBuffer data) {
            // Keep at most one byte past the limit: enough to know the request is too long.
            int take = Math.min(data.remaining(), HqRequest.MAX_REQUEST_BYTES + 1 - length);
            if (take <= 0) {
                return;
            }
            if (length + take > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + take));
            }
            data.get(bytes, length, take);
            length += take;
        }
    }
}
