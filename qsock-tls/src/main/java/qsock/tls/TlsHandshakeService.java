package qsock.tls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;
import qsock.socket.HandshakeService;
import qsock.socket.QuicSocket;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;
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
    private final TicketStore tickets = new InMemoryTicketStore();
    private final ServerTickets serverTickets = ServerTickets.defaults();
    private final Object loadLock = new Object();
    private volatile Loaded loaded;

    /** A configuration and the state of its file when it was read. */
    private record Loaded(Path path, FileTime modified, long size, HandshakeServiceConfig config) {}

    /** The service ServiceLoader makes: its configuration is the system property's file, else the default one. */
    public TlsHandshakeService() {
        this.fixedPath = null;
    }

    /** A service configured from {@code configFile}, whatever the system property says. */
    public TlsHandshakeService(Path configFile) {
        this.fixedPath = Objects.requireNonNull(configFile, "configFile");
    }

    /**
     * {@return the configuration, read again if its file changed}
     *
     * @throws HandshakeFailedException with {@link HandshakeFailure#LOCAL_CONFIGURATION} naming the file (and line)
     */
    HandshakeServiceConfig config() throws HandshakeFailedException {
        Path path = fixedPath != null ? fixedPath : HandshakeServiceConfig.configuredPath();
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            long size = Files.size(path);
            Loaded current = loaded;
            if (current != null && current.path().equals(path) && current.modified().equals(modified)
                    && current.size() == size) {
                return current.config();
            }
            synchronized (loadLock) {
                current = loaded;
                if (current != null && current.path().equals(path) && current.modified().equals(modified)
                        && current.size() == size) {
                    return current.config();
                }
                HandshakeServiceConfig config = HandshakeServiceConfig.load(path);
                loaded = new Loaded(path, modified, size, config);
                return config;
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION,
                    "the handshake service's configuration " + path + " (system property "
                            + HandshakeServiceConfig.PROPERTY + "): " + e.getMessage(), e);
        }
    }

    @Override
    public QuicSocket clientHandshake(QuicSocket socket, HandshakeRequest request, Duration timeout)
            throws HandshakeFailedException {
        check(socket, request, timeout);
        if (request.peerName() == null && request.pskIdentity() == null) {
            throw new IllegalArgumentException("a client request names the server (peerName), a PSK identity or "
                    + "both: the client must authenticate its server somehow");
        }
        HandshakeServiceConfig config = configOrClose(socket);
        TlsClientConfig.Builder builder = TlsClientConfig.builder().certificateValidator(config.client().validator());
        if (request.peerName() != null) {
            builder.serverName(request.peerName());
        }
        if (config.clientCredential() != null) {
            builder.credential(config.clientCredential());
        }
        List<String> alpn = request.applicationProtocols().isEmpty() ? config.clientApplicationProtocols()
                : request.applicationProtocols();
        builder.applicationProtocols(alpn.toArray(String[]::new));
        if (request.pskIdentity() != null) {
            builder.externalPsk(psk(socket, config, request.pskIdentity()));
        }
        TicketWait wait = null;
        if (request.peerName() != null) {
            wait = new TicketWait(tickets);
            builder.tickets(ClientTickets.defaults().withStore(wait));
        }
        try {
            QuicHandshake.clientHandshake(socket, builder.build(), timeout);
        } catch (IOException | RuntimeException e) {
            throw failure(socket, e, "client");
        }
        Duration ticketWait = config.sessionTicketWait();
        if (wait != null && !ticketWait.isZero()) {
            // A consumer that will resume (NFS reconnecting) wants the ticket before it goes on; tlshd's
            // counterpart is the kernel's receive_session_ticket. A ticket that does not come is no failure.
            try {
                wait.arrived.await(ticketWait.toNanos(), TimeUnit.NANOSECONDS);
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
        HandshakeServiceConfig config = configOrClose(socket);
        Credential credential = config.serverCredential();
        PskKeyring keyring = config.keyring();
        TlsServerConfig.Builder builder;
        if (credential != null) {
            builder = TlsServerConfig.builder(credential);
            if (!keyring.isEmpty()) {
                builder.pskKeyring(keyring);
            }
        } else if (!keyring.isEmpty()) {
            builder = TlsServerConfig.builder(keyring);
        } else {
            socket.close();
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION, "[authenticate.server] names "
                    + "no x509.certificate and [authenticate] no keyrings: a server has nothing to authenticate "
                    + "with", null);
        }
        if (request.pskIdentity() != null) {
            psk(socket, config, request.pskIdentity());
        }
        if (request.peerName() == null) {
            // A resumed session carries no client certificate (RFC 8446 §4.6.1), so a server that must see the
            // client's name issues and accepts no tickets: every client proves its name anew.
            builder.tickets(serverTickets);
        }
        ClientAuth policy = request.peerName() != null ? ClientAuth.REQUIRE : config.clientCertificate();
        if (policy != ClientAuth.NONE) {
            builder.clientAuthentication(policy, config.server().validator());
        }
        List<String> alpn = request.applicationProtocols().isEmpty() ? config.serverApplicationProtocols()
                : request.applicationProtocols();
        builder.applicationProtocols(alpn.toArray(String[]::new));
        TlsEngine engine;
        try {
            engine = QuicHandshake.serverHandshake(socket, builder.build(), timeout);
        } catch (IOException | RuntimeException e) {
            throw failure(socket, e, "server");
        }
        if (request.pskIdentity() != null && !request.pskIdentity().equals(engine.pskIdentity())) {
            throw refuse(socket, "the client did not authenticate with the PSK asked for");
        }
        if (request.peerName() != null) {
            List<X509Certificate> chain = engine.peerCertificates();
            if (chain == null || chain.isEmpty()
                    || !CertificateValidator.certifiesName(chain.getFirst(), request.peerName())) {
                throw refuse(socket, "the client's certificate does not name " + request.peerName());
            }
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

    private HandshakeServiceConfig configOrClose(QuicSocket socket) throws HandshakeFailedException {
        try {
            return config();
        } catch (HandshakeFailedException e) {
            socket.close();
            throw e;
        }
    }

    /** {@return the keyring's key for {@code identity}} */
    private static ExternalPsk psk(QuicSocket socket, HandshakeServiceConfig config, String identity)
            throws HandshakeFailedException {
        ExternalPsk psk = config.keyring().find(identity.getBytes(StandardCharsets.UTF_8));
        if (psk == null) {
            socket.close();
            // The identity is the consumer's own, but it may be a secret's name: it does not go into the message.
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION,
                    "the configured keyrings hold no key for the PSK identity asked for", null);
        }
        return psk;
    }

    private static HandshakeFailedException refuse(QuicSocket socket, String why) {
        socket.close(REFUSED_ERROR_CODE, "authentication refused");
        return new HandshakeFailedException(HandshakeFailure.AUTHENTICATION_FAILED, why, null);
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

    /** The service's ticket store, with a latch for the first ticket of one handshake. */
    private static final class TicketWait implements TicketStore {
        private final TicketStore store;
        final CountDownLatch arrived = new CountDownLatch(1);

        TicketWait(TicketStore store) {
            this.store = store;
        }

        @Override
        public void store(String serverName, ClientTicket ticket) {
            store.store(serverName, ticket);
            arrived.countDown();
        }

        @Override
        public Optional<ClientTicket> take(String serverName, long nowMillis) {
            return store.take(serverName, nowMillis);
        }

        @Override
        public Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
            return store.take(serverName, quicVersion, nowMillis);
        }
    }

    @Override
    public String toString() {
        return "TlsHandshakeService[" + (fixedPath != null ? fixedPath : HandshakeServiceConfig.configuredPath())
                + "]";
    }
}
