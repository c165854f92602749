package qsock.core.router;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.cid.lb.QuicLbConfig;
import qsock.core.cid.lb.QuicLbDecoder;
import qsock.core.crypto.PacketProtection;
import qsock.core.endpoint.AlpnListener;
import qsock.core.endpoint.AlpnListeners;
import qsock.core.endpoint.ClientHelloAlpn;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * routerd: owns a public UDP address and port that the QUIC listeners of several processes share, and sends each new
 * connection to the listener whose ALPN list holds the first of the client's protocols that any of them serves (the
 * kernel QUIC module's listener lookup, across processes).
 *
 * <p>Listeners register over a Unix domain stream socket ({@link RouterLink}, framed as {@link RouterWire} says) with
 * their ALPN lists, and receive the daemon's QUIC-LB configuration and a server ID of their own. A new connection's
 * first Initials are read by a {@link ClientHelloAssembler} (reassembled across datagrams, bounded), routed by
 * {@link AlpnListeners} exactly as listeners of one JVM are, and forwarded whole to the listener, which binds a socket
 * of its own to the public address with SO_REUSEPORT and connects it to the client: from then on Linux delivers that
 * client's datagrams to the listener's socket, not to the daemon's, and the daemon copies nothing more. What still
 * arrives here (datagrams in flight before the listener's socket was connected, a client that moved to another
 * address, RFC 9000 §9) is routed by the server ID its Destination Connection ID carries (draft-ietf-quic-load-balancers),
 * or for a client-chosen ID by the table of Initials routed before.
 *
 * <p>A ClientHello that no listener serves is answered with CONNECTION_CLOSE no_application_protocol (0x178) in an
 * Initial (RFC 9001 §8.1), one that is malformed is dropped; an unsupported version gets Version Negotiation. A
 * listener that dies loses its own connections only; a listener that does not read has its queue bounded and its
 * datagrams dropped beyond it. Nothing a peer or a listener sends can end the daemon's threads.
 */
public final class RouterDaemon implements Closeable {

    private static final System.Logger LOG = System.getLogger(RouterDaemon.class.getName());

    /** ClientHellos being reassembled at once; more are dropped (a flood of half ClientHellos costs 16 KiB each). */
    static final int MAX_PENDING = 1024;
    /** An incomplete ClientHello is given up after this long. */
    private static final long PENDING_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** The datagrams one pending ClientHello may hold: a post-quantum one takes two, retransmissions a few more. */
    private static final int MAX_PENDING_DATAGRAMS = 8;
    /** Routed client-chosen Destination Connection IDs remembered (for Initials and 0-RTT that follow). */
    private static final int MAX_ROUTED = 16_384;
    private static final long ROUTED_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Frames waiting for one listener; more are dropped as a full socket buffer would drop them. */
    private static final int QUEUE = 4096;
    /** Control connections at once, registered or not. */
    private static final int MAX_CONTROL = 256;
    /** The server ID length and nonce length of the daemon's QUIC-LB configuration: 8-byte connection IDs. */
    private static final int SERVER_ID_LENGTH = 1;
    private static final int NONCE_LENGTH = 6;
    private static final int[] VERSIONS = {QuicVersion.V1.wireValue(), QuicVersion.V2.wireValue()};
    /** RFC 9001 §4.8: no_application_protocol (alert 120) as CRYPTO_ERROR 0x100 + 120. */
    private static final int NO_APPLICATION_PROTOCOL = 0x178;

    /** A connection as the client named it first: its address and the Destination Connection ID it chose. */
    private record Key(InetSocketAddress peer, ConnectionId dcid) {
    }

    private static final class Pending {
        final ClientHelloAssembler assembler;
        final List<ByteBuffer> datagrams = new ArrayList<>(2);
        final long since;

        Pending(ClientHelloAssembler assembler, long since) {
            this.assembler = assembler;
            this.since = since;
        }
    }

    private record Routed(Listener listener, long at) {
    }

    private final DatagramChannel udp;
    private final ServerSocketChannel control;
    private final Path controlPath;
    private final InetSocketAddress publicAddress;
    private final QuicLbConfig quicLb;
    private final QuicLbDecoder decoder;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    private final AlpnListeners alpn = new AlpnListeners();
    private final Map<AlpnListener, Listener> byAlpn = new HashMap<>();
    private final Listener[] byServerId = new Listener[256];
    private int nextServerId = 1;
    private final LinkedHashMap<Key, Pending> pending = new LinkedHashMap<>();
    private final LinkedHashMap<Key, Routed> routed = new LinkedHashMap<>(256, 0.75f, true);
    private final AtomicInteger controlConnections = new AtomicInteger();
    private final Thread udpThread;
    private final Thread controlThread;
    private volatile boolean closed;

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong newConnections = new AtomicLong();
    private final AtomicLong noApplicationProtocol = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong unroutable = new AtomicLong();
    private final AtomicLong droppedQueueFull = new AtomicLong();
    private final AtomicLong droppedPending = new AtomicLong();

    private RouterDaemon(DatagramChannel udp, ServerSocketChannel control, Path controlPath) throws IOException {
        this.udp = udp;
        this.control = control;
        this.controlPath = controlPath;
        this.publicAddress = (InetSocketAddress) udp.getLocalAddress();
        byte[] key = new byte[QuicLbConfig.KEY_LENGTH];
        random.nextBytes(key);
        this.quicLb = new QuicLbConfig(0, SERVER_ID_LENGTH, NONCE_LENGTH, key, false);
        this.decoder = new QuicLbDecoder(quicLb);
        this.udpThread = Thread.ofPlatform().daemon().name("qsock-routerd-udp-" + publicAddress.getPort())
                .unstarted(this::receiveLoop);
        this.controlThread = Thread.ofPlatform().daemon().name("qsock-routerd-control-" + publicAddress.getPort())
                .unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code publicAddress} (SO_REUSEPORT, so that listeners' sockets may join it; port 0 picks one) and the
     * control socket at {@code controlPath} (a stale file of a daemon that died is replaced; the file is made readable
     * and writable by its owner only, as it hands out the QUIC-LB key), and starts routing.
     *
     * @throws BindException if another daemon answers at {@code controlPath}, or the address is in use by a socket
     *     that does not share it
     */
    public static RouterDaemon start(InetSocketAddress publicAddress, Path controlPath) throws IOException {
        Objects.requireNonNull(publicAddress, "publicAddress");
        Objects.requireNonNull(controlPath, "controlPath");
        if (Files.exists(controlPath)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(controlPath))) {
                throw new BindException("a routerd answers at " + controlPath + " already");
            } catch (IOException notRunning) {
                if (notRunning instanceof BindException) {
                    throw notRunning;
                }
                Files.deleteIfExists(controlPath);
            }
        }
        DatagramChannel udp = DatagramChannel.open(publicAddress.getAddress() instanceof java.net.Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        ServerSocketChannel control = null;
        try {
            udp.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            udp.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            udp.bind(publicAddress);
            control = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            control.bind(UnixDomainSocketAddress.of(controlPath), MAX_CONTROL);
            try {
                Files.setPosixFilePermissions(controlPath, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the directory's permissions guard it.
            }
            RouterDaemon d = new RouterDaemon(udp, control, controlPath);
            d.udpThread.start();
            d.controlThread.start();
            return d;
        } catch (IOException | RuntimeException e) {
            udp.close();
            if (control != null) {
                control.close();
                Files.deleteIfExists(controlPath);
            }
            throw e;
        }
    }

    /** {@return the public address and port, as bound} */
    public InetSocketAddress publicAddress() {
        return publicAddress;
    }

    /** {@return the control socket's path} */
    public Path controlPath() {
        return controlPath;
    }

    /** {@return the QUIC-LB configuration the daemon hands its listeners} */
    public QuicLbConfig quicLbConfig() {
        return quicLb;
    }

    /** {@return what the daemon did so far} */
    public RouterStatistics statistics() {
        int n;
        synchronized (lock) {
            n = byAlpn.size();
        }
        return new RouterStatistics(received.get(), forwarded.get(), newConnections.get(),
                noApplicationProtocol.get(), malformed.get(), unroutable.get(), droppedQueueFull.get(),
                droppedPending.get(), n);
    }

    /** Stops routing: closes the sockets, drops the listeners (their own sockets keep their connections). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            udp.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing routerd's UDP socket", e);
        }
        try {
            control.close();
            Files.deleteIfExists(controlPath);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing routerd's control socket", e);
        }
        List<Listener> all;
        synchronized (lock) {
            all = new ArrayList<>(byAlpn.values());
            for (Listener l : byServerId) {
                if (l != null && !all.contains(l)) {
                    all.add(l);
                }
            }
        }
        for (Listener l : all) {
            l.close();
        }
        try {
            udpThread.join(2000);
            controlThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The public socket

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(65_535);
        ByteBuffer scratch = ByteBuffer.allocate(65_535);
        PacketHeaderView view = new PacketHeaderView();
        while (!closed) {
            buffer.clear();
            SocketAddress from;
            try {
                from = udp.receive(buffer);
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "routerd receive", e);
                continue;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "routerd receive failed", t);
                continue;
            }
            buffer.flip();
            received.incrementAndGet();
            try {
                route(buffer, (InetSocketAddress) from, view, scratch);
            } catch (Throwable t) {
                // A datagram that breaks the routing is dropped; the next one is routed as ever.
                malformed.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "routerd dropped a datagram from " + from, t);
            }
        }
    }

    private void route(ByteBuffer datagram, InetSocketAddress from, PacketHeaderView view, ByteBuffer scratch)
            throws IOException {
        ParseStatus status = PacketParser.parse(datagram, 0, quicLb.connectionIdLength(), true, view);
        if (status == ParseStatus.UNSUPPORTED_VERSION) {
            // RFC 9000 §6.1, §14.1: only a datagram large enough to be a client's first gets an answer.
            if (datagram.remaining() >= 1200) {
                ByteBuffer out = ByteBuffer.allocate(7 + 2 * 255 + 4 * VERSIONS.length);
                VersionNegotiationPacket.writeResponse(out, datagram, view, VERSIONS, random.nextInt());
                udp.send(out.flip(), from);
            }
            return;
        }
        if (status != ParseStatus.OK) {
            malformed.incrementAndGet();
            return;
        }
        ConnectionId dcid = view.dcid(datagram);
        long now = System.nanoTime();
        synchronized (lock) {
            if (view.isLongHeader() && (view.type() == PacketType.INITIAL || view.type() == PacketType.ZERO_RTT)) {
                Key key = new Key(from, dcid);
                Routed r = routed.get(key);
                if (r != null && now - r.at < ROUTED_NANOS && r.listener.open) {
                    r.listener.forward(publicAddress, from, datagram);
                    return;
                }
                Listener byId = listenerOf(dcid);
                if (view.type() == PacketType.INITIAL && byId != null && view.tokenLength() > 0) {
                    // After a Retry the client addresses the ID the server chose (RFC 9000 §17.2.5.2).
                    byId.forward(publicAddress, from, datagram);
                    return;
                }
                newConnection(key, datagram, from, view, scratch, now);
                return;
            }
            Listener l = listenerOf(dcid);
            if (l != null) {
                l.forward(publicAddress, from, datagram);
            } else {
                unroutable.incrementAndGet();
            }
        }
    }

    /** {@return the listener whose server ID {@code dcid} carries, or null} The caller holds the lock. */
    private Listener listenerOf(ConnectionId dcid) {
        byte[] id = decoder.serverId(dcid).orElse(null);
        if (id == null) {
            return null;
        }
        Listener l = byServerId[id[0] & 0xFF];
        return l != null && l.open ? l : null;
    }

    /** An Initial (or 0-RTT) of a connection not routed yet. The caller holds the lock. */
    private void newConnection(Key key, ByteBuffer datagram, InetSocketAddress from, PacketHeaderView view,
                               ByteBuffer scratch, long now) throws IOException {
        Pending p = pending.get(key);
        if (p == null) {
            if (view.type() != PacketType.INITIAL) {
                unroutable.incrementAndGet(); // 0-RTT before any Initial: the client sends it again
                return;
            }
            expirePending(now);
            if (pending.size() >= MAX_PENDING) {
                droppedPending.incrementAndGet();
                return;
            }
            p = new Pending(new ClientHelloAssembler(view.quicVersion(), key.dcid), now);
            pending.put(key, p);
        }
        if (p.datagrams.size() == MAX_PENDING_DATAGRAMS) {
            pending.remove(key);
            droppedPending.incrementAndGet();
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
        p.datagrams.add(copy);
        if (view.type() != PacketType.INITIAL) {
            return;
        }
        ClientHelloAlpn hello = p.assembler.add(datagram, scratch);
        switch (hello.status()) {
            case INCOMPLETE -> { }
            case MALFORMED -> {
                pending.remove(key);
                malformed.incrementAndGet();
            }
            case COMPLETE -> {
                pending.remove(key);
                AlpnListener chosen = alpn.select(publicAddress.getAddress(), from, hello);
                Listener l = chosen == null ? null : byAlpn.get(chosen);
                if (l == null || !l.open) {
                    noApplicationProtocol.incrementAndGet();
                    refuse(datagram, view, key.dcid, from, hello);
                    return;
                }
                newConnections.incrementAndGet();
                if (routed.size() >= MAX_ROUTED) {
                    Iterator<Key> eldest = routed.keySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
                routed.put(key, new Routed(l, now));
                for (ByteBuffer d : p.datagrams) {
                    l.forward(publicAddress, from, d);
                }
            }
        }
    }

    private void expirePending(long now) {
        for (Iterator<Pending> i = pending.values().iterator(); i.hasNext(); ) {
            if (now - i.next().since < PENDING_NANOS) {
                break; // insertion order: the rest are younger
            }
            i.remove();
        }
    }

    /**
     * Closes a connection no listener serves with CONNECTION_CLOSE no_application_protocol in an Initial packet
     * (RFC 9001 §8.1, RFC 7301 §3.2), so the client learns why at once rather than after its timeout. Far smaller
     * than the client's padded Initial: no amplification (RFC 9000 §8.1).
     */
    private void refuse(ByteBuffer datagram, PacketHeaderView view, ConnectionId dcid, InetSocketAddress to,
                        ClientHelloAlpn hello) throws IOException {
        QuicVersion version = view.quicVersion();
        ConnectionId clientSource = view.scid(datagram);
        ConnectionId source = ConnectionId.random(random, quicLb.connectionIdLength());
        ByteBuffer out = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(out, version, PacketType.INITIAL, clientSource, source,
                null, 0, 1, 2, true);
        byte[] reason = (hello.hasAlpn() ? "no listener serves any of " + hello.protocols()
                : "no listener takes a ClientHello without ALPN").getBytes(StandardCharsets.UTF_8);
        int reasonLength = Math.min(reason.length, 512);
        out.put((byte) 0x1c);
        VarInt.write(out, NO_APPLICATION_PROTOCOL);
        VarInt.write(out, 0x06); // the CRYPTO frame that carried the ClientHello
        VarInt.write(out, reasonLength);
        out.put(reason, 0, reasonLength);
        int payloadEnd = out.position();
        PacketHeaderWriter.setLength(out, pnOffset, 2, payloadEnd + 16);
        PacketProtection keys = PacketProtection.initial(version, dcid, Role.SERVER);
        int length = keys.seal(out, 0, pnOffset, 1, 0, payloadEnd);
        udp.send(out.limit(length).position(0), to);
    }

    // ------------------------------------------------------------------------------------------------
    // The control socket

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = control.accept();
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "routerd accept", e);
                continue;
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "routerd accept failed", t);
                continue;
            }
            if (controlConnections.incrementAndGet() > MAX_CONTROL) {
                controlConnections.decrementAndGet();
                closeQuietly(c);
                continue;
            }
            Thread.ofVirtual().name("qsock-routerd-listener").start(() -> serve(c));
        }
    }

    /** Reads a listener's HELLO, registers it, then its later frames until it ends. */
    private void serve(SocketChannel c) {
        Listener l = null;
        ByteBuffer buffer = ByteBuffer.allocate(RouterWire.MAX_BODY + 5);
        try {
            RouterWire.Frame f = RouterWire.read(c, buffer);
            if (f.type() != RouterFrameType.HELLO) {
                throw new ProtocolException("a listener's first frame is " + f.type() + ", not HELLO");
            }
            l = register(c, RouterWire.readHello(f.body()));
            if (l == null) {
                return;
            }
            while (!closed) {
                f = RouterWire.read(c, buffer);
                if (f.type() == RouterFrameType.WITHDRAW) {
                    synchronized (lock) {
                        if (l.alpnListener != null) {
                            alpn.remove(l.alpnListener);
                            byAlpn.remove(l.alpnListener);
                            l.alpnListener = null;
                        }
                    }
                } else {
                    throw new ProtocolException("a listener sent " + f.type());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "routerd listener " + (l != null ? l : "(unregistered)") + " ends", e);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "routerd listener " + (l != null ? l : "(unregistered)") + " failed",
                    t);
        } finally {
            if (l != null) {
                l.close();
            } else {
                closeQuietly(c);
            }
            controlConnections.decrementAndGet();
        }
    }

    /** {@return the listener registered, or null after a REFUSED} */
    private Listener register(SocketChannel c, RouterWire.Hello hello) throws IOException {
        if (hello.version() != RouterWire.VERSION) {
            refuse(c, 95, "routerd speaks version " + RouterWire.VERSION + ", not " + hello.version());
            return null;
        }
        InetSocketAddress asked = hello.address();
        boolean fits = (asked.getAddress().isAnyLocalAddress() || asked.getAddress().equals(publicAddress.getAddress()))
                && (asked.getPort() == 0 || asked.getPort() == publicAddress.getPort());
        if (!fits) {
            refuse(c, 99, "cannot assign requested address (EADDRNOTAVAIL): routerd owns " + publicAddress + ", not "
                    + asked);
            return null;
        }
        AlpnListener a;
        try {
            a = new AlpnListener(publicAddress.getAddress(), hello.protocols(), hello.reusePort());
        } catch (IllegalArgumentException e) {
            refuse(c, 22, e.getMessage());
            return null;
        }
        Listener l;
        synchronized (lock) {
            int id = freeServerId();
            if (id < 0) {
                refuse(c, 24, "routerd serves 255 listeners at most");
                return null;
            }
            try {
                alpn.add(a);
            } catch (BindException e) {
                refuse(c, 98, e.getMessage());
                return null;
            }
            l = new Listener(c, id, a);
            byAlpn.put(a, l);
            byServerId[id] = l;
        }
        RouterRegistration welcome = new RouterRegistration(publicAddress, quicLb, new byte[] {(byte) l.serverId});
        RouterWire.write(c, RouterFrameType.WELCOME, welcome.encode());
        l.start();
        LOG.log(System.Logger.Level.INFO, "routerd on " + publicAddress + ": " + l + " registered");
        return l;
    }

    /** {@return a free server ID, taken in turn so that a gone listener's is reused last; -1 if none} Locked. */
    private int freeServerId() {
        for (int i = 0; i < 255; i++) {
            int id = nextServerId;
            nextServerId = nextServerId == 255 ? 1 : nextServerId + 1;
            if (byServerId[id] == null) {
                return id;
            }
        }
        return -1;
    }

    private static void refuse(SocketChannel c, int code, String reason) throws IOException {
        RouterWire.write(c, RouterFrameType.REFUSED, RouterWire.refused(code, reason));
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Gone already.
        }
    }

    /** One registered listener: its control connection, server ID, place in the ALPN table, and send queue. */
    private final class Listener {
        final SocketChannel channel;
        final int serverId;
        /** Null once it withdrew (or closed): no new connections, datagrams of old ones still. */
        AlpnListener alpnListener;
        final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile boolean open = true;
        private Thread writer;

        Listener(SocketChannel channel, int serverId, AlpnListener alpnListener) {
            this.channel = channel;
            this.serverId = serverId;
            this.alpnListener = alpnListener;
        }

        void start() {
            writer = Thread.ofVirtual().name("qsock-routerd-writer-" + serverId).start(this::writeLoop);
        }

        /** Queues one datagram for the listener; never blocks (a full queue drops it). */
        void forward(InetSocketAddress local, InetSocketAddress peer, ByteBuffer datagram) {
            ByteBuffer body = ByteBuffer.allocate(RouterWire.addressSize(local) + RouterWire.addressSize(peer)
                    + datagram.remaining());
            RouterWire.putAddress(body, local);
            RouterWire.putAddress(body, peer);
            body.put(datagram.duplicate()).flip();
            if (queue.offer(RouterWire.frame(RouterFrameType.DATAGRAM, body))) {
                forwarded.incrementAndGet();
            } else {
                droppedQueueFull.incrementAndGet();
            }
        }

        private void writeLoop() {
            try {
                while (open) {
                    byte[] frame = queue.poll(1, TimeUnit.SECONDS);
                    if (frame == null) {
                        continue;
                    }
                    ByteBuffer b = ByteBuffer.wrap(frame);
                    while (b.hasRemaining()) {
                        channel.write(b);
                    }
                }
            } catch (IOException | InterruptedException e) {
                LOG.log(System.Logger.Level.DEBUG, "routerd writer of " + this + " ends", e);
            } finally {
                close();
            }
        }

        void close() {
            synchronized (lock) {
                if (!open) {
                    return;
                }
                open = false;
                if (alpnListener != null) {
                    alpn.remove(alpnListener);
                    byAlpn.remove(alpnListener);
                    alpnListener = null;
                }
                if (byServerId[serverId] == this) {
                    byServerId[serverId] = null;
                }
            }
            closeQuietly(channel);
            queue.clear();
            Thread w = writer;
            if (w != null && w != Thread.currentThread()) {
                w.interrupt();
            }
        }

        @Override
        public String toString() {
            return "listener " + serverId;
        }
    }
}
