package qsock.tools.server;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.core.handshake.CipherSuite;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.ShutdownHow;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsServerConfig;
import qsock.tools.TransportDefaults;
import java.security.cert.X509Certificate;
import javax.security.auth.x500.X500Principal;
import qsock.core.error.PeerText;
import qsock.tls.PskMode;
import qsock.tls.TlsEngine;

/**
 * A QUIC server: one listening socket, an accept loop on its own thread, and for each connection a virtual
 * thread that runs the server handshake and then the handler of the negotiated ALPN protocol. One
 * {@link ConnectionLogLine} per connection goes to the log consumer when the connection ends.
 */
public final class QsockServer implements Closeable {

    /** How long a client has to complete the handshake, unless the server is started with another timeout. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private static final int BACKLOG = 128;

    private final QuicSocket listener;
    private final TlsServerConfig tls;
    private final Map<String, ApplicationHandler> handlers;
    private final Consumer<ConnectionLogLine> log;
    private final Thread acceptor;
    private final List<QuicSocket> connections = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private final Duration handshakeTimeout;
    private volatile boolean closing;

    private QsockServer(QuicSocket listener, TlsServerConfig tls, Map<String, ApplicationHandler> handlers,
                        Consumer<ConnectionLogLine> log, Duration handshakeTimeout) {
        this.listener = listener;
        this.handshakeTimeout = handshakeTimeout;
        this.tls = tls;
        this.handlers = handlers;
        this.log = log;
        this.acceptor = Thread.ofPlatform().daemon().name("qsock-accept-" + port()).unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code local}, listens and starts accepting.
     *
     * @param tls the TLS configuration; its ALPN list is replaced by the handlers' protocols, in their order
     * @param handlers the application protocols served, in preference order
     * @param log receives one line per connection, from the connection's thread
     */
    public static QsockServer start(SocketAddress local, TlsServerConfig tls, Map<String, ApplicationHandler> handlers,
                                    Consumer<ConnectionLogLine> log) throws IOException {
        return start(local, tls, handlers, log, TransportDefaults.connectionConfig(), HANDSHAKE_TIMEOUT);
    }

    /**
     * Binds {@code local}, listens and starts accepting, with these transport settings and handshake timeout.
     *
     * @param tls the TLS configuration; its ALPN list is replaced by the handlers' protocols, in their order
     * @param handlers the application protocols served, in preference order
     * @param log receives one line per connection, from the connection's thread
     * @param transport the settings of every connection (idle timeout, datagram sizes, ...)
     * @param handshakeTimeout how long a client has to complete the handshake
     */
    public static QsockServer start(SocketAddress local, TlsServerConfig tls, Map<String, ApplicationHandler> handlers,
                                    Consumer<ConnectionLogLine> log, ConnectionConfig transport,
                                    Duration handshakeTimeout) throws IOException {
        return start(local, tls, handlers, log, transport, handshakeTimeout, false);
    }

    /**
     * Binds {@code local}, listens and starts accepting, with these transport settings and handshake timeout, and
     * optionally a Retry for every new client.
     *
     * @param tls the TLS configuration; its ALPN list is replaced by the handlers' protocols, in their order
     * @param handlers the application protocols served, in preference order
     * @param log receives one line per connection, from the connection's thread
     * @param transport the settings of every connection (idle timeout, datagram sizes, ...)
     * @param handshakeTimeout how long a client has to complete the handshake
     * @param validatePeerAddress true to validate every client's address with a Retry before keeping any state
     *     for it (RFC 9000 §8.1.2); false leaves Retry to the listener's threshold of half-open connections
     */
    public static QsockServer start(SocketAddress local, TlsServerConfig tls, Map<String, ApplicationHandler> handlers,
                                    Consumer<ConnectionLogLine> log, ConnectionConfig transport,
                                    Duration handshakeTimeout, boolean validatePeerAddress) throws IOException {
        return start(local, tls, handlers, log, transport, handshakeTimeout, validatePeerAddress, listener -> { });
    }

    /** Sets options on the listener before it binds: those that take effect only then (fleet keys, QUIC-LB). */
    @FunctionalInterface
    public interface BeforeBind {
        /** Sets what the server needs on {@code listener}, not yet bound. */
        void apply(QuicSocket listener) throws IOException;
    }

    /** {@return a setup that makes the listener listen through routerd at {@code control} (QuicSocketOptions.ROUTER)} */
    public static BeforeBind throughRouter(java.nio.file.Path control) {
        return listener -> listener.setOption(QuicSocketOptions.ROUTER, control);
    }

    /**
     * {@link #start(SocketAddress, TlsServerConfig, Map, Consumer, ConnectionConfig, Duration, boolean)} with options
     * set on the listener by {@code beforeBind} before it binds ({@link QuicSocketOptions#FLEET_KEYS},
     * {@link QuicSocketOptions#QUIC_LB}, {@link QuicSocketOptions#ROUTER}). A listener behind routerd registers the
     * handlers' protocols as its ALPN list.
     */
    public static QsockServer start(SocketAddress local, TlsServerConfig tls, Map<String, ApplicationHandler> handlers,
                                    Consumer<ConnectionLogLine> log, ConnectionConfig transport,
                                    Duration handshakeTimeout, boolean validatePeerAddress, BeforeBind beforeBind)
            throws IOException {
        Objects.requireNonNull(beforeBind, "beforeBind");
        if (handlers.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one application protocol");
        }
        Map<String, ApplicationHandler> copy = new LinkedHashMap<>(handlers);
        TlsServerConfig withAlpn = tls.withApplicationProtocols(List.copyOf(copy.keySet()));
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        QuicSocket listener = QuicSocket.open(transport);
        try {
            beforeBind.apply(listener);
            if (listener.getOption(QuicSocketOptions.ROUTER) != null) {
                // routerd routes by the ALPN list the listener registers at bind.
                listener.setOption(QuicSocketOptions.ALPN, List.copyOf(copy.keySet()));
            }
            listener.bind(local);
            if (validatePeerAddress) {
                listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, true);
            }
            listener.listen(BACKLOG);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        QsockServer server = new QsockServer(listener, withAlpn, copy, Objects.requireNonNull(log, "log"),
                handshakeTimeout);
        server.acceptor.start();
        return server;
    }

    /**
     * Sets an option of the listening socket while the server runs: {@link QuicSocketOptions#FLEET_KEYS} again, to
     * rotate the fleet's keys.
     *
     * @throws IOException as {@link QuicSocket#setOption} does
     */
    public <T> void setListenerOption(java.net.SocketOption<T> option, T value) throws IOException {
        listener.setOption(option, value);
    }

    /** {@return the address the server listens on} */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * {@return the server's preferred address where it is bound (RFC 9000 §9.6; the IPv4 one when both families were
     * given), or null when it offers none}
     */
    public InetSocketAddress preferredAddress() {
        return listener.getOption(QuicSocketOptions.CONNECTION_MIGRATION);
    }

    /** {@return the UDP port the server listens on} */
    public int port() {
        return localAddress().getPort();
    }

    private void acceptLoop() {
        while (!closing) {
            QuicSocket connection;
            try {
                connection = listener.accept();
            } catch (ClosedChannelException e) {
                return; // close() shut the listener down
            } catch (IOException | RuntimeException e) {
                if (closing) {
                    return;
                }
                System.getLogger(QsockServer.class.getName()).log(System.Logger.Level.WARNING, "accept failed", e);
                continue;
            }
            synchronized (connections) {
                connections.add(connection);
                workers.add(Thread.ofVirtual().name("qsock-conn-" + connection.remoteAddress())
                        .start(() -> serve(connection)));
            }
        }
    }

    private void serve(QuicSocket connection) {
        long start = System.nanoTime();
        Traffic traffic = new Traffic();
        String alpn = null;
        CipherSuite suite = null;
        String clientCertificate = null;
        String pskIdentity = null;
        PskMode pskMode = null;
        boolean resumed = false;
        String outcome;
        try {
            TlsEngine engine = QuicHandshake.serverHandshake(connection, tls, handshakeTimeout);
            resumed = engine.resumed();
            List<X509Certificate> clientChain = engine.peerCertificates();
            if (engine.pskIdentity() != null) {
                // The identity came from the client: escaped like its other text. The key is never logged.
                pskIdentity = PeerText.escape(engine.pskIdentity());
                // RFC 8446 §4.2.9: psk_ke has no (EC)DHE, so no key exchange group.
                pskMode = engine.keyExchangeGroup() == null ? PskMode.PSK_KE : PskMode.PSK_DHE_KE;
            }
            if (!clientChain.isEmpty()) {
                // The subject is the client's own text: escaped before it reaches a terminal or a log.
                clientCertificate = PeerText.escape(clientChain.getFirst().getSubjectX500Principal()
                        .getName(X500Principal.RFC2253));
            }
            alpn = connection.applicationProtocol();
            suite = connection.cipherSuite();
            // The TLS configuration offers only the handlers' protocols, so the handshake picked one of them.
            handlers.get(alpn).serve(connection, traffic);
            outcome = describe(connection.closeError());
        } catch (ClosedConnectionException e) {
            outcome = describe(e.error());
        } catch (ClosedChannelException e) {
            // close() below closed the connection under its handler; a close the peer sent first still wins.
            ConnectionError error = connection.closeError();
            outcome = error != null && error.byPeer() ? describe(error)
                    : closing ? "closed: server shutting down" : "failed: " + e;
        } catch (IOException | RuntimeException e) {
            outcome = "failed: " + e;
        } finally {
            connection.close();
            synchronized (connections) {
                connections.remove(connection);
            }
        }
        log.accept(new ConnectionLogLine(connection.remoteAddress(), alpn, suite, System.nanoTime() - start,
                traffic.received(), traffic.sent(), outcome, clientCertificate, pskIdentity, pskMode,
                connection.version(), resumed, connection.earlyDataAccepted()));
        synchronized (connections) {
            workers.remove(Thread.currentThread());
        }
    }

    private static String describe(ConnectionError error) {
        return error == null ? "closed" : "closed: " + error;
    }

    /**
     * Stops accepting, closes every connection still open and waits (a few seconds at most) for their
     * threads to log their lines.
     */
    @Override
    public void close() {
        closing = true;
        try {
            listener.shutdown(ShutdownHow.BOTH);
        } catch (IOException e) {
            // Closing below ends the accept loop as well.
        }
        listener.close();
        try {
            acceptor.join(Duration.ofSeconds(5));
            List<QuicSocket> open;
            List<Thread> running;
            synchronized (connections) {
                open = new ArrayList<>(connections);
                running = new ArrayList<>(workers);
            }
            for (QuicSocket connection : open) {
                connection.close();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (Thread worker : running) {
                worker.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
