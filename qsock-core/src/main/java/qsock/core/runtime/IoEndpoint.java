package qsock.core.runtime;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;

/**
 * One bound UDP port at run time: a non-blocking {@link DatagramChannel}, a {@link Selector}, the
 * sans-I/O {@link QuicEndpoint}, and the I/O thread ({@code qsock-io-<port>}) that drives them. The loop
 * sleeps in {@code select} until a datagram arrives or the endpoint's next deadline, never spins; takes
 * every datagram waiting into one reused buffer; runs the deadlines that are due; then sends what the
 * connections have, keeping a datagram the kernel refused until the socket is writable again.
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
 * closes the channel and ends.
 */
public final class IoEndpoint {

    private static final System.Logger LOG = System.getLogger(IoEndpoint.class.getName());
    /** Bounds one batch, so that timers and sending get their turn under a flood. */
    private static final int MAX_DATAGRAMS_PER_BATCH = 512;
    private static final int MAX_UDP_PAYLOAD = 65_535;
    /** After the loop caught an exception, it sleeps at least this long, so a repeating failure cannot spin. */
    private static final long FAILURE_BACKOFF_MILLIS = 10;
    /** How long the I/O thread waits in the lock's queue before it leaves it and tries again. */
    private static final long LOCK_ATTEMPT_NANOS = 10_000_000;

    private final QuicEndpoint endpoint;
    private final DatagramChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final InetSocketAddress localAddress;
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
    // way), and the channel copies through its own cached direct buffer once.
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(MAX_UDP_PAYLOAD);
    /**
     * As large as the largest datagram the connections may write: their datagram size, or the path MTU discovery
     * ceiling (stateless answers are smaller). Each client socket has an endpoint of its own: at the library's
     * 1200-byte default this spares 64 KiB per socket.
     */
    private final ByteBuffer sendBuffer;
    private final Thread thread;
    /** Where the datagram in {@link #sendBuffer} goes, while the kernel has no room for it; else null. */
    private InetSocketAddress pendingTarget;
    private boolean writeInterest;
    /** The time the last batch ran the deadlines at: what is due by then and still there waits to be sent. */
    private long lastBatch;
    private boolean released;
    private boolean failed;
    /** When the I/O thread wakes by itself; others wake it earlier when they make a deadline earlier. */
    private volatile long wakeAt = Long.MAX_VALUE;
    private volatile boolean stopped;

    private IoEndpoint(QuicEndpoint endpoint, ConnectionConfig connections, DatagramChannel channel, Selector selector)
            throws IOException {
        this.endpoint = endpoint;
        this.sendBuffer = ByteBuffer.allocate(Math.min(MAX_UDP_PAYLOAD,
                Math.max(connections.maxDatagramSize(), connections.pathMtuCeiling())));
        // Batches tell only the clients of the connections they changed.
        endpoint.recordChanges();
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, SelectionKey.OP_READ);
        this.lastBatch = System.nanoTime();
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
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
        if (config.statelessResetKey() == null) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            config = config.withStatelessResetKey(key);
        }
        StandardProtocolFamily family = local.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel channel = DatagramChannel.open(family);
        Selector selector = null;
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
            if (channel.supportedOptions().contains(ExtendedSocketOptions.IP_DONTFRAGMENT)) {
                // RFC 9000 §14: QUIC datagrams are never fragmented at the IP layer. A datagram too large for the
                // route then fails to send, and recovery counts it lost: what path MTU discovery needs to see.
                channel.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
            }
            channel.bind(local);
            channel.configureBlocking(false);
            selector = Selector.open();
            QuicEndpoint quic = new QuicEndpoint(config, random);
            // Tokens carry wall-clock time, so that servers sharing token keys agree on their age (RFC 9000 §8.1.3).
            quic.setTokenClockOffset(System.currentTimeMillis() * 1_000_000L - System.nanoTime());
            IoEndpoint io = new IoEndpoint(quic, config.connection(), channel, selector);
            io.clients.add(firstClient);
            io.listeners.add(firstClient);
            io.thread.start();
            return io;
        } catch (IOException | RuntimeException e) {
            if (selector != null) {
                selector.close();
            }
            channel.close();
            throw e;
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

    /** {@return the lock that guards the endpoint, its connections and the channel's sending side} */
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

    /** {@return the address the UDP socket is bound to} */
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

    /** Sets an option of the UDP socket (buffer sizes). */
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        channel.setOption(option, value);
    }

    /** {@return an option of the UDP socket} */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return channel.getOption(option);
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
            selector.wakeup();
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
        if (endpoint.nextDeadline() - wakeAt < 0 && !stopped) {
            selector.wakeup();
        }
    }

    /**
     * Sends what {@code connection} has now, from the calling thread, and nothing of the other connections (their
     * sending stays on the I/O thread); the caller holds the lock and {@linkplain QuicEndpoint#touched touched} the
     * connection. A datagram the kernel refused earlier leaves first. Wakes the I/O thread as {@link #flush()} does.
     */
    public void flush(QuicConnection connection) {
        requireLocked();
        long now = System.nanoTime();
        if (pendingTarget == null || sendPending()) {
            while (true) {
                sendBuffer.clear();
                InetSocketAddress to;
                try {
                    to = endpoint.pollDatagram(connection, sendBuffer, now);
                } catch (Throwable t) {
                    failed(t, "sending", connection);
                    break;
                }
                if (to == null) {
                    break;
                }
                sendBuffer.flip();
                pendingTarget = to;
                if (!sendPending()) {
                    break;
                }
            }
        }
        if (endpoint.nextDeadline() - wakeAt < 0 && !stopped) {
            selector.wakeup();
        }
    }

    /** Wakes the I/O thread, so that it runs a turn (flushing, re-reading deadlines) soon. */
    public void wakeup() {
        selector.wakeup();
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
                    if (pendingTarget != null && deadline != Long.MAX_VALUE && deadline - lastBatch <= 0) {
                        deadline = Long.MAX_VALUE;
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
                } catch (ClosedSelectorException e) {
                    throw e;
                } catch (RuntimeException | Error e) {
                    failed(e, "waiting", null);
                }
                batch();
            }
        } catch (IOException | ClosedSelectorException e) {
            // The selector broke: nothing can be received any more.
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
                selector.selectNow();
                selector.selectedKeys().clear();
                return;
            }
            // Rounded up: waking before the deadline would only mean another select.
            millis = Math.max(1, (wait + 999_999) / 1_000_000);
        }
        selector.select(millis);
        selector.selectedKeys().clear();
    }

    private void batch() {
        lockForIo();
        try {
            boolean busy = false;
            long now = System.nanoTime();
            for (int i = 0; i < MAX_DATAGRAMS_PER_BATCH; i++) {
                receiveBuffer.clear();
                SocketAddress from;
                try {
                    from = channel.receive(receiveBuffer);
                } catch (IOException e) {
                    // A reported ICMP error or the like: the next receive goes on.
                    LOG.log(System.Logger.Level.DEBUG, "receive on " + localAddress + " failed", e);
                    continue;
                }
                if (from == null) {
                    break;
                }
                receiveBuffer.flip();
                busy = true;
                try {
                    endpoint.handleDatagram((InetSocketAddress) from, receiveBuffer, now);
                } catch (Throwable t) {
                    // The connection concerned, if any, was closed by the endpoint; the others go on.
                    failed(t, "datagram from", from);
                }
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

    /** Sends datagrams until the connections have none or the kernel has no room. */
    private void flushLocked(long now) {
        if (pendingTarget != null && !sendPending()) {
            return;
        }
        while (true) {
            sendBuffer.clear();
            InetSocketAddress to;
            try {
                to = endpoint.pollDatagram(sendBuffer, now);
            } catch (Throwable t) {
                failed(t, "sending", null);
                return;
            }
            if (to == null) {
                return;
            }
            sendBuffer.flip();
            pendingTarget = to;
            if (!sendPending()) {
                return;
            }
        }
    }

    /** {@return true if the datagram in the send buffer left (or was dropped), false if the kernel is full} */
    private boolean sendPending() {
        try {
            if (channel.send(sendBuffer, pendingTarget) == 0) {
                if (!writeInterest) {
                    writeInterest = true;
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    selector.wakeup();
                }
                return false;
            }
        } catch (IOException e) {
            // Too large for the route (EMSGSIZE: IP_DONTFRAGMENT is set), an unreachable network and the like: the
            // datagram never left, so its connection takes it out of flight at once rather than wait for a PTO.
            LOG.log(System.Logger.Level.DEBUG, "send to " + pendingTarget + " failed", e);
            try {
                endpoint.onDatagramNotSent(System.nanoTime());
            } catch (Throwable t) {
                failed(t, "a datagram not sent", null);
            }
        }
        pendingTarget = null;
        if (writeInterest) {
            writeInterest = false;
            key.interestOps(SelectionKey.OP_READ);
        }
        return true;
    }

    private void close() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the selector failed", e);
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the channel failed", e);
        }
    }

    @Override
    public String toString() {
        return "IoEndpoint[" + localAddress + "]";
    }
}
