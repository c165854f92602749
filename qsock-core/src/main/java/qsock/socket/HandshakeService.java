package qsock.socket;

import java.time.Duration;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Runs a connection's TLS handshake for a consumer that links no TLS API, as tlshd does for the kernel's SMB and
 * NFS: the consumer connects (or accepts) a {@link QuicSocket}, hands it over with a {@link HandshakeRequest}, and
 * gets it back established, or a {@link HandshakeFailedException} saying why not. The service's certificates,
 * keys and trust anchors are its configuration's, never the consumer's. qsock-tls provides one; a consumer
 * finds it with {@link #load()} and compiles against qsock-core alone.
 *
 * <p>Implementations are safe to call from many threads at once; each call blocks its thread (a virtual thread
 * is fine) until its handshake ends.
 */
public interface HandshakeService {

    /**
     * {@return the first handshake service on the module path (a module that {@code provides} it) or the class
     * path (a {@code META-INF/services} entry)}
     *
     * @throws HandshakeFailedException with {@link HandshakeFailure#NO_SERVICE} if there is none, or if the one
     *     found cannot be instantiated
     */
    static HandshakeService load() throws HandshakeFailedException {
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
