package qsock.core.runtime;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import qsock.api.ConnectionConfig;
import qsock.api.TokenKeys;
import qsock.core.cid.ConnectionIdOwner;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.AddressValidation;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.error.TransportErrorCode;

/**
 * A listener's UDP port served by several I/O threads: N {@link IoEndpoint}s, each with a UDP socket of its own bound
 * to the same address with SO_REUSEPORT, its own sans-I/O {@link QuicEndpoint}, its own lock and thread. The kernel
 * spreads incoming datagrams over the sockets by the hash of their addresses (Linux), so a client's datagrams reach one
 * socket while its address stays; the connection it opens there stays on that thread for its life. Nothing is shared
 * on the per-packet path.
 *
 * <p>A client whose address changes (NAT rebinding, a move, RFC 9000 §9) may hash to another socket, whose endpoint
 * does not know its connection IDs. Every ID an endpoint issues names its thread ({@link ConnectionIdOwner}); a thread
 * that receives a short-header packet whose Destination Connection ID names another hands the datagram to it through
 * that thread's {@link HandoffRing} (bounded, reused buffers, dropped when full, never blocking), and the owner handles
 * it as received at the same local address. Initials and 0-RTT packets, whose IDs the client chose, are handled where
 * they land (their addresses have not changed). The endpoints share the stateless reset key and the token keys, so
 * that a reset or a Retry or NEW_TOKEN token is right whichever thread answers or checks it (RFC 9000 §10.3, §8.1).
 *
 * <p>The listener's accept takes new connections from all N accept queues; each endpoint's batch that leaves one
 * queued signals the group's accept condition. Closing the listener refuses what waits in every queue and detaches
 * from every endpoint, whose threads end once their connections did.
 *
 * <p>Locks: a thread holds at most one endpoint's lock, and may take the group's accept lock inside it (the I/O
 * threads signalling); never an endpoint's lock inside the accept lock.
 */
public final class IoEndpointGroup {

    private static final System.Logger LOG = System.getLogger(IoEndpointGroup.class.getName());
    /**
     * Datagrams waiting for one thread from the others; a power of two. Another thread takes up to 512 datagrams in one
     * batch, which may all be for this one (a busy client that moved): the ring holds half a batch, the owner draining
     * it as it goes. Slot buffers are made at first use: about 1.5 KB each at internet datagram sizes.
     */
    private static final int HANDOFF_SLOTS = 256;
    private static final boolean REUSE_PORT = probeReusePort();

    private final Member[] members;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Condition acceptable = acceptLock.newCondition();
    /** Counts the signals of new connections (and wakeups): a waiter sleeps only while it is what it read. */
    private long acceptSignals;
    /** What hears of every accept signal besides the waiters: a selector the listener is registered with; or null. */
    private volatile Runnable acceptWatcher;
    private final SecureRandom random;
    private TokenKeys tokenKeys;

    private IoEndpointGroup(int n, SecureRandom random) {
        this.members = new Member[n];
        this.random = random;
    }

    /**
     * {@return the default I/O thread count of a listener: one per two cores, at least one} The system property {@code
     * qsock.ioThreads} (1 to 32) overrides it, for deployments that set it outside the code and for running the socket
     * tests on several threads on a small machine.
     */
    public static int defaultThreads() {
        String set = System.getProperty("qsock.ioThreads");
        if (set != null) {
            try {
                int n = Integer.parseInt(set.trim());
                if (n >= 1 && n <= ConnectionIdOwner.MAX_OWNERS) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // Ignored as below.
            }
            LOG.log(System.Logger.Level.WARNING, "qsock.ioThreads=" + set + " is not 1 to "
                    + ConnectionIdOwner.MAX_OWNERS + ": ignored");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * {@return whether a port can be shared by several I/O threads here} That takes SO_REUSEPORT with the kernel
     * spreading datagrams over the sockets (Linux; on other systems the option may mean something else, and a listener
     * keeps one thread).
     */
    public static boolean supported() {
        return REUSE_PORT;
    }

    private static boolean probeReusePort() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return false;
        }
        try (DatagramChannel probe = DatagramChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * {@return the endpoint settings for the first endpoint of a group to be} A stateless reset key is drawn now, so
     * that the others get the same one (a reset must carry the token the connection's owner issued, RFC 9000 §10.3).
     */
    public static EndpointConfig sharedConfig(ConnectionConfig connections) {
        byte[] key = new byte[32];
        random().nextBytes(key);
        return new EndpointConfig(connections, key);
    }

    /**
     * Makes {@code first}, bound with {@code config} (from {@link #sharedConfig}) and {@code options} (SO_REUSEPORT
     * on), the first of {@code n} endpoints on its address and binds the others there, each with its thread started.
     * The caller holds {@code first}'s lock; nothing was accepted on it yet.
     *
     * @throws IOException if a socket could not be bound (those bound are closed again)
     * @throws IllegalArgumentException if {@code n} is not 2 to {@link ConnectionIdOwner#MAX_OWNERS}, the connection IDs
     *     are zero-length, or {@code options} do not share the port
     */
    public static IoEndpointGroup form(IoEndpoint first, EndpointConfig config, UdpOptions options, int n)
            throws IOException {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(config, "config");
        if (n < 2 || n > ConnectionIdOwner.MAX_OWNERS) {
            throw new IllegalArgumentException("a group has 2 to " + ConnectionIdOwner.MAX_OWNERS + " threads: " + n);
        }
        if (!options.reusePort() || config.statelessResetKey() == null) {
            throw new IllegalArgumentException("the endpoints of a group share their port and their reset key");
        }
        if (!first.lock().isHeldByCurrentThread()) {
            throw new IllegalStateException("the first endpoint's lock must be held");
        }
        IoEndpointGroup group = new IoEndpointGroup(n, random());
        InetSocketAddress address = first.localAddress();
        List<IoEndpoint> bound = new ArrayList<>(n);
        try {
            for (int i = 1; i < n; i++) {
                Member m = group.new Member(i);
                IoEndpoint io = IoEndpoint.bind(address, config, options, m);
                m.io = io;
                group.members[i] = m;
                bound.add(io);
            }
        } catch (IOException | RuntimeException e) {
            for (IoEndpoint io : bound) {
                detachQuietly(io, group.members[bound.indexOf(io) + 1]);
            }
            throw e;
        }
        Member m0 = group.new Member(0);
        m0.io = first;
        group.members[0] = m0;
        first.attach(m0);
        for (int i = 0; i < n; i++) {
            Member m = group.members[i];
            m.io.thread().setName("qsock-io-" + address.getPort() + "-" + i);
            if (i == 0) {
                m.join();
            } else {
                m.io.lock().lock();
                try {
                    m.join();
                } finally {
                    m.io.lock().unlock();
                }
            }
        }
        return group;
    }

    private static void detachQuietly(IoEndpoint io, Member m) {
        io.lock().lock();
        try {
            io.detach(m);
        } finally {
            io.lock().unlock();
        }
    }

    private static SecureRandom random() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** {@return the number of I/O threads} */
    public int size() {
        return members.length;
    }

    /** {@return the endpoint of thread {@code i}} */
    public IoEndpoint endpoint(int i) {
        return members[i].io;
    }

    /**
     * {@return {@code validation} with the token keys every endpoint of the group uses} Keys set stay; without, one
     * key is drawn for the group, once (a token must open on whichever thread the client's next connection reaches,
     * RFC 9000 §8.1.3).
     */
    public synchronized AddressValidation shareKeys(AddressValidation validation) {
        if (validation.keys() != null) {
            return validation;
        }
        if (tokenKeys == null) {
            tokenKeys = TokenKeys.random(random);
        }
        return validation.withKeys(tokenKeys);
    }

    /**
     * Sets where the connections of the endpoints but the first (the caller does that one under its own lock) write
     * their qlog traces, or null for none; each under its lock.
     */
    public void setQlogDirectory(java.nio.file.Path directory) {
        for (int i = 1; i < members.length; i++) {
            IoEndpoint io = members[i].io;
            io.lock().lock();
            try {
                io.endpoint().setQlogDirectory(directory);
            } finally {
                io.lock().unlock();
            }
        }
    }

    /**
     * Applies the listener's address validation and backlog to the endpoints but the first (the caller does that one
     * under its own lock), each under its lock. Each endpoint queues up to {@code backlog} connections.
     */
    public void listen(AddressValidation validation, int backlog) {
        for (int i = 1; i < members.length; i++) {
            IoEndpoint io = members[i].io;
            io.lock().lock();
            try {
                io.endpoint().setAddressValidation(validation);
                io.endpoint().listen(backlog);
            } finally {
                io.lock().unlock();
            }
        }
    }

    /**
     * Opens a UDP socket at {@code bound}, where the first endpoint bound a server's preferred address (RFC 9000 §9.6),
     * on every other endpoint, and makes each offer the preferred addresses given. The caller holds the first one's lock.
     */
    public void bindPreferredAddress(InetSocketAddress bound, InetSocketAddress ipv4, InetSocketAddress ipv6)
            throws IOException {
        for (int i = 1; i < members.length; i++) {
            IoEndpoint io = members[i].io;
            io.lock().lock();
            try {
                io.openChannel(bound, false);
                io.endpoint().setPreferredAddress(ipv4, ipv6);
            } finally {
                io.lock().unlock();
            }
        }
    }

    /** A connection taken from an endpoint's accept queue, made into whatever the caller returns. */
    @FunctionalInterface
    public interface Acceptor<T> {
        /** Called with {@code io}'s lock held. */
        T accepted(IoEndpoint io, QuicConnection connection);
    }

    /**
     * {@return what {@code acceptor} made of the oldest new connection of one of the endpoints, or null if none
     * waits} The endpoints are looked at in turn from the one after the last that gave a connection, so that none
     * waits behind another's stream of newcomers.
     */
    public <T> T pollAccepted(Acceptor<T> acceptor) {
        int n = members.length;
        int start;
        synchronized (this) {
            start = nextAccept;
        }
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            IoEndpoint io = members[i].io;
            io.lock().lock();
            try {
                QuicConnection c = io.endpoint().accept();
                if (c != null) {
                    synchronized (this) {
                        nextAccept = (i + 1) % n;
                    }
                    return acceptor.accepted(io, c);
                }
            } finally {
                io.lock().unlock();
            }
        }
        return null;
    }

    private int nextAccept;

    /** {@return the signal count now: read before {@link #pollAccepted}, passed to {@link #awaitAccept}} */
    public long acceptSignals() {
        acceptLock.lock();
        try {
            return acceptSignals;
        } finally {
            acceptLock.unlock();
        }
    }

    /**
     * Waits until an endpoint queued a connection or {@link #wakeAcceptors} was called since the signal count was
     * {@code seen}, or until {@code deadline} ({@link System#nanoTime()}; {@link Long#MAX_VALUE} for none).
     * {@return false if the deadline passed}
     *
     * @throws InterruptedIOException if the thread was interrupted (its status stays set)
     */
    public boolean awaitAccept(long seen, long deadline) throws InterruptedIOException {
        acceptLock.lock();
        try {
            while (acceptSignals == seen) {
                if (deadline == Long.MAX_VALUE) {
                    acceptable.await();
                } else {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return false;
                    }
                    acceptable.awaitNanos(remaining);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting");
        } finally {
            acceptLock.unlock();
        }
    }

    /** {@return the accept calls waiting for a new connection now} For diagnostics and tests. */
    public int acceptWaiters() {
        acceptLock.lock();
        try {
            return acceptLock.getWaitQueueLength(acceptable);
        } finally {
            acceptLock.unlock();
        }
    }

    /** Sets a kernel buffer size (SO_RCVBUF, SO_SNDBUF) on the endpoints but the first, each under its lock. */
    public void setOption(java.net.SocketOption<Integer> option, int bytes) throws IOException {
        for (int i = 1; i < members.length; i++) {
            members[i].io.setOption(option, bytes);
        }
    }

    /** Wakes every accept waiting: the listener was shut down or closed. */
    public void wakeAcceptors() {
        acceptLock.lock();
        try {
            acceptSignals++;
            acceptable.signalAll();
        } finally {
            acceptLock.unlock();
        }
        Runnable watcher = acceptWatcher;
        if (watcher != null) {
            watcher.run();
        }
    }

    /**
     * Sets what runs after every accept signal ({@link #wakeAcceptors}), for a listener that tells a selector; null for
     * nothing. It runs on whichever thread signals, an I/O thread among them with its endpoint's lock held, so it must
     * not block nor take another endpoint's lock.
     */
    public void setAcceptWatcher(Runnable watcher) {
        acceptWatcher = watcher;
    }

    /** {@return the connections waiting to be accepted on all the endpoints} */
    public int acceptQueueLength() {
        int total = 0;
        for (Member m : members) {
            m.io.lock().lock();
            try {
                total += m.io.endpoint().acceptQueueLength();
            } finally {
                m.io.lock().unlock();
            }
        }
        return total;
    }

    /**
     * Stops listening on every endpoint: the connections still queued are refused (CONNECTION_REFUSED, as a single
     * endpoint's listener does), the group detaches from each, whose thread ends once its connections did; the
     * accepts waiting wake. The caller holds no endpoint's lock.
     */
    public void close() {
        for (Member m : members) {
            IoEndpoint io = m.io;
            io.lock().lock();
            try {
                QuicEndpoint quic = io.endpoint();
                quic.listen(0);
                for (QuicConnection refused = quic.accept(); refused != null; refused = quic.accept()) {
                    refused.closeWithError(TransportErrorCode.CONNECTION_REFUSED, 0, "listener closed",
                            System.nanoTime());
                    quic.touched(refused);
                }
                io.flush();
                io.detach(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "closing " + io + " failed", e);
            } finally {
                io.lock().unlock();
            }
        }
        wakeAcceptors();
    }

    /**
     * {@return a snapshot of thread {@code i}'s counters: datagrams its socket received, those it handed to other
     * threads, those it took over from them, those dropped on their way to it (its ring full)}
     */
    public long[] counters(int i) {
        Member m = members[i];
        m.io.lock().lock();
        try {
            return new long[] {m.received, m.handedOff, m.takenOver, m.inbox.dropped()};
        } finally {
            m.io.lock().unlock();
        }
    }

    /** {@return the index of the thread of {@code io}, or -1 if it is none of the group's} */
    public int indexOf(IoEndpoint io) {
        for (int i = 0; i < members.length; i++) {
            if (members[i].io == io) {
                return i;
            }
        }
        return -1;
    }

    /**
     * One thread's place in the group: attached to its endpoint as a listener (it signals the group's accept), it
     * sees every datagram the endpoint's sockets receive first, and holds the ring of datagrams the others hand it.
     */
    final class Member implements IoClient {
        final int index;
        /** Set once bound: the endpoint's thread may run a batch before. */
        volatile IoEndpoint io;
        final HandoffRing inbox = new HandoffRing(HANDOFF_SLOTS);
        // Counted on the member's I/O thread, under its endpoint's lock.
        long received;
        long handedOff;
        long takenOver;

        Member(int index) {
            this.index = index;
        }

        /** Marks the endpoint's connection IDs with this thread and routes its datagrams; its lock is held. */
        void join() {
            io.endpoint().setConnectionIdOwner(new ConnectionIdOwner(index, members.length));
            io.joinGroup(this);
        }

        /**
         * A datagram this thread's socket received at {@code local}; on its I/O thread, lock held. {@return true if it
         * belongs to another thread's connection and went to that thread (or was dropped on the way)}
         */
        boolean handOff(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram) {
            received++;
            int owner = io.endpoint().connectionIdOwner(datagram);
            if (owner < 0 || owner == index) {
                return false;
            }
            handedOff++;
            Member target = members[owner];
            // A full ring drops it, as a full socket buffer would: never wait for another thread.
            target.inbox.offer(local, from, datagram);
            target.io.wakeup();
            return true;
        }

        /** Hands the endpoint what the other threads received for it; on its I/O thread, lock held. {@return how many} */
        int takeHandedOff(long now) {
            int n = 0;
            for (HandoffRing.Slot s = inbox.peek(); s != null && n < inbox.capacity(); s = inbox.peek()) {
                io.injectDatagram(s.local, s.from, s.data, now);
                inbox.release();
                n++;
            }
            takenOver += n;
            return n;
        }

        @Override
        public void onBatch() {
            IoEndpoint e = io;
            if (e != null && e.endpoint().acceptQueueLength() > 0) {
                wakeAcceptors();
            }
        }

        @Override
        public String toString() {
            return "I/O thread " + index + " of " + members.length;
        }
    }
}
