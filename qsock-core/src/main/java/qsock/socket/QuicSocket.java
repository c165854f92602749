package qsock.socket;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import qsock.core.Role;
import qsock.core.connection.ConnectionConfig;
import qsock.core.connection.ConnectionError;
import qsock.core.connection.ConnectionEvent;
import qsock.core.connection.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.crypto.CipherSuite;
import qsock.core.crypto.EncryptionLevel;
import qsock.core.crypto.KeyDirection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.runtime.IoClient;
import qsock.core.runtime.IoEndpoint;
import qsock.core.runtime.UdpOptions;
import qsock.core.stream.RecvStream;
import qsock.core.stream.RecvStreamState;
import qsock.core.stream.StreamEvent;
import qsock.core.stream.StreamId;
import qsock.core.stream.StreamManager;

/**
 * A QUIC socket, after the Linux kernel's (draft-lxin-quic-socket-apis): one listener or one connection on
 * a UDP port.
 *
 * <p>A server binds, listens, and {@linkplain #accept() accepts}: accept returns as soon as a new
 * connection's first Initial arrived, with the ClientHello queued. A client {@linkplain #connect connects},
 * which only picks the connection IDs and Initial keys and sends nothing. Either side then runs the TLS
 * handshake through the socket, which is the connection's {@link HandshakeChannel} (qsock-tls's
 * {@code QuicHandshake} does it in one call). Stream data then moves with {@link #send} and
 * {@link #receive}, a stream ID and {@link StreamFlags}, or through a stream's
 * {@linkplain #inputStream input} and {@linkplain #outputStream output} streams.
 *
 * <p>Blocking calls park (virtual threads are welcome) until they can go on, the
 * {@link QuicSocketOptions#TIMEOUT} passes ({@link SocketTimeoutException}), the connection ends
 * ({@link ClosedConnectionException}) or the socket is shut down or closed under them
 * ({@link AsynchronousCloseException}). In {@linkplain #configureBlocking non-blocking} mode they return at
 * once. Thread-safe: every call takes the lock of the socket's UDP endpoint.
 */
public final class QuicSocket implements HandshakeChannel, Closeable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Events beyond this many wait in vain: the oldest is dropped (the draft's events are opt-in hints). */
    private static final int MAX_EVENTS = 1024;

    private final ConnectionConfig config;
    /** Guards the setup (bind, connect, listen, options) before an endpoint, and so its lock, exists. */
    private final ReentrantLock setup = new ReentrantLock();
    private final Client client = new Client();

    private volatile IoEndpoint io;
    private Condition changed;
    private QuicConnection connection;
    private InetSocketAddress remote;
    private boolean listening;

    private volatile boolean closed;
    private boolean readShutdown;
    private boolean acceptShutdown;
    private volatile boolean blocking = true;

    // Options.
    private volatile Duration timeout;
    private volatile List<String> alpn = List.of();
    private int receiveBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private int sendBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private volatile ConnectionCloseInfo closeInfo = ConnectionCloseInfo.NONE;

    // Streams: readable ones in turn, so one receive call serves one stream and every stream gets its turn.
    // Small at first: an idle connection keeps them, empty.
    private final ArrayDeque<Long> readable = new ArrayDeque<>(2);
    private final Set<Long> readableSet = new HashSet<>();
    private final ArrayDeque<QuicEvent> events = new ArrayDeque<>(2);
    private long lastOpened = -1;
    private ByteBuffer discard;

    // Handshake channel: what the last readHandshake saw, so that awaitHandshakeInput misses nothing.
    private long packetsAtHandshakeRead = -1;
    private boolean flushPending;

    // What waiters last heard of, so that a batch that changed nothing for this connection wakes nobody.
    private long packetsSignalled = -1;
    private ConnectionState stateSignalled;

    private QuicSocket(ConnectionConfig config) {
        this.config = config;
    }

    /** {@return an unbound socket with the default connection settings} */
    public static QuicSocket open() throws IOException {
        return open(ConnectionConfig.defaults());
    }

    /** {@return an unbound socket whose connections use {@code config}} */
    public static QuicSocket open(ConnectionConfig config) throws IOException {
        return new QuicSocket(Objects.requireNonNull(config, "config"));
    }

    /** The socket's face towards the I/O thread. */
    private final class Client implements IoClient {
        @Override
        public void onBatch() {
            QuicSocket.this.onBatch();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Setup

    /**
     * Binds the socket to a local address; port 0 picks one. An IPv4 address gives an IPv4 socket, an IPv6
     * one (the wildcard {@code ::} among them) a dual-stack socket where the system allows it.
     *
     * @return this
     * @throws AlreadyBoundException if the socket is bound already
     * @throws IOException if the UDP socket cannot be bound
     */
    public QuicSocket bind(SocketAddress local) throws IOException {
        InetSocketAddress address = inet(local, "local address");
        setup.lock();
        try {
            ensureOpen();
            if (io != null) {
                throw new AlreadyBoundException();
            }
            bindLocked(address);
            return this;
        } finally {
            setup.unlock();
        }
    }

    private void bindLocked(InetSocketAddress address) throws IOException {
        IoEndpoint endpoint = IoEndpoint.bind(address, new EndpointConfig(config, null),
                new UdpOptions(receiveBufferSize, sendBufferSize), client);
        changed = endpoint.newCondition();
        io = endpoint;
    }

    /**
     * Listens for connections, up to {@code backlog} of them waiting for {@link #accept()}; 0 stops
     * listening (connections already waiting stay).
     *
     * @throws NotYetBoundException if the socket is not bound
     * @throws IllegalStateException if the socket is a connection
     */
    public void listen(int backlog) throws IOException {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + backlog);
        }
        setup.lock();
        try {
            ensureOpen();
            if (io == null) {
                throw new NotYetBoundException();
            }
            if (connection != null) {
                throw new IllegalStateException("a connected socket cannot listen");
            }
            ReentrantLock lock = io.lock();
            lock.lock();
            try {
                io.endpoint().listen(backlog);
                listening = backlog > 0;
                acceptShutdown = false;
            } finally {
                lock.unlock();
            }
        } finally {
            setup.unlock();
        }
    }

    /**
     * Takes the oldest new connection: a socket on the same UDP port whose connection's first Initial, with
     * the ClientHello, is in. Run the server handshake on it next.
     *
     * @return the connection's socket; null in non-blocking mode when none is waiting
     * @throws SocketTimeoutException if the timeout passed
     * @throws AsynchronousCloseException if the socket was shut down or closed while waiting
     * @throws IllegalStateException if the socket does not listen
     */
    public QuicSocket accept() throws IOException {
        IoEndpoint endpoint = requireBound();
        ReentrantLock lock = endpoint.lock();
        lock.lock();
        try {
            long deadline = deadline();
            while (true) {
                ensureOpen();
                if (acceptShutdown) {
                    throw new AsynchronousCloseException();
                }
                if (!listening) {
                    throw new IllegalStateException("the socket does not listen");
                }
                QuicEndpoint quic = endpoint.endpoint();
                QuicConnection c = quic.accept();
                if (c != null) {
                    QuicSocket s = new QuicSocket(config);
                    s.io = endpoint;
                    s.changed = endpoint.newCondition();
                    s.connection = c;
                    s.remote = quic.peerAddress(c);
                    s.timeout = timeout;
                    s.alpn = alpn;
                    s.blocking = blocking;
                    s.receiveBufferSize = receiveBufferSize;
                    s.sendBufferSize = sendBufferSize;
                    endpoint.attach(s.client);
                    endpoint.follow(s.client, c);
                    return s;
                }
                if (!blocking) {
                    return null;
                }
                await(deadline);
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@return the connections waiting for {@link #accept()} on this socket's UDP port; 0 if unbound} */
    public int acceptQueueLength() {
        IoEndpoint endpoint = io;
        if (endpoint == null) {
            return 0;
        }
        ReentrantLock lock = endpoint.lock();
        lock.lock();
        try {
            return endpoint.endpoint().acceptQueueLength();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a connection to {@code remote}: binds an ephemeral port of the matching family if the socket
     * is unbound, picks the connection IDs and the Initial keys. Sends nothing: the client handshake's first
     * flight does.
     *
     * @throws AlreadyConnectedException if the socket is connected already
     * @throws IllegalStateException if the socket listens
     */
    public void connect(SocketAddress remote) throws IOException {
        InetSocketAddress peer = inet(remote, "remote address");
        setup.lock();
        try {
            ensureOpen();
            if (connection != null) {
                throw new AlreadyConnectedException();
            }
            if (listening) {
                throw new IllegalStateException("a listening socket cannot connect");
            }
            if (io == null) {
                bindLocked(new InetSocketAddress(route(peer), 0));
            }
            ReentrantLock lock = io.lock();
            lock.lock();
            try {
                connection = io.endpoint().connect(peer, System.nanoTime());
                io.follow(client, connection);
                this.remote = peer;
            } finally {
                lock.unlock();
            }
        } finally {
            setup.unlock();
        }
    }

    /**
     * {@return the source address the system's routing table picks for {@code peer}} A connected UDP socket
     * asks the kernel without sending anything; the wildcard is the fallback.
     */
    private static InetAddress route(InetSocketAddress peer) throws IOException {
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.connect(peer);
            InetAddress source = probe.getLocalAddress();
            if (source != null && !source.isAnyLocalAddress()) {
                return source;
            }
        } catch (IOException e) {
            // No route known now: the wildcard lets the system choose per datagram.
        }
        return peer.getAddress() instanceof Inet4Address
                ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName("::");
    }

    private static InetSocketAddress inet(SocketAddress address, String what) {
        if (!(address instanceof InetSocketAddress a)) {
            throw new IllegalArgumentException(what + " must be an InetSocketAddress: " + address);
        }
        if (a.isUnresolved()) {
            throw new IllegalArgumentException(what + " is unresolved: " + a);
        }
        return a;
    }

    // ------------------------------------------------------------------------------------------------
    // Streams

    /**
     * Sends stream data (the kernel's sendmsg with stream information). {@code streamId} -1 with
     * {@link StreamFlags#NEW} opens the next stream ({@link StreamFlags#UNI} for a unidirectional one);
     * -1 without it uses the stream opened last; a stream ID of ours not yet opened is opened (with the
     * ones before it). {@link StreamFlags#FIN} ends the stream after {@code src}.
     *
     * <p>What may be queued is bounded twice, acknowledgement pending: per stream
     * ({@code ConnectionConfig.streamSendBufferSize}) and for all streams of the connection together
     * ({@code ConnectionConfig.connectionSendBufferSize}, shared fairly among the streams that wait for
     * room; {@link #sendBuffered()}). Blocking mode waits until the connection is established, the stream
     * can be opened and every byte of {@code src} is taken, as the peer's acknowledgements free room; with
     * {@link StreamFlags#DONTWAIT} or in non-blocking mode, it returns what fitted at once, maybe 0 (the
     * kernel's EAGAIN).
     *
     * @return the bytes taken from {@code src}
     * @throws ClosedConnectionException if the connection ended
     * @throws StreamResetException if the peer asked us to stop sending on the stream
     * @throws SocketTimeoutException if the timeout passed before anything was taken
     */
    public int send(ByteBuffer src, long streamId, int flags) throws IOException {
        Objects.requireNonNull(src, "src");
        StreamFlags.check(flags);
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            long deadline = deadline();
            boolean wait = blocking && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                return 0;
            }
            long id = sendStream(c, streamId, flags, wait, deadline);
            if (id < 0) {
                return 0;
            }
            boolean fin = (flags & StreamFlags.FIN) != 0;
            StreamManager streams = c.streams();
            int total = 0;
            while (true) {
                ensureSendable(c);
                try {
                    total += streams.write(id, src, fin);
                } catch (IllegalStateException e) {
                    throw new IOException("cannot send on stream " + id + ": " + e.getMessage(), e);
                }
                flush(c);
                if (!src.hasRemaining() || !wait) {
                    return total;
                }
                try {
                    await(deadline);
                } catch (SocketTimeoutException e) {
                    if (total > 0) {
                        return total;
                    }
                    throw e;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends an unreliable datagram (RFC 9221; the kernel's send with {@code MSG_QUIC_DATAGRAM}): all of
     * {@code src}'s remaining bytes in one DATAGRAM frame, never sent again if its packet is lost. The peer must
     * have advertised max_datagram_frame_size, and this socket's connection too for datagrams to come back
     * ({@code ConnectionConfig.maxDatagramFrameSize}).
     *
     * <p>Blocking mode waits until the connection is established and the send queue has room; with
     * {@link StreamFlags#DONTWAIT} or in non-blocking mode it returns false at once instead.
     *
     * @return true if the datagram was queued (and {@code src} consumed)
     * @throws IOException if the peer accepts no datagrams, or this one is larger than
     *     {@link #maxDatagramPayload()} (the kernel's EMSGSIZE)
     * @throws ClosedConnectionException if the connection ended
     * @throws SocketTimeoutException if the timeout passed
     */
    public boolean sendDatagram(ByteBuffer src, int flags) throws IOException {
        Objects.requireNonNull(src, "src");
        if ((flags & ~StreamFlags.DONTWAIT) != 0) {
            throw new IllegalArgumentException("a datagram takes no flag but DONTWAIT: 0x"
                    + Integer.toHexString(flags));
        }
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            long deadline = deadline();
            boolean wait = blocking && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                return false;
            }
            while (true) {
                ensureSendable(c);
                boolean queued;
                try {
                    queued = c.sendDatagram(src);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
                flush(c);
                if (queued || !wait) {
                    return queued;
                }
                await(deadline);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Receives the next unreliable datagram (RFC 9221; the kernel's recv reporting {@code MSG_QUIC_DATAGRAM}),
     * whole. Blocking mode waits for one; non-blocking mode returns -1 at once.
     *
     * @return the datagram's length, or -1 in non-blocking mode when none waits
     * @throws IllegalArgumentException if {@code dst} has less room than the datagram, which then stays queued
     * @throws ClosedConnectionException if the connection ended and no datagram is left
     * @throws SocketTimeoutException if the timeout passed
     * @throws AsynchronousCloseException if the socket was shut down for reading or closed while waiting
     */
    public int receiveDatagram(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        QuicConnection c = requireConnection();
        Integer n = receiving(c, () -> {
            int length = c.receiveDatagram(dst);
            return length >= 0 ? length : null;
        });
        return n == null ? -1 : n;
    }

    /**
     * {@return the largest datagram {@link #sendDatagram} takes now} 0 before the handshake, when the peer accepts
     * no datagrams, or if the socket is no connection.
     */
    public int maxDatagramPayload() {
        Integer n = readConnection(QuicConnection::maxDatagramPayload);
        return n == null ? 0 : n;
    }

    /**
     * Opens the next stream without sending (the kernel's {@code QUIC_SOCKOPT_STREAM_OPEN}):
     * {@link StreamFlags#UNI} for a unidirectional one, {@link StreamFlags#DONTWAIT} not to wait for the
     * peer's stream limit.
     *
     * @return the stream's ID, or -1 if it cannot be opened without waiting (DONTWAIT, non-blocking mode)
     */
    public long openStream(int flags) throws IOException {
        StreamFlags.check(flags);
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            long deadline = deadline();
            boolean wait = blocking && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                return -1;
            }
            return open(c, (flags & StreamFlags.UNI) == 0, wait, deadline);
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitEstablished(QuicConnection c, boolean wait, long deadline) throws IOException {
        while (!c.state().isEstablished()) {
            ensureSendable(c);
            if (!wait) {
                return false;
            }
            await(deadline);
        }
        return true;
    }

    private long sendStream(QuicConnection c, long streamId, int flags, boolean wait, long deadline)
            throws IOException {
        boolean bidirectional = (flags & StreamFlags.UNI) == 0;
        StreamManager streams = c.streams();
        if (streamId == -1) {
            if ((flags & StreamFlags.NEW) != 0) {
                return open(c, bidirectional, wait, deadline);
            }
            if (lastOpened < 0) {
                throw new IllegalArgumentException("no stream opened yet: send with StreamFlags.NEW");
            }
            return lastOpened;
        }
        if (streamId < 0 || StreamId.index(streamId) > StreamId.MAX_INDEX) {
            throw new IllegalArgumentException("not a stream ID: " + streamId);
        }
        if (streams.sendStream(streamId) != null) {
            return streamId;
        }
        if (!StreamId.canSend(streamId, c.role())) {
            throw new IllegalArgumentException("stream " + streamId + " is receive-only");
        }
        if (!StreamId.isInitiatedBy(streamId, c.role())) {
            throw new IOException("stream " + streamId + " is not open");
        }
        // A stream of ours: open it, and those before it, as the kernel does for a given ID.
        boolean bidi = StreamId.isBidirectional(streamId);
        while (true) {
            long id = open(c, bidi, wait, deadline);
            if (id < 0) {
                return -1;
            }
            if (id == streamId) {
                return id;
            }
            if (id > streamId) {
                throw new IOException("stream " + streamId + " is closed");
            }
        }
    }

    private long open(QuicConnection c, boolean bidirectional, boolean wait, long deadline) throws IOException {
        while (true) {
            ensureSendable(c);
            long id = c.streams().openStream(bidirectional);
            if (id >= 0) {
                lastOpened = id;
                flush(c);
                return id;
            }
            if (!wait) {
                flush(c); // STREAMS_BLOCKED
                return -1;
            }
            flush(c);
            await(deadline);
        }
    }

    /**
     * Receives stream data (the kernel's recvmsg with stream information): bytes of one stream, the next
     * readable one in turn, so that streams share the calls fairly.
     *
     * @return what was read; null in non-blocking mode when nothing is readable
     * @throws StreamResetException if the stream whose turn it was was reset by the peer (the next call
     *     goes on with the other streams)
     * @throws ClosedConnectionException if the connection ended and nothing is left to read
     * @throws SocketTimeoutException if the timeout passed
     * @throws AsynchronousCloseException if the socket was shut down for reading or closed while waiting
     */
    public StreamMessage receive(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (!dst.hasRemaining()) {
            throw new IllegalArgumentException("no room in the buffer");
        }
        QuicConnection c = requireConnection();
        return receiving(c, () -> readNext(c, dst));
    }

    /** What a receive call reads once it holds the lock: null when nothing is there yet. */
    @FunctionalInterface
    private interface Reading<T> {
        T read() throws IOException;
    }

    /**
     * The waiting both receive calls share: under the lock, reads until {@code reading} has something, the
     * connection ends, or, in non-blocking mode, at once (null).
     */
    private <T> T receiving(QuicConnection c, Reading<T> reading) throws IOException {
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            ensureOpen();
            if (readShutdown) {
                throw new ClosedChannelException();
            }
            long deadline = deadline();
            while (true) {
                drainEvents(c);
                T got = reading.read();
                if (got != null) {
                    return got;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                if (!blocking) {
                    return null;
                }
                await(deadline);
                if (readShutdown) {
                    throw new AsynchronousCloseException();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private StreamMessage readNext(QuicConnection c, ByteBuffer dst) throws IOException {
        StreamManager streams = c.streams();
        while (!readable.isEmpty()) {
            Long boxed = readable.poll();
            readableSet.remove(boxed);
            long id = boxed;
            RecvStream r = streams.recvStream(id);
            if (r == null) {
                continue;
            }
            int n = streams.read(id, dst);
            boolean fin;
            if (n < 0) {
                n = 0;
                fin = true;
            } else if (n == 0) {
                continue; // read already through its input stream
            } else {
                fin = atEnd(streams, id, r);
            }
            if (!fin && r.isReadable()) {
                markReadable(id);
            }
            flush(c); // window updates
            return new StreamMessage(id, n, fin);
        }
        return null;
    }

    /** {@return true if the stream's last byte was read; moves it to Data Read} */
    private static boolean atEnd(StreamManager streams, long id, RecvStream r) throws StreamResetException {
        if (r.state() == RecvStreamState.DATA_RECVD && r.readOffset() == r.finalSize()) {
            return streams.read(id, EMPTY.duplicate()) < 0;
        }
        return false;
    }

    /** Reads one stream, for its input stream: -1 at its end; waits until there is something. */
    int readStream(long id, ByteBuffer dst, boolean[] seen) throws IOException {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            long deadline = deadline();
            while (true) {
                ensureOpen();
                if (readShutdown) {
                    throw new ClosedChannelException();
                }
                drainEvents(c);
                StreamManager streams = c.streams();
                RecvStream r = streams.recvStream(id);
                if (r != null) {
                    seen[0] = true;
                    int n = streams.read(id, dst);
                    if (n != 0) {
                        flush(c);
                        return n;
                    }
                } else if (seen[0] || StreamId.isInitiatedBy(id, c.role())) {
                    // Ours and forgotten, or read to its end before: nothing more comes.
                    return -1;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                // An InputStream has no way to say "nothing yet": it waits whatever the socket's mode.
                await(deadline);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Resets our sending part of a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_RESET}).
     *
     * @throws IOException if the stream is not open for sending
     */
    public void resetStream(long streamId, long errorCode) throws IOException {
        streamControl("reset stream " + streamId, streams -> streams.reset(streamId, errorCode));
    }

    /**
     * Asks the peer to stop sending on a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_STOP_SENDING}).
     *
     * @throws IOException if the stream is not open for receiving
     */
    public void stopSending(long streamId, long errorCode) throws IOException {
        streamControl("stop sending on stream " + streamId, streams -> streams.stopSending(streamId, errorCode));
    }

    /**
     * Applies a stream control under the lock and sends what it queued; a stream in the wrong state is an
     * {@link IOException} that names {@code what}.
     */
    private void streamControl(String what, Consumer<StreamManager> control) throws IOException {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            ensureSendable(c);
            try {
                control.accept(c.streams());
            } catch (IllegalStateException e) {
                throw new IOException("cannot " + what + ": " + e.getMessage(), e);
            }
            flush(c);
            // A reset frees its room under the connection's send bound at once: writers waiting for it go on.
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@return the receiving part of stream {@code streamId} as an input stream} It blocks as
     * {@link #receive} does. Do not read the same stream with {@link #receive} too.
     */
    public InputStream inputStream(long streamId) {
        return new StreamInputStream(this, streamId);
    }

    /**
     * {@return the sending part of stream {@code streamId} as an output stream} Its writes always wait
     * until every byte is taken; its {@code close()} ends the stream (FIN).
     */
    public OutputStream outputStream(long streamId) {
        return new StreamOutputStream(this, streamId);
    }

    /** Sends all of {@code src} on a stream, waiting whatever the blocking mode, for its output stream. */
    void writeStream(long id, ByteBuffer src, boolean fin) throws IOException {
        boolean wasBlocking = blocking;
        int flags = fin ? StreamFlags.FIN : 0;
        if (wasBlocking) {
            send(src, id, flags);
            return;
        }
        // Non-blocking socket: an OutputStream has no way to say "later", so wait here.
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            long deadline = deadline();
            while (true) {
                send(src, id, flags);
                if (!src.hasRemaining()) {
                    return;
                }
                await(deadline);
                ensureSendable(c);
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Events and the I/O thread

    /** {@return the oldest event not yet polled, or null} */
    public QuicEvent pollEvent() {
        IoEndpoint endpoint = io;
        if (endpoint == null || connection == null) {
            return null;
        }
        ReentrantLock lock = endpoint.lock();
        lock.lock();
        try {
            drainEvents(connection);
            return events.poll();
        } finally {
            lock.unlock();
        }
    }

    /** Moves the connection's and the streams' events into the socket's state; the lock is held. */
    private boolean drainEvents(QuicConnection c) {
        boolean any = false;
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            any = true;
            switch (e) {
                case ConnectionEvent.Closed closedEvent -> addEvent(new QuicEvent.ConnectionClose(closedEvent.error()));
                case ConnectionEvent.HandshakeCompleted done ->
                        addEvent(new QuicEvent.HandshakeCompleted(done.applicationProtocol()));
                case ConnectionEvent.HandshakeConfirmed confirmed -> { }
            }
        }
        StreamManager streams = c.streams();
        for (StreamEvent e = streams.pollEvent(); e != null; e = streams.pollEvent()) {
            any = true;
            switch (e) {
                case StreamEvent.Readable r -> markReadable(r.streamId());
                case StreamEvent.ResetReceived r -> {
                    markReadable(r.streamId());
                    addEvent(new QuicEvent.StreamUpdate(r.streamId(), QuicEvent.StreamState.RECV_RESET_RECVD,
                            r.errorCode(), r.finalSize()));
                }
                case StreamEvent.StopSendingReceived s -> addEvent(new QuicEvent.StreamUpdate(s.streamId(),
                        QuicEvent.StreamState.SEND_RESET_SENT, s.errorCode(), 0));
                case StreamEvent.StreamsAvailable a ->
                        addEvent(new QuicEvent.MaxStreams(a.bidirectional(), streams.peerMaxStreams(a.bidirectional())));
                case StreamEvent.Opened o -> { }
                case StreamEvent.Writable w -> { }
                case StreamEvent.Closed closedStream -> { }
            }
        }
        if (readShutdown) {
            discardInput(c);
        }
        return any;
    }

    private void markReadable(long id) {
        Long boxed = id;
        if (readableSet.add(boxed)) {
            readable.add(boxed);
        }
    }

    private void addEvent(QuicEvent e) {
        if (events.size() >= MAX_EVENTS) {
            events.poll();
        }
        events.add(e);
    }

    /** After shutdown(READ): reads and drops what arrives, so that flow control keeps the peer going. */
    private void discardInput(QuicConnection c) {
        if (discard == null) {
            discard = ByteBuffer.allocate(16 * 1024);
        }
        StreamManager streams = c.streams();
        boolean read = false;
        while (!readable.isEmpty()) {
            long id = readable.poll();
            readableSet.remove(id);
            read = true;
            try {
                while (true) {
                    discard.clear();
                    if (streams.recvStream(id) == null || streams.read(id, discard) <= 0) {
                        break;
                    }
                }
            } catch (StreamResetException e) {
                // Dropped as the data is.
            }
        }
        if (read) {
            // Reading opens flow control windows: the endpoint sends the updates.
            touch(c);
        }
    }

    /** On the I/O thread, lock held: wakes this socket's waiters if the batch concerned it. */
    private void onBatch() {
        if (connection == null) {
            if (listening && io.endpoint().acceptQueueLength() > 0) {
                changed.signalAll();
            }
            return;
        }
        boolean any = drainEvents(connection);
        long packets = connection.packetsReceived();
        ConnectionState state = connection.state();
        if (any || packets != packetsSignalled || state != stateSignalled) {
            packetsSignalled = packets;
            stateSignalled = state;
            changed.signalAll();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Handshake channel: the connection's, under the lock, flushed so that flights leave at once

    @Override
    public boolean isClient() {
        return requireConnection().role() == Role.CLIENT;
    }

    @Override
    public EncryptionLevel readHandshake(ByteBuffer dst) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            flushIfPending();
            packetsAtHandshakeRead = c.packetsReceived();
            return c.readHandshake(dst);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc} What is written leaves at the driver's next call on the channel (or at once through the
     * I/O thread), so that one flight's messages share datagrams.
     */
    @Override
    public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            c.writeHandshake(level, data, System.nanoTime());
            touch(c);
            flushPending = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            c.installSecret(level, direction, suite, secret, System.nanoTime());
            touch(c);
            flushPending = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public byte[] localTransportParameters() {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            return c.localTransportParameters();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void peerTransportParameters(byte[] encoded) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            c.peerTransportParameters(encoded, System.nanoTime());
            touch(c);
            flushPending = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void handshakeComplete(String applicationProtocol) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            c.handshakeComplete(applicationProtocol, System.nanoTime());
            touch(c);
            flushPending = true;
            flushIfPending();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void handshakeFailed(int alert, String reason) {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            c.handshakeFailed(alert, reason, System.nanoTime());
            touch(c);
            flushPending = true;
            flushIfPending();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isHandshaking() {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            flushIfPending();
            return c.isHandshaking();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until handshake input may be readable (a packet arrived since the last
     * {@link #readHandshake}) or the connection's state changed, for a handshake driver waiting for input.
     * A connection closing or closed returns at once, however long ago it closed: the driver's next step
     * reports the close.
     *
     * @return true if there may be something new, false if {@code timeoutNanos} passed first
     * @throws AsynchronousCloseException if the socket was closed
     */
    public boolean awaitHandshakeInput(long timeoutNanos) throws IOException {
        QuicConnection c = requireConnection();
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            flushIfPending();
            long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
            ConnectionState start = c.state();
            // A close before this call (a Version Negotiation closes a client at once) is news too: waiting for
            // a change after it would wait for the whole timeout.
            while (c.packetsReceived() == packetsAtHandshakeRead && c.state() == start
                    && !start.isClosingOrClosed()) {
                ensureOpen();
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                try {
                    changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for handshake input");
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells the endpoint that this socket called into its connection, so that it reads the connection's deadline
     * again and polls it (see {@link QuicEndpoint#touched}); the lock is held.
     */
    private void touch(QuicConnection c) {
        io.endpoint().touched(c);
    }

    /** Touches the connection and sends what it has, from this thread; the lock is held. */
    private void flush(QuicConnection c) {
        touch(c);
        io.flush();
    }

    private void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            io.flush();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Shutdown and close

    /**
     * Shuts the socket down (the kernel's shutdown). {@link ShutdownHow#READ} stops receiving;
     * {@link ShutdownHow#WRITE} and {@link ShutdownHow#BOTH} close the connection with the
     * {@link QuicSocketOptions#CONNECTION_CLOSE} information, as the kernel's SHUT_WR does; BOTH also stops
     * receiving and accepting. Every blocked call concerned wakes: receive and accept with
     * {@link AsynchronousCloseException}, the others with {@link ClosedConnectionException}.
     */
    public void shutdown(ShutdownHow how) throws IOException {
        Objects.requireNonNull(how, "how");
        IoEndpoint endpoint = requireBound();
        ReentrantLock lock = endpoint.lock();
        lock.lock();
        try {
            ensureOpen();
            if (how != ShutdownHow.WRITE) {
                readShutdown = true;
                if (connection != null) {
                    discardInput(connection);
                }
            }
            if (how != ShutdownHow.READ) {
                if (connection != null) {
                    ConnectionCloseInfo info = closeInfo;
                    connection.close(info.errorCode(), info.reason(), System.nanoTime());
                    endpoint.endpoint().touched(connection);
                    endpoint.flush();
                }
                if (listening) {
                    acceptShutdown = true;
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes with the {@link QuicSocketOptions#CONNECTION_CLOSE} information (code 0, no reason by default). */
    @Override
    public void close() {
        ConnectionCloseInfo info = closeInfo;
        close(info.errorCode(), info.reason());
    }

    /**
     * Closes the socket: a connection sends CONNECTION_CLOSE with this application error code and reason
     * (and the UDP port stays open until the closing period ends); a listener refuses the connections still
     * waiting to be accepted. Every blocked call wakes with {@link AsynchronousCloseException}; later calls
     * throw {@link ClosedChannelException}.
     */
    public void close(long applicationErrorCode, String reason) {
        Objects.requireNonNull(reason, "reason");
        setup.lock();
        try {
            if (closed) {
                return;
            }
            IoEndpoint endpoint = io;
            if (endpoint == null) {
                closed = true;
                return;
            }
            ReentrantLock lock = endpoint.lock();
            lock.lock();
            try {
                closed = true;
                if (connection != null) {
                    connection.close(applicationErrorCode, reason, System.nanoTime());
                    endpoint.endpoint().touched(connection);
                }
                if (listening) {
                    QuicEndpoint quic = endpoint.endpoint();
                    quic.listen(0);
                    listening = false;
                    for (QuicConnection c = quic.accept(); c != null; c = quic.accept()) {
                        c.closeWithError(TransportErrorCode.CONNECTION_REFUSED, 0, "listener closed",
                                System.nanoTime());
                        quic.touched(c);
                    }
                }
                endpoint.flush();
                changed.signalAll();
                endpoint.detach(client);
            } finally {
                lock.unlock();
            }
        } finally {
            setup.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Addresses, options, state

    /** {@return the local address of the UDP socket, or null if unbound} */
    public SocketAddress localAddress() {
        IoEndpoint endpoint = io;
        return endpoint == null ? null : endpoint.localAddress();
    }

    /** {@return the peer's address (the latest it used), or null if the socket is no connection} */
    public SocketAddress remoteAddress() {
        IoEndpoint endpoint = io;
        if (endpoint == null || connection == null) {
            return null;
        }
        ReentrantLock lock = endpoint.lock();
        lock.lock();
        try {
            InetSocketAddress now = endpoint.endpoint().peerAddress(connection);
            if (now != null) {
                remote = now;
            }
            return remote;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets an option of {@link QuicSocketOptions}; the UDP buffer sizes apply to the bound socket at once,
     * or at bind.
     *
     * @return this
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    public <T> QuicSocket setOption(SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(option, "option");
        setup.lock();
        try {
            ensureOpen();
            if (option == QuicSocketOptions.TIMEOUT) {
                Duration d = (Duration) value;
                if (d != null && (d.isNegative() || d.isZero())) {
                    throw new IllegalArgumentException("timeout must be positive, or null for none: " + d);
                }
                timeout = d;
            } else if (option == QuicSocketOptions.ALPN) {
                List<?> list = (List<?>) Objects.requireNonNull(value, "value");
                List<String> copy = list.stream().map(p -> (String) Objects.requireNonNull(p)).toList();
                for (String p : copy) {
                    if (p.isEmpty() || p.length() > 255) {
                        throw new IllegalArgumentException("ALPN protocol names are 1-255 bytes: '" + p + "'");
                    }
                }
                alpn = copy;
            } else if (option == QuicSocketOptions.RECEIVE_BUFFER_SIZE) {
                receiveBufferSize = positive((Integer) value);
                if (io != null) {
                    io.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
                }
            } else if (option == QuicSocketOptions.SEND_BUFFER_SIZE) {
                sendBufferSize = positive((Integer) value);
                if (io != null) {
                    io.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferSize);
                }
            } else if (option == QuicSocketOptions.CONNECTION_CLOSE) {
                closeInfo = Objects.requireNonNull((ConnectionCloseInfo) value, "value");
            } else {
                throw new UnsupportedOperationException("unsupported option " + option);
            }
            return this;
        } finally {
            setup.unlock();
        }
    }

    private static int positive(Integer value) {
        if (value == null || value <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + value);
        }
        return value;
    }

    /**
     * {@return the value of an option of {@link QuicSocketOptions}} The UDP buffer sizes are what the kernel
     * granted once bound; {@link QuicSocketOptions#CONNECTION_CLOSE} is what the peer sent once it closed.
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> option) {
        Objects.requireNonNull(option, "option");
        try {
            if (option == QuicSocketOptions.TIMEOUT) {
                return (T) timeout;
            } else if (option == QuicSocketOptions.ALPN) {
                return (T) alpn;
            } else if (option == QuicSocketOptions.RECEIVE_BUFFER_SIZE) {
                IoEndpoint endpoint = io;
                return (T) (endpoint == null ? Integer.valueOf(receiveBufferSize)
                        : endpoint.getOption(StandardSocketOptions.SO_RCVBUF));
            } else if (option == QuicSocketOptions.SEND_BUFFER_SIZE) {
                IoEndpoint endpoint = io;
                return (T) (endpoint == null ? Integer.valueOf(sendBufferSize)
                        : endpoint.getOption(StandardSocketOptions.SO_SNDBUF));
            } else if (option == QuicSocketOptions.CONNECTION_CLOSE) {
                ConnectionError error = closeError();
                if (error != null && error.byPeer()) {
                    return (T) new ConnectionCloseInfo(error.code(), error.frameType(), error.reason());
                }
                return (T) closeInfo;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new UnsupportedOperationException("unsupported option " + option);
    }

    /** Sets blocking (the default) or non-blocking mode for the socket's calls. */
    public void configureBlocking(boolean blocking) {
        this.blocking = blocking;
        IoEndpoint endpoint = io;
        if (endpoint != null && !blocking) {
            ReentrantLock lock = endpoint.lock();
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** {@return true in blocking mode} */
    public boolean isBlocking() {
        return blocking;
    }

    /** {@return the connection's state, or null if the socket is no connection} */
    public ConnectionState state() {
        return readConnection(QuicConnection::state);
    }

    /** {@return why the connection ended, or null while it lives or if the socket is no connection} */
    public ConnectionError closeError() {
        return readConnection(QuicConnection::closeError);
    }

    /**
     * {@return the bytes queued for sending on all of the connection's streams that the peer has not yet
     * acknowledged (the kernel's SIOCOUTQ, for the whole connection)} At most
     * {@code ConnectionConfig.connectionSendBufferSize}; 0 if the socket is no connection.
     */
    public long sendBuffered() {
        Long n = readConnection(c -> c.streams().sendBuffered());
        return n == null ? 0 : n;
    }

    /** {@return the ALPN protocol the handshake negotiated, or null} */
    public String applicationProtocol() {
        return readConnection(QuicConnection::applicationProtocol);
    }

    /** {@return the cipher suite of the connection's 1-RTT keys, or null before the handshake installed them} */
    public CipherSuite cipherSuite() {
        return readConnection(QuicConnection::cipherSuite);
    }

    /** {@return {@code getter} applied to the connection under the endpoint's lock, or null if there is none} */
    private <T> T readConnection(Function<QuicConnection, T> getter) {
        QuicConnection c = connection;
        if (c == null) {
            return null;
        }
        ReentrantLock lock = io.lock();
        lock.lock();
        try {
            return getter.apply(c);
        } finally {
            lock.unlock();
        }
    }

    /** {@return the sans-I/O connection, for diagnostics; use only for reading counters} */
    public QuicConnection connection() {
        return connection;
    }

    @Override
    public String toString() {
        String kind = connection != null ? "connection " + connection.role() : listening ? "listener" : "socket";
        return "QuicSocket[" + kind + " " + localAddress() + (remote != null ? " -> " + remote : "")
                + (closed ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------
    // Checks and waiting

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private IoEndpoint requireBound() throws IOException {
        ensureOpen();
        IoEndpoint endpoint = io;
        if (endpoint == null) {
            throw new NotYetBoundException();
        }
        return endpoint;
    }

    private QuicConnection requireConnection() {
        QuicConnection c = connection;
        if (c == null) {
            throw new NotYetConnectedException();
        }
        return c;
    }

    private void ensureSendable(QuicConnection c) throws IOException {
        ensureOpen();
        if (c.state().isClosingOrClosed()) {
            throw new ClosedConnectionException(c.closeError());
        }
    }

    private long deadline() {
        Duration d = timeout;
        if (d == null) {
            return Long.MAX_VALUE;
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return System.nanoTime() + nanos;
    }

    /** Waits for the I/O thread's next signal; the lock is held. */
    private void await(long deadline) throws IOException {
        try {
            if (deadline == Long.MAX_VALUE) {
                changed.await();
            } else {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new SocketTimeoutException("timed out after " + timeout);
                }
                changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting");
        }
        if (closed) {
            throw new AsynchronousCloseException();
        }
    }
}
