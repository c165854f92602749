package qsock.core.router;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A listener's registration with a {@link RouterDaemon}: the control connection over which it said which ALPN
 * protocols it serves, learned its QUIC-LB server ID ({@link #registration()}), and receives the datagrams the daemon
 * routes to it ({@link #start}). Closing it (or the process ending) unregisters the listener.
 */
public final class RouterLink implements Closeable {

    private static final System.Logger LOG = System.getLogger(RouterLink.class.getName());

    /** Where the datagrams the daemon forwards go; called on the link's thread. */
    @FunctionalInterface
    public interface Sink {
        /** One datagram (position to limit, valid during the call) that reached {@code local} from {@code peer}. */
        void datagram(InetSocketAddress local, InetSocketAddress peer, ByteBuffer data);
    }

    private final SocketChannel channel;
    private final RouterRegistration registration;
    private final Path path;
    private volatile boolean closed;
    private Thread reader;

    private RouterLink(SocketChannel channel, RouterRegistration registration, Path path) {
        this.channel = channel;
        this.registration = registration;
        this.path = path;
    }

    /**
     * Registers a listener serving {@code protocols} (empty: ClientHellos without ALPN) with the daemon at {@code
     * control}.
     *
     * @param address the address the listener binds: the daemon's public address, its wildcard, or port 0 for the
     *     daemon's port; another is refused
     * @param reusePort join a reuse-port group of listeners with the same list (new connections shared by client
     *     address), as {@code QuicSocketOptions.REUSE_PORT} does in one JVM
     * @throws java.net.ConnectException if no daemon answers there (it is not running)
     * @throws BindException (EADDRINUSE) if the list equals or overlaps another listener's outside a reuse-port group,
     *     (EADDRNOTAVAIL) if {@code address} is not the daemon's
     * @throws IOException if the daemon refused for another reason (its text says why) or broke the protocol
     */
    public static RouterLink register(Path control, InetSocketAddress address, List<String> protocols,
                                      boolean reusePort) throws IOException {
        Objects.requireNonNull(control, "control");
        ByteBuffer hello = RouterWire.hello(address, protocols, reusePort);
        SocketChannel c;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(UnixDomainSocketAddress.of(control));
            } catch (IOException e) {
                c.close();
                throw e;
            }
        } catch (java.net.SocketException | java.nio.file.InvalidPathException e) {
            java.net.ConnectException ce = new java.net.ConnectException("routerd is not running at " + control + ": "
                    + e.getMessage());
            ce.initCause(e);
            throw ce;
        }
        try {
            RouterWire.write(c, RouterFrameType.HELLO, hello);
            ByteBuffer buffer = ByteBuffer.allocate(RouterWire.MAX_BODY + 5);
            RouterWire.Frame f = RouterWire.read(c, buffer);
            switch (f.type()) {
                case WELCOME -> {
                    return new RouterLink(c, RouterRegistration.decode(f.body()), control);
                }
                case REFUSED -> {
                    ByteBuffer b = f.body();
                    RouterWire.need(b, 1);
                    int code = b.get() & 0xFF;
                    String reason = StandardCharsets.UTF_8.decode(b).toString();
                    throw code == 98 || code == 99 ? new BindException(reason)
                            : new IOException("routerd refused: " + reason);
                }
                default -> throw new ProtocolException("routerd answered HELLO with " + f.type());
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** {@return the public address, QUIC-LB configuration and server ID the daemon gave} */
    public RouterRegistration registration() {
        return registration;
    }

    /**
     * Starts the thread that reads the datagrams the daemon forwards and gives each to {@code sink}; it ends when the
     * link closes or the daemon goes (the listener's own sockets keep its connections then; new ones cannot come).
     */
    public synchronized void start(Sink sink, String name) {
        if (reader != null) {
            throw new IllegalStateException("started already");
        }
        Objects.requireNonNull(sink, "sink");
        reader = Thread.ofPlatform().daemon().name(name).start(() -> readLoop(sink));
    }

    private void readLoop(Sink sink) {
        ByteBuffer buffer = ByteBuffer.allocate(RouterWire.MAX_BODY + 5);
        try {
            while (!closed) {
                RouterWire.Frame f = RouterWire.read(channel, buffer);
                if (f.type() != RouterFrameType.DATAGRAM) {
                    throw new ProtocolException("routerd sent " + f.type() + " after WELCOME");
                }
                ByteBuffer b = f.body();
                InetSocketAddress local = RouterWire.getAddress(b);
                InetSocketAddress peer = RouterWire.getAddress(b);
                try {
                    sink.datagram(local, peer, b);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a datagram from routerd was refused", e);
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, "the link to routerd at " + path + " ended (" + e.getMessage()
                        + "): no new connections reach this listener; its connections go on");
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "the link to routerd at " + path + " failed", t);
        } finally {
            closeQuietly();
        }
    }

    /** Asks the daemon to route no new connection here; those it routed already go on. */
    public void withdraw() throws IOException {
        synchronized (channel) {
            RouterWire.write(channel, RouterFrameType.WITHDRAW, ByteBuffer.allocate(0));
        }
    }

    /** {@return false once the link closed or the daemon went} */
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    /** Unregisters: closes the control connection. */
    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Gone already.
        }
    }

    @Override
    public String toString() {
        return "link to " + registration;
    }
}
