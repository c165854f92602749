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
    private final Map<SocketAddress, DatagramChannel> backs = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private UdpRelay(InetSocketAddress server, Impairment impairment, DropRule rule) throws IOException {
        this.server = server;
        this.impairment = impairment;
        this.rule = rule;
        this.toServer = impairment.new Direction(0);
        this.toClient = impairment.new Direction(1);
        this.front = open();
        threads.add(Thread.ofPlatform().daemon().name("relay-to-server").start(this::forwardToServer));
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
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER);
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return ch;
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
                log.record(PacketLog.Direction.TO_SERVER, buf);
                if (!impair(toServer, buf)) {
                    continue;
                }
                DatagramChannel back = backs.get(client);
                if (back == null) {
                    back = open();
                    backs.put(client, back);
                    log.note("new client " + client + " relayed from " + back.getLocalAddress());
                    DatagramChannel b = back;
                    threads.add(Thread.ofPlatform().daemon().name("relay-to-client").start(() -> forwardToClient(b, client)));
                    if (closed) {
                        back.close();
                    }
                }
                back.send(buf, server);
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
                log.record(PacketLog.Direction.TO_CLIENT, buf);
                if (impair(toClient, buf)) {
                    front.send(buf, client);
                }
            }
        } catch (ClosedChannelException e) {
            // closed by close(): the relay is done
        } catch (IOException e) {
            log.note("relay to client stopped: " + e);
        }
    }

    /** {@return false if the datagram is to be dropped; corrupts it in place when the impairment says so} */
    private boolean impair(Impairment.Direction direction, ByteBuffer buf) {
        if (rule.drop(direction == toServer ? PacketLog.Direction.TO_SERVER : PacketLog.Direction.TO_CLIENT, buf)) {
            log.note("dropped the datagram above by the drop rule");
            return false;
        }
        // One thread forwards to the server, one per client address back: a direction's generator is shared by the
        // latter when clients overlap.
        synchronized (direction) {
            return impairLocked(direction, buf);
        }
    }

    private boolean impairLocked(Impairment.Direction direction, ByteBuffer buf) {
        switch (direction.next()) {
            case DROP -> {
                log.note("dropped the datagram above");
                return false;
            }
            case CORRUPT -> {
                direction.corrupt(buf);
                log.note("corrupted the datagram above");
                return true;
            }
            default -> {
                return true;
            }
        }
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
