package qsock.tls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;
import qsock.socket.HandshakeService;
import qsock.socket.QuicSocket;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.service.ServiceConfigFile;
import qsock.tls.service.ServiceTlsConfigs;
import qsock.tls.ticket.TicketStore;

/**
 * qsock-tls's {@link HandshakeService}: runs {@link QuicHandshake}'s handshakes with what a
 * {@link HandshakeServiceConfig} file holds, so that a consumer linking qsock-core alone gets TLS as the kernel's
 * SMB and NFS get it from tlshd. The file is the one {@link HandshakeServiceConfig#PROPERTY} names, else
 * {@link HandshakeServiceConfig#DEFAULT_PATH}; it is read at the first handshake and again whenever it changed
 * (its modification time or size), so a fixed file is fixed at once. A server issues one session ticket a
 * connection under a key of this service's (RFC 8446 §4.6.1); a client keeps the tickets it receives in memory, by
 * server name, and resumes with them (its certificate check was made when the ticket's session was).
 *
 * <p>On a server, a request's {@code peerName} makes the client certificate required and the handshake fail
 * ({@link HandshakeFailure#AUTHENTICATION_FAILED}) unless it names that host; its {@code pskIdentity} makes it
 * fail unless the client authenticated with that key. Both are checked once the TLS handshake completed: a
 * mismatch closes the connection before the consumer sees it.
 */
public final class TlsHandshakeService implements HandshakeService {

    /** The application error code with which a connection the server's checks refused is closed. */
    public static final long REFUSED_ERROR_CODE = 0x1;

    private final Path fixedPath;
    private final ServiceConfigFile file;
    private final TicketStore tickets = new InMemoryTicketStore();
    private final ServerTickets serverTickets = ServerTickets.defaults();

    /** The service ServiceLoader makes: its configuration is the system property's file, else the default one. */
    public TlsHandshakeService() {
        this.fixedPath = null;
        this.file = new ServiceConfigFile(HandshakeServiceConfig::configuredPath);
    }

    /** A service configured from {@code configFile}, whatever the system property says. */
    public TlsHandshakeService(Path configFile) {
        this.fixedPath = Objects.requireNonNull(configFile, "configFile");
        this.file = new ServiceConfigFile(() -> configFile);
    }

    /**
     * {@return the configuration, read again if its file changed}
     *
     * @throws HandshakeFailedException with {@link HandshakeFailure#LOCAL_CONFIGURATION} naming the file (and line)
     */
    HandshakeServiceConfig config() throws HandshakeFailedException {
        return file.config();
    }

    @Override
    public QuicSocket clientHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException {
        check(socket, request, timeout);
        if (request.peerName() == null && request.pskIdentity() == null) {
            throw new IllegalArgumentException("a client request names the server (peerName), a PSK identity or "
                    + "both: the client must authenticate its server somehow");
        }
        HandshakeServiceConfig config;
        ServiceTlsConfigs.ClientPlan plan;
        try {
            config = config();
            // No fallback ALPN: QuicHandshake offers the socket's ALPN option when the configuration names none.
            plan = ServiceTlsConfigs.client(config, request, tickets, List.of());
        } catch (HandshakeFailedException e) {
            socket.close();
            throw e;
        } catch (RuntimeException e) {
            // A configuration the TLS engine cannot use (the builder's IllegalArgumentException).
            throw failure(socket, e, "client");
        }
        try {
            QuicHandshake.clientHandshake(socket, plan.config(), timeout);
        } catch (IOException | RuntimeException e) {
            throw failure(socket, e, "client");
        }
        Duration ticketWait = config.sessionTicketWait();
        if (plan.ticketWait() != null && !ticketWait.isZero()) {
            // A consumer that will resume (NFS reconnecting) wants the ticket before it goes on; tlshd's
            // counterpart is the kernel's receive_session_ticket. A ticket that does not come is no failure.
            try {
                plan.ticketWait().arrived().await(ticketWait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                socket.close();
                throw new HandshakeFailedException(HandshakeFailure.CONNECTION_FAILED,
                        "interrupted while waiting for a session ticket", e);
            }
        }
        return socket;
    }

    @Override
    public QuicSocket serverHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException {
        check(socket, request, timeout);
        TlsServerConfig config;
        try {
            config = ServiceTlsConfigs.server(config(), request, serverTickets, List.of());
        } catch (HandshakeFailedException e) {
            socket.close();
            throw e;
        } catch (RuntimeException e) {
            throw failure(socket, e, "server");
        }
        TlsEngine engine;
        try {
            engine = QuicHandshake.serverHandshake(socket, config, timeout);
        } catch (IOException | RuntimeException e) {
            throw failure(socket, e, "server");
        }
        String refusal = ServiceTlsConfigs.refusal(engine, request);
        if (refusal != null) {
            socket.close(REFUSED_ERROR_CODE, "authentication refused");
            throw new HandshakeFailedException(HandshakeFailure.AUTHENTICATION_FAILED, refusal, null);
        }
        return socket;
    }

    private static void check(QuicSocket socket, HandshakeRequest request, Duration timeout) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive: " + timeout);
        }
    }

    /** {@return the typed failure of a handshake QuicHandshake ended with {@code e}}; the socket is closed. */
    private static HandshakeFailedException failure(QuicSocket socket, Exception e, String side) {
        ConnectionError error = socket.closeError();
        socket.close();
        HandshakeFailure reason;
        if (e instanceof SocketTimeoutException) {
            reason = HandshakeFailure.TIMEOUT;
        } else if (e instanceof InterruptedIOException) {
            reason = HandshakeFailure.CONNECTION_FAILED;
        } else if (e instanceof RuntimeException) {
            // QuicHandshake refuses a configuration it cannot use (IllegalArgumentException, IllegalStateException).
            reason = HandshakeFailure.LOCAL_CONFIGURATION;
        } else if (e.getCause() instanceof TlsAlertException) {
            reason = HandshakeFailure.AUTHENTICATION_FAILED;
        } else if (error != null && error.kind() == ConnectionError.Kind.TRANSPORT
                && TransportErrorCode.of(error.code()).isCryptoError()) {
            // RFC 9001 §4.8: a TLS alert travels as CRYPTO_ERROR 0x100 + the alert.
            reason = error.byPeer() ? HandshakeFailure.PEER_REJECTED : HandshakeFailure.AUTHENTICATION_FAILED;
        } else {
            reason = HandshakeFailure.CONNECTION_FAILED;
        }
        return new HandshakeFailedException(reason, side + " handshake: " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "TlsHandshakeService[" + (fixedPath != null ? fixedPath : HandshakeServiceConfig.configuredPath())
                + "]";
    }
}
