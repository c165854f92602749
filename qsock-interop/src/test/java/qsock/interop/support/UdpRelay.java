package qsock.interop.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback UDP relay between clients and one server that writes every datagram into a {@link PacketLog}.
 * Clients talk to {@link #address()}; the relay forwards each client's datagrams from a socket of its own (one per
 * client address, as a NAT would) to the server and the answers back. By default it changes nothing, so it sees what
 * each side really sent; with an {@link Impairment} it drops or corrupts datagrams the way the QUIC interop runner's
 * lossy networks do, and logs each datagram as it arrived together with what it did to it; with a {@link DropRule}
 * it drops the datagrams the test chose.
 */
public final class UdpRelay implements AutoCloseable {
    private static final int BUFFER = 4 << 20;

    private final DatagramChannel front;
    private final InetSocketAddress server;
    private final PacketLog log = new PacketLog();
    private final Impairment impairment;
    private final Impairment.Direction toServer;
    private final Impairment.Direction toClient;
    private final DropRule rule;
    private static final int DROPPED = -2;
    private static final int FORWARDED = -1;
    private final java.util.Set<SocketAddress> clientsSeen = ConcurrentHashMap.newKeySet();
    private volatile SocketAddress newestClient;
    private volatile boolean newestClientsLongHeaderCorrupted;
    private final Map<SocketAddress, DatagramChannel> backs = new ConcurrentHashMap<>();
    /**
     * Client addresses whose connection the test has finished ({@link #finishNewestClient}): their datagrams, either
     * way, are counted in the log and neither relayed nor logged one by one.
     */
    private final java.util.Set<SocketAddress> finished = ConcurrentHashMap.newKeySet();
    /** The Destination Connection ID (hex) of each client's first long-header packet, to tell a new client apart. */
    private final java.util.Map<SocketAddress, String> firstDcids = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /** Bytes the relay has passed to the newest client, and the count past which it rebinds that client (or -1). */
    private final java.util.concurrent.atomic.AtomicLong toNewestClient = new java.util.concurrent.atomic.AtomicLong();
    private volatile long rebindAt = -1;
    private volatile java.net.InetAddress rebindAddress;
    private final java.util.concurrent.atomic.AtomicInteger rebinds = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong toReboundMapping = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<DatagramChannel> reboundMappings = ConcurrentHashMap.newKeySet();
    /** The length of the connection IDs {@link #countShortHeaderDcids} counts, or 0 while it counts none. */
    private volatile int shortHeaderDcidLength;
    /** Per client address, short-header datagrams per Destination Connection ID (hex). */
    private final Map<SocketAddress, Map<String, Long>> dcidsByClient = new ConcurrentHashMap<>();

    private UdpRelay(InetSocketAddress server, Impairment impairment, DropRule rule) throws IOException {
        this.server = server;
        this.impairment = impairment;
        this.rule = rule;
        this.toServer = impairment.new Direction(0);
        this.toClient = impairment.new Direction(1);
        this.front = open();
        threads.add(Thread.ofPlatform().daemon().name("relay-to-server").start(this::forwardToServer));
        if (impairment.delayMillis() > 0) {
            threads.add(Thread.ofPlatform().daemon().name("relay-delay").start(this::sendDelayed));
        }
    }

    /** A datagram held back by the impairment's one-way delay. */
    private record Held(long due, long seq, DatagramChannel channel, SocketAddress to, byte[] bytes)
            implements java.util.concurrent.Delayed {
        @Override
        public long getDelay(java.util.concurrent.TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(java.util.concurrent.Delayed o) {
            Held h = (Held) o;
            int byDue = Long.compare(due, h.due);
            return byDue != 0 ? byDue : Long.compare(seq, h.seq);
        }
    }

    private final java.util.concurrent.DelayQueue<Held> held = new java.util.concurrent.DelayQueue<>();
    private final java.util.concurrent.atomic.AtomicLong heldSeq = new java.util.concurrent.atomic.AtomicLong();

    /** Sends now, or after the impairment's one-way delay (the datagram is copied: the caller reuses its buffer). */
    private void send(DatagramChannel channel, ByteBuffer buf, SocketAddress to) throws IOException {
        long delay = impairment.delayMillis();
        if (delay == 0) {
            channel.send(buf, to);
            return;
        }
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        held.add(new Held(System.nanoTime() + delay * 1_000_000, heldSeq.getAndIncrement(), channel, to, bytes));
    }

    private void sendDelayed() {
        try {
            while (!closed) {
                Held h = held.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (h != null) {
                    try {
                        h.channel().send(ByteBuffer.wrap(h.bytes()), h.to());
                    } catch (ClosedChannelException e) {
                        // that client's socket is gone: the datagram is lost
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.note("relay delay stopped: " + e);
        }
    }

    /** Starts a relay in front of {@code server}, listening on an ephemeral loopback port. */
    public static UdpRelay start(InetSocketAddress server) throws IOException {
        return new UdpRelay(server, Impairment.none(), DropRule.NONE);
    }

    /** Starts a relay in front of {@code server} that impairs what it forwards as {@code impairment} says. */
    public static UdpRelay start(InetSocketAddress server, Impairment impairment) throws IOException {
        UdpRelay relay = new UdpRelay(server, impairment, DropRule.NONE);
        if (!impairment.isNone()) {
            relay.log.note("impairment " + impairment);
        }
        return relay;
    }

    /** Starts a relay in front of {@code server} that drops what {@code rule} says and forwards the rest as it came. */
    public static UdpRelay start(InetSocketAddress server, DropRule rule) throws IOException {
        UdpRelay relay = new UdpRelay(server, Impairment.none(), rule);
        relay.log.note("drop rule " + rule);
        return relay;
    }

    /** {@return what this relay does to datagrams} */
    public Impairment impairment() {
        return impairment;
    }

    private static DatagramChannel open() throws IOException {
        return open(InetAddress.getLoopbackAddress());
    }

    private static DatagramChannel open(InetAddress address) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER);
        ch.bind(new InetSocketAddress(address, 0));
        return ch;
    }

    /**
     * {@return the address the relay's socket for {@code client} binds to: the client's own loopback address} A
     * client that moves to another loopback address (127.0.0.2, say) then reaches the server from that address too,
     * so the server sees an address change and not only a new port (RFC 9000 §9.4 tells the two apart).
     */
    private static InetAddress backAddressFor(SocketAddress client) {
        InetAddress a = ((InetSocketAddress) client).getAddress();
        return a.isLoopbackAddress() && a instanceof java.net.Inet4Address ? a : InetAddress.getLoopbackAddress();
    }

    /** Where clients send. */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) front.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("relay socket closed", e);
        }
    }

    /** What went through so far. */
    public PacketLog log() {
        return log;
    }

    private void forwardToServer() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
        try {
            while (true) {
                buf.clear();
                SocketAddress client = front.receive(buf);
                buf.flip();
                String dcid = longHeaderDcid(buf);
                if (finished.contains(client)) {
                    if (dcid == null || dcid.equals(firstDcids.get(client))) {
                        log.refused(PacketLog.Direction.TO_SERVER);
                        continue;
                    }
                    // A long header with a connection ID the finished connection never used: a new client whose
                    // socket got the finished one's port again (the system reuses ephemeral ports).
                    finished.remove(client);
                    firstDcids.put(client, dcid);
                    newestClient = client;
                    newestClientsLongHeaderCorrupted = false;
                    log.note("new client " + client + " on a finished client's address");
                }
                log.record(PacketLog.Direction.TO_SERVER, buf);
                countShortHeaderDcid(client, buf);
                if (clientsSeen.add(client)) {
                    newestClient = client;
                    newestClientsLongHeaderCorrupted = false;
                    if (dcid != null) {
                        firstDcids.put(client, dcid);
                    }
                }
                // Read before the datagram may be corrupted.
                int headerEnd = longHeaderEnd(buf);
                int fate = impair(toServer, buf);
                if (client.equals(newestClient) && fate >= 0 && fate < headerEnd) {
                    newestClientsLongHeaderCorrupted = true;
                }
                if (fate == DROPPED) {
                    continue;
                }
                DatagramChannel back = backs.get(client);
                if (back == null) {
                    back = open(backAddressFor(client));
                    backs.put(client, back);
                    log.note("new client " + client + " relayed from " + back.getLocalAddress());
                    DatagramChannel b = back;
                    threads.add(Thread.ofPlatform().daemon().name("relay-to-client").start(() -> forwardToClient(b, client)));
                    if (closed) {
                        back.close();
                    }
                }
                send(back, buf, server);
            }
        } catch (ClosedChannelException e) {
            // closed by close(): the relay is done
        } catch (IOException e) {
            log.note("relay to server stopped: " + e);
        }
    }

    private void forwardToClient(DatagramChannel back, SocketAddress client) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
        try {
            while (true) {
                buf.clear();
                back.receive(buf);
                buf.flip();
                if (finished.contains(client)) {
                    log.refused(PacketLog.Direction.TO_CLIENT);
                    continue;
                }
                log.record(PacketLog.Direction.TO_CLIENT, buf);
                if (reboundMappings.contains(back)) {
                    toReboundMapping.incrementAndGet();
                }
                if (client.equals(newestClient) && rebindAt >= 0
                        && toNewestClient.addAndGet(buf.remaining()) >= rebindAt) {
                    rebindAt = -1;
                    rebind(client, back);
                }
                int headerEnd = longHeaderEnd(buf);
                int fate = impair(toClient, buf);
                if (client.equals(newestClient) && fate >= 0 && fate < headerEnd) {
                    newestClientsLongHeaderCorrupted = true;
                }
                if (fate != DROPPED) {
                    send(front, buf, client);
                }
            }
        } catch (ClosedChannelException e) {
            // closed by close(): the relay is done
        } catch (IOException e) {
            log.note("relay to client stopped: " + e);
        }
    }

    /** {@return false if the datagram is to be dropped; corrupts it in place when the impairment says so} */
    /** {@return {@link #DROPPED}, {@link #FORWARDED}, or the offset of the byte it corrupted} */
    private int impair(Impairment.Direction direction, ByteBuffer buf) {
        if (rule.drop(direction == toServer ? PacketLog.Direction.TO_SERVER : PacketLog.Direction.TO_CLIENT, buf)) {
            log.note("dropped the datagram above by the drop rule");
            return DROPPED;
        }
        // One thread forwards to the server, one per client address back: a direction's generator is shared by the
        // latter when clients overlap.
        synchronized (direction) {
            return impairLocked(direction, buf);
        }
    }

    private int impairLocked(Impairment.Direction direction, ByteBuffer buf) {
        switch (direction.next()) {
            case DROP -> {
                log.note("dropped the datagram above");
                return DROPPED;
            }
            case CORRUPT -> {
                int at = direction.corrupt(buf);
                log.note("corrupted the datagram above at byte " + at);
                return at;
            }
            default -> {
                return FORWARDED;
            }
        }
    }

    /**
     * {@return where the first packet's long header ends (RFC 9000 §17.2: through its Length field, before the packet
     * number), or 0 for a short header or a datagram too short to tell}
     */
    private static int longHeaderEnd(ByteBuffer buf) {
        int p = buf.position();
        int n = buf.remaining();
        if (n < 7 || (buf.get(p) & 0x80) == 0) {
            return 0;
        }
        int at = 6 + (buf.get(p + 5) & 0xff);
        if (at >= n) {
            return 0;
        }
        at += 1 + (buf.get(p + at) & 0xff);
        if (((buf.get(p) >> 4) & 3) == 0) { // Initial (v1): a token follows
            if (at >= n) {
                return 0;
            }
            int tokenLengthSize = 1 << ((buf.get(p + at) & 0xff) >> 6);
            long tokenLength = 0;
            for (int i = 0; i < tokenLengthSize && at + i < n; i++) {
                tokenLength = (tokenLength << 8) | (buf.get(p + at + i) & (i == 0 ? 0x3f : 0xff));
            }
            at += tokenLengthSize + (int) Math.min(tokenLength, n);
        }
        if (at >= n) {
            return 0;
        }
        return Math.min(n, at + (1 << ((buf.get(p + at) & 0xff) >> 6)));
    }

    /**
     * {@return whether a datagram to or from the newest client was corrupted in the unprotected part of its first
     * packet's long header (version, connection IDs, token, Length)} Kwik 0.10.8 acts on those fields before the
     * packet decrypts: a corrupted Source Connection ID in a first Initial makes its server ignore the client's intact
     * ones, a corrupted Length makes it close with FRAME_ENCODING_ERROR (see {@code LossyHandshakeInteropTest}); a
     * corrupted version draws a Version Negotiation packet.
     */
    public boolean newestClientsLongHeaderCorrupted() {
        return newestClientsLongHeaderCorrupted;
    }

    /** {@return the address the server sees the newest client at (the relay's socket for it), or null} */
    public SocketAddress newestClientsRelayAddress() {
        SocketAddress client = newestClient;
        DatagramChannel back = client == null ? null : backs.get(client);
        try {
            return back == null ? null : back.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Rebinds the newest client's mapping, as a NAT does, once {@code bytes} more bytes have gone to that client: its
     * datagrams then reach the server from a new socket bound to {@code address} (a new port; a new address as well
     * when it is another loopback address such as 127.0.0.2), and the old socket closes, so what the server still
     * sends to the old mapping is lost (the QUIC interop runner's rebind-port and rebind-addr cases).
     */
    public void rebindAfter(long bytes, java.net.InetAddress address) {
        rebindAddress = address;
        toNewestClient.set(0);
        rebindAt = bytes;
    }

    /** {@return how many datagrams the server sent to a client's new mapping after a rebinding} */
    public long datagramsToReboundMappings() {
        return toReboundMapping.get();
    }

    /** {@return how many times the relay rebound a client} */
    public int rebinds() {
        return rebinds.get();
    }

    private void rebind(SocketAddress client, DatagramChannel old) {
        try {
            DatagramChannel fresh = DatagramChannel.open();
            fresh.bind(new InetSocketAddress(rebindAddress, 0));
            fresh.setOption(java.net.StandardSocketOptions.SO_RCVBUF, BUFFER);
            fresh.setOption(java.net.StandardSocketOptions.SO_SNDBUF, BUFFER);
            backs.put(client, fresh);
            reboundMappings.add(fresh);
            log.note("rebound client " + client + ": now relayed from " + fresh.getLocalAddress());
            threads.add(Thread.ofPlatform().daemon().name("relay-to-client").start(() -> forwardToClient(fresh, client)));
            rebinds.incrementAndGet();
            if (closed) {
                fresh.close();
            }
            old.close();
        } catch (IOException e) {
            log.note("rebinding " + client + " failed: " + e);
        }
    }

    /**
     * Counts, from now on, the Destination Connection IDs of the short-header (1-RTT) packets each client sends, taking
     * the first {@code length} bytes after the first byte as the ID (RFC 9000 §17.3.1: its length is the one the
     * server chose, which the header does not carry). A test then sees which connection ID a client used from which
     * address ({@link #shortHeaderDcids()}): a client that migrates must use a new one on its new path (§9.5).
     */
    public void countShortHeaderDcids(int length) {
        if (length < 1 || length > 20) {
            throw new IllegalArgumentException("connection ID length " + length);
        }
        shortHeaderDcidLength = length;
    }

    /**
     * {@return for each client address, how many short-header datagrams carried each Destination Connection ID (hex),
     * since {@link #countShortHeaderDcids}} At most {@link #MAX_DCIDS_PER_CLIENT} IDs per address are kept.
     */
    public Map<SocketAddress, Map<String, Long>> shortHeaderDcids() {
        Map<SocketAddress, Map<String, Long>> copy = new java.util.HashMap<>();
        dcidsByClient.forEach((client, counts) -> copy.put(client, Map.copyOf(counts)));
        return copy;
    }

    /** Connection IDs counted per client address: a client that changes its ID more often is not a test's peer. */
    public static final int MAX_DCIDS_PER_CLIENT = 64;

    private void countShortHeaderDcid(SocketAddress client, ByteBuffer datagram) {
        int length = shortHeaderDcidLength;
        int p = datagram.position();
        if (length == 0 || datagram.remaining() < 1 + length || (datagram.get(p) & 0x80) != 0) {
            return;
        }
        StringBuilder hex = new StringBuilder(2 * length);
        for (int i = 0; i < length; i++) {
            hex.append(String.format("%02x", datagram.get(p + 1 + i)));
        }
        Map<String, Long> counts = dcidsByClient.computeIfAbsent(client, c -> new ConcurrentHashMap<>());
        if (counts.size() < MAX_DCIDS_PER_CLIENT || counts.containsKey(hex.toString())) {
            counts.merge(hex.toString(), 1L, Long::sum);
        }
    }

    /** {@return the Destination Connection ID of a datagram's long-header first packet, in hex; null otherwise} */
    private static String longHeaderDcid(ByteBuffer datagram) {
        int p = datagram.position();
        if (datagram.remaining() < 6 || (datagram.get(p) & 0x80) == 0) {
            return null;
        }
        int length = datagram.get(p + 5) & 0xff;
        if (length > 20 || datagram.remaining() < 6 + length) {
            return null;
        }
        StringBuilder hex = new StringBuilder(2 * length);
        for (int i = 0; i < length; i++) {
            hex.append(String.format("%02x", datagram.get(p + 6 + i)));
        }
        return hex.toString();
    }

    /**
     * Ends the relaying for the newest client: from now on its datagrams, and the server's to it, are only counted
     * ({@link PacketLog#refused}), so that a peer that keeps sending on a connection the test has finished cannot
     * crowd out the next client on the relay's socket, its threads or its log. quiche (0.29.3, in Netty's
     * netty-codec-native-quic 4.2.18.Final) once did: a client closed with an application error before its
     * handshake was confirmed, while it still had Handshake data to repeat, sends ACK-only Handshake packets back to
     * back without end (see {@code QuicheClient#close}); 4.6 million of them starved a later connection. A test calls
     * this once it is done with a connection, whether it passed or failed. A later client that the system gives the
     * same address (an ephemeral port used again) is told apart by its first long header's new connection ID and
     * relayed.
     *
     * @return the address ended, or null when no client came yet
     */
    public SocketAddress finishNewestClient() {
        SocketAddress client = newestClient;
        if (client != null && finished.add(client)) {
            log.note("finished with client " + client + ": its datagrams either way are counted, not relayed");
        }
        return client;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        for (DatagramChannel back : backs.values()) {
            back.close();
        }
        try {
            for (Thread t : threads) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
