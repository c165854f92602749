package qsock.tools.soak;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's network: a loopback UDP relay between the clients and the server that loses, corrupts, duplicates and
 * reorders datagrams both ways, as a NAT would it gives each client address a socket of its own towards the server,
 * and it can play the network's other tricks on request: a client that falls into a black hole (its datagrams and
 * the answers vanish, as when a laptop's lid closes), and a NAT rebinding (the client's mapping moves to a new port,
 * RFC 9000 §9.3's passive migration).
 *
 * <p>Every state it keeps is bounded: at most {@link #MAX_MAPPINGS} client mappings (past that a new client's
 * datagrams are dropped and counted), each closed after {@link #IDLE_MILLIS} without traffic; at most
 * {@link #MAX_DELAYED} datagrams held back for reordering.
 */
final class ImpairedRelay implements Closeable {

    /** How often each thing happens to a datagram, each way. */
    record Impairment(double loss, double corrupt, double duplicate, double reorder, int maxDelayMillis) {
        Impairment {
            for (double p : new double[] {loss, corrupt, duplicate, reorder}) {
                if (p < 0 || p > 0.5) {
                    throw new IllegalArgumentException("a probability of the relay must be within [0, 0.5]: " + p);
                }
            }
            if (maxDelayMillis < 1 || maxDelayMillis > 1_000) {
                throw new IllegalArgumentException("the reorder delay must be within 1..1000 ms: " + maxDelayMillis);
            }
        }
    }

    static final int MAX_MAPPINGS = 4_096;
    static final long IDLE_MILLIS = 60_000;
    static final int MAX_DELAYED = 10_000;
    private static final int MAX_DATAGRAM = 65_535;

    private final DatagramChannel front;
    private final InetSocketAddress server;
    private final Impairment impairment;
    private final Map<SocketAddress, Mapping> mappings = new ConcurrentHashMap<>();
    /** A client falling into a hole: how many of its datagrams still pass (0: in the hole), since when. */
    private record Hole(AtomicInteger allowed, long since) {}

    /** Client address → its hole. */
    private final Map<SocketAddress, Hole> holes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("soak-relay-clock").factory());
    private final AtomicInteger delayed = new AtomicInteger();
    private final Thread frontReader;
    private volatile boolean closed;

    final LongAdder forwarded = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder corrupted = new LongAdder();
    final LongAdder duplicated = new LongAdder();
    final LongAdder reordered = new LongAdder();
    final LongAdder swallowed = new LongAdder();
    final LongAdder refusedMappings = new LongAdder();
    final LongAdder rebinds = new LongAdder();
    final LongAdder mappingsOpened = new LongAdder();
    final LongAdder mappingsExpired = new LongAdder();

    /** A client's way to the server: the relay's socket towards it, replaced on a rebinding. */
    private final class Mapping {
        final SocketAddress client;
        volatile DatagramChannel back;
        volatile long lastUsed = System.currentTimeMillis();

        Mapping(SocketAddress client) throws IOException {
            this.client = client;
            this.back = openBack();
        }

        DatagramChannel openBack() throws IOException {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofVirtual().name("soak-relay-back").start(() -> fromServer(this, ch));
            return ch;
        }
    }

    ImpairedRelay(InetSocketAddress server, Impairment impairment) throws IOException {
        this.server = server;
        this.impairment = impairment;
        front = DatagramChannel.open();
        front.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        front.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        front.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        frontReader = Thread.ofPlatform().daemon().name("soak-relay-front").start(this::fromClients);
        clock.scheduleWithFixedDelay(this::expire, 5, 5, TimeUnit.SECONDS);
    }

    /** {@return where the clients send} */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** From now on, after {@code allowed} more of its datagrams, {@code client} and its answers vanish. */
    void blackhole(SocketAddress client, int allowed) {
        holes.put(client, new Hole(new AtomicInteger(allowed), System.currentTimeMillis()));
    }

    /** Lets {@code client}'s datagrams through again: a new socket has its address. */
    void clearHole(SocketAddress client) {
        holes.remove(client);
    }

    /** Moves {@code client}'s mapping to a new port towards the server (a NAT rebinding); false if it has none. */
    boolean rebind(SocketAddress client) {
        Mapping m = mappings.get(client);
        if (m == null) {
            return false;
        }
        try {
            DatagramChannel old = m.back;
            m.back = m.openBack();
            rebinds.increment();
            // Answers to the old port still in flight are let through for a moment, as a NAT's old mapping would.
            clock.schedule(() -> closeQuietly(old), 1, TimeUnit.SECONDS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@return client mappings open now} */
    int mappings() {
        return mappings.size();
    }

    private void fromClients() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        while (!closed) {
            SocketAddress client;
            try {
                client = front.receive(buffer.clear());
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            buffer.flip();
            if (swallowedFrom(client)) {
                continue;
            }
            Mapping m = mappings.get(client);
            if (m == null) {
                if (mappings.size() >= MAX_MAPPINGS) {
                    refusedMappings.increment();
                    continue;
                }
                try {
                    m = new Mapping(client);
                } catch (IOException e) {
                    refusedMappings.increment();
                    continue;
                }
                mappings.put(client, m);
                mappingsOpened.increment();
            }
            m.lastUsed = System.currentTimeMillis();
            Mapping mapping = m;
            impair(buffer, bytes -> mapping.back.send(bytes, server));
        }
    }

    private void fromServer(Mapping m, DatagramChannel ch) {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
        while (!closed && ch.isOpen()) {
            try {
                ch.receive(buffer.clear());
            } catch (IOException e) {
                return;
            }
            buffer.flip();
            Hole hole = holes.get(m.client);
            if (hole != null && hole.allowed().get() <= 0) {
                swallowed.increment();
                continue;
            }
            m.lastUsed = System.currentTimeMillis();
            impair(buffer, bytes -> front.send(bytes, m.client));
        }
    }

    /** {@return true if {@code client}'s datagram falls into its hole} */
    private boolean swallowedFrom(SocketAddress client) {
        Hole hole = holes.get(client);
        if (hole == null || hole.allowed().getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
            return false;
        }
        swallowed.increment();
        return true;
    }

    private interface Sender {
        void send(ByteBuffer datagram) throws IOException;
    }

    private void impair(ByteBuffer datagram, Sender sender) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        if (r.nextDouble() < impairment.loss()) {
            lost.increment();
            return;
        }
        boolean corrupt = r.nextDouble() < impairment.corrupt();
        boolean duplicate = r.nextDouble() < impairment.duplicate();
        boolean reorder = r.nextDouble() < impairment.reorder();
        if (!corrupt && !duplicate && !reorder) {
            sendQuietly(sender, datagram);
            return;
        }
        byte[] copy = new byte[datagram.remaining()];
        datagram.get(copy);
        if (corrupt && copy.length > 0) {
            // One bit anywhere: the header (a wrong connection ID, version or length) as well as the sealed payload.
            copy[r.nextInt(copy.length)] ^= (byte) (1 << r.nextInt(8));
            corrupted.increment();
        }
        if (duplicate) {
            duplicated.increment();
            sendQuietly(sender, ByteBuffer.wrap(copy));
        }
        if (reorder && delayed.get() < MAX_DELAYED) {
            reordered.increment();
            delayed.incrementAndGet();
            clock.schedule(() -> {
                delayed.decrementAndGet();
                sendQuietly(sender, ByteBuffer.wrap(copy));
            }, 1 + r.nextInt(impairment.maxDelayMillis()), TimeUnit.MILLISECONDS);
        } else {
            sendQuietly(sender, ByteBuffer.wrap(copy));
        }
    }

    private void sendQuietly(Sender sender, ByteBuffer datagram) {
        try {
            sender.send(datagram);
            forwarded.increment();
        } catch (IOException e) {
            // A mapping closed under it (expired or rebound): the datagram is lost, as on a real network.
            lost.increment();
        }
    }

    private void expire() {
        long now = System.currentTimeMillis();
        mappings.values().removeIf(m -> {
            if (now - m.lastUsed < IDLE_MILLIS) {
                return false;
            }
            closeQuietly(m.back);
            holes.remove(m.client);
            mappingsExpired.increment();
            return true;
        });
        // Holes of clients that never got a mapping (every datagram swallowed) go after the same idle time.
        holes.entrySet().removeIf(e -> !mappings.containsKey(e.getKey()) && now - e.getValue().since() > IDLE_MILLIS);
    }

    private static void closeQuietly(DatagramChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Closing a datagram socket fails only if it is already closed.
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(front);
        for (Mapping m : mappings.values()) {
            closeQuietly(m.back);
        }
        clock.shutdownNow();
        try {
            frontReader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
