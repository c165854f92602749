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
import java.nio.channels.FileChannel;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.List;
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
     * The application error code of the RESET_STREAM a stream gets when a file region {@link #sendFile} queued on it
     * can no longer be read as a packet is built (the application closed or truncated the file): "sf" in ASCII,
     * qsock's own, since the application protocols define none for it (RFC 9000 §20.2).
     */
    public static final long FILE_UNREADABLE = qsock.core.stream.StreamManager.FILE_UNREADABLE;


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
    private final MessageReader reader = new MessageReader();

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
    /** {@link QuicSocketOptions#IO_THREADS} was set, not left at its default. */
    private volatile boolean ioThreadsSet;
    /** {@link QuicSocketOptions#REUSE_PORT}, until bind reads it. */
    private volatile boolean reusePort;
    /** {@link QuicSocketOptions#ROUTER}: routerd's control socket, until bind reads it; null for none. */
    private volatile java.nio.file.Path router;
    /** {@link QuicSocketOptions#QLOG_DIR}: where connections made from now on write qlog; null for none. */
    private volatile java.nio.file.Path qlogDir;
    /** A listener's registration with routerd, from bind; null otherwise. */
    private volatile qsock.core.router.RouterLink routerLink;
    /** The port this socket shares with other listeners of the JVM ({@link SharedPorts}); null if it shares none. */
    private SharedPorts.Entry shared;
    /** The address a sharing socket bound (its endpoint may be bound to another address of the port). */
    private volatile InetSocketAddress sharedAddress;
    /** A sharing socket's place among the port's listeners, from its first listen; null before and otherwise. */
    private volatile qsock.core.endpoint.AlpnListener alpnListener;
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
    /** {@link QuicSocketOptions#FLEET_KEYS}: the keys set, or null. */
    private volatile qsock.api.FleetKeys fleetKeys;
    /** The socket was bound with {@link #fleetKeys}' stateless reset key (set before bind). */
    private boolean boundWithFleetKeys;
    /** {@link QuicSocketOptions#QUIC_LB}: the settings set, or null. */
    private volatile qsock.socket.QuicLbSettings quicLb;
    /** The one QUIC-LB encoder of a listener's I/O threads, made at bind from {@link #quicLb}; null without. */
    private qsock.core.cid.lb.QuicLbEncoder quicLbEncoder;

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
     * <p>With {@link QuicSocketOptions#ALPN} or {@link QuicSocketOptions#REUSE_PORT} set, the socket shares the port
     * with the other listeners of this JVM that did the same (ALPN routing, see {@link QuicSocketOptions#REUSE_PORT}).
     *
     * @return this
     * @throws AlreadyBoundException if the socket is bound already
     * @throws IOException if the UDP socket cannot be bound (EADDRINUSE for a port in use by a socket that does not
     *     share it)
     * @throws IllegalStateException if the socket shares its port and {@link QuicSocketOptions#IO_THREADS} above 1 was
     *     set: a shared port has one I/O thread
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
        qsock.api.FleetKeys fleet = fleetKeys;
        qsock.socket.QuicLbSettings lb = mayListen ? quicLb : null;
        if (lb != null && this.config.connectionIdLength() != lb.connectionIdLength()) {
            // QUIC-LB IDs are of one length (draft-ietf-quic-load-balancers §"Server Actions"): the endpoint
            // issues and routes by it.
            this.config = this.config.toBuilder().connectionIdLength(lb.connectionIdLength()).build();
        }
        ConnectionConfig config = this.config;
        // RFC 9000 §10.3: with fleet keys, every server of the fleet derives the same reset token for an ID.
        EndpointConfig endpointConfig = new EndpointConfig(config, fleet == null ? null : fleet.statelessResetKey());
        UdpOptions udp = options.udpOptions();
        if (mayListen && router != null) {
            if (lb != null) {
                throw new IllegalStateException("QUIC_LB is not set on a listener behind routerd (ROUTER): the daemon"
                        + " gives it its QUIC-LB server ID");
            }
            bindRouted(address, udp, fleet);
            return;
        }
        if (mayListen && (reusePort || !alpnList().isEmpty())) {
            if (fleet != null || lb != null) {
                // The port's endpoint, its reset key and its connection IDs, serve every listener sharing it.
                throw new IllegalStateException("FLEET_KEYS and QUIC_LB are not supported on a socket sharing its"
                        + " port by ALPN or REUSE_PORT: the port's endpoint serves other listeners too");
            }
            // ALPN routing: listeners of this JVM share the port, each new connection going to the one its
            // ClientHello's ALPN picks (SharedPorts, AlpnListeners). One I/O thread serves the port.
            if (ioThreadsSet && ioThreads > 1) {
                throw new IllegalStateException("a socket sharing its port by ALPN or REUSE_PORT has one I/O thread;"
                        + " IO_THREADS " + ioThreads + " is not supported with it");
            }
            SharedPorts.Entry e = SharedPorts.bind(address, endpointConfig, udp, client);
            InetSocketAddress bound = e.endpoint.localAddress();
            shared = e;
            sharedAddress = new InetSocketAddress(address.getAddress(), bound.getPort());
            lock = new SocketLock(e.endpoint.lock());
            io = e.endpoint;
            return;
        }
        if (mayListen && ioThreads > 1 && config.connectionIdLength() > 0 && IoEndpointGroup.supported()) {
            // Several I/O threads (QuicSocketOptions.IO_THREADS): the port is bound to be shared, with the reset key
            // the others will have.
            if (fleet == null) {
                endpointConfig = IoEndpointGroup.sharedConfig(config);
            }
            udp = udp.withReusePort(true);
            sharedEndpointConfig = endpointConfig;
        }
        IoEndpoint endpoint = IoEndpoint.bind(address, endpointConfig, udp, client);
        if (lb != null) {
            quicLbEncoder = new qsock.core.cid.lb.QuicLbEncoder(new qsock.core.cid.lb.QuicLbConfig(
                    lb.configRotation(), lb.serverId().length, lb.nonceLength(), lb.key(), false), lb.serverId(),
                    new java.security.SecureRandom());
            endpoint.lock().lock();
            try {
                endpoint.endpoint().setQuicLbEncoder(quicLbEncoder);
            } finally {
                endpoint.lock().unlock();
            }
        }
        boundWithFleetKeys = fleet != null;
        lock = new SocketLock(endpoint.lock());
        io = endpoint;
    }

    /**
     * Binds a listener through routerd ({@link QuicSocketOptions#ROUTER}): registers its ALPN list with the daemon and
     * binds its endpoint behind it ({@link IoEndpoint#bindRouted}), with connection IDs of the daemon's QUIC-LB length.
     */
    private void bindRouted(InetSocketAddress address, UdpOptions udp, qsock.api.FleetKeys fleet) throws IOException {
        if (ioThreadsSet && ioThreads > 1) {
            throw new IllegalStateException("a listener behind routerd has one I/O thread; IO_THREADS " + ioThreads
                    + " is not supported with it");
        }
        // The daemon checks the address (its own, its wildcard, port 0) before it registers anything.
        qsock.core.router.RouterLink link = qsock.core.router.RouterLink.register(router, address, alpnList(),
                reusePort);
        try {
            InetSocketAddress at = link.registration().publicAddress();
            int cidLength = link.registration().quicLb().connectionIdLength();
            if (config.connectionIdLength() != cidLength) {
                // Every ID must carry the daemon's QUIC-LB server ID, which fixes their length.
                config = config.toBuilder().connectionIdLength(cidLength).build();
            }
            // RFC 9000 §10.3: with fleet keys, every server of the fleet derives the same reset token for an ID.
            IoEndpoint endpoint = IoEndpoint.bindRouted(link,
                    new EndpointConfig(config, fleet == null ? null : fleet.statelessResetKey()), udp, client);
            boundWithFleetKeys = fleet != null;
            routerLink = link;
            sharedAddress = at;
            lock = new SocketLock(endpoint.lock());
            io = endpoint;
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** {@return the ALPN option's list as set now} */
    private List<String> alpnList() {
        try {
            List<String> l = options.get(QuicSocketOptions.ALPN, optionHost);
            return l == null ? List.of() : l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes this socket the one of {@code c}; the endpoint's lock is held. */
    private void attach(QuicConnection c, InetSocketAddress peer) {
        streams = new ConnectionStreams(c.streams(), c.role());
        handshake = new SocketHandshakeChannel(c, io, lock, options);
        remote = peer;
        connection = c;
        applyEventInterest(c);
        // The draft's stream_data_nodelay off: Nagle's algorithm holds small data while data is in flight.
        c.streams().setNagle(!streamDataNodelay());
        c.streams().setFullPacket(fullPacket(c));
    }

    /**
     * Listens for connections, up to {@code backlog} of them waiting for {@link #accept()}; 0 stops
     * listening (connections already waiting stay). A socket that shares its port ({@link QuicSocketOptions#ALPN} or
     * {@link QuicSocketOptions#REUSE_PORT} set before bind) joins the port's listeners here with its ALPN list, and
     * its accept queue holds only the connections routed to it.
     *
     * @throws NotYetBoundException if the socket is not bound
     * @throws IllegalStateException if the socket is a connection
     * @throws java.net.BindException (the kernel's EADDRINUSE) if the socket shares its port and its ALPN list equals
     *     or overlaps that of another listener of the same address, outside a reuse-port group of equal lists
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
            if (shared != null) {
                listenShared(backlog);
                registerCounters();
                return null;
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
                    group.setAcceptWatcher(this::watchReadiness);
                    if (quicLbEncoder != null) {
                        // QuicSocketOptions.QUIC_LB: one encoder, one nonce sequence, for all the threads, set before
                        // they listen (the group's endpoints have made no connection yet).
                        for (int i = 1; i < group.size(); i++) {
                            IoEndpoint other = group.endpoint(i);
                            other.lock().lock();
                            try {
                                other.endpoint().setQuicLbEncoder(quicLbEncoder);
                            } finally {
                                other.lock().unlock();
                            }
                        }
                    }
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
                io.endpoint().setQlogDirectory(qlogDir);
                io.endpoint().listen(backlog);
                listening = backlog > 0;
                listened = true;
                acceptShutdown = false;
                return v;
            });
            if (group != null) {
                group.setQlogDirectory(qlogDir);
                group.listen(validation, backlog);
            }
            registerCounters();
            return null;
        });
    }

    /**
     * Makes the listener's endpoints' counters JMX MBeans ({@link QuicEndpointMXBean}), one per I/O thread, named by
     * the port the listener is reached at; once per endpoint, however often listen is called.
     */
    private void registerCounters() {
        int port = ((InetSocketAddress) localAddress()).getPort();
        IoEndpointGroup g = group;
        if (g == null) {
            EndpointBean.register(io, port, 0);
            return;
        }
        for (int i = 0; i < g.size(); i++) {
            EndpointBean.register(g.endpoint(i), port, i);
        }
    }

    /**
     * {@link #listen} for a socket sharing its port: joins the port's listeners with its ALPN list (the kernel's
     * {@code quic_hash}). The first listener of the port sets what every connection of the port is made with
     * (transport settings, address validation, preferred addresses); a later one's are its own only in what the
     * accepted sockets copy (its options, ALPN among them).
     *
     * @throws java.net.BindException (EADDRINUSE) if the ALPN list equals or overlaps that of another listener of
     *     the same address and port outside a reuse-port group
     */
    private void listenShared(int backlog) throws IOException {
        lock.call(() -> {
            QuicEndpoint quic = io.endpoint();
            if (backlog == 0) {
                if (alpnListener != null) {
                    quic.removeListener(alpnListener);
                }
                listening = false;
                return null;
            }
            qsock.core.endpoint.AlpnListener l = alpnListener;
            if (l == null) {
                l = new qsock.core.endpoint.AlpnListener(sharedAddress.getAddress(), alpnList(), reusePort);
            }
            boolean first = quic.listeners().isEmpty() && !quic.isServer();
            quic.addListener(l, backlog);
            alpnListener = l;
            if (first) {
                io.setConnectionConfig(config);
                quic.setAddressValidation(options.addressValidation());
                quic.setQlogDirectory(qlogDir);
                if (!preferredBound) {
                    bindPreferredAddresses();
                    preferredBound = true;
                }
            }
            listening = true;
            listened = true;
            acceptShutdown = false;
            return null;
        });
    }

    /** {@return the connections waiting for this listener's accept; the lock is held} */
    private int queuedForAccept(QuicEndpoint quic) {
        qsock.core.endpoint.AlpnListener l = alpnListener;
        return l != null ? quic.acceptQueueLength(l) : quic.acceptQueueLength();
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
                qsock.core.endpoint.AlpnListener l = alpnListener;
                QuicConnection c = l != null ? quic.accept(l) : quic.accept();
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
        s.events.enable(events.enabled());
        s.accepted = true;
        s.lock = new SocketLock(endpoint.lock());
        s.io = endpoint;
        s.blocking = blocking;
        s.preferredIpv4 = preferredIpv4;
        s.preferredIpv6 = preferredIpv6;
        s.servedBy = group;
        s.qlogDir = qlogDir;
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
        return endpoint == null ? 0 : lock.get(() -> queuedForAccept(endpoint.endpoint()));
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
            if (shared != null) {
                throw new IllegalStateException("a socket sharing its port with listeners (ALPN or REUSE_PORT set"
                        + " before bind) cannot connect");
            }
            if (routerLink != null) {
                throw new IllegalStateException("a socket bound through routerd (ROUTER set before bind) cannot"
                        + " connect");
            }
            if (quicLb != null) {
                throw new IllegalStateException("a socket with QUIC_LB set is a listener's: it cannot connect");
            }
            if (io == null) {
                bindLocked(new InetSocketAddress(route(peer), 0), false);
            }
            lock.run(() -> {
                // The settings as the options left them (TRANSPORT_PARAM, CONFIG), if the socket was bound before.
                io.setConnectionConfig(config);
                // RFC 9000 §8.1.3: NEW_TOKEN tokens kept and used (QuicSocketOptions.TOKEN_STORE, TOKEN).
                io.endpoint().setTokenStore(options.connectTokenStore());
                io.endpoint().setQlogDirectory(qlogDir);
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
     * Sends stream data (the kernel's sendmsg with stream information, {@code quic_sendmsg}), with the kernel's
     * rules for naming the stream:
     * <ul>
     * <li>{@code streamId} -1 names the active stream: the stream opened last (by us, or a bidirectional one by the
     *     peer) until its FIN is sent or it is reset; with none active, the next stream of ours of the direction
     *     {@link StreamFlags#UNI} picks.
     * <li>A stream of ours not yet open is opened only with {@link StreamFlags#NEW} (with the lower IDs of its type,
     *     RFC 9000 §3.2); without it the send is refused ({@link StreamNotOpenException}). {@code NEW} on a stream
     *     that already carries data, or on the active stream, is refused ({@link StreamAlreadyOpenException}): so
     *     {@code send(src, -1, NEW)} while the last stream is not finished fails, as in the kernel.
     * <li>A stream whose FIN was sent, which we reset, or which was closed is refused ({@link StreamClosedException});
     *     one the peer's STOP_SENDING reset throws {@link StreamResetException} with the peer's code; the peer's
     *     unidirectional streams and IDs that are no stream are {@link IllegalArgumentException}s.
     * <li>Beyond the peer's stream limit, the call waits for it to rise (and says so with STREAMS_BLOCKED) or, with
     *     {@link StreamFlags#DONTWAIT} or in non-blocking mode, throws {@link StreamLimitException} ({@code EAGAIN};
     *     STREAMS_BLOCKED only with {@link StreamFlags#SNDBLOCK}).
     * </ul>
     * {@link StreamFlags#FIN} ends the stream after {@code src} (an empty {@code src} with FIN is allowed, an empty
     * one without is refused, the kernel's {@code EMSGSIZE}). {@link StreamFlags#MORE} corks: the data is held until a
     * packet is full or a send without it. {@link StreamFlags#DATAGRAM} sends {@code src} as one datagram instead
     * ({@link #sendDatagram}).
     *
     * <p>What may be queued is bounded twice, acknowledgement pending: per stream
     * ({@code ConnectionConfig.streamSendBufferSize}) and for all streams of the connection together
     * ({@code ConnectionConfig.connectionSendBufferSize}, shared fairly among the streams that wait for
     * room; {@link #sendBuffered()}). Blocking mode waits until the connection is established, the stream
     * can be opened and every byte of {@code src} is taken, as the peer's acknowledgements free room. With
     * {@link StreamFlags#DONTWAIT} or in non-blocking mode it takes what fits at once and returns the count; when
     * nothing fits it throws: {@link FlowControlBlockedException} ({@code ENOSPC}) when the peer's flow control holds
     * the stream's data back, else {@link WouldBlockException} ({@code EAGAIN}; also before the handshake allows
     * sending).
     *
     * @return the bytes taken from {@code src}, at least 1 unless {@code src} was empty with FIN
     * @throws ClosedConnectionException if the connection ended (the kernel's {@code EPIPE})
     * @throws StreamResetException if the peer asked us to stop sending on the stream
     * @throws SocketTimeoutException if the timeout passed before anything was taken
     */
    public int send(ByteBuffer src, long streamId, int flags) throws IOException {
        return send(src, streamId, flags, true);
    }

    /**
     * {@link #send} without waiting ({@link StreamFlags#DONTWAIT} implied) that returns 0 where {@code send} would
     * throw {@link WouldBlockException} (a full buffer, flow control, the peer's stream limit, a handshake not done):
     * the JDK's non-blocking idiom, for event loops and ready handlers that retry when the socket is writable again,
     * at no cost when it is not. Every other refusal throws as with {@code send}.
     *
     * @return the bytes taken from {@code src}, maybe 0
     */
    public int trySend(ByteBuffer src, long streamId, int flags) throws IOException {
        return send(src, streamId, flags | StreamFlags.DONTWAIT, false);
    }

    private int send(ByteBuffer src, long streamId, int flags, boolean throwIfBlocked) throws IOException {
        Objects.requireNonNull(src, "src");
        StreamFlags.check(flags, StreamFlags.SEND, "send");
        if ((flags & StreamFlags.DATAGRAM) != 0) {
            return sendAsDatagram(src, flags);
        }
        if (!src.hasRemaining() && (flags & StreamFlags.FIN) == 0) {
            // The kernel's EMSGSIZE: an empty send says nothing unless it ends the stream.
            throw new IllegalArgumentException("nothing to send: an empty send needs StreamFlags.FIN");
        }
        QuicConnection c = requireConnection();
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                if (!throwIfBlocked) {
                    return 0;
                }
                throw new WouldBlockException("the connection cannot send stream data yet: its handshake is not done");
            }
            // MSG_MORE: hold what this call queues until a packet is full or a send without it comes.
            streams.cork((flags & StreamFlags.MORE) != 0, fullPacket(c));
            long id;
            try {
                id = sendStream(c, streamId, flags, wait, deadline);
            } catch (StreamLimitException e) {
                if (!throwIfBlocked) {
                    return 0;
                }
                throw e;
            }
            boolean fin = (flags & StreamFlags.FIN) != 0;
            int total = 0;
            while (true) {
                ensureSendable(c);
                try {
                    total += streams.write(id, src, fin);
                } catch (IllegalStateException e) {
                    throw new StreamClosedException(id, e.getMessage());
                }
                if (fin && !src.hasRemaining()) {
                    streams.sendingEnded(id);
                }
                flush(c);
                if (!src.hasRemaining()) {
                    return total;
                }
                if (!wait) {
                    if (total > 0 || !throwIfBlocked) {
                        return total;
                    }
                    throw sendBlocked(id);
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
     * Sends {@code count} bytes of {@code file} from {@code position} on stream data without copying them through
     * the application or into the stream's buffer (the kernel's {@code sendfile} on a QUIC socket): the stream's
     * send buffer references the file region, and each packet that carries part of it, its first send and every
     * retransmission, reads those bytes from the file straight into the packet. The stream is named, opened and
     * ended as with {@link #send}: {@code streamId} -1, {@link StreamFlags#NEW}, {@link StreamFlags#FIN} (after the
     * region; a {@code count} of 0 needs it), {@link StreamFlags#MORE}, {@link StreamFlags#DONTWAIT}, and the same
     * exceptions for the same causes. {@link StreamFlags#DATAGRAM} is refused.
     *
     * <p>The region counts against the stream's and the connection's send bounds as queued bytes do, until
     * acknowledged: a blocking call takes a large file piece by piece as acknowledgements free room and returns
     * when all of it is queued; with {@link StreamFlags#DONTWAIT} or in non-blocking mode it takes what fits now and
     * returns the count, or throws as {@code send} does when nothing fits.
     *
     * <p>The bytes are copied from the page cache into each packet through a read-only mapping of a 4 MiB window of
     * the file around them (one {@code mmap} per window, no system call per packet), which costs less CPU than the
     * application's read-then-send loop (scripts/bench-sendfile).
     *
     * <p>The file stays the application's: qsock never closes, truncates or moves it (it maps it with the calling
     * thread's interrupt set aside, so that an interrupt cannot close it). It must stay open and at least {@code
     * position + count} long until {@link #streamSendBuffered(long)} says the stream's bytes are acknowledged (or the
     * stream is reset). If the application closes it, or truncates it below the region, before then, the bytes that
     * can no longer be read are not sent: the stream's sending part is reset, the peer receives RESET_STREAM with
     * application error code {@link #FILE_UNREADABLE} (0x7366), and the next {@code send} or {@code sendFile} on the
     * stream throws {@link StreamClosedException} saying the file could not be read. Bytes already sent stay sent; the
     * connection and its other streams go on. One limit of the mapping: bytes between a truncation point and the end
     * of its 4 KiB page read as zeros (the kernel's mapping gives them), so a file truncated in the middle of a page
     * sends up to a page of zeros before the reset. Bytes the application rewrites in place while queued are sent as
     * they are when read, so a retransmission may differ from the first send: do not.
     *
     * @param file an open file, readable
     * @param position where the region starts in the file
     * @param count the region's length; {@code position + count} must not exceed the file's size now
     * @return the bytes of the region queued, at least 1 unless {@code count} was 0 with FIN
     * @throws IllegalArgumentException if the region is negative or beyond the file's end, or {@code count} is 0
     *     without FIN (the kernel's {@code EMSGSIZE})
     * @throws java.nio.channels.NonReadableChannelException if the file was not opened for reading
     * @throws java.nio.channels.ClosedChannelException if the file is closed
     * @throws ClosedConnectionException if the connection ended (the kernel's {@code EPIPE})
     * @throws StreamResetException if the peer asked us to stop sending on the stream
     * @throws SocketTimeoutException if the timeout passed before anything was taken
     */
    public long sendFile(FileChannel file, long position, long count, long streamId, int flags) throws IOException {
        Objects.requireNonNull(file, "file");
        StreamFlags.check(flags, StreamFlags.SEND, "sendFile");
        if ((flags & StreamFlags.DATAGRAM) != 0) {
            throw new IllegalArgumentException("sendFile sends stream data: DATAGRAM is refused");
        }
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("negative file region: position " + position + ", count " + count);
        }
        if (count == 0 && (flags & StreamFlags.FIN) == 0) {
            throw new IllegalArgumentException("nothing to send: an empty sendFile needs StreamFlags.FIN");
        }
        long size = file.size();
        if (position > size || count > size - position) {
            throw new IllegalArgumentException("the region [" + position + ", " + position + " + " + count
                    + ") goes beyond the file's end at " + size);
        }
        // Refuses a file not opened for reading now, rather than when a packet is built.
        file.read(ByteBuffer.allocate(0), position);
        QuicConnection c = requireConnection();
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                throw new WouldBlockException("the connection cannot send stream data yet: its handshake is not done");
            }
            streams.cork((flags & StreamFlags.MORE) != 0, fullPacket(c));
            long id = sendStream(c, streamId, flags, wait, deadline);
            boolean fin = (flags & StreamFlags.FIN) != 0;
            long total = 0;
            while (true) {
                ensureSendable(c);
                try {
                    total += streams.writeFile(id, file, position + total, count - total, fin);
                } catch (IllegalStateException e) {
                    throw new StreamClosedException(id, e.getMessage());
                }
                if (fin && total == count) {
                    streams.sendingEnded(id);
                }
                flush(c);
                if (total == count) {
                    return total;
                }
                if (!wait) {
                    if (total > 0) {
                        return total;
                    }
                    throw sendBlocked(id);
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
     * {@return the bytes queued on stream {@code streamId}'s sending part that the peer has not acknowledged} 0 once
     * every byte is acknowledged, when the part was reset, when the stream is unknown or gone, and when the connection
     * ended or the socket is no connection: then nothing queued will be sent any more. An application that gave a
     * file to {@link #sendFile} learns from it when the file may be closed.
     */
    public long streamSendBuffered(long streamId) {
        Long n = readConnection(c -> {
            if (c.state().isClosingOrClosed() || closed) {
                return 0L;
            }
            qsock.core.stream.SendStream part = streams.sendPart(streamId);
            return part == null || !part.isSending() ? 0L : part.buffer().held();
        });
        return n == null ? 0 : n;
    }

    /**
     * {@return the stream data a full packet of {@code c} carries now}: its datagram size less what a short header,
     * a STREAM frame's header and the AEAD tag take, so that corked data leaves in packets as full as they come
     */
    private static int fullPacket(QuicConnection c) {
        return Math.max(1, c.maxDatagramSize() - 64);
    }

    /** {@return why a send that must not wait took nothing from stream {@code id}: flow control, or a full buffer} */
    private WouldBlockException sendBlocked(long id) {
        if (streams.isFlowControlBlocked(id)) {
            return new FlowControlBlockedException(id, streams.isConnectionFlowControlBlocked());
        }
        return new WouldBlockException("no room to queue more on stream " + id + ": the send buffer is full"
                + " until the peer acknowledges what is in flight");
    }

    /** {@link #send} with {@link StreamFlags#DATAGRAM}: one datagram, its length returned as the kernel does. */
    private int sendAsDatagram(ByteBuffer src, int flags) throws IOException {
        if ((flags & ~(StreamFlags.DATAGRAM | StreamFlags.DONTWAIT)) != 0) {
            throw new IllegalArgumentException("a datagram takes no flag but DONTWAIT: 0x"
                    + Integer.toHexString(flags & ~StreamFlags.DATAGRAM));
        }
        int length = src.remaining();
        if (!sendDatagram(src, flags & StreamFlags.DONTWAIT)) {
            throw new WouldBlockException("no room to queue a datagram now");
        }
        return length;
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
        Integer n = receiving(c, mayWait(), () -> {
            int length = reader.readDatagram(dst, c);
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
     * Opens the next stream without sending: {@code openStream(-1, flags)}.
     *
     * @return the stream's ID
     * @throws StreamLimitException if the peer's stream limit allows none now and the call must not wait
     */
    public long openStream(int flags) throws IOException {
        return openStream(-1, flags);
    }

    /**
     * Opens a stream without sending (the kernel's {@code QUIC_SOCKOPT_STREAM_OPEN}): stream {@code streamId} of
     * ours with the lower IDs of its type (RFC 9000 §3.2), or with -1 the next one, unidirectional with
     * {@link StreamFlags#UNI}. A stream of ours that is open but has carried nothing yet is returned as it is. The
     * stream becomes the active one that a send with stream ID -1 names. Beyond the peer's stream limit the call
     * waits for the limit to rise, or with {@link StreamFlags#DONTWAIT} (or in non-blocking mode) throws {@link
     * StreamLimitException} at once; {@link QuicEvent.MaxStreams} says when more are allowed.
     *
     * @param flags {@link StreamFlags#UNI}, {@link StreamFlags#DONTWAIT}, {@link StreamFlags#SNDBLOCK} ({@link
     *     StreamFlags#NEW} is implied)
     * @return the stream's ID
     * @throws StreamLimitException if the stream is beyond the peer's limit and the call must not wait ({@code EAGAIN})
     * @throws StreamClosedException if the stream was open before and is finished, reset or closed
     * @throws StreamAlreadyOpenException if the stream carried data already
     * @throws IllegalArgumentException if {@code streamId} is not a stream we may open
     * @throws WouldBlockException if the handshake does not allow streams yet and the call must not wait
     */
    public long openStream(long streamId, int flags) throws IOException {
        StreamFlags.check(flags, StreamFlags.OPEN, "openStream");
        QuicConnection c = requireConnection();
        return lock.call(() -> {
            long deadline = deadline();
            boolean wait = mayWait() && (flags & StreamFlags.DONTWAIT) == 0;
            if (!awaitEstablished(c, wait, deadline)) {
                throw new WouldBlockException("the connection cannot open streams yet: its handshake is not done");
            }
            // Unlike a send, -1 here is the next stream, never the active one (the kernel's quic_sock_stream_open).
            long id = streamId == -1 ? streams.nextStreamId((flags & StreamFlags.UNI) == 0, true) : streamId;
            if (id >= 0 && StreamIds.canSend(id, c.role()) && !StreamIds.isInitiatedBy(id, c.role())) {
                throw new IllegalArgumentException("stream " + id + " is the peer's: only the peer opens it");
            }
            return sendStream(c, id, flags | StreamFlags.NEW, wait, deadline);
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

    /**
     * {@return the stream a send names, opened if {@link StreamFlags#NEW} asks}: the kernel's rules (see {@link
     * #send}); waits for the peer's stream limit when {@code wait}, else refuses at once.
     */
    private long sendStream(QuicConnection c, long streamId, int flags, boolean wait, long deadline)
            throws IOException {
        boolean isNew = (flags & StreamFlags.NEW) != 0;
        long id = streamId;
        if (id == -1) {
            long active = streams.active();
            id = active >= 0 ? active : streams.nextStreamId((flags & StreamFlags.UNI) == 0, true);
        } else if (id < 0 || StreamIds.index(id) > StreamIds.MAX_INDEX) {
            throw new IllegalArgumentException("not a stream ID: " + streamId);
        }
        if (!StreamIds.canSend(id, c.role())) {
            throw new IllegalArgumentException("stream " + id + " is the peer's unidirectional stream: receive-only");
        }
        if (streams.isPeeled(id)) {
            throw new StreamStateException(id, "stream " + id + " is peeled off: send on its QuicStreamChannel");
        }
        boolean bidi = StreamIds.isBidirectional(id);
        boolean ours = StreamIds.isInitiatedBy(id, c.role());
        qsock.core.stream.SendStream part = streams.sendPart(id);
        if (part != null) {
            if (part.isResetByPeer()) {
                // RFC 9000 §3.5: the peer's STOP_SENDING; its code says why.
                throw new StreamResetException(id, part.resetCode());
            }
            if (part.fileFailure() != null) {
                throw new StreamClosedException(id, "it was reset: a file region queued on it could not be read: "
                        + part.fileFailure());
            }
            if (part.resetCode() >= 0) {
                throw new StreamClosedException(id, "we reset it");
            }
            if (part.isFinished() || !part.state().isSending()) {
                throw new StreamClosedException(id, "its FIN was sent");
            }
            if (isNew && part.buffer().writeOffset() > 0) {
                throw new StreamAlreadyOpenException(id);
            }
            return id;
        }
        if (id < streams.nextStreamId(bidi, ours)) {
            // Opened before (by one side or the other) and forgotten since: both of its parts ended.
            throw new StreamClosedException(id, "both of its parts ended");
        }
        if (!ours) {
            throw new StreamNotOpenException(id, "stream " + id + " is the peer's and not open yet: the peer opens it");
        }
        if (!isNew) {
            throw new StreamNotOpenException(id);
        }
        return openUpTo(c, id, flags, wait, deadline);
    }

    /**
     * Opens our stream {@code id} and the lower ones of its type not yet open, all or none: waits for the peer's
     * stream limit to allow {@code id} when {@code wait}, else throws {@link StreamLimitException}.
     */
    private long openUpTo(QuicConnection c, long id, int flags, boolean wait, long deadline) throws IOException {
        boolean bidi = StreamIds.isBidirectional(id);
        while (true) {
            ensureSendable(c);
            long max = streams.peerMaxStreams(bidi);
            if (StreamIds.index(id) < max) {
                long opened;
                do {
                    opened = streams.open(bidi, true);
                } while (opened >= 0 && opened < id);
                flush(c);
                return id;
            }
            // RFC 9000 §4.6: STREAMS_BLOCKED when we wish to open a stream but cannot; a call that gives up at once
            // says so only when asked (SNDBLOCK), as the kernel does.
            streams.refuseOpen(bidi, wait || (flags & StreamFlags.SNDBLOCK) != 0);
            flush(c);
            if (!wait) {
                throw new StreamLimitException(id, max);
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
        return receiving(c, mayWait(), () -> {
            StreamMessage m = reader.readStream(dst, streams);
            if (m != null) {
                flush(c); // window updates
            }
            return m;
        });
    }

    /**
     * Receives the next message (the kernel's recvmsg, {@code quic_recvmsg}): an event that is turned on
     * ({@link QuicSocketOptions#EVENT}), a datagram, or stream data of one stream, in that order of precedence, as the
     * kernel queues events ahead of data. The {@link QuicMessage} tells which, with the stream and its FIN for stream
     * data. A datagram or event larger than {@code dst} comes in parts, each call going on where the last stopped,
     * the last part flagged {@link StreamFlags#EOR} (the kernel's MSG_EOR); the record of an event is on every part.
     * With {@link StreamFlags#PEEK} the message stays: the next call returns the same bytes again.
     *
     * @param flags {@link StreamFlags#DONTWAIT} (return null at once when nothing is there, as in non-blocking mode),
     *     {@link StreamFlags#PEEK}
     * @return what was read; null when nothing is there and the call must not wait
     * @throws StreamResetException if the stream whose turn it was was reset by the peer (the next call goes on)
     * @throws ClosedConnectionException if the connection ended and nothing is left to read (its
     *     {@link QuicEvent.ConnectionClose}, if turned on, comes first)
     * @throws SocketTimeoutException if the timeout passed
     * @throws AsynchronousCloseException if the socket was shut down for reading or closed while waiting
     */
    public QuicMessage receive(ByteBuffer dst, int flags) throws IOException {
        Objects.requireNonNull(dst, "dst");
        StreamFlags.check(flags, StreamFlags.RECEIVE, "receive");
        if (!dst.hasRemaining()) {
            throw new IllegalArgumentException("no room in the buffer");
        }
        boolean peek = (flags & StreamFlags.PEEK) != 0;
        QuicConnection c = requireConnection();
        return receiving(c, mayWait() && (flags & StreamFlags.DONTWAIT) == 0, () -> {
            QuicMessage m = reader.read(dst, peek, c, events, streams);
            if (m != null && m.isStreamData()) {
                flush(c); // window updates
            }
            return m;
        });
    }

    /**
     * The waiting both receive calls share: under the lock, reads until {@code reading} has something (not null),
     * the connection ends, or, in non-blocking mode, at once (null).
     */
    private <T> T receiving(QuicConnection c, boolean wait, SocketLock.Body<T> reading) throws IOException {
        return lock.call(() -> {
            ensureOpen();
            if (readShutdown) {
                throw new ClosedChannelException();
            }
            long deadline = deadline();
            while (true) {
                drainEvents(c);
                T got;
                try {
                    got = reading.run();
                } catch (StreamResetException reset) {
                    // Reading the peer's reset may have ended its stream: the MAX_STREAMS that hands its slot back
                    // leaves now, not with whatever packet comes next (RFC 9000 §4.6).
                    flush(c);
                    throw reset;
                }
                if (got != null) {
                    return got;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                if (!wait) {
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
                int n;
                try {
                    n = streams.read(id, dst, seen);
                } catch (StreamResetException reset) {
                    flush(c); // as in receiving: the stream's slot goes back now
                    throw reset;
                }
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
     * Resets our sending part of a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_RESET}; RFC 9000 §3.1): from the
     * Ready, Send and Data Sent states, so also after a FIN whose data is not all acknowledged.
     *
     * @throws StreamNotOpenException if the stream was never opened ({@code EINVAL})
     * @throws StreamClosedException if it is closed, reset already, or all its data acknowledged ({@code EINVAL},
     *     {@code ENOSTR})
     * @throws IllegalArgumentException if we cannot send on it (the peer's unidirectional stream)
     */
    public void resetStream(long streamId, long errorCode) throws IOException {
        streamControl(streamId, () -> {
            qsock.core.stream.SendStream part = streams.sendPart(streamId);
            if (part == null) {
                throw unknownStream(streamId, true);
            }
            if (!part.state().isSending()) {
                throw new StreamClosedException(streamId, part.resetCode() >= 0 ? "it was reset already"
                        : "all its data was acknowledged");
            }
            streams.reset(streamId, errorCode);
            streams.sendingEnded(streamId);
        });
    }

    /**
     * Asks the peer to stop sending on a stream (the kernel's {@code QUIC_SOCKOPT_STREAM_STOP_SENDING}; RFC 9000
     * §3.5). Asking again while the first request stands changes nothing.
     *
     * @throws StreamNotOpenException if the stream was never opened ({@code EINVAL})
     * @throws StreamClosedException if it is closed, or all its data or the peer's reset already arrived (RFC 9000
     *     §3.3; {@code EINVAL})
     * @throws IllegalArgumentException if we cannot receive on it (our unidirectional stream)
     */
    public void stopSending(long streamId, long errorCode) throws IOException {
        streamControl(streamId, () -> {
            qsock.core.stream.RecvStream part = streams.recvPart(streamId);
            if (part == null) {
                throw unknownStream(streamId, false);
            }
            qsock.core.stream.RecvStreamState state = part.state();
            if (state != qsock.core.stream.RecvStreamState.RECV && state != qsock.core.stream.RecvStreamState.SIZE_KNOWN) {
                throw new StreamClosedException(streamId, state == qsock.core.stream.RecvStreamState.DATA_RECVD
                        || state == qsock.core.stream.RecvStreamState.DATA_READ
                        ? "all its data arrived" : "the peer reset it");
            }
            streams.stopSending(streamId, errorCode);
        });
    }

    /** {@return why a stream control found no part of stream {@code id} to act on} */
    private IOException unknownStream(long id, boolean send) {
        QuicConnection c = connection;
        if (id < 0 || StreamIds.index(id) > StreamIds.MAX_INDEX) {
            throw new IllegalArgumentException("not a stream ID: " + id);
        }
        if (send ? !StreamIds.canSend(id, c.role()) : !StreamIds.canReceive(id, c.role())) {
            throw new IllegalArgumentException("stream " + id + " is " + (send ? "receive" : "send") + "-only for us");
        }
        boolean ours = StreamIds.isInitiatedBy(id, c.role());
        if (id < streams.nextStreamId(StreamIds.isBidirectional(id), ours)) {
            return new StreamClosedException(id, "both of its parts ended");
        }
        return new StreamNotOpenException(id, "stream " + id + " is not open");
    }

    /** A stream control: checks, then acts, under the lock; it may throw what the checks refuse. */
    @FunctionalInterface
    private interface StreamControl {
        void run() throws IOException;
    }

    /** Applies a stream control under the lock and sends what it queued. */
    private void streamControl(long streamId, StreamControl control) throws IOException {
        QuicConnection c = requireConnection();
        lock.call(() -> {
            ensureSendable(c);
            control.run();
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
        QuicConnection c = requireConnection();
        lock.call(() -> {
            long deadline = deadline();
            while (true) {
                // An output stream of a stream of ours not yet open opens it with its first write.
                int flags = (fin ? StreamFlags.FIN : 0) | (opensOnWrite(c, id) ? StreamFlags.NEW : 0);
                if (blocking) {
                    send(src, id, flags);
                    return null;
                }
                // Non-blocking socket: an OutputStream has no way to say "later", so wait here.
                try {
                    send(src, id, flags);
                } catch (WouldBlockException e) {
                    // Waits below, as a blocking send would.
                }
                qsock.core.stream.SendStream part = streams.sendPart(id);
                if (!src.hasRemaining() && (!fin || part == null || part.isFinished())) {
                    return null;
                }
                await(deadline);
                ensureSendable(c);
            }
        });
    }

    /** {@return true if {@code id} is a stream of ours not opened yet}; the lock is held */
    private boolean opensOnWrite(QuicConnection c, long id) {
        return id >= 0 && StreamIds.isInitiatedBy(id, c.role()) && streams.sendPart(id) == null
                && id >= streams.nextStreamId(StreamIds.isBidirectional(id), true);
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
            QuicEvent begun = reader.takeEvent();
            return begun != null ? begun : events.poll();
        });
    }

    /**
     * Sends this connection's events to {@code listener} as they happen, instead of queueing them for {@link
     * #receive(ByteBuffer, int)} and {@link #pollEvent()}; those queued already go to it first. Only the kinds turned
     * on ({@link QuicSocketOptions#EVENT}) are heard. It runs with the socket's lock held, on the thread that finds
     * the event (the I/O thread as packets arrive, or a thread calling into the socket), one call at a time, and must
     * not block. A listener that throws is removed (and the failure logged); the connection goes on.
     *
     * @param listener what hears the events, or null to queue them again
     * @throws NotYetConnectedException if the socket is no connection
     */
    public void setEventListener(Consumer<? super QuicEvent> listener) {
        requireConnection();
        lock.run(() -> events.listen(listener == null ? null : guarded(listener)));
    }

    /** {@return {@code listener}, removed when it throws, so that no exception reaches the I/O thread} */
    private Consumer<QuicEvent> guarded(Consumer<? super QuicEvent> listener) {
        return new Consumer<>() {
            @Override
            public void accept(QuicEvent e) {
                try {
                    listener.accept(e);
                } catch (RuntimeException | Error failure) {
                    events.listen(null);
                    LOG.log(System.Logger.Level.WARNING, "the event listener of " + QuicSocket.this
                            + " failed; events are queued from now on", failure);
                }
            }
        };
    }

    /** Moves the connection's events into the socket's; {@return true if there was any} The lock is held. */
    private boolean drainEvents(QuicConnection c) {
        boolean any = events.drain(c, streams);
        if (readShutdown && streams.discardInput()) {
            // Reading opens flow control windows: the endpoint sends the updates.
            io.endpoint().touched(c);
        }
        dropPeeledInput(c);
        return any;
    }

    /** On the I/O thread, lock held: wakes this socket's waiters if the batch concerned it. */
    private void onBatch() {
        QuicConnection c = connection;
        if (c == null) {
            if (listening && queuedForAccept(io.endpoint()) > 0) {
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

    // ------------------------------------------------------------------------------------------------
    // Selection: registration with a QuicSelector and the readiness it asks for

    /** The key of the selector this socket is registered with, or null; set and cleared under the setup lock. */
    private volatile QuicSelectionKey selectionKey;

    /**
     * Registers this socket with {@code selector}, interested in {@code ops}; see {@link #register(QuicSelector, int,
     * Object)}.
     */
    public QuicSelectionKey register(QuicSelector selector, int ops) throws IOException {
        return register(selector, ops, null);
    }

    /**
     * Registers this socket with {@code selector}, interested in {@code ops} ({@link QuicSelectionKey}'s operations),
     * with {@code attachment} on its key; registered with the same selector already, its key's interest set and
     * attachment are replaced. A socket is registered with one selector at a time: cancel its key first to move it.
     * The socket must be in non-blocking mode, and stay so while registered; it must listen or be a connection, which
     * fixes the operations it supports ({@link QuicSelectionKey#validOps()}). Closing the socket cancels its key.
     *
     * @return the socket's key
     * @throws java.nio.channels.IllegalBlockingModeException if the socket is in blocking mode
     * @throws IllegalStateException if the socket is registered with another selector, or neither listens nor is a
     *     connection
     * @throws IllegalArgumentException if {@code ops} holds an operation the socket does not support
     * @throws java.nio.channels.ClosedSelectorException if the selector is closed
     * @throws ClosedChannelException if the socket is closed
     */
    public QuicSelectionKey register(QuicSelector selector, int ops, Object attachment) throws IOException {
        Objects.requireNonNull(selector, "selector");
        return setup.call(() -> {
            ensureOpen();
            if (blocking) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            QuicSelectionKey key = selectionKey;
            if (key != null) {
                if (key.selector() != selector) {
                    throw new IllegalStateException(this + " is registered with another selector (one at a time)");
                }
                key.interestOps(ops);
                key.attach(attachment);
                return key;
            }
            int valid = connection != null
                    ? QuicSelectionKey.OP_CONNECT | QuicSelectionKey.OP_READ | QuicSelectionKey.OP_WRITE
                    : listening ? QuicSelectionKey.OP_ACCEPT : 0;
            if (valid == 0) {
                throw new IllegalStateException("neither listening nor connected: nothing to select " + this + " for");
            }
            key = selector.register(this, valid, ops, attachment);
            selectionKey = key;
            // The watcher first, then the signal: a change after the first look is heard, one before it seen.
            setReadinessWatcher(key.watcher);
            key.signal();
            return key;
        });
    }

    /** {@return this socket's key with {@code selector}, or null if it is not registered with it} */
    public QuicSelectionKey keyFor(QuicSelector selector) {
        QuicSelectionKey key = selectionKey;
        return key != null && key.selector() == selector ? key : null;
    }

    /** The key was cancelled, or its selector closed: the socket is registered no more. */
    void deregister(QuicSelectionKey key) {
        setup.run(() -> {
            if (selectionKey == key) {
                selectionKey = null;
                setReadinessWatcher(null);
            }
        });
    }

    /** Closing the socket cancels its key. */
    private void cancelSelectionKey() {
        QuicSelectionKey key = selectionKey;
        if (key != null) {
            key.cancel();
        }
    }

    /** A registered socket stays non-blocking, as the JDK's channels do. */
    private void refuseBlockingWhileRegistered(boolean blocking) {
        if (blocking && selectionKey != null) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
    }

    /**
     * {@return which operations of {@code interest} would not wait now} Takes the endpoint's lock itself, allocating
     * nothing: a selector asks this of each key signalled, and of each found ready the selection before.
     */
    int readyOps(int interest) {
        IoEndpoint endpoint = io;
        if (endpoint == null || closed) {
            return 0;
        }
        IoEndpointGroup g;
        ReentrantLock l = endpoint.lock();
        l.lock();
        try {
            QuicConnection c = connection;
            if (c != null) {
                return connectionReadyOps(c, interest);
            }
            if ((interest & QuicSelectionKey.OP_ACCEPT) == 0 || !(listening || acceptShutdown)) {
                return 0;
            }
            if (acceptShutdown) {
                return QuicSelectionKey.OP_ACCEPT; // accept throws at once
            }
            g = group;
            if (g == null) {
                return queuedForAccept(endpoint.endpoint()) > 0 ? QuicSelectionKey.OP_ACCEPT : 0;
            }
        } finally {
            l.unlock();
        }
        // Several I/O threads: their queues, each under its own lock, no two held at once (IoEndpointGroup).
        return g.acceptQueueLength() > 0 ? QuicSelectionKey.OP_ACCEPT : 0;
    }

    /** {@return which operations of {@code interest} the connection's socket would do now; the lock is held} */
    private int connectionReadyOps(QuicConnection c, int interest) {
        ConnectionState state = c.state();
        // A call that would throw at once is ready, as the JDK reports end of file readable.
        boolean ended = state.isClosingOrClosed();
        int ready = 0;
        if ((interest & QuicSelectionKey.OP_CONNECT) != 0 && handshake.inputMayBeReady()) {
            ready |= QuicSelectionKey.OP_CONNECT;
        }
        if ((interest & QuicSelectionKey.OP_READ) != 0) {
            if (ended || readShutdown) {
                ready |= QuicSelectionKey.OP_READ;
            } else {
                drainEvents(c);
                if (c.streams().hasReadable() || c.hasDatagram() || !events.isEmpty() || reader.hasPending()) {
                    ready |= QuicSelectionKey.OP_READ;
                }
            }
        }
        if ((interest & QuicSelectionKey.OP_WRITE) != 0 && (ended
                // As send's awaitEstablished, then room under the connection's send bound.
                || (state.isEstablished() || c.canSendEarlyData() || c.canSendHalfRtt())
                        && c.streams().belowSendBound())) {
            ready |= QuicSelectionKey.OP_WRITE;
        }
        return ready;
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
    // Peeled-off streams

    /**
     * Peels stream {@code streamId} off the connection as a channel of its own (the socket draft's
     * {@code QUIC_SOCKOPT_STREAM_PEELOFF}), to be read and written as a TCP socket is: see {@link QuicStreamChannel}.
     * From now on this socket's {@link #receive} passes the stream by, and this socket refuses to send on it or read
     * it ({@link #send}, {@link #inputStream}, {@link #outputStream}); its {@link #resetStream} and
     * {@link #stopSending} still apply to it.
     *
     * <p>The stream must be one the connection knows: one the peer opened (its first bytes arrived), or one we
     * opened ({@link #openStream}, {@link #send} with {@link StreamFlags#NEW}). A stream of ours not yet opened is
     * refused rather than opened: the kernel's stream lookup opens a stream only for a send that carries the
     * new-stream flag, which a peel-off does not have.
     *
     * @return the stream's channel, in blocking mode with no timeout
     * @throws IllegalArgumentException if {@code streamId} is no stream ID (the kernel's EINVAL)
     * @throws StreamNotOpenException if the stream is not open yet (the kernel's EINVAL)
     * @throws StreamClosedException if the stream ended and was forgotten (the kernel's ENOSTR)
     * @throws IllegalStateException if the stream is peeled off already (the kernel's EBUSY)
     * @throws IOException if 1024 streams are peeled off and have not ended yet (the kernel's EMFILE)
     * @throws ClosedConnectionException if the connection ended
     * @throws NotYetConnectedException if the socket is no connection
     */
    public QuicStreamChannel peelOff(long streamId) throws IOException {
        if (streamId < 0 || streamId > qsock.core.wire.VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("not a stream ID: " + streamId);
        }
        QuicConnection c = requireConnection();
        return lock.call(() -> {
            ensureSendable(c);
            if (streams.isPeeled(streamId)) {
                throw new IllegalStateException("stream " + streamId + " is peeled off already (EBUSY)");
            }
            if (!streams.knows(streamId)) {
                boolean ours = StreamIds.isInitiatedBy(streamId, c.role());
                if (streamId < streams.nextStreamId(StreamIds.isBidirectional(streamId), ours)) {
                    throw new StreamClosedException(streamId, "both of its parts ended");
                }
                throw new StreamNotOpenException(streamId, "stream " + streamId + (ours
                        ? " is not open: openStream opens it" : " is not open: the peer has not opened it yet"));
            }
            streams.peel(streamId);
            return new QuicStreamChannel(this, streamId, StreamIds.canReceive(streamId, c.role()),
                    StreamIds.canSend(streamId, c.role()));
        });
    }

    /** {@link QuicStreamChannel#read}: its own blocking mode and timeout, not the socket's. */
    int readPeeled(QuicStreamChannel ch, ByteBuffer dst) throws IOException {
        QuicConnection c = requireConnection();
        long id = ch.streamId();
        return lock.call(() -> {
            long deadline = ch.deadline();
            while (true) {
                ensurePeeledOpen(ch);
                if (ch.inputShut || ch.eof) {
                    return -1;
                }
                if (ch.resetCode >= 0) {
                    throw new StreamResetException(id, ch.resetCode);
                }
                if (!dst.hasRemaining()) {
                    return 0;
                }
                drainEvents(c);
                int n;
                try {
                    n = streams.readPeeled(id, dst, ch.seen);
                } catch (StreamResetException e) {
                    ch.resetCode = e.errorCode();
                    flush(c); // the reset read may have ended the stream: MAX_STREAMS
                    throw e;
                }
                if (n != 0) {
                    flush(c); // window updates
                    ch.eof = n < 0;
                    return n;
                }
                if (c.state().isClosingOrClosed()) {
                    throw new ClosedConnectionException(c.closeError());
                }
                if (!peeledMayWait(ch)) {
                    return 0;
                }
                awaitPeeled(ch, deadline);
            }
        });
    }

    /** {@link QuicStreamChannel#write}: its own blocking mode and timeout, not the socket's. */
    int writePeeled(QuicStreamChannel ch, ByteBuffer src) throws IOException {
        QuicConnection c = requireConnection();
        long id = ch.streamId();
        return lock.call(() -> {
            long deadline = ch.deadline();
            int total = 0;
            while (true) {
                ensurePeeledOpen(ch);
                if (ch.outputShut) {
                    throw new ClosedChannelException();
                }
                if (!src.hasRemaining()) {
                    return total;
                }
                ensureSendable(c);
                try {
                    total += streams.writePeeled(id, src, false);
                } catch (IllegalStateException e) {
                    throw new IOException("cannot write on stream " + id + ": " + e.getMessage(), e);
                }
                flush(c);
                if (!src.hasRemaining() || !peeledMayWait(ch)) {
                    return total;
                }
                try {
                    awaitPeeled(ch, deadline);
                } catch (SocketTimeoutException e) {
                    if (total > 0) {
                        return total;
                    }
                    throw e;
                }
                if (ch.outputShut) {
                    throw new AsynchronousCloseException();
                }
            }
        });
    }

    /** {@link QuicStreamChannel#shutdownInput}: STOP_SENDING if the stream's and the connection's states permit. */
    void shutdownPeeledInput(QuicStreamChannel ch, long errorCode) throws IOException {
        QuicConnection c = requireConnection();
        lock.call(() -> {
            ensurePeeledOpen(ch);
            if (!ch.inputShut) {
                ch.inputShut = true;
                giveUpPeeledInput(c, ch, errorCode);
                lock.signalAll(); // blocked reads return -1
            }
            return null;
        });
    }

    /** {@link QuicStreamChannel#shutdownOutput}: FIN if the stream's and the connection's states permit. */
    void shutdownPeeledOutput(QuicStreamChannel ch) throws IOException {
        QuicConnection c = requireConnection();
        lock.call(() -> {
            ensurePeeledOpen(ch);
            if (!ch.outputShut) {
                ch.outputShut = true;
                finishPeeledOutput(c, ch);
                lock.signalAll(); // blocked writes give up
            }
            return null;
        });
    }

    /**
     * {@link QuicStreamChannel#close}: FIN and STOP_SENDING as the stream's states permit, nothing once the connection
     * is closing, and nothing at all once this socket is closed; wakes the channel's blocked calls.
     */
    void closePeeled(QuicStreamChannel ch) {
        QuicConnection c = connection;
        lock.run(() -> {
            if (ch.isClosed()) {
                return;
            }
            ch.markClosed();
            if (closed) {
                return; // the connection was closed with the socket
            }
            if (ch.isWritable() && !ch.outputShut) {
                ch.outputShut = true;
                finishPeeledOutput(c, ch);
            }
            if (ch.isReadable() && !ch.inputShut) {
                ch.inputShut = true;
                giveUpPeeledInput(c, ch, ch.closeErrorCode());
            }
            streams.unpeelIfForgotten(ch.streamId());
            lock.signalAll();
        });
    }

    /** Queues FIN on a peeled stream and sends it, unless its part or the connection ended; the lock is held. */
    private void finishPeeledOutput(QuicConnection c, QuicStreamChannel ch) {
        if (c.state().isClosingOrClosed()) {
            return;
        }
        try {
            if (streams.finishPeeled(ch.streamId())) {
                flush(c);
            }
        } catch (StreamResetException e) {
            // The peer's STOP_SENDING reset the part already: there is nothing to finish.
        }
    }

    /**
     * Stops reading a peeled stream: STOP_SENDING sent unless the part or the connection ended, and what still arrives
     * dropped; the lock is held.
     */
    private void giveUpPeeledInput(QuicConnection c, QuicStreamChannel ch, long errorCode) {
        streams.discardPeeled(ch.streamId());
        if (c.state().isClosingOrClosed()) {
            return;
        }
        boolean stopped = streams.stopPeeled(ch.streamId(), errorCode);
        // What had arrived unread is dropped now (its credit given back); what comes later, as events are drained.
        boolean dropped = streams.discardPeeledInput();
        if (stopped || dropped) {
            flush(c);
        }
    }

    /** Drops what arrived on peeled streams whose channels gave their input up; the lock is held. */
    private void dropPeeledInput(QuicConnection c) {
        if (streams.discardPeeledInput()) {
            // Reading opens flow control windows: the endpoint sends the updates.
            io.endpoint().touched(c);
        }
    }

    /** {@return true while this socket is open}, for {@link QuicStreamChannel#isOpen()} */
    boolean isOpenForPeeled() {
        return !closed;
    }

    /** Wakes the calls waiting on this socket's connection, for a peeled stream's channel turned non-blocking. */
    void wakePeeled() {
        SocketLock l = lock;
        if (l != null) {
            l.run(l::signalAll);
        }
    }

    private void ensurePeeledOpen(QuicStreamChannel ch) throws ClosedChannelException {
        ensureOpen();
        if (ch.isClosed()) {
            throw new ClosedChannelException();
        }
    }

    /** {@return whether a channel's call may wait: in its blocking mode, and not from the ready handler} */
    private boolean peeledMayWait(QuicStreamChannel ch) {
        return ch.isBlocking() && inReadyHandler != Thread.currentThread();
    }

    /** Waits, for a peeled stream's channel, for the I/O thread's next signal or the channel's deadline. */
    private void awaitPeeled(QuicStreamChannel ch, long deadline) throws IOException {
        if (!lock.await(deadline)) {
            throw new SocketTimeoutException("stream " + ch.streamId() + " timed out after " + ch.timeout());
        }
        if (closed || ch.isClosed()) {
            throw new AsynchronousCloseException();
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
            watchReadiness();
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
                qsock.core.endpoint.AlpnListener l = alpnListener;
                if (l != null) {
                    // One listener of a shared port: only its own queue is refused; the others go on.
                    QuicEndpoint quic = endpoint.endpoint();
                    listening = false;
                    for (QuicConnection refused = quic.accept(l); refused != null; refused = quic.accept(l)) {
                        refused.closeWithError(TransportErrorCode.CONNECTION_REFUSED, 0, "listener closed",
                                System.nanoTime());
                        quic.touched(refused);
                    }
                    quic.removeListener(l);
                    endpoint.flush();
                } else if (listening) {
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
            SharedPorts.Entry e = shared;
            if (e != null) {
                SharedPorts.leave(e);
            }
            qsock.core.router.RouterLink link = routerLink;
            if (link != null && link.isOpen()) {
                // No new connection is routed here; the accepted ones go on through the link until they end.
                try {
                    link.withdraw();
                } catch (IOException gone) {
                    // The daemon went: it routes nothing here any more either.
                }
            }
            IoEndpointGroup g = group;
            if (g != null) {
                // The other I/O threads refuse what waits there, and end once their connections did.
                g.close();
            }
        });
        cancelSelectionKey();
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
        InetSocketAddress sharedAt = sharedAddress;
        if (sharedAt != null) {
            return sharedAt;
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
        if (option == QuicSocketOptions.EVENT) {
            setEvents((java.util.Set<?>) Objects.requireNonNull(value, "value"));
            return this;
        }
        if (option == QuicSocketOptions.KEY_UPDATE) {
            if (!Boolean.TRUE.equals(value)) {
                throw new IllegalArgumentException("KEY_UPDATE is set to true, to start one: " + value);
            }
            QuicConnection c = requireConnection();
            lock.call(() -> {
                ensureSendable(c);
                c.initiateKeyUpdate(System.nanoTime());
                flush(c);
                return null;
            });
            return this;
        }
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
                ioThreadsSet = true;
                return null;
            });
            return this;
        }
        if (option == QuicSocketOptions.QLOG_DIR) {
            java.nio.file.Path dir = (java.nio.file.Path) value;
            if (dir != null && java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
                throw new IllegalArgumentException("QLOG_DIR is not a directory: " + dir);
            }
            setup.call(() -> {
                ensureOpen();
                qlogDir = dir;
                return null;
            });
            return this;
        }
        if (option == QuicSocketOptions.ROUTER) {
            java.nio.file.Path path = (java.nio.file.Path) value;
            setup.call(() -> {
                ensureOpen();
                if (io != null) {
                    throw new AlreadyBoundException();
                }
                router = path;
                return null;
            });
            return this;
        }
        if (option == QuicSocketOptions.FLEET_KEYS) {
            setFleetKeys((qsock.api.FleetKeys) value);
            return this;
        }
        if (option == QuicSocketOptions.QUIC_LB) {
            qsock.socket.QuicLbSettings settings = (qsock.socket.QuicLbSettings) value;
            setup.call(() -> {
                ensureOpen();
                if (io != null) {
                    throw new AlreadyBoundException();
                }
                quicLb = settings;
                return null;
            });
            return this;
        }
        if (option == QuicSocketOptions.REUSE_PORT) {
            boolean on = (Boolean) Objects.requireNonNull(value, "value");
            setup.call(() -> {
                ensureOpen();
                if (io != null) {
                    throw new AlreadyBoundException();
                }
                reusePort = on;
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
        if (option == QuicSocketOptions.EVENT) {
            return option.type().cast(eventKinds(events.enabled()));
        }
        if (option == QuicSocketOptions.KEY_UPDATE) {
            return option.type().cast(Boolean.TRUE.equals(readConnection(QuicConnection::keyUpdateInProgress)));
        }
        if (option == QuicSocketOptions.CONNECTION_ID) {
            return option.type().cast(connectionIds(true));
        }
        if (option == QuicSocketOptions.REUSE_PORT) {
            return option.type().cast(reusePort);
        }
        if (option == QuicSocketOptions.QLOG_DIR) {
            return option.type().cast(qlogDir);
        }
        if (option == QuicSocketOptions.ROUTER) {
            return option.type().cast(router);
        }
        if (option == QuicSocketOptions.FLEET_KEYS) {
            return option.type().cast(fleetKeys);
        }
        if (option == QuicSocketOptions.QUIC_LB) {
            return option.type().cast(quicLb);
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
     * The FLEET_KEYS option set ({@link QuicSocketOptions#FLEET_KEYS}): before bind, the keys the socket binds and
     * listens with; after, a rotation of the token keys, applied at once on every I/O thread of a listener.
     */
    private void setFleetKeys(qsock.api.FleetKeys keys) throws IOException {
        setup.call(() -> {
            ensureOpen();
            if (connection != null) {
                throw new IllegalStateException("FLEET_KEYS is a listener's option, not a connection's");
            }
            if (io != null) {
                if (!boundWithFleetKeys) {
                    throw new IllegalStateException("FLEET_KEYS is set before bind, where the stateless reset key is"
                            + " fixed; this socket was bound without");
                }
                Objects.requireNonNull(keys, "fleet keys cannot be removed from a bound socket");
                if (!java.util.Arrays.equals(keys.statelessResetKey(), fleetKeys.statelessResetKey())) {
                    // RFC 9000 §10.3.2: the tokens of the connections alive were derived from the bound key.
                    throw new IllegalArgumentException("the fleet's stateless reset key changed: it cannot while the"
                            + " socket is bound (its connections hold tokens derived from the old one)");
                }
            }
            options.set(QuicSocketOptions.TOKEN_KEYS, keys == null ? null : keys.tokenKeys(), optionHost);
            fleetKeys = keys;
            if (io != null && listened && shared == null) {
                rekeyAddressValidation();
            }
            return null;
        });
    }

    /**
     * Gives the listener's endpoints the address validation of the options as they are now (its token keys rotated):
     * each under its own lock, one at a time. Tokens sealed under a key no longer listed no longer open.
     */
    private void rekeyAddressValidation() throws IOException {
        qsock.core.endpoint.AddressValidation v = options.addressValidation();
        IoEndpointGroup g = group;
        lock.run(() -> io.endpoint().setAddressValidation(g == null ? v : g.shareKeys(v)));
        if (g != null) {
            qsock.core.endpoint.AddressValidation shared = g.shareKeys(v);
            for (int i = 1; i < g.size(); i++) {
                IoEndpoint other = g.endpoint(i);
                other.lock().lock();
                try {
                    other.endpoint().setAddressValidation(shared);
                } finally {
                    other.lock().unlock();
                }
            }
        }
    }

    /** The EVENT option set: the kinds of events kept from now on. */
    private void setEvents(java.util.Set<?> kinds) throws IOException {
        int bits = 0;
        for (Object kind : kinds) {
            if (!(kind instanceof QuicEvent.Type type)) {
                throw new IllegalArgumentException("not a QuicEvent.Type: " + kind);
            }
            bits |= type.bit();
        }
        int on = bits;
        setup.call(() -> {
            ensureOpen();
            SocketLock l = lock;
            if (l == null) {
                events.enable(on);
            } else {
                l.run(() -> {
                    events.enable(on);
                    QuicConnection c = connection;
                    if (c != null) {
                        applyEventInterest(c);
                    }
                });
            }
            return null;
        });
    }

    /**
     * Tells the connection which of the events it makes only on demand the socket wants (those that would cost the
     * hot path otherwise); the lock is held.
     */
    private void applyEventInterest(QuicConnection c) {
        int on = events.enabled();
        c.streams().setStateEvents((on & QuicEvent.Type.STREAM_UPDATE.bit()) != 0,
                (on & QuicEvent.Type.STREAM_MAX_DATA.bit()) != 0, (on & QuicEvent.Type.STREAM_MAX_STREAM.bit()) != 0);
        c.setEvents((on & QuicEvent.Type.KEY_UPDATE.bit()) != 0, (on & QuicEvent.Type.NEW_TOKEN.bit()) != 0);
    }

    /** {@return the kinds of {@code bits}, as a set} */
    private static java.util.Set<QuicEvent.Type> eventKinds(int bits) {
        java.util.EnumSet<QuicEvent.Type> kinds = java.util.EnumSet.noneOf(QuicEvent.Type.class);
        for (QuicEvent.Type type : QuicEvent.Type.values()) {
            if ((bits & type.bit()) != 0) {
                kinds.add(type);
            }
        }
        return java.util.Collections.unmodifiableSet(kinds);
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
        QuicConnection c = connection;
        if (c != null) {
            // QUIC_EVENT_NEW_SESSION_TICKET, with the session the ticket made (reentrant: the I/O thread may hold it).
            lock.run(() -> {
                if (events.report(new QuicEvent.NewSessionTicket(session))) {
                    lock.signalAll();
                    watchReadiness();
                }
            });
        }
    }

    /**
     * {@return whether stream data is to be sent without waiting to fill packets: the socket draft's
     * {@code stream_data_nodelay} ({@link QuicConfig#streamDataNodelay()}), for the send path}
     */
    boolean streamDataNodelay() {
        return options.streamDataNodelay();
    }

    /** {@return whether the connection runs Nagle's algorithm, as {@link #streamDataNodelay()} asked; for tests} */
    boolean nagle() {
        return Boolean.TRUE.equals(readConnection(c -> c.streams().isNagle()));
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
        refuseBlockingWhileRegistered(blocking);
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
