package qsock.tls;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.error.PeerText;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.socket.CertificateRequest;
import qsock.socket.QuicConfig;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.SessionFormatException;

/**
 * Blocking TLS handshakes over a {@link QuicSocket}, as libquic's {@code quic_client_handshake} and
 * {@code quic_server_handshake}: a {@link HandshakeDriver} steps over the socket's
 * {@linkplain QuicSocket#handshakeChannel() handshake channel} on the calling thread, runs delegated tasks
 * (certificate validation, signing) there too, and
 * waits for the peer's flights through {@link QuicSocket#awaitHandshakeInput}. The socket's I/O thread never
 * runs TLS code.
 *
 * <p>The socket's options reach the handshake as the kernel's reach its userspace handshake:
 * <ul>
 *   <li>{@link QuicSocketOptions#ALPN}: offered (client) or accepted (server) when the TLS configuration names no
 *       protocol.
 *   <li>{@link QuicSocketOptions#CONFIG}'s {@code payloadCipher}: a client offers that cipher suite alone; a server
 *       puts it first among its own (it chooses, RFC 8446 §4.1.1).
 *   <li>{@link QuicSocketOptions#CONFIG}'s {@code certificateRequest}: a server whose TLS configuration asks for no
 *       client certificate asks for one ({@link ClientAuth#REQUEST}) or requires one ({@link ClientAuth#REQUIRE}),
 *       checking it with the configuration's client certificate validator, else the system's trust store.
 *   <li>{@link QuicSocketOptions#SESSION_TICKET}: a client resumes the session set there first (it needs a TLS
 *       configuration naming its server; 0-RTT with it needs the configuration's tickets to ask for early data), and
 *       every session ticket the server sends is written back there, where the option reads the latest. The
 *       configuration's own ticket store, if any, keeps working behind it.
 *   <li>{@link QuicSocketOptions#CONFIG}'s {@code receiveSessionTicket}: a client's handshake call returns only once
 *       the server's first ticket arrived, or that long after the handshake, or when the connection closed.
 * </ul>
 */
public final class QuicHandshake {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Delegated tasks the I/O thread runs for one arrival of handshake bytes, at most. */
    private static final int MAX_TASKS_PER_STEP = 16;

    private QuicHandshake() {}

    /**
     * Runs the client handshake on a socket after {@link QuicSocket#connect}; returns once the connection is
     * established.
     *
     * @param timeout how long the whole handshake may take; null for no limit
     * @return the completed engine, which tells what was negotiated (key exchange group, cipher suite, ALPN)
     * @throws IOException naming the TLS alert if the handshake failed on either side, a
     *     {@link SocketTimeoutException} (after closing the connection) if it took longer than {@code timeout}
     */
    public static TlsEngine clientHandshake(QuicSocket socket, TlsClientConfig config, Duration timeout)
            throws IOException {
        ClientSetup setup = clientSetup(socket, config);
        TlsEngine engine = run(socket, HandshakeDriver.client(socket.handshakeChannel(), setup.config(), RANDOM),
                timeout, "client");
        setup.awaitTicket();
        return engine;
    }

    /**
     * Runs the server handshake on a socket {@link QuicSocket#accept()} returned; returns once the handshake
     * is complete (and confirmed, on a server).
     *
     * @param timeout how long the whole handshake may take; null for no limit
     * @return the completed engine, which tells what was negotiated (key exchange group, cipher suite, ALPN)
     * @throws IOException naming the TLS alert if the handshake failed on either side, a
     *     {@link SocketTimeoutException} (after closing the connection) if it took longer than {@code timeout}
     */
    public static TlsEngine serverHandshake(QuicSocket socket, TlsServerConfig config, Duration timeout)
            throws IOException {
        config = serverSetup(socket, config);
        return run(socket, HandshakeDriver.server(socket.handshakeChannel(), config, RANDOM), timeout, "server");
    }

    /**
     * Starts the client handshake on a socket after {@link QuicSocket#connect} and returns once the ClientHello is
     * sent, for a client that wants to send 0-RTT (RFC 9001 §4.6): when {@code config}'s tickets resume a session
     * that allows early data, {@link ClientHandshake#earlyData()} is true and stream data sent on the socket now
     * ({@link QuicSocket#send}) leaves at once as 0-RTT, within the limits the server had set. Then
     * {@link ClientHandshake#finish()} completes the handshake as {@link #clientHandshake} does, and
     * {@link QuicSocket#earlyDataAccepted()} tells whether the server took the early data; if it did not, what was
     * sent is sent again, so nothing is lost. Without such a ticket nothing is sent before {@code finish()}: sends
     * wait for the handshake as usual. Nothing drives the handshake until {@code finish()} (so what is sent first
     * does go as 0-RTT): call it before waiting for the answer.
     *
     * <p>Early data can be replayed by an attacker (RFC 8446 §8, §E.5): send only requests that are safe to repeat.
     *
     * @param timeout how long the whole handshake may take, until {@code finish()} returns; null for no limit
     * @throws IOException as {@link #clientHandshake} does, if the handshake fails before the ClientHello left
     */
    public static ClientHandshake startClientHandshake(QuicSocket socket, TlsClientConfig config, Duration timeout)
            throws IOException {
        ClientSetup setup = clientSetup(socket, config);
        HandshakeDriver driver = HandshakeDriver.client(socket.handshakeChannel(), setup.config(), RANDOM);
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        // The first step writes the ClientHello and installs the 0-RTT keys; its read sends the flight.
        HandshakeDriver.Step step = driver.step();
        if (step == HandshakeDriver.Step.FAILED) {
            throw failure(socket, driver, "client");
        }
        return new ClientHandshake(socket, driver, deadline, timeout, setup);
    }

    /**
     * A client handshake under way, started by {@link #startClientHandshake}: the ClientHello left, the application
     * may send early data, {@link #finish()} completes it.
     */
    public static final class ClientHandshake {
        private final QuicSocket socket;
        private final HandshakeDriver driver;
        private final long deadline;
        private final Duration timeout;
        private final ClientSetup setup;

        private ClientHandshake(QuicSocket socket, HandshakeDriver driver, long deadline, Duration timeout,
                                ClientSetup setup) {
            this.socket = socket;
            this.driver = driver;
            this.deadline = deadline;
            this.timeout = timeout;
            this.setup = setup;
        }

        /** {@return whether this handshake offers early data: stream data sent before {@link #finish()} is 0-RTT} */
        public boolean earlyData() {
            return driver.earlyDataAttempt() != null && socket.canSendEarlyData();
        }

        /**
         * Completes the handshake, as {@link QuicHandshake#clientHandshake} does, on the calling thread.
         *
         * @return the completed engine
         * @throws IOException if the handshake failed or timed out (see {@link QuicHandshake#clientHandshake})
         */
        public TlsEngine finish() throws IOException {
            TlsEngine engine = run(socket, driver, deadline, timeout, "client");
            setup.awaitTicket();
            return engine;
        }

        /** {@return whether the server accepted the early data; null until known or when none was offered} */
        public Boolean earlyDataAccepted() {
            return driver.earlyDataAccepted();
        }
    }

    /**
     * Starts the server handshake on a socket {@link QuicSocket#accept()} returned and returns once the server's
     * flight is queued (its Finished among it), for a server that answers before the client's Finished arrives
     * (0.5-RTT data, RFC 9001 §4.1.1, §5.7): when the socket's connection is configured for it
     * ({@code ConnectionConfig.halfRttData}), {@link ServerHandshake#halfRtt()} is true, what the client sent as
     * 0-RTT can be read ({@link QuicSocket#receive}) and stream data and datagrams sent now leave at once in 1-RTT
     * packets, within the anti-amplification limit while the client's address is unvalidated. Then
     * {@link ServerHandshake#finish()} waits for the handshake to complete, as {@link #serverHandshake} does. Until
     * then the socket's I/O thread goes on with the handshake as the client's messages arrive: the client's Finished
     * completes it, and only then is what the client sent in 1-RTT packets read (RFC 9001 §5.7), so a request that
     * did not fit the client's 0-RTT packets still arrives whole before {@code finish()}. Without that setting this
     * returns once the handshake is complete, and {@code finish()} returns at once.
     *
     * <p>Until {@code finish()} returns the client is not authenticated (a client certificate, if asked for, has not
     * been checked), and 0-RTT data may be a replay (RFC 8446 §8): answer only what is safe to answer so.
     *
     * @param timeout how long the whole handshake may take, until {@code finish()} returns; null for no limit
     * @throws IOException as {@link #serverHandshake} does, if the handshake fails or times out before this returns
     */
    public static ServerHandshake startServerHandshake(QuicSocket socket, TlsServerConfig config, Duration timeout)
            throws IOException {
        config = serverSetup(socket, config);
        HandshakeDriver driver = HandshakeDriver.server(socket.handshakeChannel(), config, RANDOM);
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        // Bounded by the deadline: each wait for input ends by it.
        while (true) {
            switch (driver.step()) {
                case TASK_PENDING -> {
                    Runnable task = driver.delegatedTask();
                    if (task != null) {
                        task.run();
                    }
                }
                case NEEDS_INPUT -> {
                    if (socket.canSendHalfRtt()) {
                        stepOnIoThread(socket, driver);
                        return new ServerHandshake(socket, driver, deadline, timeout, true);
                    }
                    awaitInput(socket, driver, deadline, timeout, "server");
                }
                case COMPLETE -> {
                    return new ServerHandshake(socket, driver, deadline, timeout, false);
                }
                case FAILED -> throw failure(socket, driver, "server");
            }
        }
    }

    /**
     * A server handshake under way, started by {@link #startServerHandshake}: the server's flight is queued, the
     * application may send 0.5-RTT data if {@link #halfRtt()}, {@link #finish()} completes it.
     */
    public static final class ServerHandshake {
        private final boolean halfRtt;
        private final QuicSocket socket;
        private final HandshakeDriver driver;
        private final long deadline;
        private final Duration timeout;

        private ServerHandshake(QuicSocket socket, HandshakeDriver driver, long deadline, Duration timeout,
                                boolean halfRtt) {
            this.socket = socket;
            this.driver = driver;
            this.deadline = deadline;
            this.timeout = timeout;
            this.halfRtt = halfRtt;
        }

        /**
         * {@return whether this handshake was started for 0.5-RTT data} It returned before the client's Finished:
         * data sent before that arrives leaves as 0.5-RTT data ({@link QuicSocket#canSendHalfRtt()} says whether
         * that is still so; the socket completes the handshake by itself when the Finished comes).
         */
        public boolean halfRtt() {
            return halfRtt;
        }

        /** {@return whether this server accepted the client's early data; null when none was offered} */
        public Boolean earlyDataAccepted() {
            return driver.earlyDataAccepted();
        }

        /**
         * Completes the handshake, as {@link QuicHandshake#serverHandshake} does, on the calling thread.
         *
         * @return the completed engine
         * @throws IOException if the handshake failed or timed out (see {@link QuicHandshake#serverHandshake})
         */
        public TlsEngine finish() throws IOException {
            socket.setPostHandshakeReader(null);
            return run(socket, driver, deadline, timeout, "server");
        }
    }

    /**
     * Until {@code finish()} takes the driver back, the socket's I/O thread steps a started server handshake whenever
     * handshake bytes arrive: the client's Finished completes it there, so what the client sends in 1-RTT packets
     * becomes readable before {@code finish()} is called. A 0.5-RTT server reading a request that did not fit the
     * client's 0-RTT packets would otherwise wait for data that only {@code finish()} could let in. Delegated tasks
     * (a client certificate's check) run there too, a bounded number.
     */
    private static void stepOnIoThread(QuicSocket socket, HandshakeDriver driver) throws IOException {
        socket.setPostHandshakeReader(() -> {
            HandshakeDriver.Step step = driver.step();
            for (int i = 0; i < MAX_TASKS_PER_STEP && step == HandshakeDriver.Step.TASK_PENDING; i++) {
                Runnable task = driver.delegatedTask();
                if (task != null) {
                    task.run();
                }
                step = driver.step();
            }
        });
    }

    private static TlsEngine run(QuicSocket socket, HandshakeDriver driver, Duration timeout, String side)
            throws IOException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        return run(socket, driver, deadline, timeout, side);
    }

    private static TlsEngine run(QuicSocket socket, HandshakeDriver driver, long deadline, Duration timeout,
                                 String side) throws IOException {
        while (true) {
            HandshakeDriver.Step step = driver.step();
            switch (step) {
                case TASK_PENDING -> {
                    Runnable task = driver.delegatedTask();
                    if (task != null) {
                        task.run();
                    }
                }
                case NEEDS_INPUT -> awaitInput(socket, driver, deadline, timeout, side);
                case COMPLETE -> {
                    // A client's state is ESTABLISHED as soon as its side completed; wait if it is not yet.
                    while (!isEstablished(socket.state())) {
                        if (socket.state().isClosingOrClosed()) {
                            if (closedCleanlyByPeer(socket.closeError())) {
                                // The engine completed, so the peer finished its side; its close (a client that
                                // read its 0.5-RTT answer and left with its Finished) came with it. The handshake
                                // succeeded; the application finds the connection closed on its next call.
                                return driver.engine();
                            }
                            throw failure(socket, driver, side);
                        }
                        awaitInput(socket, driver, deadline, timeout, side);
                    }
                    // What the peer sends after the handshake (a server's session tickets) goes on to the engine,
                    // stepped on the socket's I/O thread from now on.
                    socket.setPostHandshakeReader(driver::step);
                    return driver.engine();
                }
                case FAILED -> throw failure(socket, driver, side);
            }
        }
    }

    /** {@return whether the peer closed without an error: an application close, or a transport NO_ERROR} */
    private static boolean closedCleanlyByPeer(ConnectionError error) {
        return error != null && error.byPeer()
                && (error.kind() == ConnectionError.Kind.APPLICATION || error.code() == 0);
    }

    /**
     * A client handshake's configuration with the socket's options applied, and the store that ties the socket's
     * SESSION_TICKET slot to it (null when no ticket is kept or resumed).
     */
    private record ClientSetup(TlsClientConfig config, SocketSessionStore sessions, Duration ticketWait) {

        /** Waits for the server's first session ticket, as the socket's CONFIG receiveSessionTicket asks. */
        void awaitTicket() throws IOException {
            if (sessions == null || ticketWait.isZero()) {
                return;
            }
            try {
                sessions.awaitTicket(ticketWait.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for a session ticket");
            }
        }
    }

    /**
     * {@return the client's configuration with the socket's options applied (see the class comment)}
     *
     * @throws IllegalArgumentException if the session set with SESSION_TICKET is not one qsock-tls made
     * @throws IllegalStateException if a session is to be resumed or awaited and the configuration names no server
     */
    private static ClientSetup clientSetup(QuicSocket socket, TlsClientConfig config) {
        config = withSocketAlpn(socket, config);
        QuicConfig options = socket.getOption(QuicSocketOptions.CONFIG);
        CipherSuite preferred = options.payloadCipher().cipherSuite();
        if (preferred != null) {
            // The server chooses among what the client offers, by its own order (RFC 8446 §4.1.1): a preference the
            // client states decides only when it is all it offers.
            config = config.withCipherSuites(List.of(preferred));
        }
        byte[] session = socket.takeSessionTicket();
        Duration wait = options.receiveSessionTicket();
        ClientTickets tickets = config.tickets();
        if (session == null && wait.isZero() && (tickets == null || config.serverName() == null)) {
            return new ClientSetup(config, null, wait);
        }
        if (config.serverName() == null) {
            throw new IllegalStateException("session tickets are kept and offered by server name, and the TLS "
                    + "configuration names none (TlsClientConfig.serverName): SESSION_TICKET and "
                    + "receiveSessionTicket need one");
        }
        ClientTicket resume = null;
        if (session != null) {
            try {
                resume = ClientTicket.decode(session);
            } catch (SessionFormatException e) {
                throw new IllegalArgumentException("the SESSION_TICKET set is no session qsock-tls made: "
                        + e.getMessage(), e);
            }
        }
        SocketSessionStore store = new SocketSessionStore(socket, tickets == null ? null : tickets.store(), resume);
        ClientTickets withSocket = tickets == null ? new ClientTickets(store, false, System::currentTimeMillis)
                : tickets.withStore(store);
        return new ClientSetup(config.withTickets(withSocket), store, wait);
    }

    /** {@return the server's configuration with the socket's options applied (see the class comment)} */
    private static TlsServerConfig serverSetup(QuicSocket socket, TlsServerConfig config) {
        config = withSocketAlpn(socket, config);
        QuicConfig options = socket.getOption(QuicSocketOptions.CONFIG);
        CipherSuite preferred = options.payloadCipher().cipherSuite();
        if (preferred != null) {
            List<CipherSuite> suites = new ArrayList<>(List.of(preferred));
            for (CipherSuite suite : config.cipherSuites()) {
                if (suite != preferred) {
                    suites.add(suite);
                }
            }
            config = config.withCipherSuites(suites);
        }
        if (config.clientAuthentication() == ClientAuth.NONE
                && options.certificateRequest() != CertificateRequest.NONE) {
            ClientAuth policy = options.certificateRequest() == CertificateRequest.REQUIRE ? ClientAuth.REQUIRE
                    : ClientAuth.REQUEST;
            CertificateValidator validator = config.clientCertificateValidator() != null
                    ? config.clientCertificateValidator() : CertificateValidator.system();
            config = config.withClientAuthentication(policy, validator);
        }
        return config;
    }

    /** {@return {@code config}, with the socket's ALPN option as its protocols when it names none} */
    private static TlsClientConfig withSocketAlpn(QuicSocket socket, TlsClientConfig config) {
        Objects.requireNonNull(config, "config");
        List<String> alpn = socketAlpn(socket, config.applicationProtocols());
        return alpn == null ? config : config.withApplicationProtocols(alpn);
    }

    /** {@return {@code config}, with the socket's ALPN option as its protocols when it names none} */
    private static TlsServerConfig withSocketAlpn(QuicSocket socket, TlsServerConfig config) {
        Objects.requireNonNull(config, "config");
        List<String> alpn = socketAlpn(socket, config.applicationProtocols());
        return alpn == null ? config : config.withApplicationProtocols(alpn);
    }

    /** {@return the socket's ALPN option when {@code configured} is empty and the option is not; else null} */
    private static List<String> socketAlpn(QuicSocket socket, List<String> configured) {
        Objects.requireNonNull(socket, "socket");
        if (!configured.isEmpty()) {
            return null;
        }
        List<String> alpn = socket.getOption(QuicSocketOptions.ALPN);
        return alpn.isEmpty() ? null : alpn;
    }

    private static boolean isEstablished(ConnectionState state) {
        return state != null && state.isEstablished();
    }

    private static void awaitInput(QuicSocket socket, HandshakeDriver driver, long deadline, Duration timeout,
                                   String side) throws IOException {
        long remaining = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
        if (remaining <= 0 || !socket.awaitHandshakeInput(remaining)) {
            // What was awaited and what the connection saw, so that a timeout on a lossy path can be told apart
            // from one that stalled.
            String where = driver.engine() + ", " + socket.statistics();
            socket.close(0, "handshake timeout");
            throw new SocketTimeoutException("QUIC " + side + " handshake timed out after " + timeout + " (" + where
                    + ")");
        }
    }

    /**
     * {@return the failure, naming the alert: ours if we raised it, else the peer's from its CONNECTION_CLOSE}
     * What the peer chose (its reason phrase, its ALPN names in our alert's message) appears escaped.
     */
    private static IOException failure(QuicSocket socket, HandshakeDriver driver, String side) {
        TlsAlertException ours = driver.failure();
        if (ours != null) {
            return new IOException("QUIC " + side + " handshake failed: sent TLS alert " + ours.alert() + ": "
                    + ours.getMessage(), ours);
        }
        ConnectionError error = socket.closeError();
        if (error == null) {
            return new IOException("QUIC " + side + " handshake failed: connection " + socket.state());
        }
        if (error.kind() == ConnectionError.Kind.TRANSPORT) {
            TransportErrorCode code = TransportErrorCode.of(error.code());
            if (code.isCryptoError()) {
                TlsAlert alert = TlsAlert.fromCode(code.tlsAlert());
                String name = alert != null ? alert.toString() : "alert " + code.tlsAlert();
                return new IOException("QUIC " + side + " handshake failed: " + (error.byPeer() ? "peer sent" : "sent")
                        + " TLS alert " + name + (error.reason().isEmpty() ? "" : ": " + PeerText.escape(error.reason())));
            }
        }
        return new IOException("QUIC " + side + " handshake failed: " + error);
    }
}
