package qsock.socket;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import qsock.core.handshake.HandshakeChannel;
import qsock.socket.remote.Deadlines;
import qsock.socket.remote.FrameChannel;

/**
 * The {@link HandshakeService} of an application whose TLS runs in {@code qsock handshaked}, another process: each
 * handshake opens a Unix domain socket to the daemon and relays, in lock-step, the handshake bytes the connection
 * receives to it and the bytes to send, secrets and outcome it answers back to the connection's
 * {@link HandshakeChannel} ({@link RemoteHandshake}). The daemon holds the certificates' private keys and the PSK
 * keyring; this process gets only the traffic secrets its packets need (RFC 9001 §5.1).
 *
 * <p>No daemon at the path (no file, or a socket no one listens on) fails the call at once with
 * {@link HandshakeFailure#NO_SERVICE}.
 */
final class RemoteHandshakeService implements HandshakeService {

    private final Path socketPath;

    RemoteHandshakeService(Path socketPath) {
        this.socketPath = Objects.requireNonNull(socketPath, "socketPath");
    }

    @Override
    public QuicSocket clientHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException {
        check(socket, request, timeout);
        if (request.peerName() == null && request.pskIdentity() == null) {
            throw new IllegalArgumentException("a client request names the server (peerName), a PSK identity or "
                    + "both: the client must authenticate its server somehow");
        }
        return handshake(socket, request, timeout, true);
    }

    @Override
    public QuicSocket serverHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException {
        check(socket, request, timeout);
        return handshake(socket, request, timeout, false);
    }

    private static void check(QuicSocket socket, HandshakeRequest request, Duration timeout) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive: " + timeout);
        }
        if (timeout.toMillis() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("the timeout is at most 2^32-1 ms: " + timeout);
        }
    }

    private QuicSocket handshake(QuicSocket socket, HandshakeRequest request, Duration timeout, boolean client)
            throws HandshakeFailedException {
        HandshakeChannel channel = socket.handshakeChannel();
        if (channel.isClient() != client) {
            throw new IllegalArgumentException("a " + (client ? "client" : "server") + " handshake needs a "
                    + (client ? "connected" : "accepted") + " socket");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel daemon = null;
        try {
            daemon = SocketChannel.open(StandardProtocolFamily.UNIX);
            daemon.connect(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException | RuntimeException e) {
            closeQuietly(daemon);
            socket.close();
            throw new HandshakeFailedException(HandshakeFailure.NO_SERVICE, "no handshake daemon (qsock handshaked) "
                    + "answers at " + socketPath + ": " + e, e);
        }
        FrameChannel frames = new FrameChannel(daemon);
        AtomicBoolean timedOut = new AtomicBoolean();
        // A read from the daemon has no timeout of its own: at the deadline the channel is closed under it.
        ScheduledFuture<?> watchdog = Deadlines.after(timeout, () -> {
            timedOut.set(true);
            closeQuietly(frames);
        });
        try {
            return new RemoteHandshake(socket, channel, frames, request, timeout, deadline, timedOut).run();
        } finally {
            watchdog.cancel(false);
            closeQuietly(frames);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing is all that is left to do with it.
            }
        }
    }

    @Override
    public String toString() {
        return "RemoteHandshakeService[" + socketPath + "]";
    }
}
