package qsock.tools.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import qsock.api.Role;
import qsock.core.error.PeerText;
import qsock.core.error.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamIds;
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
 * go out side by side and a slow one holds up no request. A response hands its file to the transport with
 * {@link QuicSocket#sendFile} ({@value #PIECE} bytes a call, so that its progress shows in the traffic counts):
 * the file's bytes go from the file into the packets, never through a buffer of the handler's, so what the
 * handler holds per connection does not grow with the streams a client opens or leaves unread; the transport
 * bounds what it queues. The file stays open until the client acknowledged every byte of it (or the stream
 * ended otherwise), since retransmissions read it again.
 *
 * <p>A stream ends in both directions: when the client resets its request, the response stops and the
 * stream is reset back with the client's code; when the client asks the server to stop sending, the transport
 * resets the response and the server stops reading the request; a response that ends before the request's
 * FIN arrived stops the request too ({@link HqInterop#NO_ERROR}), as an HTTP/3 server does (RFC 9114 §4.1).
 * So every stream a client opens comes back as credit (issue 9, finding 10).
 */
public final class HqInteropHandler implements ApplicationHandler {

    /** The most of a file one {@code sendFile} call hands over. */
    public static final long PIECE = 1 << 20;
    /** How long a finished response keeps its file open at most, waiting for the client's acknowledgements. */
    private static final long ACK_WAIT_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
    /** The longest pause between two looks at what the client has not acknowledged yet. */
    private static final long ACK_POLL_MAX_MILLIS = 100;

    private static final System.Logger LOG = System.getLogger(HqInteropHandler.class.getName());
    private static final int READ_BUFFER_SIZE = 16 * 1024;

    private final ServedDirectory directory;
    private final ResponseObserver observer;
    /** Files the responses of every connection hold open now. */
    private final AtomicInteger openFiles = new AtomicInteger();

    /** Serves the files under {@code directory}. */
    public HqInteropHandler(ServedDirectory directory) {
        this(directory, ResponseObserver.NONE);
    }

    /** Serves the files under {@code directory}, telling {@code observer} of each response. */
    public HqInteropHandler(ServedDirectory directory, ResponseObserver observer) {
        this.directory = directory;
        this.observer = observer;
    }

    /** {@return the files the responses hold open now: each until the client acknowledged it, or its stream ended} */
    public int openFiles() {
        return openFiles.get();
    }

    @Override
    public void serve(QuicSocket connection, Traffic traffic) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_SIZE);
        // Request streams the client has not ended yet; bounded by the streams the peer may open.
        Map<Long, Request> requests = new HashMap<>();
        while (true) {
            buffer.clear();
            StreamMessage message;
            try {
                message = connection.receive(buffer);
            } catch (StreamResetException e) {
                onRequestReset(connection, requests.remove(e.streamId()), e);
                continue;
            } catch (ClosedConnectionException e) {
                return;
            }
            traffic.received(message.length());
            long id = message.streamId();
            if (!StreamIds.canSend(id, Role.SERVER)) {
                continue; // hq-interop has no unidirectional streams; their bytes are dropped
            }
            Request request = requests.computeIfAbsent(id, k -> new Request());
            if (!request.answered()) {
                buffer.flip();
                request.append(buffer);
                int lineEnd = HqRequest.lineEnd(request.bytes, request.length);
                if (request.length > HqRequest.MAX_REQUEST_BYTES && lineEnd < 0) {
                    request.answer(null);
                    reset(connection, id, HqInterop.BAD_REQUEST);
                } else if (lineEnd >= 0 || message.fin()) {
                    int length = lineEnd < 0 ? request.length
                            : lineEnd + (request.bytes[lineEnd] == '\r' ? 2 : 1);
                    byte[] bytes = request.bytes;
                    request.answer(respond(connection, traffic, id, bytes, length));
                }
            }
            if (message.fin()) {
                requests.remove(id);
            }
        }
    }

    /**
     * The client reset its request stream, cancelling the request: as an HTTP/3 server ends every direction still
     * open (RFC 9114 §4.1.1), a response still running stops and the stream is reset back with the client's code,
     * so that both halves end and the stream's credit comes back. A response already complete stays: its bytes
     * are on their way.
     */
    private static void onRequestReset(QuicSocket connection, Request request, StreamResetException e) {
        long id = e.streamId();
        if (!StreamIds.canSend(id, Role.SERVER)) {
            return;
        }
        Response response = request == null ? null : request.response;
        if (response != null && !response.cancel()) {
            return;
        }
        reset(connection, id, e.errorCode());
    }

    /** {@return the response started for the request in {@code bytes[0, length)}, or null if it was refused} */
    private Response respond(QuicSocket connection, Traffic traffic, long id, byte[] bytes, int length) {
        HqRequest request;
        try {
            request = HqRequest.parse(bytes, length);
        } catch (HqRequestException e) {
            LOG.log(Level.DEBUG, () -> "stream " + id + ": " + e.getMessage());
            reset(connection, id, HqInterop.BAD_REQUEST);
            return null;
        }
        Optional<Path> file = directory.resolve(request.path());
        if (file.isEmpty()) {
            reset(connection, id, HqInterop.NOT_FOUND);
            return null;
        }
        Response response = new Response(id, request.path(), file.get());
        Thread.ofVirtual().name("qsock-hq-" + id).start(() -> send(connection, traffic, response));
        return response;
    }

    /** The response's thread: sends the file, then tells the observer how it ended. */
    private void send(QuicSocket connection, Traffic traffic, Response response) {
        long id = response.streamId;
        boolean complete = false;
        boolean told = false;
        try {
            observer.responseStarting(id, response.path);
            try (FileChannel file = FileChannel.open(response.file, StandardOpenOption.READ)) {
                openFiles.incrementAndGet();
                try {
                    complete = transfer(connection, traffic, file, response);
                    if (complete) {
                        stopReading(connection, id);
                        // The response is whole once its last byte and FIN are queued, as with send: the observer
                        // hears it now, not after the wait for acknowledgements below.
                        observer.responseEnded(id, response.sent, true);
                        told = true;
                    }
                } finally {
                    // Whatever ended the response, the transport may still read the file for what it queued.
                    try {
                        awaitAcknowledged(connection, id);
                    } finally {
                        openFiles.decrementAndGet();
                    }
                }
            }
        } catch (StreamResetException e) {
            // The client asked us to stop sending (the transport reset the response): nothing more of the
            // request matters either.
            stopReading(connection, id);
        } catch (ClosedConnectionException | ClosedChannelException | InterruptedIOException e) {
            // The client went away or the server is closing: nothing to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!response.isCancelled()) {
                LOG.log(Level.WARNING, () -> "stream " + id + ": cannot send " + PeerText.escape(response.path)
                        + ": " + e);
                reset(connection, id, HqInterop.SERVER_ERROR);
            }
            // else the client reset its request and the stream was reset under this thread: it ends here.
        } catch (RuntimeException e) {
            // A bug, not the peer: the stream says so rather than stalling until the idle timeout.
            LOG.log(Level.ERROR, () -> "stream " + id + ": response failed", e);
            reset(connection, id, HqInterop.SERVER_ERROR);
        } finally {
            if (!told) {
                observer.responseEnded(id, response.sent, complete);
            }
        }
    }

    /**
     * Sends the file from {@code response.sent} on with {@link QuicSocket#sendFile}, which waits for room as the
     * client acknowledges; {@return true when its last byte and the stream's FIN were taken, false if the response
     * was cancelled}
     */
    private static boolean transfer(QuicSocket connection, Traffic traffic, FileChannel file, Response response)
            throws IOException {
        long id = response.streamId;
        // The size read at open decides the end; the file must not change while it is sent.
        long size = file.size();
        // Each call takes at least one byte or ends the response, so the file's bytes bound the calls.
        for (long calls = 0; calls <= size && !response.isCancelled(); calls++) {
            long count = Math.min(PIECE, size - response.sent);
            boolean last = response.sent + count >= size;
            long taken = connection.sendFile(file, response.sent, count, id, last ? StreamFlags.FIN : 0);
            response.sent += taken;
            traffic.sent(taken);
            if (last && taken == count) {
                return response.finish();
            }
        }
        return false;
    }

    /**
     * Waits until the client acknowledged all that stream {@code id} queued (or the stream or the connection ended),
     * for so long at most: until then the transport reads the file again for what is lost, so it stays open. There
     * is no call that waits for acknowledgements, so it looks now and then, more rarely as the wait goes on; the
     * thread is virtual and a look is cheap.
     */
    private static void awaitAcknowledged(QuicSocket connection, long id) throws InterruptedException {
        long deadline = System.nanoTime() + ACK_WAIT_NANOS;
        long pause = 1;
        while (connection.streamSendBuffered(id) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(pause);
            pause = Math.min(ACK_POLL_MAX_MILLIS, 2 * pause);
        }
    }

    /**
     * The response ended before the request's FIN arrived, or the client stopped it: nothing more of the request
     * matters, so the server stops reading it (nothing happens if the request ended already), and the stream can
     * end in both directions.
     */
    private static void stopReading(QuicSocket connection, long id) {
        try {
            connection.stopSending(id, HqInterop.NO_ERROR);
        } catch (IOException e) {
            // The stream ended meanwhile, or the connection did.
        }
    }

    private static void reset(QuicSocket connection, long id, long code) {
        try {
            connection.resetStream(id, code);
        } catch (IOException e) {
            // The stream ended meanwhile (the client reset it), or the connection did: nothing to refuse.
        }
    }

    /** The bytes of one request read so far, and its response once answered. */
    private static final class Request {
        byte[] bytes = new byte[128];
        int length;
        /** The response, or null while unanswered or when refused. */
        Response response;
        private boolean answered;

        boolean answered() {
            return answered;
        }

        /** Marks the request answered, with {@code response} or null when refused; its bytes are not needed. */
        void answer(Response response) {
            this.answered = true;
            this.response = response;
            this.bytes = null;
        }

        void append(ByteBuffer data) {
            // Keep at most one byte past the limit: enough to know the request is too long.
            int take = Math.min(data.remaining(), HqRequest.MAX_REQUEST_BYTES + 1 - length);
            if (take <= 0) {
                return;
            }
            if (length + take > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + take));
            }
            data.get(bytes, length, take);
            length += take;
        }
    }

    /** One response in progress: written by its own thread, cancelled by the reading thread. */
    private static final class Response {
        private static final int RUNNING = 0;
        private static final int FINISHED = 1;
        private static final int CANCELLED = 2;

        final long streamId;
        final String path;
        final Path file;
        /** File bytes the transport took; written by the response's thread only. */
        volatile long sent;
        private final AtomicInteger state = new AtomicInteger(RUNNING);

        Response(long streamId, String path, Path file) {
            this.streamId = streamId;
            this.path = path;
            this.file = file;
        }

        /** {@return true if the response was running and is now cancelled; false if it was complete already} */
        boolean cancel() {
            return state.compareAndSet(RUNNING, CANCELLED) || state.get() == CANCELLED;
        }

        boolean isCancelled() {
            return state.get() == CANCELLED;
        }

        /** {@return true if the response was running and is now complete; false if it was cancelled meanwhile} */
        boolean finish() {
            return state.compareAndSet(RUNNING, FINISHED);
        }
    }
}
