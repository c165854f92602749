package qsock.tls.remote;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import qsock.socket.remote.FrameChannel;
import qsock.socket.remote.Verdict;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.tls.HandshakeServiceConfig;
import qsock.tls.ServerTickets;
import qsock.tls.service.ServiceConfigFile;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketStore;

/**
 * {@code qsock handshaked}: the handshake service in its own process, as tlshd is for the kernel. It listens on a
 * Unix domain stream socket; each connection to it is one handshake request of an application
 * ({@code HandshakeService.remote(Path)} in qsock-core), served on a virtual thread by qsock-tls's engine with the
 * configuration file's certificates, keys and PSK keyring, which never leave this process. The file is read at
 * start (a bad one fails {@link #start}) and again whenever it changes. A request that breaks the protocol fails
 * with a reason; the daemon goes on serving the others.
 *
 * <p>The socket file is made readable and writable by its owner only, where the file system has POSIX
 * permissions: whoever can connect can have handshakes run with the daemon's keys.
 */
public final class HandshakeDaemon implements AutoCloseable {

    /** Requests served at once at most; more are refused with a reason until one ends. */
    public static final int MAX_SESSIONS = 1024;

    private static final System.Logger LOG = System.getLogger("qsock.handshaked");

    private final Path socketPath;
    private final ServiceConfigFile file;
    private final ServerSocketChannel server;
    private final TicketStore tickets = new InMemoryTicketStore();
    private final ServerTickets serverTickets = ServerTickets.defaults();
    private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
    private final Set<FrameChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong established = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong resumed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread acceptor;

    private HandshakeDaemon(Path configFile, Path socketPath, ServerSocketChannel server) {
        this.socketPath = socketPath;
        this.file = new ServiceConfigFile(() -> configFile);
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("qsock-handshaked-accept").unstarted(this::acceptLoop);
    }

    /**
     * Reads {@code configFile}, listens on {@code socketPath} and starts serving.
     *
     * @throws HandshakeFailedException ({@link HandshakeFailure#LOCAL_CONFIGURATION}) if the file is missing or bad
     * @throws IOException if the socket cannot be made: a daemon already listens there, or a file that is no socket
     *     is in the way (a stale socket, one no one listens on, is replaced)
     */
    public static HandshakeDaemon start(Path configFile, Path socketPath) throws IOException {
        Objects.requireNonNull(configFile, "configFile");
        Objects.requireNonNull(socketPath, "socketPath");
        new ServiceConfigFile(() -> configFile).config();
        removeStale(socketPath);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath), 128);
            try {
                Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // No POSIX permissions here: the directory's protect the socket.
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        HandshakeDaemon daemon = new HandshakeDaemon(configFile, socketPath, server);
        daemon.acceptor.start();
        return daemon;
    }

    private static void removeStale(Path socketPath) throws IOException {
        if (!Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(socketPath, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(socketPath,
                LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(socketPath)) {
            throw new IOException(socketPath + " exists and is no socket: not replacing it");
        }
        boolean alive;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socketPath));
            alive = true;
        } catch (IOException e) {
            alive = false;
        }
        if (alive) {
            throw new IOException("a daemon already listens at " + socketPath);
        }
        // No one listens: a socket a daemon left behind.
        Files.deleteIfExists(socketPath);
    }

    private void acceptLoop() {
        // Bounded by the daemon's life: close() ends accept() with ClosedChannelException.
        while (server.isOpen()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Out of descriptors, for instance: say so, wait a moment, go on; the daemon must survive it.
                LOG.log(Level.WARNING, "accept on {0} failed: {1}", socketPath, e);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            FrameChannel frames = new FrameChannel(channel);
            if (!sessions.tryAcquire()) {
                refused.incrementAndGet();
                Thread.ofVirtual().start(() -> refuse(frames));
                continue;
            }
            open.add(frames);
            try {
                Thread.ofVirtual().name("qsock-handshaked-request").start(() -> {
                    try {
                        new DaemonSession(this, frames).run();
                    } finally {
                        open.remove(frames);
                        sessions.release();
                    }
                });
            } catch (RuntimeException | OutOfMemoryError e) {
                // No thread for this request: it fails (its application sees the close), the daemon goes on.
                LOG.log(Level.WARNING, "no thread for a handshake request: {0}", e.toString());
                open.remove(frames);
                sessions.release();
                try {
                    frames.close();
                } catch (IOException ignored) {
                    // Closed either way.
                }
            }
        }
    }

    private static void refuse(FrameChannel frames) {
        try (frames) {
            Verdict.Failed busy = new Verdict.Failed(HandshakeFailure.LOCAL_CONFIGURATION, -1,
                    "the handshake daemon serves " + MAX_SESSIONS + " requests at once already");
            frames.write(busy.frameType(), busy.encode());
            frames.flush();
        } catch (IOException ignored) {
            // The application left already.
        }
    }

    /** {@return the configuration, read again if the file changed} */
    HandshakeServiceConfig config() throws HandshakeFailedException {
        return file.config();
    }

    /** {@return the store of the session tickets this daemon's clients received, by server name} */
    TicketStore tickets() {
        return tickets;
    }

    /** {@return the session tickets this daemon's servers issue} */
    ServerTickets serverTickets() {
        return serverTickets;
    }

    /** A request ended, established or not. */
    void ended(boolean success) {
        (success ? established : failed).incrementAndGet();
    }

    /** A request's handshake resumed a session (RFC 8446 §2.2). */
    void resumed() {
        resumed.incrementAndGet();
    }

    /** A request broke the protocol. */
    void broken() {
        refused.incrementAndGet();
    }

    /** {@return the socket it listens on} */
    public Path socketPath() {
        return socketPath;
    }

    /** {@return how many requests ended with the connection established} */
    public long established() {
        return established.get();
    }

    /**
     * {@return how many established requests resumed a session from a ticket} A client's tickets stay in this
     * daemon's store with their secrets, a server's ticket key in its memory: the applications hold neither.
     */
    public long resumedSessions() {
        return resumed.get();
    }

    /** {@return how many requests ended with a failure the TLS handshake or the connection caused} */
    public long failed() {
        return failed.get();
    }

    /** {@return how many requests were refused: their frames broke the protocol, or too many were served} */
    public long refused() {
        return refused.get();
    }

    /** {@return whether it still listens} */
    public boolean isOpen() {
        return server.isOpen();
    }

    /** Blocks until {@link #close()} was called. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    /** Stops listening, ends the requests under way (their applications see the daemon go), removes the socket. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing {0}: {1}", socketPath, e);
        }
        for (FrameChannel frames : open) {
            try {
                frames.close();
            } catch (IOException ignored) {
                // Closed either way.
            }
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove {0}: {1}", socketPath, e);
        }
        closed.countDown();
    }

    @Override
    public String toString() {
        return "HandshakeDaemon[" + socketPath + ", " + file.path() + "]";
    }
}
