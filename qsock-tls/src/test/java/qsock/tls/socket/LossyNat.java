package qsock.tls.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A NAT in front of a server on loopback that loses datagrams: each client address that sends to its front gets a
 * back socket of its own, from which its datagrams go to the server, so that a client moving to a new address (RFC 9000
 * §9.2) shows the server a new address too, as a NAT does; the server's answers to a back socket go to its client. Of
 * the datagrams towards the clients, every {@code dropEvery}-th after the first {@code spare} is dropped (counted), so
 * that a transfer from the server sees losses without the handshake losing its first flights. One thread; at most
 * {@link #MAX_CLIENTS} client addresses (others dropped).
 */
final class LossyNat implements AutoCloseable {

    /** Client addresses served at most: the back sockets are bounded. */
    static final int MAX_CLIENTS = 16;

    private final InetSocketAddress server;
    private final int spare;
    private final int dropEvery;
    private final Selector selector;
    private final DatagramChannel front;
    private final Map<SocketAddress, DatagramChannel> backs = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private long towardsClients;

    LossyNat(InetSocketAddress server, int spare, int dropEvery) throws IOException {
        if (dropEvery < 2) {
            throw new IllegalArgumentException("dropEvery must be 2 or more: " + dropEvery);
        }
        this.server = server;
        this.spare = spare;
        this.dropEvery = dropEvery;
        selector = Selector.open();
        front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        front.configureBlocking(false);
        front.register(selector, SelectionKey.OP_READ);
        thread = Thread.ofPlatform().daemon().name("lossy-nat").start(this::run);
    }

    /** {@return where clients send to} */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** {@return the datagrams towards clients dropped} */
    long dropped() {
        return dropped.get();
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        try {
            while (!closed) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) key.channel();
                    // Drain each ready socket, a bounded number of datagrams per wake-up.
                    for (int i = 0; i < 64; i++) {
                        buf.clear();
                        SocketAddress from = ch.receive(buf);
                        if (from == null) {
                            break;
                        }
                        buf.flip();
                        if (ch == front) {
                            DatagramChannel back = back(from);
                            if (back != null) {
                                back.send(buf, server);
                            }
                        } else if (++towardsClients > spare && towardsClients % dropEvery == 0) {
                            dropped.incrementAndGet();
                        } else {
                            front.send(buf, (SocketAddress) key.attachment());
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            // Closed: done.
        }
    }

    private DatagramChannel back(SocketAddress client) throws IOException {
        DatagramChannel back = backs.get(client);
        if (back == null) {
            if (backs.size() == MAX_CLIENTS) {
                return null;
            }
            back = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            back.configureBlocking(false);
            back.register(selector, SelectionKey.OP_READ, client);
            backs.put(client, back);
        }
        return back;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The thread is gone (or stuck past its bound): the sockets are closed either way.
        for (SelectionKey k : selector.keys()) {
            k.channel().close();
        }
        selector.close();
    }
}
