package qsock.interop.peer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsServerConfig;

/**
 * A small hq-interop and echo server over qsock's {@link QuicSocket} (the qsock command's server is the real one):
 * a listener on loopback, one virtual thread per connection that receives, and one per hq-interop answer that
 * sends. What went wrong on the server side is kept in {@link #failures()}, as the client only sees its effect.
 */
public final class QsockServer implements InteropServer {
    private static final int CHUNK = 64 * 1024;

    private final Path root;
    private final Pki pki;
    private final QuicSocket listener;
    private final Set<QuicSocket> connections = ConcurrentHashMap.newKeySet();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<qsock.tls.jca.NamedGroup> groups = new CopyOnWriteArrayList<>();
    /** The QUIC version of each connection, once its handshake completed. */
    private final List<qsock.api.QuicVersion> versions = new CopyOnWriteArrayList<>();
    private final List<qsock.core.handshake.CipherSuite> negotiated = new CopyOnWriteArrayList<>();
    /** Each connection whose handshake completed, in order: what TLS resumed and whether 0-RTT was taken. */
    private final List<Handshake> handshakes = new CopyOnWriteArrayList<>();
    /** The cipher suites accepted, or null for the TLS configuration's defaults. */
    private final List<qsock.core.handshake.CipherSuite> suites;
    /** Session tickets the server issues and accepts, or null for none. */
    private final qsock.tls.ServerTickets tickets;
    private final Thread acceptor;
    private volatile boolean closed;
    /** Whether connections answer an accepted early echo request as 0.5-RTT data, before the handshake completes. */
    private final boolean halfRtt;
    /** The state of each connection when it echoed an early request as 0.5-RTT data, in order. */
    private final List<qsock.api.ConnectionState> halfRttAnswers = new CopyOnWriteArrayList<>();

    /**
     * A connection's completed handshake, as the server saw it.
     *
     * @param socket the connection, closed once its client went away
     * @param resumed whether TLS resumed a session from a ticket (RFC 8446 §2.2)
     * @param earlyDataAccepted whether the server took the client's 0-RTT; null when none was offered
     */
    public record Handshake(QuicSocket socket, boolean resumed, Boolean earlyDataAccepted) {}

    private QsockServer(Path root, Pki pki) throws IOException {
        this(root, pki, Qsock.config(), false, null);
    }

    private QsockServer(Path root, Pki pki, qsock.api.ConnectionConfig config, boolean requireRetry,
                        List<qsock.core.handshake.CipherSuite> suites) throws IOException {
        this(root, pki, config, requireRetry, suites, null);
    }

    private QsockServer(Path root, Pki pki, qsock.api.ConnectionConfig config, boolean requireRetry,
                        List<qsock.core.handshake.CipherSuite> suites, qsock.tls.ServerTickets tickets)
            throws IOException {
        this.root = root;
        this.pki = pki;
        this.suites = suites;
        this.tickets = tickets;
        this.halfRtt = config.halfRttData();
        // Datagrams accepted, so that the echo protocol can send them back too.
        this.listener = QuicSocket.open(config.toBuilder().maxDatagramFrameSize(Qsock.UDP_PAYLOAD).build());
        try {
            listener.setOption(QuicSocketOptions.RECEIVE_BUFFER_SIZE, Qsock.SOCKET_BUFFER);
            listener.setOption(QuicSocketOptions.SEND_BUFFER_SIZE, Qsock.SOCKET_BUFFER);
            // RFC 9000 §8.1.2: every client without a valid token is validated with a Retry first.
            listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, requireRetry);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.listen(16);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        this.acceptor = Thread.ofVirtual().name("qsock-server-accept").start(this::acceptLoop);
    }

    /** Starts a server that serves files under {@code root} (and generated bodies). */
    public static QsockServer start(Path root) throws IOException {
        return new QsockServer(root, Pki.standard());
    }

    /** Starts a server like {@link #start(Path)} that accepts only {@code suites}: the interop runner's chacha20. */
    public static QsockServer startAccepting(Path root, qsock.core.handshake.CipherSuite... suites)
            throws IOException {
        return new QsockServer(root, Pki.standard(), Qsock.config(), false, List.of(suites));
    }

    /**
     * Starts a server like {@link #start(Path)} that answers every Initial without a valid token with a Retry (RFC
     * 9000 §8.1.2): a client gets in only by following it.
     */
    public static QsockServer startRequiringRetry(Path root) throws IOException {
        return new QsockServer(root, Pki.standard(), Qsock.config(), true, null);
    }

    /** Starts a server like {@link #start(Path)} that presents {@code pki}'s chain instead. */
    public static QsockServer start(Path root, Pki pki) throws IOException {
        return new QsockServer(root, pki);
    }

    /** Starts a server like {@link #start(Path)} that speaks {@code versions}, the first preferred (RFC 9368). */
    public static QsockServer start(Path root, qsock.api.QuicVersion... versions) throws IOException {
        return new QsockServer(root, Pki.standard(),
                Qsock.config().toBuilder().version(versions[0]).versions(versions).build(), false, null);
    }

    /**
     * Starts a server like {@link #start(Path)} that issues session tickets and resumes with them as {@code tickets}
     * says (RFC 8446 §4.6.1), 0-RTT included when they allow it (RFC 9001 §4.6).
     */
    public static QsockServer startWithTickets(Path root, qsock.tls.ServerTickets tickets) throws IOException {
        return new QsockServer(root, Pki.standard(), Qsock.config(), false, null, tickets);
    }

    /**
     * Starts a server like {@link #startWithTickets} configured for 0.5-RTT data (RFC 9001 §4.1.1, §5.7): a
     * connection that accepted early data reads the early echo request on the first stream to its end and echoes it
     * before its handshake completes ({@link QuicHandshake#startServerHandshake}), then finishes the handshake.
     */
    public static QsockServer startWithHalfRtt(Path root, qsock.tls.ServerTickets tickets) throws IOException {
        return new QsockServer(root, Pki.standard(), Qsock.config().toBuilder().halfRttData(true).build(), false,
                null, tickets);
    }

    /** {@return for each connection that echoed an early request before finish(), its state when it could start} */
    public List<qsock.api.ConnectionState> halfRttAnswers() {
        return List.copyOf(halfRttAnswers);
    }

    /**
     * Starts a server like {@link #start(Path)} whose connections start a key update after every {@code interval}
     * packets sealed with one key (RFC 9001 §6).
     */
    public static QsockServer startUpdatingKeysEvery(Path root, long interval) throws IOException {
        return new QsockServer(root, Pki.standard(), Qsock.config().toBuilder().keyUpdateInterval(interval).build(),
                false, null);
    }

    /** {@return each connection whose handshake completed so far, in order of completion} */
    public List<Handshake> handshakes() {
        return List.copyOf(handshakes);
    }

    /**
     * Waits until {@code count} handshakes completed or a connection failed, for at most {@code timeout}: a server
     * that answers with 0.5-RTT data may still be completing its handshake when the client has its answer.
     * {@return the handshakes completed by then}
     */
    public List<Handshake> awaitHandshakes(int count, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (handshakes.size() < count && failures.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        return handshakes();
    }

    /** {@return the QUIC version of each connection whose handshake completed, in order} */
    public List<qsock.api.QuicVersion> versions() {
        return versions;
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The key exchange group of each completed handshake so far, in order of completion. */
    public List<qsock.tls.jca.NamedGroup> keyExchangeGroups() {
        return List.copyOf(groups);
    }

    /** {@return the cipher suite of each connection whose handshake completed, in order} */
    public List<qsock.core.handshake.CipherSuite> cipherSuites() {
        return List.copyOf(negotiated);
    }

    /** What failed on the server side so far (handshakes, streams), one line each. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    private void acceptLoop() {
        while (!closed) {
            QuicSocket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    failures.add("accept: " + e);
                }
                return;
            }
            connections.add(s);
            Thread.ofVirtual().name("qsock-server-connection").start(() -> serve(s));
        }
    }

    /** Sends every datagram (RFC 9221) of an echo connection back, until the connection ends. */
    private void echoDatagrams(QuicSocket s) {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        try {
            while (true) {
                s.receiveDatagram(buf.clear());
                s.sendDatagram(buf.flip(), 0);
            }
        } catch (ClosedConnectionException | java.nio.channels.ClosedChannelException e) {
            // The connection or the socket ended: so does the echo.
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                failures.add("datagrams of " + s.remoteAddress() + ": " + e);
            }
        }
    }

    private void serve(QuicSocket s) {
        try {
            TlsServerConfig tls = Qsock.serverTls(pki, tickets, HqInterop.ALPN, HqInterop.ECHO_ALPN);
            qsock.tls.TlsEngine engine = halfRtt ? halfRttHandshake(s, suites == null ? tls : tls.withCipherSuites(suites))
                    : QuicHandshake.serverHandshake(s, suites == null ? tls : tls.withCipherSuites(suites),
                    Qsock.HANDSHAKE_TIMEOUT);
            groups.add(engine.keyExchangeGroup());
            versions.add(s.version());
            negotiated.add(s.cipherSuite());
            handshakes.add(new Handshake(s, engine.resumed(), s.earlyDataAccepted()));
            boolean echo = HqInterop.ECHO_ALPN.equals(s.applicationProtocol());
            if (echo) {
                Thread.ofVirtual().name("qsock-server-datagrams").start(() -> echoDatagrams(s));
            }
            Map<Long, RequestLine> requests = new HashMap<>();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (true) {
                buf.clear();
                StreamMessage m = s.receive(buf);
                buf.flip();
                if (echo) {
                    s.send(buf, m.streamId(), m.fin() ? StreamFlags.FIN : 0);
                    continue;
                }
                RequestLine r = requests.computeIfAbsent(m.streamId(), id -> new RequestLine());
                String path = r.add(buf);
                if (m.fin()) {
                    requests.remove(m.streamId());
                }
                if (path != null) {
                    long id = m.streamId();
                    Thread.ofVirtual().name("qsock-server-answer-" + id).start(() -> answer(s, id, path));
                }
            }
        } catch (ClosedConnectionException e) {
            // The connection ended; a peer's close with an error is logged by the tests that expect none.
            if (e.error() != null && e.error().code() != 0) {
                failures.add("connection " + s.remoteAddress() + " closed: " + e.error());
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                failures.add("connection " + s.remoteAddress() + ": " + e);
            }
        } finally {
            connections.remove(s);
            s.close();
        }
    }

    /**
     * The handshake of a server configured for 0.5-RTT data: once its flight is queued, an accepted early request is
     * read to its end on the first stream and echoed at once, then the handshake completes (RFC 9001 §5.7).
     */
    private qsock.tls.TlsEngine halfRttHandshake(QuicSocket s, TlsServerConfig tls) throws IOException {
        QuicHandshake.ServerHandshake handshake = QuicHandshake.startServerHandshake(s, tls, Qsock.HANDSHAKE_TIMEOUT);
        // The state when the server may start answering; the socket completes the handshake by itself when the
        // client's Finished arrives, a round trip later, so a state read after the first answer would race with it.
        qsock.api.ConnectionState startedIn = s.state();
        if (handshake.halfRtt() && Boolean.TRUE.equals(handshake.earlyDataAccepted())) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            StreamMessage m;
            do {
                buf.clear();
                m = s.receive(buf);
                buf.flip();
                s.send(buf, m.streamId(), m.fin() ? StreamFlags.FIN : 0);
            } while (!m.fin());
            halfRttAnswers.add(startedIn);
        }
        return handshake.finish();
    }

    private void answer(QuicSocket s, long stream, String path) {
        try {
            long generated = HqInterop.generatedLength(path);
            if (generated < 0) {
                Path f = HqInterop.file(root, path);
                if (f == null) {
                    s.resetStream(stream, 0x10);
                    return;
                }
                s.send(ByteBuffer.wrap(Files.readAllBytes(f)), stream, StreamFlags.FIN);
                return;
            }
            if (generated == 0) {
                s.send(ByteBuffer.allocate(0), stream, StreamFlags.FIN);
                return;
            }
            byte[] chunk = new byte[CHUNK];
            for (long off = 0; off < generated; ) {
                int n = (int) Math.min(CHUNK, generated - off);
                HqInterop.fill(off, chunk, 0, n);
                off += n;
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                s.send(b, stream, off == generated ? StreamFlags.FIN : 0);
                if (b.hasRemaining()) {
                    throw new IOException("blocking send left " + b.remaining() + " bytes");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                failures.add("answer on stream " + stream + " of " + s.remoteAddress() + ": " + e);
            }
        }
    }

    /** The request bytes of one stream until its line ends. */
    private static final class RequestLine {
        private final byte[] bytes = new byte[HqInterop.MAX_REQUEST];
        private int length;
        private boolean done;

        String add(ByteBuffer data) throws IOException {
            if (done) {
                return null;
            }
            int n = Math.min(data.remaining(), bytes.length - length);
            data.get(bytes, length, n);
            length += n;
            String path = HqInterop.parseRequest(bytes, length);
            if (path == null && length == bytes.length) {
                throw new IOException("request line longer than " + bytes.length);
            }
            done = path != null;
            return path;
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.close();
        for (QuicSocket s : connections) {
            s.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
