package qsock.socket;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import qsock.api.QuicVersion;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.runtime.IoClient;
import qsock.core.runtime.IoEndpoint;
import qsock.core.runtime.IoEndpointGroup;
import qsock.core.runtime.UdpOptions;

/**
 * A QUIC socket, after the Linux kernel's (draft-lxin-quic-socket-apis): one listener or one connection on
 * a UDP port.
 *
 * <p>A server binds, listens, and {@linkplain #accept() accepts}: accept returns as soon as a new
 * connection's first Initial arrived, with the ClientHello queued. A client {@linkplain #connect connects},
 * which only picks the connection IDs and Initial keys and sends nothing. Either side then runs the TLS
 * handshake through the socket's {@linkplain #handshakeChannel() handshake channel} (qsock-tls's
 * {@code QuicHandshake} does it in one call). Stream data then moves with {@link #send} and
 * {@link #receive}, a stream ID and {@link StreamFlags}, or through a stream's
 * {@linkplain #inputStream input} and {@linkplain #outputStream output} streams.
 *
 * <p>Blocking calls park (virtual threads are welcome) until they can go on, the
 * {@link QuicSocketOptions#TIMEOUT} passes ({@link SocketTimeoutException}), the connection ends
 * ({@link ClosedConnectionException}) or the socket is shut down or closed under them
 * ({@link AsynchronousCloseException}). In {@linkplain #configureBlocking non-blocking} mode they return at
 * once. Thread-safe: every call takes the lock of the socket's UDP endpoint. A call sends what it made its own
 * connection queue from the calling thread; the endpoint's other connections send from its I/O thread.
 */
public final class QuicSocket implements Closeable {

    /**
     * The settings of the socket's connections: those of {@link #open(ConnectionConfig)}, changed by the options
     * {@link QuicSocketOptions#TRANSPORT_PARAM} and {@link QuicSocketOptions#CONFIG} until connect or the first listen
     * takes them (each then hands them to the endpoint); written under {@link #setup}.
     */
    private volatile ConnectionConfig config;
    private final SocketOptionTable options;
    /** What the option table asks of this socket. */
    private final OptionHost optionHost = new OptionHost();
    /** The socket listened once: its connections' settings are the endpoint's since. */
    private volatile boolean listened;
    /** The socket is one {@link #accept()} returned: its connection was made with the listener's settings. */
    private volatile boolean accepted;
    /** Guards the setup (bind, connect, listen, options) before an endpoint, and so its lock, exists. */
    private final SocketLock setup = new SocketLock(new ReentrantLock());
    private final Client client = new Client();
    private final EventPump events = new EventPump();

    // Set once, in this order, each before what depends on it: the endpoint's lock, the endpoint, the connection.
    private volatile SocketLock lock;
    private volatile IoEndpoint io;
    private volatile QuicConnection connection;
    private ConnectionStreams streams;
    private SocketHandshakeChannel handshake;
    /** Reads the handshake messages that come after the handshake; see {@link #setPostHandshakeReader}. */
    private Runnable postHandshakeReader;

    private InetSocketAddress remote;
    /**
     * The server's preferred addresses (RFC 9000 §9.6; {@link QuicSocketOptions#CONNECTION_MIGRATION} on a listener):
     * from the settings until {@link #listen} binds them, then where they are bound.
     */
    private volatile InetSocketAddress preferredIpv4;
    private volatile InetSocketAddress preferredIpv6;
    /** The preferred addresses of the settings are bound (at the first {@link #listen}). */
    private boolean preferredBound;
    private boolean listening;
    private volatile boolean closed;
    private boolean readShutdown;
    private boolean acceptShutdown;
    private volatile boolean blocking = true;
    /** What runs on the I/O thread when the connection changed ({@link #setReadyHandler}); null for none. */
    private volatile Consumer<? super QuicSocket> readyHandler;
    /** A handler just set runs at the next batch whether or not anything changed, for what came before it. */
    private boolean readyHandlerNew;
    /** The thread running the ready handler, whose calls never wait (it is the I/O thread); null otherwise. */
    private Thread inReadyHandler;
    /** The listener's I/O threads ({@link QuicSocketOptions#IO_THREADS}), until bind reads them. */
    private volatile int ioThreads = IoEndpointGroup.defaultThreads();
    /** The endpoint settings shared by a listener's I/O threads (one reset key), set at bind; null for one thread. */
    private EndpointConfig sharedEndpointConfig;
    /** A listener's several I/O threads, formed at its first listen; null with one thread and on connections. */
    private volatile IoEndpointGroup group;
    /** The group whose thread serves this accepted connection, for {@link #ioThreads()}; null if none. */
    private volatile IoEndpointGroup servedBy;
    /**
     * What a selector hears, on the I/O thread with the lock held, after a batch that may have changed this socket's
     * readiness; null if the socket is registered with none.
     */
    private volatile Runnable readinessWatcher;

    private QuicSocket(ConnectionConfig config, SocketOptionTable options) {
        this.config = config;
        this.options = options;
        this.preferredIpv4 = config.preferredAddressIpv4();
        this.preferredIpv6 = config.preferredAddressIpv6();
    }

    /** {@return an unbound socket with the default connection settings} */
    public static QuicSocket open() throws IOException {
        return open(ConnectionConfig.defaults());
    }

    /** {@return an unbound socket whose connections use {@code config}} */
    public static QuicSocket open(ConnectionConfig config) throws IOException {
        return new QuicSocket(Objects.requireNonNull(config, "config"), new SocketOptionTable());
    }

    private static final System.Logger LOG = System.getLogger(QuicSocket.class.getName());

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
        return setup.call(() -> {
            ensureOpen();
            if (io != null) {
                throw new AlreadyBoundException();
            }
            bindLocked(address, true);
            return this;
        });
    }

    private void bindLocked(InetSocketAddress address, boolean mayListen) throws IOException {
        ConnectionConfig config = this.config;
        EndpointConfig endpointConfig = new EndpointConfig(config, null);
        UdpOptions udp = options.udpOptions();
        if (mayListen && ioThreads > 1 && config.connectionIdLength() > 0 && IoEndpointGroup.supported()) {
            // Several I/O threads (QuicSocketOptions.IO_THREADS): the port is bound to be shared, with the reset key
            // the others will have.
            endpointConfig = IoEndpointGroup.sharedConfig(config);
            udp = udp.withReusePort(true);
            sharedEndpointConfig = endpointConfig;
        }
        IoEndpoint endpoint = IoEndpoint.bind(address, endpointConfig, udp, client);
        lock = new SocketLock(endpoint.lock());
        io = endpoint;
    }

    /** Makes this socket the one of {@code c}; the endpoint's lock is held. */
    private void attach(QuicConnection c, InetSocketAddress peer) {
        streams = new ConnectionStreams(c.streams(), c.role());
        handshake = new SocketHandshakeChannel(c, io, lock, options);
        remote = peer;
        connection = c;
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
        setup.call(() -> {
            ensureOpen();
            if (io == null) {
                throw new NotYetBoundException();
            }
            if (connection != null) {
                throw new IllegalStateException("a connected socket cannot listen");
            }
            qsock.core.endpoint.AddressValidation validation = lock.call(() -> {
                if (!listened) {
                    // The settings as the options left them since bind (TRANSPORT_PARAM, CONFIG): the connections
                    // accepted from now on, on every I/O thread, are made with them.
                    io.setConnectionConfig(config);
                    if (sharedEndpointConfig != null) {
                        sharedEndpointConfig = sharedEndpointConfig.withConnection(config);
                    }
                }
                if (sharedEndpointConfig != null && group == null) {
                    // QuicSocketOptions.IO_THREADS: the other threads bind the port now, before the preferred
                    // addresses (which each of them binds too).
                    group = IoEndpointGroup.form(io, sharedEndpointConfig,
                            options.udpOptions().withReusePort(true), ioThreads);
                }
                if (!preferredBound) {
                    // RFC 9000 §9.6: the preferred addresses of the settings are received at before any client
                    // hears of them.
                    bindPreferredAddresses();
                    preferredBound = true;
                }
                // RFC 9000 §8.1: Retry and token settings (QuicSocketOptions.VALIDATE_PEER_ADDRESS and others).
                qsock.core.endpoint.AddressValidation v = options.addressValidation();
                if (group != null) {
                    // A token must open on whichever thread checks it (RFC 9000 §8.1.3).
                    v = group.shareKeys(v);
                }
                io.endpoint().setAddressValidation(v);
                io.endpoint().listen(backlog);
                listening = backlog > 0;
                listened = true;
                acceptShutdown = false;
                return v;
            });
            if (group != null) {
                group.listen(validation, backlog);
            }
            return null;
        });
    }

    /** Binds the preferred addresses of the settings, if any; the endpoint's lock is held. */
    private void bindPreferredAddresses() throws IOException {
        InetSocketAddress v4 = preferredIpv4;
        InetSocketAddress v6 = preferredIpv6;
        if (v4 != null) {
            bindPreferredAddress(v4);
        }
        if (v6 != null) {
            bindPreferredAddress(v6);
        }
    }

    /**
     * Opens a UDP socket of the endpoint at {@code requested}, a server's preferred address (RFC 9000 §9.6), and makes
     * the connections created from now on offer where it is bound; the endpoint's lock is held.
     */
    private void bindPreferredAddress(InetSocketAddress requested) throws IOException {
        if (requested.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("a preferred address is one clients reach, not the wildcard: "
                    + requested);
        }
        InetSocketAddress bound = io.openChannel(requested, false);
        if (bound.getAddress() instanceof Inet4Address) {
            preferredIpv4 = bound;
        } else {
            preferredIpv6 = bound;
        }
        io.endpoint().setPreferredAddress(preferredIpv4, preferredIpv6);
        if (group != null) {
            // Each I/O thread has a socket there too: a client moving there may hash to any (RFC 9000 §9.6).
            group.bindPreferredAddress(bound, preferredIpv4, preferredIpv6);
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
        IoEndpointGroup g = group;
        if (g != null) {
            return acceptFromGroup(g);
        }
        return lock.call(() -> {
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
                    return acceptedSocket(endpoint, c);
                }
                if (!blocking) {
                    return null;
                }
                await(deadline);
            }
        });
    }

    /** {@return the socket of {@code c}, a new connection taken from {@code endpoint}'s queue; its lock is held} */
    private QuicSocket acceptedSocket(IoEndpoint endpoint, QuicConnection c) {
        QuicSocket s = new QuicSocket(config, options.forAccepted());
        s.accepted = true;
        s.lock = new SocketLock(endpoint.lock());
        s.io = endpoint;
        s.blocking = blocking;
        s.preferredIpv4 = preferredIpv4;
        s.preferredIpv6 = preferredIpv6;
        s.servedBy = group;
        s.attach(c, endpoint.endpoint().peerAddress(c));
        endpoint.attach(s.client);
        endpoint.follow(s.client, c);
        return s;
    }

    /**
     * {@link #accept()} on a listener of several I/O threads: the oldest connection of one of their queues, taken in
     * turn; waits on the group's signal, which every thread's batch that queued one gives.
     */
    private QuicSocket acceptFromGroup(IoEndpointGroup g) throws IOException {
        long deadline = deadline();
        while (true) {
            // Read before looking, so that a connection queued after the look is not slept through.
            long seen = g.acceptSignals();
            lock.call(() -> {
                ensureOpen();
                if (acceptShutdown) {
                    throw new AsynchronousCloseException();
                }
                if (!listening) {
                    throw new IllegalStateException("the socket does not listen");
                }
                return null;
            });
            QuicSocket s = g.pollAccepted(this::acceptedSocket);
            if (s != null) {
                return s;
            }
            if (!blocking) {
                return null;
            }
            if (!g.awaitAccept(seen, deadline)) {
                throw new SocketTimeoutException("timed out after " + options.timeout());
            }
            if (closed) {
                throw new AsynchronousCloseException();
            }
        }
    }

    /** {@return the connections waiting for {@link #accept()} on this socket's UDP port; 0 if unbound} */
    public int acceptQueueLength() {
        IoEndpointGroup g = group;
        if (g != null) {
            return g.acceptQueueLength();
        }
        IoEndpoint endpoint = io;
        return endpoint == null ? 0 : lock.get(() -> endpoint.endpoint().acceptQueueLength());
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
        setup.call(() -> {
            ensureOpen();
            if (connection != null) {
                throw new AlreadyConnectedException();
            }
            if (listening) {
                throw new IllegalStateException("a listening socket cannot connect");
            }
            if (io == null) {
                bindLocked(new InetSocketAddress(route(peer), 0), false);
            }
            lock.run(() -> {
                // The settings as the options left them (TRANSPORT_PARAM, CONFIG), if the socket was bound before.
                io.setConnectionConfig(config);
                // RFC 9000 §8.1.3: NEW_TOKEN tokens kept and used (QuicSocketOptions.TOKEN_STORE, TOKEN).
                io.endpoint().setTokenStore(options.connectTokenStore());
                QuicConnection c = io.endpoint().connect(peer, System.nanoTime());
                io.follow(client, c);
                attach(c, peer);
            });
            return null;
        });
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
    // The handshake

    /**
     * {@return the connection's handshake channel, for the TLS engine that runs the handshake on the application's
     * thread} Each of its calls takes the endpoint's lock; what a flight writes leaves at the driver's next call on
     * the channel. Wait for the peer's flights with {@link #awaitHandshakeInput}.
     *
     * @throws NotYetConnectedException if the socket is no connection
     */
    public HandshakeChannel handshakeChannel() {
        requireConnection();
        return handshake;
    }

    /**
     * Waits until handshake input may be readable (a packet arrived since the handshake channel's last
     * {@code readHandshake}) or the connection's state changed, for a handshake driver waiting for input.
     * A connection closing or closed returns at once, however long ago it closed: the driver's next step
     * reports the close.
     *
     * @return true if there may be something new, false if {@code timeoutNanos} passed first
     * @throws AsynchronousCloseException if the socket was closed
     */
    public boolean awaitHandshakeInput(long timeoutNanos) throws IOException {
        requireConnection();
        return handshake.awaitInput(timeoutNanos, this::ensureOpen);
    }

    /**
     * Hands the handshake messages that arrive once the handshake is complete (a TLS 1.3 server's
     * NewSessionTicket, at the 1-RTT level, RFC 9001 §4.1.3) to {@code reader}: the TLS stack's driver, which reads
     * them through the {@link #handshakeChannel()}. The reader runs at once, for what arrived already, then on the
     * socket's I/O thread whenever handshake bytes wait to be read; always with the endpoint's lock held, so one
     * run at a time. It must not block. Without a reader those bytes wait unread, counting against the
     * connection's CRYPTO buffer (RFC 9000 §7.5).
     *
     * @param reader what reads them, or null to stop
     * @throws NotYetConnectedException if the socket is no connection
     */
    public void setPostHandshakeReader(Runnable reader) throws IOException {
        QuicConnection c = requireConnection();
        lock.run(() -> {
            postHandshakeReader = reader;
            readPostHandshake(c);
        });
    }

    /** Runs the post-handshake reader if bytes wait for it; the lock is held. */
    private void readPostHandshake(QuicConnection c) {
        Runnable reader = postHandshakeReader;
        if (reader != null && c.hasHandshakeInput()) {
            // A TLS stack reports what it refuses through the channel (an alert closes the connection); anything
            // else it throws is its bug, which must not end this socket's I/O thread.
            try {
                reader.run();
            } catch (RuntimeException e) {
                postHandshakeReader = null;
                c.closeWithError(TransportErrorCode.INTERNAL_ERROR, 0, "post-handshake reader failed",
                        System.nanoTime());
            }
        }
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
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                return 0;
            }
            long id = sendStream(c, streamId, flags, wait, deadline);
            if (id < 0) {
                return 0;
            }
            boolean fin = (flags & StreamFlags.FIN) != 0;
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
        });
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
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
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
        });
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
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                return -1L;
            }
            return open(c, (flags & StreamFlags.UNI) == 0, wait, deadline);
        });
    }

    private boolean awaitEstablished(QuicConnection c, boolean wait, long deadline) throws IOException {
        // RFC 9001 §4.6.1: a client with 0-RTT keys sends stream data before its handshake completes; §5.7: so does
        // a server configured for 0.5-RTT data once its Finished is queued.
        while (!c.state().isEstablished() && !c.canSendEarlyData() && !c.canSendHalfRtt()) {
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
        if (streamId == -1) {
            if ((flags & StreamFlags.NEW) != 0) {
                return open(c, bidirectional, wait, deadline);
            }
            if (streams.lastOpened() < 0) {
                throw new IllegalArgumentException("no stream opened yet: send with StreamFlags.NEW");
            }
            return streams.lastOpened();
        }
        if (streamId < 0 || StreamIds.index(streamId) > StreamIds.MAX_INDEX) {
            throw new IllegalArgumentException("not a stream ID: " + streamId);
        }
        if (streams.canSendOn(streamId)) {
            return streamId;
        }
        if (!StreamIds.canSend(streamId, c.role())) {
            throw new IllegalArgumentException("stream " + streamId + " is receive-only");
        }
        if (!StreamIds.isInitiatedBy(streamId, c.role())) {
            throw new IOException("stream " + streamId + " is not open");
        }
        // A stream of ours: open it, and those before it, as the kernel does for a given ID.
        boolean bidi = StreamIds.isBidirectional(streamId);
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
            long id = streams.open(bidirectional);
            // Sent either way: the new stream's data to come, or STREAMS_BLOCKED.
            flush(c);
            if (id >= 0 || !wait) {
                return id;
            }
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
        return receiving(c, () -> {
            StreamMessage m = streams.readNext(dst);
            if (m != null) {
                flush(c); // window updates
            }
            return m;
        });
    }

    /**
     * The waiting both receive calls share: under the lock, reads until {@code reading} has something (not null),
     * the connection ends, or, in non-blocking mode, at once (null).
     */
    private <T> T receiving(QuicConnection c, SocketLock.Body<T> reading) throws IOException {
        return lock.call(() -> {
            ensureOpen();
            if (readShutdown) {
                throw new ClosedChannelException();
            }
            long deadline = deadline();
            while (true) {
                drainEvents(c);
                T got = reading.run();
                if (got != null) {
                    return got;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                if (!mayWait()) {
                    return null;
                }
                await(deadline);
                if (readShutdown) {
                    throw new AsynchronousCloseException();
                }
            }
        });
    }

    /** Reads one stream, for its input stream: -1 at its end; waits until there is something. */
    int readStream(long id, ByteBuffer dst, boolean[] seen) throws IOException {
        refuseWaitingInReadyHandler();
        QuicConnection c = requireConnection();
        return lock.call(() -> {
            long deadline = deadline();
            while (true) {
                ensureOpen();
                if (readShutdown) {
                    throw new ClosedChannelException();
                }
                drainEvents(c);
                int n = streams.read(id, dst, seen);
                if (n != 0) {
                    flush(c);
                    return n;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                // An InputStream has no way to say "nothing yet": it waits whatever the socket's mode.
                await(deadline);
            }
        });
    }

    /**
     * Resets our sending part of a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_RESET}).
     *
     * @throws IOException if the stream is not open for sending
     */
    public void resetStream(long streamId, long errorCode) throws IOException {
        streamControl("reset stream " + streamId, () -> streams.reset(streamId, errorCode));
    }

    /**
     * Asks the peer to stop sending on a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_STOP_SENDING}).
     *
     * @throws IOException if the stream is not open for receiving
     */
    public void stopSending(long streamId, long errorCode) throws IOException {
        streamControl("stop sending on stream " + streamId, () -> streams.stopSending(streamId, errorCode));
    }

    /**
     * Applies a stream control under the lock and sends what it queued; a stream in the wrong state is an
     * {@link IOException} that names {@code what}.
     */
    private void streamControl(String what, Runnable control) throws IOException {
        QuicConnection c = requireConnection();
        lock.call(() -> {
            ensureSendable(c);
            try {
                control.run();
            } catch (IllegalStateException e) {
                throw new IOException("cannot " + what + ": " + e.getMessage(), e);
            }
            flush(c);
            // A reset frees its room under the connection's send bound at once: writers waiting for it go on.
            lock.signalAll();
            return null;
        });
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
        refuseWaitingInReadyHandler();
        int flags = fin ? StreamFlags.FIN : 0;
        if (blocking) {
            send(src, id, flags);
            return;
        }
        // Non-blocking socket: an OutputStream has no way to say "later", so wait here.
        QuicConnection c = requireConnection();
        lock.call(() -> {
            long deadline = deadline();
            while (true) {
                send(src, id, flags);
                if (!src.hasRemaining()) {
                    return null;
                }
                await(deadline);
                ensureSendable(c);
            }
        });
    }

    /** Tells the endpoint that this socket called into its connection and sends what it queued; the lock is held. */
    private void flush(QuicConnection c) {
        io.endpoint().touched(c);
        io.flush(c);
    }

    // ------------------------------------------------------------------------------------------------
    // Events and the I/O thread

    /** {@return the oldest event not yet polled, or null} */
    public QuicEvent pollEvent() {
        QuicConnection c = connection;
        if (c == null) {
            return null;
        }
        return lock.get(() -> {
            drainEvents(c);
            return events.poll();
        });
    }

    /** Moves the connection's events into the socket's; {@return true if there was any} The lock is held. */
    private boolean drainEvents(QuicConnection c) {
        boolean any = events.drain(c);
        if (readShutdown && streams.discardInput()) {
            // Reading opens flow control windows: the endpoint sends the updates.
            io.endpoint().touched(c);
        }
        return any;
    }

    /** On the I/O thread, lock held: wakes this socket's waiters if the batch concerned it. */
    private void onBatch() {
        QuicConnection c = connection;
        if (c == null) {
            if (listening && io.endpoint().acceptQueueLength() > 0) {
                lock.signalAll();
                watchReadiness();
            }
            return;
        }
        readPostHandshake(c);
        boolean changed = events.changed(c, drainEvents(c));
        if (changed) {
            lock.signalAll();
            watchReadiness();
        }
        Consumer<? super QuicSocket> handler = readyHandler;
        if (handler != null && (changed || readyHandlerNew) && !closed) {
            readyHandlerNew = false;
            runReadyHandler(c, handler);
        }
    }

    /** Tells the selector this socket is registered with, if any, that its readiness may have changed. */
    private void watchReadiness() {
        Runnable watcher = readinessWatcher;
        if (watcher != null) {
            watcher.run();
        }
    }

    /**
     * Sets what runs, on the I/O thread with the lock held, after a batch that may have changed this socket's
     * readiness (data, room, events, a state change, a connection to accept); null for none. For a selector: it
     * must not block.
     */
    void setReadinessWatcher(Runnable watcher) {
        readinessWatcher = watcher;
    }

    /**
     * Runs the ready handler on the I/O thread, the lock held. One that throws is the application's bug: it is
     * removed, logged, and the connection closed (INTERNAL_ERROR), so that neither end waits for what it would
     * have sent; the I/O thread goes on with the other connections.
     */
    private void runReadyHandler(QuicConnection c, Consumer<? super QuicSocket> handler) {
        inReadyHandler = Thread.currentThread();
        try {
            handler.accept(this);
        } catch (RuntimeException | Error e) {
            readyHandler = null;
            LOG.log(System.Logger.Level.WARNING, "the ready handler of " + this + " failed; closing", e);
            if (!c.state().isClosingOrClosed()) {
                c.closeWithError(TransportErrorCode.INTERNAL_ERROR, 0, "ready handler failed", System.nanoTime());
                io.endpoint().touched(c);
            }
        } finally {
            inReadyHandler = null;
        }
    }

    /**
     * Sets what runs on the socket's I/O thread whenever its connection changed: data or a FIN arrived, a stream was
     * reset, room to send freed, an event came, the state changed (the connection closing among them). It is the
     * alternative to blocking calls for a request/response protocol (as Netty's handlers are): a handler that
     * reads the request and sends the answer at once sends it in the same turn of the I/O thread that received the
     * request, with no thread woken in between. The blocking calls of other threads keep working beside it.
     *
     * <p>The handler runs with the socket's lock held, one run at a time, first at the I/O thread's next turn (for
     * what arrived before it was set), then after every turn that concerned the connection, until the socket is
     * closed. Inside it every call acts as in non-blocking mode: {@link #receive} returns null when nothing is
     * readable, {@link #send} takes what fits and returns the count (maybe 0); the rest waits for a later run, when
     * room freed. A call that can only wait (an {@link #inputStream input} or {@link #outputStream output stream}'s)
     * throws {@link IllegalStateException}. A handler should be short: the I/O thread serves the other connections of
     * its endpoint only after it. A handler that throws is removed, and the connection closed with INTERNAL_ERROR.
     *
     * @param handler what runs, given this socket; null removes the handler
     * @throws NotYetConnectedException if the socket is no connection
     */
    public void setReadyHandler(Consumer<? super QuicSocket> handler) throws IOException {
        QuicConnection c = requireConnection();
        lock.run(() -> {
            readyHandler = handler;
            readyHandlerNew = handler != null;
            if (handler != null) {
                io.endpoint().touched(c);
            }
        });
        if (handler != null) {
            io.wakeup();
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
        requireBound();
        lock.call(() -> {
            ensureOpen();
            QuicConnection c = connection;
            if (how != ShutdownHow.WRITE) {
                readShutdown = true;
                if (c != null && streams.discardInput()) {
                    io.endpoint().touched(c);
                }
            }
            if (how != ShutdownHow.READ) {
                if (c != null) {
                    ConnectionCloseInfo info = options.closeInfo();
                    c.close(info.errorCode(), info.reason(), System.nanoTime());
                    flush(c);
                }
                if (listening) {
                    acceptShutdown = true;
                }
            }
            lock.signalAll();
            if (group != null) {
                group.wakeAcceptors();
            }
            return null;
        });
    }

    /** Closes with the {@link QuicSocketOptions#CONNECTION_CLOSE} information (code 0, no reason by default). */
    @Override
    public void close() {
        ConnectionCloseInfo info = options.closeInfo();
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
        setup.run(() -> {
            if (closed) {
                return;
            }
            IoEndpoint endpoint = io;
            if (endpoint == null) {
                closed = true;
                return;
            }
            lock.run(() -> {
                closed = true;
                QuicConnection c = connection;
                if (c != null) {
                    c.close(applicationErrorCode, reason, System.nanoTime());
                    flush(c);
                }
                if (listening) {
                    QuicEndpoint quic = endpoint.endpoint();
                    quic.listen(0);
                    listening = false;
                    for (QuicConnection refused = quic.accept(); refused != null; refused = quic.accept()) {
                        refused.closeWithError(TransportErrorCode.CONNECTION_REFUSED, 0, "listener closed",
                                System.nanoTime());
                        quic.touched(refused);
                    }
                    // The refused connections are no socket's: their CONNECTION_CLOSE leaves with the others.
                    endpoint.flush();
                }
                lock.signalAll();
                endpoint.detach(client);
            });
            IoEndpointGroup g = group;
            if (g != null) {
                // The other I/O threads refuse what waits there, and end once their connections did.
                g.close();
            }
        });
    }

    // ------------------------------------------------------------------------------------------------
    // Addresses, options, state

    /**
     * {@return the local address of the socket's connection, or of its UDP socket if it is none; null if unbound}
     * The address the socket was bound to, until the connection moves: a client to the address it asked for with
     * {@link QuicSocketOptions#CONNECTION_MIGRATION}, a server's connection to its preferred address once the client
     * moved there (RFC 9000 §9.6).
     */
    public SocketAddress localAddress() {
        IoEndpoint endpoint = io;
        if (endpoint == null) {
            return null;
        }
        QuicConnection c = connection;
        if (c != null) {
            InetSocketAddress moved = lock.get(() -> endpoint.endpoint().localAddress(c));
            if (moved != null) {
                return moved;
            }
        }
        return endpoint.localAddress();
    }

    /** {@return the peer's address (the latest it used), or null if the socket is no connection} */
    public SocketAddress remoteAddress() {
        QuicConnection c = connection;
        if (c == null) {
            return null;
        }
        return lock.get(() -> {
            InetSocketAddress now = io.endpoint().peerAddress(c);
            if (now != null) {
                remote = now;
            }
            return remote;
        });
    }

    /**
     * Sets an option of {@link QuicSocketOptions}; each option's Javadoc says when it may be set, what setting it does,
     * and which exception stands for which of the kernel's errors. The UDP buffer sizes apply to the bound socket at
     * once, or at bind.
     *
     * @return this
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    public <T> QuicSocket setOption(SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(option, "option");
        if (option == QuicSocketOptions.CONNECTION_ID) {
            setConnectionIds((ConnectionIdInfo) Objects.requireNonNull(value, "value"));
            return this;
        }
        if (option == QuicSocketOptions.CONNECTION_MIGRATION) {
            setConnectionMigration(inet((SocketAddress) Objects.requireNonNull(value, "value"), "address"));
            return this;
        }
        if (option == QuicSocketOptions.IO_THREADS) {
            int n = (Integer) Objects.requireNonNull(value, "value");
            if (n < 1 || n > 32) {
                throw new IllegalArgumentException("I/O threads: 1 to 32, not " + n);
            }
            setup.call(() -> {
                ensureOpen();
                if (io != null) {
                    throw new AlreadyBoundException();
                }
                ioThreads = n;
                return null;
            });
            return this;
        }
        return setup.call(() -> {
            ensureOpen();
            options.set(option, value, optionHost);
            IoEndpointGroup g = group;
            if (g != null && (option == QuicSocketOptions.RECEIVE_BUFFER_SIZE
                    || option == QuicSocketOptions.SEND_BUFFER_SIZE)) {
                // Every I/O thread's socket of the listener's port.
                g.setOption(option == QuicSocketOptions.RECEIVE_BUFFER_SIZE ? java.net.StandardSocketOptions.SO_RCVBUF
                        : java.net.StandardSocketOptions.SO_SNDBUF, (Integer) value);
            }
            return this;
        });
    }

    /**
     * {@return the value of an option of {@link QuicSocketOptions}} Each option's Javadoc says what it reads: the UDP
     * buffer sizes are what the kernel granted once bound, {@link QuicSocketOptions#CONNECTION_CLOSE} is what the peer
     * sent once it closed, {@link QuicSocketOptions#ALPN} the negotiated protocol once the handshake completed.
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}, or a write-only one
     */
    public <T> T getOption(SocketOption<T> option) {
        if (option == QuicSocketOptions.CONNECTION_ID) {
            return option.type().cast(connectionIds(true));
        }
        if (option == QuicSocketOptions.IO_THREADS) {
            IoEndpointGroup g = group;
            return option.type().cast(g != null ? g.size() : listening ? 1 : ioThreads);
        }
        if (option == QuicSocketOptions.CONNECTION_MIGRATION) {
            QuicConnection c = connection;
            if (c != null && c.role() == qsock.api.Role.CLIENT) {
                return option.type().cast(localAddress());
            }
            InetSocketAddress v4 = preferredIpv4;
            return option.type().cast(v4 != null ? v4 : preferredIpv6);
        }
        try {
            return options.get(option, optionHost);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A hook for the TLS stack that runs this client's handshake (qsock-tls's {@code QuicHandshake}; in the kernel, the
     * userspace handshake reading {@code QUIC_SOCKOPT_SESSION_TICKET}): {@return the session set with {@link
     * QuicSocketOptions#SESSION_TICKET} to resume, or null} The slot is empty afterwards, so that the option reads only
     * the sessions the handshake then receives. The bytes are opaque to the socket: the TLS stack's own form.
     */
    public byte[] takeSessionTicket() {
        return options.takeSession();
    }

    /**
     * A hook for the TLS stack that runs this client's handshake: a session made from the server's NewSessionTicket,
     * in the TLS stack's byte form, which {@link QuicSocketOptions#SESSION_TICKET} reads from now on (the latest
     * wins). Takes no lock: the TLS stack may call it from the socket's I/O thread, where post-handshake messages are
     * read.
     *
     * @throws IllegalArgumentException if the session is empty or longer than 4096 bytes (the option's bound)
     */
    public void putSessionTicket(byte[] session) {
        Objects.requireNonNull(session, "session");
        if (session.length == 0 || session.length > OptionRanges.MAX_SESSION_TICKET) {
            throw new IllegalArgumentException("a session has 1 to " + OptionRanges.MAX_SESSION_TICKET
                    + " bytes, not " + session.length);
        }
        options.sessionReceived(session);
    }

    /**
     * {@return whether stream data is to be sent without waiting to fill packets: the socket draft's
     * {@code stream_data_nodelay} ({@link QuicConfig#streamDataNodelay()}), for the send path}
     */
    boolean streamDataNodelay() {
        return options.streamDataNodelay();
    }

    /**
     * The socket as its {@link SocketOptionTable} sees it: its settings and the timing rule of those that shape a
     * connection, its connection, and the calls on it that options make.
     */
    private final class OptionHost implements SocketOptionTable.Host {

        @Override
        public IoEndpoint bound() {
            return io;
        }

        @Override
        public ConnectionError closeError() {
            return QuicSocket.this.closeError();
        }

        @Override
        public ConnectionConfig config() {
            return config;
        }

        @Override
        public void changeConfig(java.util.function.UnaryOperator<ConnectionConfig> change, SocketOption<?> option) {
            // The setup lock is held (setOption), which connect and listen take too.
            if (accepted) {
                throw new IllegalStateException(option + " cannot be set on an accepted socket: its connection was "
                        + "made with its listener's settings");
            }
            if (connection != null) {
                throw new IllegalStateException(option + " is set before connect: the connection has its settings");
            }
            if (listened) {
                throw new IllegalStateException(option + " is set before listen: the listener's connections have "
                        + "their settings");
            }
            config = change.apply(config);
        }

        @Override
        public boolean serverSide() {
            return listened || accepted;
        }

        @Override
        public boolean listened() {
            return listened;
        }

        @Override
        public boolean connected() {
            return connection != null;
        }

        @Override
        public boolean handshakeStarted() {
            SocketHandshakeChannel h = connection != null ? handshake : null;
            return h != null && h.started();
        }

        @Override
        public String negotiatedAlpn() {
            QuicConnection c = connection;
            if (c == null || !handshake.completed()) {
                return null;
            }
            String alpn = lock.get(c::applicationProtocol);
            return alpn == null ? "" : alpn;
        }

        @Override
        public PeerTransportParameters peerTransportParameters() {
            return readConnection(c -> PeerTransportParameters.of(c.peerTransportParameters()));
        }

        @Override
        public void issueNewToken() throws IOException {
            QuicConnection c = requireConnection();
            lock.call(() -> {
                ensureSendable(c);
                io.endpoint().issueNewToken(c, System.nanoTime());
                flush(c);
                return null;
            });
        }

        @Override
        public void installSecret(CryptoSecret secret) throws IOException {
            QuicConnection c = requireConnection();
            lock.call(() -> {
                duringHandshake(c, QuicSocketOptions.CRYPTO_SECRET);
                byte[] bytes = secret.secret();
                try {
                    handshake.installSecret(secret.level(), secret.direction(), secret.cipherSuite(), bytes);
                } finally {
                    // RFC 9001 §9: the connection keeps its own copy.
                    java.util.Arrays.fill(bytes, (byte) 0);
                }
                return null;
            });
        }

        @Override
        public byte[] localTransportParameterExtension() throws IOException {
            QuicConnection c = requireConnection();
            return lock.call(() -> {
                duringHandshake(c, QuicSocketOptions.TRANSPORT_PARAM_EXT);
                return handshake.localTransportParameters();
            });
        }

        @Override
        public void peerTransportParameterExtension(byte[] extension) throws IOException {
            QuicConnection c = requireConnection();
            lock.call(() -> {
                duringHandshake(c, QuicSocketOptions.TRANSPORT_PARAM_EXT);
                handshake.peerTransportParameters(extension);
                if (c.state().isClosingOrClosed()) {
                    // RFC 9000 §7.4: the parameters closed the connection (TRANSPORT_PARAMETER_ERROR); the close
                    // leaves now.
                    flush(c);
                    throw new ClosedConnectionException(c.closeError());
                }
                return null;
            });
        }

        @Override
        public void resetStream(long streamId, long errorCode) throws IOException {
            QuicSocket.this.resetStream(streamId, errorCode);
        }

        @Override
        public void stopSending(long streamId, long errorCode) throws IOException {
            QuicSocket.this.stopSending(streamId, errorCode);
        }
    }

    /** Refuses an option that acts on the handshake once it is over; the lock is held. */
    private static void duringHandshake(QuicConnection c, SocketOption<?> option) {
        if (!c.isHandshaking()) {
            throw new IllegalStateException(option + " is for the handshake, and the connection is " + c.state());
        }
    }

    /**
     * {@return the connection IDs in use on the peer's side ({@code destination} true) or ours, as
     * {@link QuicSocketOptions#CONNECTION_ID} reads them, or null if the socket is no connection}
     */
    public ConnectionIdInfo connectionIds(boolean destination) {
        return readConnection(c -> destination
                ? new ConnectionIdInfo(true, c.peerConnectionIdSequenceNumber(), c.peerConnectionIdLowestSequenceNumber())
                : new ConnectionIdInfo(false, c.localConnectionIdLowestSequenceNumber(),
                        c.localConnectionIdLowestSequenceNumber()));
    }

    /** The CONNECTION_ID option set: applied under the lock, and the frames it queued sent at once. */
    private void setConnectionIds(ConnectionIdInfo info) throws IOException {
        QuicConnection c = requireConnection();
        lock.call(() -> {
            ensureSendable(c);
            if (info.destination()) {
                c.usePeerConnectionId(info.active(), info.priorTo());
            } else {
                c.retireLocalConnectionIdsBefore(info.priorTo());
            }
            flush(c);
            return null;
        });
    }

    /**
     * The CONNECTION_MIGRATION option set: a client's connection moves to {@code address}, a listener offers it as its
     * preferred address (see {@link QuicSocketOptions#CONNECTION_MIGRATION}).
     */
    private void setConnectionMigration(InetSocketAddress address) throws IOException {
        QuicConnection c = connection;
        if (c == null) {
            setup.call(() -> {
                ensureOpen();
                if (connection != null || !listening) {
                    // Not a listener, so a client to be: it moves once connected.
                    throw new NotYetConnectedException();
                }
                lock.call(() -> {
                    bindPreferredAddress(address);
                    return null;
                });
                return null;
            });
            return;
        }
        lock.call(() -> {
            ensureSendable(c);
            long now = System.nanoTime();
            if (c.isMigrating() || !c.canMigrateActively()) {
                // Refused before a socket is bound for nothing: the connection says why (RFC 9000 §9, §9.5).
                c.migrate(now);
            }
            InetSocketAddress bound = io.openChannel(address, true);
            try {
                io.endpoint().migrate(c, bound, now);
            } catch (RuntimeException e) {
                io.closeChannel(bound);
                throw e;
            }
            // The first PATH_CHALLENGE on the new path leaves now.
            flush(c);
            return null;
        });
    }

    /** Sets blocking (the default) or non-blocking mode for the socket's calls. */
    public void configureBlocking(boolean blocking) {
        this.blocking = blocking;
        if (io != null && !blocking) {
            lock.run(lock::signalAll);
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

    /**
     * {@return whether the server accepted the early data this client sent (RFC 9001 §4.6): null until the server's
     * answer arrived, or when no 0-RTT was offered} Early data is offered when the TLS handshake resumes a session
     * whose ticket allows it (qsock-tls's {@code QuicHandshake.startClientHandshake}); stream data sent before the
     * handshake completes then leaves as 0-RTT. Rejected early data is sent again after the handshake, so no byte
     * written is lost either way: the answer only says whether it arrived a round trip early.
     */
    public Boolean earlyDataAccepted() {
        return readConnection(QuicConnection::earlyDataAccepted);
    }

    /**
     * {@return whether stream data sent now leaves as 0-RTT: a client before its handshake completes, holding 0-RTT
     * keys}
     */
    public boolean canSendEarlyData() {
        return Boolean.TRUE.equals(readConnection(QuicConnection::canSendEarlyData));
    }

    /**
     * {@return whether stream data and datagrams sent now leave as 0.5-RTT data: a server configured for it
     * ({@code ConnectionConfig.halfRttData}) whose Finished is queued, before its handshake completes (RFC 9001 §4.1.1,
     * §5.7)} The client is not authenticated yet. See qsock-tls's {@code QuicHandshake.startServerHandshake}.
     */
    public boolean canSendHalfRtt() {
        return Boolean.TRUE.equals(readConnection(QuicConnection::canSendHalfRtt));
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
        Long n = readConnection(c -> streams.sendBuffered());
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

    /**
     * {@return the QUIC version the connection speaks now, or null if the socket is no connection} It may change
     * during the handshake: Version Negotiation and compatible negotiation (RFC 9368) move it.
     */
    public QuicVersion version() {
        return readConnection(QuicConnection::version);
    }

    /**
     * {@return a snapshot of the connection's counters and path estimates, all from one instant; null if the socket
     * is no connection}
     */
    public QuicStatistics statistics() {
        return readConnection(QuicStatistics::of);
    }

    /**
     * {@return the connection ID the peer addresses this side by now, or null if the socket is no connection} For
     * diagnostics: matching packet captures, tests that play a third party.
     */
    public byte[] localConnectionId() {
        return readConnection(c -> c.localId().toByteArray());
    }

    /** {@return the connection ID this side addresses the peer by now, or null if the socket is no connection} */
    public byte[] peerConnectionId() {
        return readConnection(c -> c.peerId().toByteArray());
    }

    /**
     * {@return the calls blocked in this socket now, waiting for the connection, a connection to accept or the
     * timeout} For diagnostics and tests: a thread counted here has released the endpoint's lock to wait.
     */
    public int blockedCalls() {
        SocketLock l = lock;
        IoEndpointGroup g = group;
        return (l == null ? 0 : l.waiters()) + (g == null ? 0 : g.acceptWaiters());
    }

    /**
     * {@return the I/O threads serving this socket and their counters: a listener's (several with {@link
     * QuicSocketOptions#IO_THREADS}), or the one of its connection; empty if unbound} For diagnostics and tests.
     */
    public java.util.List<IoThreadStatistics> ioThreads() {
        IoEndpoint endpoint = io;
        if (endpoint == null) {
            return java.util.List.of();
        }
        IoEndpointGroup g = group != null ? group : servedBy;
        if (g == null) {
            return java.util.List.of(new IoThreadStatistics(endpoint.thread().getName(), 0, 0, 0, 0));
        }
        java.util.List<IoThreadStatistics> threads = new java.util.ArrayList<>();
        for (int i = 0; i < g.size(); i++) {
            if (group != null || g.endpoint(i) == endpoint) {
                long[] n = g.counters(i);
                threads.add(new IoThreadStatistics(g.endpoint(i).thread().getName(), n[0], n[1], n[2], n[3]));
            }
        }
        return java.util.List.copyOf(threads);
    }

    /** {@return {@code getter} applied to the connection under the endpoint's lock, or null if there is none} */
    private <T> T readConnection(Function<QuicConnection, T> getter) {
        QuicConnection c = connection;
        return c == null ? null : lock.get(() -> getter.apply(c));
    }

    @Override
    public String toString() {
        QuicConnection c = connection;
        String kind = c != null ? "connection " + c.role() : listening ? "listener" : "socket";
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
        Duration d = options.timeout();
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

    /** A call that can only wait is refused in the ready handler: the I/O thread would wait for its own signal. */
    private void refuseWaitingInReadyHandler() {
        if (inReadyHandler == Thread.currentThread()) {
            throw new IllegalStateException("an input or output stream's calls wait, which the ready handler, on the"
                    + " I/O thread, cannot: use receive and send");
        }
    }

    /** {@return whether a call may wait: in blocking mode, and not from the ready handler (see {@link #setReadyHandler})} */
    private boolean mayWait() {
        return blocking && inReadyHandler != Thread.currentThread();
    }

    /** Waits for the I/O thread's next signal; the lock is held. */
    private void await(long deadline) throws IOException {
        refuseWaitingInReadyHandler();
        if (!lock.await(deadline)) {
            throw new SocketTimeoutException("timed out after " + options.timeout());
        }
        if (closed) {
            throw new AsynchronousCloseException();
        }
    }
}
