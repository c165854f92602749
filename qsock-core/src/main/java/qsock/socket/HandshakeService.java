package qsock.socket;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Runs a connection's TLS handshake for a consumer that links no TLS API, as tlshd does for the kernel's SMB and
 * NFS: the consumer connects (or accepts) a {@link QuicSocket}, hands it over with a {@link HandshakeRequest}, and
 * gets it back established, or a {@link HandshakeFailedException} saying why not. The service's certificates,
 * keys and trust anchors are its configuration's, never the consumer's. qsock-tls provides one; a consumer
 * finds it with {@link #load()} and compiles against qsock-core alone.
 *
 * <p>The service also runs out of process, as {@code qsock handshaked} ({@link #remote(Path)}): then the private
 * keys never enter the consumer's process, which needs no TLS engine at all.
 *
 * <p>Implementations are safe to call from many threads at once; each call blocks its thread (a virtual thread
 * is fine) until its handshake ends.
 */
public interface HandshakeService {

    /** The system property naming the Unix domain socket of a {@code qsock handshaked} that {@link #load()} uses. */
    String PROPERTY = "qsock.handshaked";

    /** The environment variable naming that socket when the system property does not. */
    String ENVIRONMENT = "QSOCK_HANDSHAKED";

    /**
     * {@return the handshake service to use} In this order: the daemon whose socket the system property
     * {@value #PROPERTY} names, else the one the environment variable {@value #ENVIRONMENT} names (as
     * {@link #remote(Path)}; an empty value names none), else the first provider on the module path (a module that
     * {@code provides} it) or the class path (a {@code META-INF/services} entry). A named daemon wins over a provider,
     * so a system that runs {@code qsock handshaked} keeps keys out of every consumer that asks for it this way.
     *
     * @throws HandshakeFailedException with {@link HandshakeFailure#NO_SERVICE} if there is none, or if the one
     *     found cannot be instantiated
     */
    static HandshakeService load() throws HandshakeFailedException {
        String socket = System.getProperty(PROPERTY);
        if (socket == null || socket.isEmpty()) {
            socket = System.getenv(ENVIRONMENT);
        }
        if (socket != null && !socket.isEmpty()) {
            try {
                return remote(Path.of(socket));
            } catch (java.nio.file.InvalidPathException e) {
                throw new HandshakeFailedException(HandshakeFailure.NO_SERVICE, "the handshake daemon's socket "
                        + "path '" + socket + "' (" + PROPERTY + " or " + ENVIRONMENT + ") is no path", e);
            }
        }
        try {
            Iterator<HandshakeService> services = ServiceLoader.load(HandshakeService.class).iterator();
            if (services.hasNext()) {
                return services.next();
            }
        } catch (ServiceConfigurationError e) {
            throw new HandshakeFailedException(HandshakeFailure.NO_SERVICE,
                    "the handshake service found could not be loaded: " + e.getMessage(), e);
        }
        throw new HandshakeFailedException(HandshakeFailure.NO_SERVICE, "no " + HandshakeService.class.getName()
                + " provider is on the module or class path (qsock-tls provides one)", null);
    }

    /**
     * {@return a service that runs each handshake in the {@code qsock handshaked} listening on the Unix domain
     * socket {@code socket}} This process relays the handshake's messages and installs the traffic secrets the
     * daemon sends; certificates, private keys and PSKs stay in the daemon's. Nothing is checked here: a daemon
     * that is not running fails each handshake at once with {@link HandshakeFailure#NO_SERVICE}.
     */
    static HandshakeService remote(Path socket) {
        return new RemoteHandshakeService(Objects.requireNonNull(socket, "socket"));
    }

    /**
     * Runs the client handshake on a socket after {@link QuicSocket#connect}; returns once the connection is
     * established (and, when the service's configuration asks, once the server's first session ticket arrived).
     *
     * @param timeout how long the whole handshake may take (positive)
     * @return {@code socket}, established
     * @throws HandshakeFailedException why it failed; the socket's connection is closed then
     */
    QuicSocket clientHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException;

    /**
     * Runs the server handshake on a socket {@link QuicSocket#accept()} returned; returns once the handshake is
     * complete and confirmed.
     *
     * @param timeout how long the whole handshake may take (positive)
     * @return {@code socket}, established
     * @throws HandshakeFailedException why it failed; the socket's connection is closed then
     */
    QuicSocket serverHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException;
}
