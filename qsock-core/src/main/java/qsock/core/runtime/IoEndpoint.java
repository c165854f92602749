package qsock.core.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import qsock.api.ConnectionConfig;
import qsock.core.cid.lb.QuicLbEncoder;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.packet.Ecn;
import qsock.core.router.RouterLink;
import qsock.core.router.RouterRegistration;

/**
 * One bound UDP port at run time: a non-blocking UDP socket, the sans-I/O {@link QuicEndpoint}, and the I/O thread
 * ({@code qsock-io-<port>}) that drives them. The loop sleeps until a datagram arrives or the endpoint's next
 * deadline, never spins; takes every datagram waiting into one reused buffer; runs the deadlines that are due; then
 * sends what the connections have, keeping a datagram the kernel refused until the socket is writable again.
 *
 * <p>The system calls beneath are an {@link IoDriver}'s ({@link IoDrivers} picks): on Linux with native access, qsock's
 * own sockets through FFM, which send a flush's datagrams in one sendmmsg, those of one size to one destination as a
 * GSO train, and receive GRO batches; elsewhere NIO's {@code DatagramChannel} and {@code Selector}. The endpoint sees
 * the same datagrams either way.
 *
 * <p>A connection's path is a pair of addresses (RFC 9000 §9), so the endpoint may own more UDP sockets on the same
 * I/O thread ({@link #openChannel}): one a client moves its connection to (§9.2), a server's preferred
 * address (§9.6). Each datagram is read with the address of the socket it arrived at and sent from the socket the
 * endpoint names for it; a socket whose kernel buffer is full holds its own datagram while the others go on. A
 * client's socket it moved away from is closed once nothing more can arrive there.
 *
 * <p>Application threads share the endpoint through {@link #lock()}: they call into the endpoint and its
 * connections with the lock held, then {@link #flush(QuicConnection)} to send what their connection produced from
 * their own thread (the other connections' sending stays on the I/O thread).
 * They wait on conditions of that lock, which their {@link IoClient} signals from {@link IoClient#onBatch()}
 * after a batch that changed something for it: a client that {@linkplain #follow follows} a connection hears of
 * the batches that called into that connection; the others (listeners, a few per port) of every batch that took
 * datagrams or ran timers, which is when connections are queued for accept. So the work after a batch is
 * proportional to what happened in it, however many connections sit idle.
 *
 * <p>Nothing thrown in the loop ends the thread, errors included (an OutOfMemoryError while one connection
 * handles a datagram fails that connection, which the endpoint closes with INTERNAL_ERROR): it is logged and
 * the loop goes on serving the others. Nor can the thread wait for ever for the lock: it takes the lock with
 * timed attempts, so that a waiter queued ahead of it that never runs (a virtual thread left without a
 * carrier, after an OutOfMemoryError) cannot hold it back once the lock is free. Once the last client
 * {@linkplain #detach detached}, the thread keeps serving connections still closing or draining, then
 * closes the sockets and ends.
 */
public final class IoEndpoint {

    private static final System.Logger LOG = System.getLogger(IoEndpoint.class.getName());
    /** Bounds one batch, so that timers and sending get their turn under a flood. */
    private static final int MAX_DATAGRAMS_PER_BATCH = 512;
    private static final int MAX_UDP_PAYLOAD = 65_535;
    /** After the loop caught an exception, it sleeps at least this long, so a repeating failure cannot spin. */
    private static final long FAILURE_BACKOFF_MILLIS = 10;
    /** With several sockets, one found empty is read again after this many turns of the others. */
    private static final int RECHECK_EMPTY = 8;
    /** While a socket of a move may be about to go, how often the I/O thread looks whether it is still used. */
    private static final long PORT_CHECK_NANOS = 50_000_000;
    /** How long the I/O thread waits in the lock's queue before it leaves it and tries again. */
    private static final long LOCK_ATTEMPT_NANOS = 10_000_000;
    /** Behind routerd, how often the sockets of clients gone are looked for and closed. */
    private static final long PEER_CHECK_NANOS = 1_000_000_000;

    private final QuicEndpoint endpoint;
    private final IoDriver driver;
    /** The driver marks datagrams with ECN codepoints: the endpoint names one for each ({@link QuicEndpoint#lastDatagramEcn}). */
    private final boolean ecn;
    private final InetSocketAddress localAddress;
    /**
     * The UDP sockets: the first one bound (the endpoint's own, {@code local} null) at index 0, then those {@link
     * #openChannel} added, each bound where a connection moved or is reached (RFC 9000 §9.2, §9.6). A handful at
     * most: looked up by a scan.
     */
    private final List<Port> ports = new ArrayList<>(1);
    /** The settings of the UDP sockets, for those opened later. */
    private UdpOptions udpOptions;
    /** Ports opened for a move ({@link #openChannel} with {@code forMigration}) still open; 0 for most endpoints. */
    private int migrationPorts;
    /** A move was started here: the first socket is closed too once no connection uses it (the client left it). */
    private boolean firstPortClosable;
    /** Ports holding a datagram the kernel had no room for. */
    private int parkedPorts;
    /** Ports whose socket is open. */
    private int openPortCount;
    /**
     * The port a datagram in {@link #sendBuffer} waits for, as that port holds one already: nothing more is polled
     * until one of them leaves. Null when the send buffer holds nothing.
     */
    private Port stalled;
    private InetSocketAddress stalledTarget;
    private Ecn stalledEcn = Ecn.NOT_ECT;
    private InetSocketAddress stalledSource;
    /** Datagrams polled from the endpoint so far: tells whether a parked one is still the last polled. */
    private long polls;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<IoClient> clients = new LinkedHashSet<>();
    /** The clients that follow no connection: listeners, told of every batch that took datagrams or ran timers. */
    private final Set<IoClient> listeners = new LinkedHashSet<>();
    /** Who hears of each connection's changes, and what each client follows. */
    private final Map<QuicConnection, IoClient> followers = new IdentityHashMap<>();
    private final Map<IoClient, QuicConnection> followed = new IdentityHashMap<>();
    /** The connections one batch changed, while their clients are told. */
    private final List<QuicConnection> toNotify = new ArrayList<>();
    // Heap buffers: packet protection works on their arrays in place (a direct buffer costs it a copy each
    // way), and the socket copies through its own native memory once.
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(MAX_UDP_PAYLOAD);
    /** Hands each received datagram to the endpoint; made once. */
    private final UdpPort.Receiver receiver = this::onDatagram;
    /** The port and time of the receive in progress, for {@link #receiver}. */
    private Port receivingPort;
    private long receivingAt;
    /**
     * As large as the largest datagram the connections may write: their datagram size, or the path MTU discovery
     * ceiling (stateless answers are smaller). Each client socket has an endpoint of its own: at the library's
     * 1200-byte default this spares 64 KiB per socket.
     */
    private ByteBuffer sendBuffer;
    private final Thread thread;
    /** The time the last batch ran the deadlines at: what is due by then and still there waits to be sent. */
    private long lastBatch;
    private boolean released;
    private boolean failed;
    /** When the I/O thread wakes by itself; others wake it earlier when they make a deadline earlier. */
    private volatile long wakeAt = Long.MAX_VALUE;
    private volatile boolean stopped;

    // A listener behind routerd (bindRouted): null and empty otherwise.
    /** The registration with routerd, closed when the thread ends. */
    private RouterLink routerLink;
    /** The address routerd owns, which this endpoint's connections are reached at. */
    private InetSocketAddress routedAddress;
    /** The datagrams routerd forwarded, from the link's thread to this one. */
    private HandoffRing routedInbox;
    /** A socket per client address, bound to {@link #routedAddress} with SO_REUSEPORT and connected to it. */
    private final Map<InetSocketAddress, Port> peerPorts = new HashMap<>();
    /** The peer addresses still in use, gathered at each check ({@link #closeIdlePeerPorts}). */
    private final Set<InetSocketAddress> peersInUse = new HashSet<>();
    private long nextPeerCheck;
    /** Peer sockets opened and closed, and sockets that could not be opened; for tests and diagnostics. */
    private long peerPortsOpened;
    private long peerPortsClosed;
    private long peerPortFailures;

    private IoEndpoint(QuicEndpoint endpoint, ConnectionConfig connections, UdpPort first, IoDriver driver,
                       UdpOptions udpOptions) {
        this.endpoint = endpoint;
        this.sendBuffer = ByteBuffer.allocate(Math.min(MAX_UDP_PAYLOAD,
                Math.max(connections.maxDatagramSize(), connections.pathMtuCeiling())));
        // Batches tell only the clients of the connections they changed.
        endpoint.recordChanges();
        // RFC 9000 §13.4: connections mark ECT(0) and validate ECN only if the sockets carry the codepoints.
        this.ecn = driver.marksEcn();
        endpoint.setEcnCapable(ecn);
        this.driver = driver;
        this.udpOptions = udpOptions;
        this.lastBatch = System.nanoTime();
        this.localAddress = first.boundAddress();
        ports.add(new Port(first, null, false));
        openPortCount = 1;
        this.thread = Thread.ofPlatform().daemon().name("qsock-io-" + localAddress.getPort()).unstarted(this::run);
    }

    /**
     * Binds a UDP socket to {@code local} (port 0 picks one) and starts its I/O thread. An IPv4 address
     * makes an IPv4 socket; an IPv6 address (the wildcard {@code ::} among them) an IPv6 socket, which is
     * dual-stack where the system allows it.
     *
     * @param config the endpoint's settings; a missing stateless reset key is drawn from a SecureRandom
     * @param firstClient attached before the thread starts, so that it cannot stop at once
     * @throws IOException if the socket cannot be opened or bound
     */
    public static IoEndpoint bind(InetSocketAddress local, EndpointConfig config, UdpOptions options,
                                  IoClient firstClient) throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(firstClient, "firstClient");
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + local);
        }
        SecureRandom random = random();
        config = withResetKey(config, random);
        IoDriver driver = IoDrivers.open();
        UdpPort port = null;
        try {
            port = driver.open(local, options);
            QuicEndpoint quic = newEndpoint(config, random);
            IoEndpoint io = new IoEndpoint(quic, config.connection(), port, driver, options);
            io.clients.add(firstClient);
            io.listeners.add(firstClient);
            io.thread.start();
            return io;
        } catch (IOException | RuntimeException e) {
            if (port != null) {
                port.close();
            }
            driver.close();
            throw e;
        }
    }

    /**
     * Binds a listener's endpoint behind routerd ({@link RouterLink}): its connections are reached at the daemon's
     * public address, their first datagrams come forwarded over the link, and every connection ID it issues carries
     * the server ID the daemon gave (QUIC-LB), so that what reaches the daemon later finds it again. For each client
     * address it sends to, the endpoint opens a UDP socket bound to the public address with SO_REUSEPORT and connected
     * to the client, which Linux prefers over the daemon's unconnected socket for that client's datagrams: from then
     * on they come straight from the kernel, not through the daemon. A socket no connection uses any more is closed
     * within a second.
     *
     * <p>The first socket is bound to an ephemeral port of the public address and never used: the runtime needs
     * one, and an unconnected socket on the public port would take datagrams meant for the daemon.
     *
     * @param link a registration not started yet; the endpoint starts and in the end closes it
     * @throws IOException if the sockets cannot be opened
     */
    public static IoEndpoint bindRouted(RouterLink link, EndpointConfig config, UdpOptions options,
                                        IoClient firstClient) throws IOException {
        Objects.requireNonNull(link, "link");
        RouterRegistration r = link.registration();
        InetSocketAddress publicAddress = r.publicAddress();
        if (config.connection().connectionIdLength() != r.quicLb().connectionIdLength()) {
            throw new IllegalArgumentException("behind routerd connection IDs are " + r.quicLb().connectionIdLength()
                    + " bytes, not " + config.connection().connectionIdLength());
        }
        SecureRandom random = random();
        config = withResetKey(config, random);
        IoDriver driver = IoDrivers.open();
        UdpPort port = null;
        try {
            port = driver.open(new InetSocketAddress(publicAddress.getAddress(), 0), options.withReusePort(false));
            QuicEndpoint quic = newEndpoint(config, random);
            quic.setQuicLbEncoder(new QuicLbEncoder(r.quicLb(), r.serverId(), random));
            IoEndpoint io = new IoEndpoint(quic, config.connection(), port, driver, options.withReusePort(true));
            io.routerLink = link;
            io.routedAddress = publicAddress;
            io.routedInbox = new HandoffRing(1024);
            io.clients.add(firstClient);
            io.listeners.add(firstClient);
            io.thread.start();
            link.start(io::offerRouted, "qsock-routerd-link-" + publicAddress.getPort());
            return io;
        } catch (IOException | RuntimeException e) {
            if (port != null) {
                port.close();
            }
            driver.close();
            link.close();
            throw e;
        }
    }

    /** {@return {@code config} with a stateless reset key drawn from {@code random} if it has none} */
    private static EndpointConfig withResetKey(EndpointConfig config, SecureRandom random) {
        if (config.statelessResetKey() != null) {
            return config;
        }
        byte[] key = new byte[32];
        random.nextBytes(key);
        return config.withStatelessResetKey(key);
    }

    /** {@return the sans-I/O endpoint of a runtime endpoint, its token clock on wall-clock time} */
    private static QuicEndpoint newEndpoint(EndpointConfig config, SecureRandom random) {
        QuicEndpoint quic = new QuicEndpoint(config, random);
        // Tokens carry wall-clock time, so that servers sharing token keys agree on their age (RFC 9000 §8.1.3).
        quic.setTokenClockOffset(System.currentTimeMillis() * 1_000_000L - System.nanoTime());
        return quic;
    }

    /** A datagram routerd forwarded, on the link's thread: queued for the I/O thread, which is woken. */
    private void offerRouted(InetSocketAddress local, InetSocketAddress peer, ByteBuffer data) {
        if (routedInbox.offer(local, peer, data)) {
            driver.wakeup();
        }
    }

    /** What runs once the I/O thread ended and the sockets are closed ({@link #onClose}). */
    private final List<Runnable> closeHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Runs {@code hook} once the endpoint has ended (its thread, after the last client detached and the connections
     * ended), or at once if it has; a hook that throws is logged. Any thread.
     */
    public void onClose(Runnable hook) {
        closeHooks.add(Objects.requireNonNull(hook, "hook"));
        if (stopped && closeHooks.remove(hook)) {
            runHook(hook);
        }
    }

    private static void runHook(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "an endpoint's close hook failed", e);
        }
    }

    /** {@return the registration with routerd of an endpoint {@link #bindRouted} made; null for others} */
    public RouterLink routerLink() {
        return routerLink;
    }

    /**
     * {@return counts of the sockets connected to clients behind routerd: opened, closed, and failed to open; and
     * the datagrams routerd forwarded that were dropped for want of room} For diagnostics and tests.
     */
    public long[] peerSocketCounts() {
        lock.lock();
        try {
            return new long[] {peerPortsOpened, peerPortsClosed, peerPortFailures,
                routedInbox == null ? 0 : routedInbox.dropped()};
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@return the endpoint's randomness} Connection IDs and reset keys need a cryptographic generator;
     * DRBG runs in process, where the platform default may read /dev/urandom under a lock on each call.
     */
    private static SecureRandom random() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** {@return the lock that guards the endpoint, its connections and the sockets' sending side} */
    public ReentrantLock lock() {
        return lock;
    }

    /** {@return a new condition of {@link #lock()}} */
    public Condition newCondition() {
        return lock.newCondition();
    }

    /** {@return the sans-I/O endpoint; use it only with {@link #lock()} held} */
    public QuicEndpoint endpoint() {
        return endpoint;
    }

    /**
     * {@return the address the first UDP socket is bound to} A connection that moved may be elsewhere ({@link
     * QuicEndpoint#localAddress(QuicConnection)}).
     */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** {@return true until the I/O thread ended (after the last client detached and connections ended)} */
    public boolean isRunning() {
        return !stopped;
    }

    /** {@return the I/O thread, for diagnostics and tests} */
    public Thread thread() {
        return thread;
    }

    /**
     * Sets a kernel buffer size of the UDP sockets, SO_RCVBUF or SO_SNDBUF: of every one open, and of those {@link
     * #openChannel} opens later. Takes the lock.
     *
     * @throws IllegalArgumentException for any other option: the sockets take no other after they are open, on
     *     either driver
     */
    public void setOption(SocketOption<Integer> option, int bytes) throws IOException {
        checkBufferOption(option);
        lock.lock();
        try {
            for (int i = 0; i < ports.size(); i++) {
                Port port = ports.get(i);
                if (port.udp.isOpen()) {
                    port.udp.setBufferSize(option, bytes);
                }
            }
            udpOptions = option == StandardSocketOptions.SO_RCVBUF
                    ? new UdpOptions(bytes, udpOptions.sendBufferSize(), udpOptions.reusePort())
                    : new UdpOptions(udpOptions.receiveBufferSize(), bytes, udpOptions.reusePort());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes the connections the endpoint creates from now on use {@code connections} ({@link
     * QuicEndpoint#setConnectionConfig}), and makes room for the datagrams they may write: the send buffer grows to
     * their datagram size or path MTU discovery ceiling. Takes the lock.
     *
     * @throws IllegalArgumentException if the connection ID length differs from the endpoint's
     */
    public void setConnectionConfig(ConnectionConfig connections) {
        lock.lock();
        try {
            endpoint.setConnectionConfig(connections);
            int needed = Math.min(MAX_UDP_PAYLOAD, Math.max(connections.maxDatagramSize(),
                    connections.pathMtuCeiling()));
            if (sendBuffer.capacity() < needed) {
                // A stalled datagram waiting in the send buffer moves along; ports' spare buffers of the old size are
                // replaced when next taken (sendFrom).
                ByteBuffer larger = ByteBuffer.allocate(needed);
                if (stalled != null) {
                    larger.put(sendBuffer.duplicate()).flip();
                }
                sendBuffer = larger;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@return a kernel buffer size, SO_RCVBUF or SO_SNDBUF, of the UDP socket: the first one, or after a move of the
     * one open} Takes the lock.
     *
     * @throws IllegalArgumentException for any other option
     */
    public int getOption(SocketOption<Integer> option) throws IOException {
        checkBufferOption(option);
        lock.lock();
        try {
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i).udp.isOpen()) {
                    return ports.get(i).udp.bufferSize(option);
                }
            }
            return ports.get(0).udp.bufferSize(option);
        } finally {
            lock.unlock();
        }
    }

    private static void checkBufferOption(SocketOption<Integer> option) {
        if (option != StandardSocketOptions.SO_RCVBUF && option != StandardSocketOptions.SO_SNDBUF) {
            throw new IllegalArgumentException("only SO_RCVBUF and SO_SNDBUF are set on open UDP sockets, not " + option);
        }
    }

    /**
     * Opens another UDP socket of this endpoint, bound to {@code local} (port 0 picks one) with the same settings as
     * the first, read and written by the same I/O thread: what arrives there goes to {@link
     * QuicEndpoint#handleDatagram(InetSocketAddress, InetSocketAddress, ByteBuffer, long)} with its bound address
     * (the address returned), and each datagram {@link QuicEndpoint#lastDatagramSource()} names so leaves from it.
     * The caller holds the lock; the I/O thread is woken to watch the new socket.
     *
     * @param forMigration true for a socket a client moves a connection to ({@link QuicEndpoint#migrate}): closed
     *     after the first batch that finds no connection using its address ({@link
     *     QuicEndpoint#isLocalAddressInUse}), so the caller starts the move before it releases the lock; and the
     *     first socket is closed in the same way from then on, once the client left it. False for a server's
     *     preferred address (RFC 9000 §9.6): open as long as the endpoint
     * @return the address the socket is bound to
     * @throws IOException if the socket cannot be opened or bound
     * @throws IllegalStateException if the endpoint is shutting down
     */
    public InetSocketAddress openChannel(InetSocketAddress local, boolean forMigration) throws IOException {
        requireLocked();
        Objects.requireNonNull(local, "local");
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + local);
        }
        if (released || stopped) {
            throw new IllegalStateException("endpoint on " + localAddress + " is shutting down");
        }
        UdpPort udp = driver.open(local, udpOptions);
        InetSocketAddress bound = udp.boundAddress();
        ports.add(new Port(udp, bound, forMigration));
        openPortCount++;
        if (forMigration) {
            migrationPorts++;
            firstPortClosable = true;
        }
        // The I/O thread's wait counts the new socket from its next turn, which this starts.
        driver.wakeup();
        return bound;
    }

    /**
     * Closes the socket {@link #openChannel} opened at {@code local} (a move the caller could not start after all);
     * the caller holds the lock. What it held to send is dropped. Nothing happens for an address of no such socket.
     */
    public void closeChannel(InetSocketAddress local) {
        requireLocked();
        Port port = port(Objects.requireNonNull(local, "local"));
        if (port != null) {
            closePort(port);
        }
    }

    /**
     * {@return whether a UDP socket of this endpoint is open at {@code local}: null for the first one, else an
     * address {@link #openChannel} returned} For diagnostics and tests.
     */
    public boolean isChannelOpen(InetSocketAddress local) {
        lock.lock();
        try {
            Port port = local == null ? ports.get(0) : port(local);
            return port != null && port.udp.isOpen();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Attaches a client; the caller holds the lock.
     *
     * @throws IllegalStateException if the endpoint was released (its last client left)
     */
    public void attach(IoClient client) {
        requireLocked();
        if (released) {
            throw new IllegalStateException("endpoint on " + localAddress + " is shutting down");
        }
        clients.add(Objects.requireNonNull(client, "client"));
        if (!followed.containsKey(client)) {
            listeners.add(client);
        }
    }

    /**
     * Makes an attached client hear of the batches that concern {@code connection} (and no longer of the accept
     * queue); the caller holds the lock. A connection's socket follows its connection.
     */
    public void follow(IoClient client, QuicConnection connection) {
        requireLocked();
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(connection, "connection");
        QuicConnection before = followed.put(client, connection);
        if (before != null) {
            followers.remove(before, client);
        }
        followers.put(connection, client);
        listeners.remove(client);
    }

    /**
     * Detaches a client; the caller holds the lock. When none is left, the thread ends as soon as no
     * connection of the endpoint is alive (closing and draining ones run their course first).
     */
    public void detach(IoClient client) {
        requireLocked();
        clients.remove(client);
        listeners.remove(client);
        QuicConnection connection = followed.remove(client);
        if (connection != null) {
            followers.remove(connection, client);
        }
        if (clients.isEmpty()) {
            released = true;
            driver.wakeup();
        }
    }

    /**
     * Sends what the connections have now, from the calling thread; the caller holds the lock. Wakes the
     * I/O thread if what was done made a deadline earlier than the one it sleeps until.
     */
    public void flush() {
        requireLocked();
        long now = System.nanoTime();
        flushLocked(now);
        wakeIfEarlier();
    }

    /**
     * Sends what {@code connection} has now, from the calling thread, and nothing of the other connections (their
     * sending stays on the I/O thread); the caller holds the lock and {@linkplain QuicEndpoint#touched touched} the
     * connection. A datagram the kernel refused earlier leaves first. Wakes the I/O thread as {@link #flush()} does.
     */
    public void flush(QuicConnection connection) {
        requireLocked();
        long now = System.nanoTime();
        sendDatagrams(Objects.requireNonNull(connection, "connection"), now);
        wakeIfEarlier();
    }

    /**
     * Wakes the I/O thread if a deadline is now earlier than the one it sleeps until. Not from the I/O thread itself
     * (a socket's ready handler): it reads the deadlines again at the end of its turn, and a wakeup would only cost it
     * a turn for nothing (an eventfd write and read, a poll, an empty receive: per request, in a request/response
     * run).
     */
    private void wakeIfEarlier() {
        if (endpoint.nextDeadline() - wakeAt < 0 && !stopped && Thread.currentThread() != thread) {
            driver.wakeup();
        }
    }

    /** Wakes the I/O thread, so that it runs a turn (flushing, re-reading deadlines) soon. */
    public void wakeup() {
        driver.wakeup();
    }

    private void requireLocked() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the endpoint's lock must be held");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The I/O thread

    private void run() {
        try {
            while (true) {
                long deadline;
                lockForIo();
                try {
                    if (released && endpoint.connectionCount() == 0) {
                        break;
                    }
                    // After a batch every deadline lies past its time (a connection's nextDeadline never names a
                    // time its timeout and polling cannot clear), but for what waits for the kernel's send buffer:
                    // then the wait is for writability (OP_WRITE) or a datagram, not for that deadline.
                    deadline = endpoint.nextDeadline();
                    if (blockedOnKernel() && deadline != Long.MAX_VALUE && deadline - lastBatch <= 0) {
                        deadline = Long.MAX_VALUE;
                    }
                    if (firstPortClosable && openPorts() > 1) {
                        // A socket of a move is in use until a time only the endpoint knows (what was in flight
                        // to the address a client left, RFC 9000 §9.2): looked at again soon, however quiet.
                        long check = System.nanoTime() + PORT_CHECK_NANOS;
                        if (deadline == Long.MAX_VALUE || deadline - check > 0) {
                            deadline = check;
                        }
                    }
                    if (!peerPorts.isEmpty() && (deadline == Long.MAX_VALUE || deadline - nextPeerCheck > 0)) {
                        deadline = nextPeerCheck;
                    }
                    wakeAt = deadline;
                } catch (Throwable t) {
                    failed(t, "reading the deadlines", null);
                    deadline = System.nanoTime();
                } finally {
                    lock.unlock();
                }
                try {
                    select(deadline);
                } catch (RuntimeException | Error e) {
                    failed(e, "waiting", null);
                }
                batch();
            }
        } catch (IOException e) {
            // The wait broke: nothing can be received any more.
            LOG.log(System.Logger.Level.ERROR, "qsock I/O thread on " + localAddress + " ends", e);
        } finally {
            stopped = true;
            close();
        }
    }

    /**
     * Takes the lock for the I/O thread. A plain {@code lock()} queues behind the threads already waiting, and
     * is woken only by the one ahead of it: a waiter that is handed the lock but never runs (a virtual thread
     * with no carrier left) would keep the I/O thread parked for ever, the lock free. A timed attempt leaves
     * the queue after a while; the next attempt takes a free lock at once (the lock is not fair, so a free lock
     * goes to whoever asks), whatever waits in the queue.
     */
    private void lockForIo() {
        while (true) {
            try {
                if (lock.tryLock(LOCK_ATTEMPT_NANOS, TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                // Nobody is meant to interrupt this thread, and its loop ends by release, not interruption;
                // the status is cleared, or every later attempt (and select) would return at once.
            }
        }
    }

    /**
     * Reports what the loop caught, even when reporting fails for want of memory, and makes the next turn
     * wait a little, so that a repeating failure cannot spin.
     */
    private void failed(Throwable t, String what, Object about) {
        failed = true;
        try {
            LOG.log(System.Logger.Level.ERROR, what + (about != null ? " " + about : "") + " on " + localAddress
                    + " failed", t);
        } catch (Throwable again) {
            // Out of memory even for the report: the loop goes on regardless.
        }
    }

    private void select(long deadline) throws IOException {
        long millis;
        if (failed) {
            failed = false;
            millis = FAILURE_BACKOFF_MILLIS;
        } else if (deadline == Long.MAX_VALUE) {
            millis = 0; // no deadline: sleep until a datagram or a wakeup
        } else {
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                driver.await(-1);
                return;
            }
            // Rounded up: waking before the deadline would only mean another wait.
            millis = Math.max(1, (wait + 999_999) / 1_000_000);
        }
        driver.await(millis);
    }

    private void batch() {
        lockForIo();
        try {
            boolean busy = false;
            long now = System.nanoTime();
            if (ports.size() == 1) {
                busy = receive(ports.get(0), MAX_DATAGRAMS_PER_BATCH, now) > 0;
            } else {
                busy = receiveInTurn(now);
            }
            IoEndpointGroup.Member m = member;
            if (m != null && m.takeHandedOff(now) > 0) {
                busy = true; // datagrams of our connections another I/O thread received (IoEndpointGroup)
            }
            if (routedInbox != null && takeRouted(now) > 0) {
                busy = true; // a connection's first datagrams, or a moved client's, through routerd
            }
            now = System.nanoTime();
            lastBatch = now;
            if (endpoint.nextDeadline() - now <= 0) {
                busy = true;
                try {
                    endpoint.handleTimeout(now);
                } catch (Throwable t) {
                    failed(t, "timer", null);
                }
            }
            flushLocked(now);
            notifyClients(busy);
            // A client may have answered at once (a socket shut down for reading reads what came, which can open
            // flow control windows): what it queued leaves now rather than with the next batch.
            flushLocked(now);
            if (firstPortClosable) {
                closeUnusedPorts(now);
            }
            if (!peerPorts.isEmpty() && now - nextPeerCheck >= 0) {
                closeIdlePeerPorts(now);
            }
        } catch (Throwable t) {
            failed(t, "batch", null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Tells the clients of the connections the endpoint called into since the last time, each once, and the
     * listeners if the batch was {@code busy} (took datagrams or ran timers).
     */
    private void notifyClients(boolean busy) {
        // Taken first: what a client does when told (a touch of its connection) is news for the next batch, so
        // that this loop ends.
        for (QuicConnection c = endpoint.pollChanged(); c != null; c = endpoint.pollChanged()) {
            toNotify.add(c);
        }
        for (int i = 0; i < toNotify.size(); i++) {
            IoClient client = followers.get(toNotify.get(i));
            if (client != null) {
                try {
                    client.onBatch();
                } catch (Throwable t) {
                    failed(t, "socket", client);
                }
            }
        }
        toNotify.clear();
        if (busy) {
            for (IoClient client : listeners) {
                try {
                    client.onBatch();
                } catch (Throwable t) {
                    failed(t, "socket", client);
                }
            }
        }
    }

    /**
     * Takes the datagrams waiting at several sockets, one of each in turn, so that the endpoint sees them about in the
     * order they arrived: a packet read after many sent later on another path would have its truncated packet number
     * decoded wrongly (RFC 9000 §17.1; its sender counts on reordering of less than half its encoding's range). A
     * socket found empty is looked at again every {@link #RECHECK_EMPTY} turns, cheaply bounding that reordering.
     * {@return whether there was any}
     */
    private boolean receiveInTurn(long now) {
        boolean any = false;
        for (int p = 0; p < ports.size(); p++) {
            Port port = ports.get(p);
            // The wait's readiness spares a receive call per empty socket: many behind routerd.
            port.empty = !port.udp.isOpen() || !port.udp.mayBeReadable();
            port.ready = !port.empty;
        }
        int taken = 0;
        for (int turn = 0; taken < MAX_DATAGRAMS_PER_BATCH; turn++) {
            boolean recheck = turn % RECHECK_EMPTY == 0;
            boolean readable = false;
            for (int p = 0; p < ports.size() && taken < MAX_DATAGRAMS_PER_BATCH; p++) {
                Port port = ports.get(p);
                if (port.empty && !(recheck && port.ready && port.udp.isOpen())) {
                    continue;
                }
                int n = receive(port, 1, now);
                port.empty = n == 0;
                if (n > 0) {
                    taken++;
                    any = true;
                    readable = true;
                }
            }
            if (!readable) {
                return any;
            }
        }
        return any;
    }

    /** Takes about {@code max} datagrams waiting at {@code port} into the endpoint; {@return how many} */
    private int receive(Port port, int max, long now) {
        if (!port.udp.isOpen()) {
            return 0;
        }
        receivingPort = port;
        receivingAt = now;
        return port.udp.receive(max, receiveBuffer, receiver);
    }

    /** One datagram of {@link #receive}, to the endpoint. */
    private void onDatagram(ByteBuffer datagram, InetSocketAddress from, InetSocketAddress to, Ecn ecn) {
        InetSocketAddress local = receivingPort.local;
        if (local == null && to != null && endpoint.isServer()) {
            // A server's first socket bound to a wildcard address: its connections know the address the client sent
            // to as their local one, and answer from it (IP_PKTINFO) rather than from the address the kernel would
            // pick, which a client reaching us at another of our addresses would not take for ours.
            local = to;
        }
        IoEndpointGroup.Member m = member;
        if (m != null && m.handOff(local, from, datagram)) {
            return; // another I/O thread's connection (IoEndpointGroup)
        }
        try {
            endpoint.handleDatagram(local, from, datagram, ecn, receivingAt);
        } catch (Throwable t) {
            // The connection concerned, if any, was closed by the endpoint; the others go on.
            failed(t, "datagram from", from);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Several I/O threads on one port (IoEndpointGroup)

    /** The endpoint's place among several sharing its port, set once before it listens; null if alone. */
    private volatile IoEndpointGroup.Member member;

    /** Makes the endpoint one of a group: {@code m} sees every datagram received first. */
    void joinGroup(IoEndpointGroup.Member m) {
        this.member = m;
    }

    /**
     * Hands the endpoint a datagram another I/O thread of the group received at {@code local} (null: the first socket,
     * bound to the same address as the other thread's) from {@code from}; on the I/O thread, the lock held.
     */
    void injectDatagram(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram, long now) {
        try {
            endpoint.handleDatagram(local, from, datagram, now);
        } catch (Throwable t) {
            failed(t, "datagram handed over from", from);
        }
    }

    /** Hands the endpoint what routerd forwarded; on the I/O thread, the lock held. {@return how many} */
    private int takeRouted(long now) {
        int n = 0;
        for (HandoffRing.Slot s = routedInbox.peek(); s != null && n < routedInbox.capacity(); s = routedInbox.peek()) {
            try {
                // Reached at the public address whatever the daemon bound: the endpoint's connections know one local
                // address, the one their sockets are bound to.
                endpoint.handleDatagram(routedAddress, s.from, s.data, now);
            } catch (Throwable t) {
                failed(t, "datagram through routerd from", s.from);
            } finally {
                routedInbox.release();
            }
            n++;
        }
        return n;
    }

    /**
     * {@return the socket connected to {@code peer}, opened now if there is none; null if it cannot be} Bound to the
     * public address with SO_REUSEPORT beside routerd's socket, and connected: Linux delivers {@code peer}'s datagrams
     * to it from then on. The lock is held.
     */
    private Port peerPort(InetSocketAddress peer) {
        Port port = peerPorts.get(peer);
        if (port != null && port.udp.isOpen()) {
            return port;
        }
        try {
            UdpPort udp = driver.open(routedAddress, udpOptions.withReusePort(true), peer);
            port = new Port(udp, routedAddress, false, peer);
            ports.add(port);
            openPortCount++;
            peerPorts.put(peer, port);
            peerPortsOpened++;
            if (peerPorts.size() == 1) {
                nextPeerCheck = System.nanoTime() + PEER_CHECK_NANOS;
            }
            return port;
        } catch (IOException | RuntimeException e) {
            peerPortFailures++;
            LOG.log(System.Logger.Level.WARNING, "cannot open a socket at " + routedAddress + " for " + peer, e);
            return null;
        }
    }

    /** Closes the sockets of clients no connection sends to or hears from any more (routerd). */
    private void closeIdlePeerPorts(long now) {
        nextPeerCheck = now + PEER_CHECK_NANOS;
        peersInUse.clear();
        endpoint.collectPeerAddresses(peersInUse);
        for (int p = ports.size() - 1; p > 0; p--) {
            Port port = ports.get(p);
            if (port.peer != null && !peersInUse.contains(port.peer)) {
                closePort(port);
            }
        }
        peersInUse.clear();
    }

    /** Sends datagrams until the connections have none or the kernel has no room. */
    private void flushLocked(long now) {
        sendDatagrams(null, now);
    }

    /**
     * Sends what the connections have ({@code only}'s alone, if not null) until they have nothing or the kernel has
     * no room, each datagram from the socket the endpoint names for it ({@link QuicEndpoint#lastDatagramSource()}).
     * A socket whose kernel buffer is full keeps one datagram (parked) and the others go on; the next datagram for
     * it waits in the send buffer (stalled), and nothing more is polled until one of the two left: the endpoint
     * cannot be asked for the datagrams of one path only. What the sockets queued (a batch, GSO trains) leaves at the
     * end, one system call per socket.
     */
    private void sendDatagrams(QuicConnection only, long now) {
        pollAndSend(only, now);
        flushPorts();
    }

    private void pollAndSend(QuicConnection only, long now) {
        if (parkedPorts > 0) {
            retryParked();
        }
        if (stalled != null) {
            Port port = stalled;
            if (port.udp.isOpen() && port.pendingTarget != null) {
                return;
            }
            stalled = null;
            if (port.udp.isOpen()) {
                sendFrom(port, stalledTarget, stalledSource, stalledEcn, true);
            } else {
                // Its socket closed while it waited: lost, not sent from another address. Nothing was polled
                // since, so the endpoint's last datagram is this one.
                notSent();
            }
        }
        while (parkedPorts < openPorts()) {
            sendBuffer.clear();
            InetSocketAddress to;
            try {
                to = only == null ? endpoint.pollDatagram(sendBuffer, now) : endpoint.pollDatagram(only, sendBuffer, now);
            } catch (Throwable t) {
                failed(t, "sending", only);
                return;
            }
            polls++;
            if (to == null) {
                return;
            }
            sendBuffer.flip();
            InetSocketAddress source = endpoint.lastDatagramSource();
            InetSocketAddress sendFrom = null;
            Port port;
            if (routedAddress != null) {
                // Behind routerd every datagram leaves from the socket connected to its destination (null: none could
                // be opened, and it is lost).
                port = peerPort(to);
            } else {
                port = source == null ? ports.get(0) : port(source);
            }
            if (port == null && routedAddress == null && answersFromDestinations(source)) {
                // An address of the first socket's wildcard (see onDatagram): sent from there, with it as source.
                port = ports.get(0);
                sendFrom = source;
            }
            if (port == null || !port.udp.isOpen()) {
                // Written for a socket closed since (the address a client left): lost, never sent from another
                // address (RFC 9000 §9.5: what a path carries must not link it to another).
                notSent();
                continue;
            }
            Ecn mark = ecn ? endpoint.lastDatagramEcn() : Ecn.NOT_ECT;
            if (port.pendingTarget != null) {
                stalled = port;
                stalledTarget = to;
                stalledSource = sendFrom;
                stalledEcn = mark;
                return;
            }
            sendFrom(port, to, sendFrom, mark, true);
        }
    }

    /** {@return whether {@code source} is an address of the first socket's wildcard, which it sends from} */
    private boolean answersFromDestinations(InetSocketAddress source) {
        Port first = ports.get(0);
        return first.udp.isOpen() && first.udp.readsDestinations()
                && source.getPort() == first.udp.boundAddress().getPort();
    }

    /**
     * Sends the datagram in the send buffer from {@code port} to {@code to}; if the kernel has no room, the port keeps
     * it (parked) until the socket is writable. {@code last}: it is the endpoint's last polled datagram, which a
     * failure tells the endpoint of.
     */
    private void sendFrom(Port port, InetSocketAddress to, InetSocketAddress source, Ecn mark, boolean last) {
        try {
            if (!port.udp.send(sendBuffer, to, source, mark)) {
                // The send buffer becomes the port's, and its spare the next datagram's: nothing is copied. The
                // spare is made the first time a port is full, once.
                ByteBuffer spare = port.pending != null && port.pending.capacity() >= sendBuffer.capacity()
                        ? port.pending : ByteBuffer.allocate(sendBuffer.capacity());
                port.pending = sendBuffer;
                sendBuffer = spare;
                port.pendingTarget = to;
                port.pendingSource = source;
                port.pendingEcn = mark;
                port.parkedAt = polls;
                parkedPorts++;
                port.writeInterest(true);
            }
        } catch (IOException e) {
            // Too large for the route (EMSGSIZE: IP_DONTFRAGMENT is set), an unreachable network and the like: the
            // datagram never left, so its connection takes it out of flight at once rather than wait for a PTO.
            LOG.log(System.Logger.Level.DEBUG, "send to " + to + " from " + port + " failed", e);
            if (last) {
                notSent();
            }
        }
    }

    /** Sends the datagrams ports keep for want of room in the kernel, those that can go now. */
    private void retryParked() {
        for (int p = 0; p < ports.size(); p++) {
            Port port = ports.get(p);
            if (port.pendingTarget == null) {
                continue;
            }
            try {
                if (!port.udp.send(port.pending, port.pendingTarget, port.pendingSource, port.pendingEcn)) {
                    continue;
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "send to " + port.pendingTarget + " from " + port + " failed", e);
                // The endpoint can be told only if nothing was polled since; otherwise loss recovery finds it lost.
                if (port.parkedAt == polls) {
                    notSent();
                }
            }
            unpark(port);
        }
    }

    private void unpark(Port port) {
        port.pendingTarget = null;
        parkedPorts--;
        port.writeInterest(port.queueBlocked);
    }

    /** Sends what the sockets queued; one the kernel has no room for keeps it and is watched for writability. */
    private void flushPorts() {
        for (int p = 0; p < ports.size(); p++) {
            Port port = ports.get(p);
            if (port.udp.isOpen()) {
                port.queueBlocked = !port.udp.flush();
                port.writeInterest(port.queueBlocked || port.pendingTarget != null);
            }
        }
    }

    /** Tells the endpoint that its last polled datagram did not leave. */
    private void notSent() {
        try {
            endpoint.onDatagramNotSent(System.nanoTime());
        } catch (Throwable t) {
            failed(t, "a datagram not sent", null);
        }
    }

    /** {@return whether what waits to be sent waits for the kernel: a stalled datagram, or every socket full} */
    private boolean blockedOnKernel() {
        return stalled != null || parkedPorts > 0 && parkedPorts >= openPorts();
    }

    /**
     * Closes the sockets of moves that no connection uses any more (the move given up, or the address left three
     * PTOs ago, RFC 9000 §9.2), and the first socket once a client left it; never the last one open.
     */
    private void closeUnusedPorts(long now) {
        for (int p = ports.size() - 1; p >= 0 && openPorts() > 1; p--) {
            Port port = ports.get(p);
            if (!port.udp.isOpen() || !(port.forMigration || p == 0)) {
                continue;
            }
            boolean used;
            try {
                used = endpoint.isLocalAddressInUse(port.local, now);
            } catch (Throwable t) {
                failed(t, "checking", port);
                return;
            }
            if (!used) {
                closePort(port);
            }
        }
    }

    /** Closes one socket and drops what it held to send. */
    private void closePort(Port port) {
        if (port.pendingTarget != null) {
            unpark(port);
        }
        if (port.udp.isOpen()) {
            openPortCount--;
        }
        port.udp.close();
        if (port.forMigration) {
            migrationPorts--;
        }
        if (port.peer != null) {
            peerPorts.remove(port.peer, port);
            peerPortsClosed++;
        }
        if (port.local != null) {
            ports.remove(port);
        }
        if (stalled == port) {
            // Nothing was polled since it stalled: the endpoint's last datagram is this one, lost.
            stalled = null;
            notSent();
        }
    }

    /** {@return the socket opened at {@code local}, or null} */
    private Port port(InetSocketAddress local) {
        for (int p = 1; p < ports.size(); p++) {
            Port port = ports.get(p);
            if (port.peer == null && local.equals(port.local)) {
                return port;
            }
        }
        return null;
    }

    /** {@return the sockets open} Counted as they open and close: behind routerd there may be hundreds. */
    private int openPorts() {
        return openPortCount;
    }

    /** One UDP socket of the endpoint, and the datagram it keeps while the kernel has no room for it. */
    private static final class Port {
        final UdpPort udp;
        /** The address the endpoint knows the socket by: null for the first one, else its bound address. */
        final InetSocketAddress local;
        /** Opened for a move: closed once no connection uses it. */
        final boolean forMigration;
        /** The client the socket is connected to (behind routerd); null for the others. */
        final InetSocketAddress peer;
        /** The last wait found the socket readable ({@link UdpPort#mayBeReadable}). */
        boolean ready;
        /**
         * The parked datagram (while {@link #pendingTarget} is set), else a spare buffer of the send buffer's size;
         * null until the port is first full.
         */
        ByteBuffer pending;
        /** Where the parked datagram goes; null when there is none. */
        InetSocketAddress pendingTarget;
        /** The parked datagram's ECN codepoint. */
        Ecn pendingEcn = Ecn.NOT_ECT;
        /** The parked datagram's source address, for the first socket's wildcard; null for none. */
        InetSocketAddress pendingSource;
        /** The number of polls when it was parked: still the endpoint's last polled datagram if no poll followed. */
        long parkedAt;
        /** Found with nothing to read in this batch's turns ({@link #receiveInTurn}). */
        boolean empty;
        /** The socket holds queued datagrams the kernel had no room for at the last flush. */
        boolean queueBlocked;
        private boolean writeInterest;

        Port(UdpPort udp, InetSocketAddress local, boolean forMigration) {
            this(udp, local, forMigration, null);
        }

        Port(UdpPort udp, InetSocketAddress local, boolean forMigration, InetSocketAddress peer) {
            this.udp = udp;
            this.local = local;
            this.forMigration = forMigration;
            this.peer = peer;
        }

        void writeInterest(boolean on) {
            if (on != writeInterest && udp.isOpen()) {
                writeInterest = on;
                udp.writeInterest(on);
            }
        }

        @Override
        public String toString() {
            return "UDP socket " + (local != null ? local : "(first)") + (peer != null ? " connected to " + peer : "");
        }
    }

    private void close() {
        lockForIo();
        try {
            for (int p = 0; p < ports.size(); p++) {
                ports.get(p).udp.close();
            }
            driver.close();
        } finally {
            lock.unlock();
        }
        if (routerLink != null) {
            routerLink.close();
        }
        for (Runnable hook : closeHooks) {
            if (closeHooks.remove(hook)) {
                runHook(hook);
            }
        }
    }

    @Override
    public String toString() {
        return "IoEndpoint[" + localAddress + "]";
    }
}
