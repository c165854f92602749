package qsock.tools.perf;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;

/** The client side of {@link PerfProtocol} on one connection. */
public final class PerfClient implements Closeable {

    private final QuicSocket socket;

    private PerfClient(QuicSocket socket) {
        this.socket = socket;
    }

    /**
     * Connects and runs the handshake offering {@link PerfProtocol#ALPN}.
     *
     * @param serverName the name to check the server's certificate against
     */
    public static PerfClient connect(InetSocketAddress server, String serverName, TlsClientConfig tls,
                                     Duration timeout) throws IOException {
        return connect(server, serverName, tls, timeout, ConnectionConfig.defaults());
    }

    /**
     * Connects with the given transport settings (the datagram size among them: the client sends the bulk of
     * a throughput run) and runs the handshake offering {@link PerfProtocol#ALPN}.
     *
     * @param serverName the name to check the server's certificate against
     */
    public static PerfClient connect(InetSocketAddress server, String serverName, TlsClientConfig tls,
                                     Duration timeout, ConnectionConfig transport) throws IOException {
        return connect(server, serverName, tls, timeout, transport, null);
    }

    /**
     * Connects as {@link #connect(InetSocketAddress, String, TlsClientConfig, Duration, ConnectionConfig)} does, the
     * connection writing its qlog trace to {@code qlogDirectory} ({@code QuicSocketOptions.QLOG_DIR}).
     *
     * @param qlogDirectory where the qlog trace goes, or null for none
     */
    public static PerfClient connect(InetSocketAddress server, String serverName, TlsClientConfig tls,
                                     Duration timeout, ConnectionConfig transport, java.nio.file.Path qlogDirectory)
            throws IOException {
        TlsClientConfig config = tls.withApplicationProtocols(List.of(PerfProtocol.ALPN)).withServerName(serverName);
        QuicSocket socket = QuicSocket.open(transport);
        try {
            if (qlogDirectory != null) {
                socket.setOption(qsock.socket.QuicSocketOptions.QLOG_DIR, qlogDirectory);
            }
            socket.connect(server);
            QuicHandshake.clientHandshake(socket, config, timeout);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new PerfClient(socket);
    }

    /** {@return the connection's socket} */
    public QuicSocket socket() {
        return socket;
    }

    /**
     * Sends {@code total} bytes on one new stream in send calls of {@code messageSize} bytes and waits for the
     * server's count.
     */
    public ThroughputResult throughput(long total, int messageSize) throws IOException {
        return throughput(total, messageSize, false);
    }

    /**
     * As {@link #throughput(long, int)}; a {@code warmup} transfer is marked so in the JFR event that spans it,
     * so that a profile can leave it out.
     */
    public ThroughputResult throughput(long total, int messageSize, boolean warmup) throws IOException {
        if (total < 0 || messageSize <= 0) {
            throw new IllegalArgumentException("total " + total + ", message size " + messageSize);
        }
        ByteBuffer message = ByteBuffer.allocateDirect(messageSize);
        for (int i = 0; i < messageSize; i++) {
            message.put(i, (byte) i);
        }
        MeasuredTransferEvent event = new MeasuredTransferEvent();
        event.begin();
        long cpuStart = ProcessCpu.nanos();
        long start = System.nanoTime();
        long id = socket.openStream(StreamFlags.NEW);
        socket.send(ByteBuffer.wrap(new byte[] {PerfProtocol.THROUGHPUT}), id, total == 0 ? StreamFlags.FIN : 0);
        long sent = 0;
        while (sent < total) {
            int n = (int) Math.min(messageSize, total - sent);
            message.clear().limit(n);
            sent += n;
            socket.send(message, id, sent == total ? StreamFlags.FIN : 0);
        }
        ByteBuffer answer = ByteBuffer.allocate(Long.BYTES);
        if (!readFully(id, answer)) {
            awaitFin(id);
        }
        long nanos = System.nanoTime() - start;
        long cpuNanos = ProcessCpu.between(cpuStart, ProcessCpu.nanos());
        event.end();
        long counted = answer.flip().getLong();
        if (counted != total) {
            throw new IOException("the server counted " + counted + " bytes of " + total);
        }
        event.bytes = counted;
        event.warmup = warmup;
        event.commit();
        return new ThroughputResult(counted, messageSize, nanos, cpuNanos);
    }

    /**
     * Sends {@code count} requests of {@code size} bytes on one new stream, each after the previous response
     * came back whole, and times each round trip.
     *
     * @return the round trips' latencies and the requests per second
     */
    public RequestResponseResult requestResponse(int count, int size) throws IOException {
        if (count <= 0 || size <= 0) {
            throw new IllegalArgumentException("count " + count + ", size " + size);
        }
        ByteBuffer request = ByteBuffer.allocateDirect(size);
        ByteBuffer response = ByteBuffer.allocateDirect(size);
        long[] samples = new long[count];
        long id = socket.openStream(StreamFlags.NEW);
        socket.send(ByteBuffer.wrap(new byte[] {PerfProtocol.REQUEST_RESPONSE}), id, 0);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            request.clear();
            request.put(0, (byte) i);
            socket.send(request, id, 0);
            response.clear();
            readFully(id, response);
            samples[i] = System.nanoTime() - t0;
            if (response.get(0) != (byte) i) {
                throw new IOException("response " + i + " does not echo its request");
            }
        }
        long nanos = System.nanoTime() - start;
        socket.send(ByteBuffer.allocate(0), id, StreamFlags.FIN);
        awaitFin(id);
        return new RequestResponseResult(LatencySummary.of(samples, count), size, nanos);
    }

    /**
     * As {@link #requestResponse}, with every round trip driven from the socket's I/O thread in its ready handler
     * ({@link QuicSocket#setReadyHandler}): a response's last bytes are read, and the next request sent, in the turn
     * that received them, with no thread woken in between. The calling thread only waits for the end.
     *
     * @param deadline how long the whole run may take
     * @return the round trips' latencies and the requests per second
     */
    public RequestResponseResult requestResponseOnIoThread(int count, int size, Duration deadline) throws IOException {
        if (count <= 0 || size <= 0) {
            throw new IllegalArgumentException("count " + count + ", size " + size);
        }
        long id = socket.openStream(StreamFlags.NEW);
        socket.send(ByteBuffer.wrap(new byte[] {PerfProtocol.REQUEST_RESPONSE}), id, 0);
        RoundTrips trips = new RoundTrips(id, count, size);
        long start = System.nanoTime();
        socket.setReadyHandler(trips);
        try {
            if (!trips.done.await(deadline.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                throw new java.net.SocketTimeoutException("request/response: " + trips.round + " of " + count
                        + " round trips in " + deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } finally {
            socket.setReadyHandler(null);
        }
        if (trips.failure != null) {
            throw new IOException("request/response failed at round " + trips.round, trips.failure);
        }
        long nanos = trips.endedAt - start;
        socket.send(ByteBuffer.allocate(0), id, StreamFlags.FIN);
        awaitFin(id);
        return new RequestResponseResult(LatencySummary.of(trips.samples, count), size, nanos);
    }

    /** The round trips of {@link #requestResponseOnIoThread}, as the ready handler runs them; non-blocking calls. */
    private final class RoundTrips implements java.util.function.Consumer<QuicSocket> {
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        final long[] samples;
        volatile int round;
        volatile long endedAt;
        volatile Exception failure;
        private final long id;
        private final int count;
        private final ByteBuffer request;
        private final ByteBuffer response;
        private long sentAt;

        RoundTrips(long id, int count, int size) {
            this.id = id;
            this.count = count;
            this.samples = new long[count];
            this.request = ByteBuffer.allocateDirect(size);
            this.response = ByteBuffer.allocateDirect(size);
            request.limit(0); // nothing sent yet: the first run sends round 0
        }

        @Override
        public void accept(QuicSocket s) {
            if (done.getCount() == 0) {
                return;
            }
            try {
                while (true) {
                    if (!request.hasRemaining() && response.position() == 0 && sentAt == 0) {
                        request.clear();
                        request.put(0, (byte) round);
                        sentAt = System.nanoTime();
                    }
                    if (request.hasRemaining()) {
                        s.trySend(request, id, 0);
                        if (request.hasRemaining()) {
                            return; // the rest when room frees
                        }
                    }
                    while (response.hasRemaining()) {
                        StreamMessage m = s.receive(response);
                        if (m == null) {
                            return;
                        }
                        if (m.streamId() != id || m.fin()) {
                            throw new IOException("unexpected " + (m.fin() ? "end of" : "data on") + " stream "
                                    + m.streamId());
                        }
                    }
                    int r = round;
                    samples[r] = System.nanoTime() - sentAt;
                    if (response.get(0) != (byte) r) {
                        throw new IOException("response " + r + " does not echo its request");
                    }
                    response.clear();
                    sentAt = 0;
                    round = r + 1;
                    if (r + 1 == count) {
                        endedAt = System.nanoTime();
                        done.countDown();
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
                done.countDown();
            }
        }
    }

    /** Fills {@code dst} from stream {@code id}; {@return true if the stream's FIN came with the last bytes} */
    private boolean readFully(long id, ByteBuffer dst) throws IOException {
        boolean fin = false;
        while (dst.hasRemaining()) {
            StreamMessage message = socket.receive(dst);
            if (message.streamId() != id) {
                throw new IOException("data on unexpected stream " + message.streamId());
            }
            fin = message.fin();
            if (fin && dst.hasRemaining()) {
                throw new EOFException("stream " + id + " ended " + dst.remaining() + " bytes early");
            }
        }
        return fin;
    }

    /** Reads stream {@code id} to its FIN, which must come without more data. */
    private void awaitFin(long id) throws IOException {
        ByteBuffer rest = ByteBuffer.allocate(1);
        while (true) {
            rest.clear();
            StreamMessage message = socket.receive(rest);
            if (message.streamId() != id || message.length() > 0) {
                throw new IOException("unexpected data on stream " + message.streamId());
            }
            if (message.fin()) {
                return;
            }
        }
    }

    /** Closes the connection with application error 0. */
    @Override
    public void close() {
        socket.close();
    }
}
