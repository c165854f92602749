package qsock.tls.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load balancer in miniature, on loopback: clients send to its front address, and it forwards each datagram to
 * whichever server {@link #target} names now, from one back socket, so that every server sees the same client address
 * (the relay's), as servers behind a load balancer that keeps the client's address do. Answers go back to the last
 * client heard. Switching the target mid-connection is what a load balancer that lost its state, or a client moved to
 * another server, looks like to the servers.
 */
final class UdpRelay implements AutoCloseable {

    private final DatagramChannel front;
    private final DatagramChannel back;
    private volatile InetSocketAddress target;
    private volatile SocketAddress client;
    /** Where to forward once the first answer (a Retry, say) came back; null to stay. */
    private volatile InetSocketAddress afterFirstAnswer;
    private final AtomicLong forwarded = new AtomicLong();
    private final Thread up;
    private final Thread down;

    UdpRelay(InetSocketAddress firstTarget) throws IOException {
        this.target = firstTarget;
        front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        back = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        up = Thread.ofPlatform().daemon().name("relay-up").start(() -> pump(true));
        down = Thread.ofPlatform().daemon().name("relay-down").start(() -> pump(false));
    }

    /** {@return where clients send to} */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    /** Forwards what clients send to {@code server} from now on. */
    void target(InetSocketAddress server) {
        target = server;
    }

    /**
     * Forwards to {@code server} once the current target answered the first time: the client's second flight (its
     * Initial after a Retry) reaches another server than its first.
     */
    void targetAfterFirstAnswer(InetSocketAddress server) {
        afterFirstAnswer = server;
    }

    /** {@return how many datagrams went from clients to servers} */
    long forwarded() {
        return forwarded.get();
    }

    /** Runs until the channels close: blocking receives end with an exception then. */
    private void pump(boolean toServer) {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        DatagramChannel in = toServer ? front : back;
        while (in.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = in.receive(buf);
                buf.flip();
                if (toServer) {
                    client = from;
                    back.send(buf, target);
                    forwarded.incrementAndGet();
                } else if (client != null) {
                    InetSocketAddress next = afterFirstAnswer;
                    if (next != null) {
                        // Before the answer leaves, so that whatever the client sends after it goes to the next.
                        target = next;
                        afterFirstAnswer = null;
                    }
                    front.send(buf, client);
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        front.close();
        back.close();
        try {
            up.join(5_000);
            down.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
