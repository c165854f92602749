package qsock.tools.client;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import qsock.api.ConnectionConfig;
import qsock.api.TokenStore;
import qsock.core.error.ConnectionError;
import qsock.core.error.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tools.TransportDefaults;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.HqRequest;
import qsock.tools.term.ProgressBar;
import qsock.tools.term.Units;

/**
 * An hq-interop client on one connection. {@link #fetchAll} sends {@code GET /path} on a new bidirectional
 * stream with FIN for each URL, keeping up to a given number of requests in flight at once, never more than the
 * server's stream limit allows, and saves each response until the server's FIN; all on the calling thread, which
 * reads the responses in turn as their bytes arrive.
 *
 * <p>A body goes to a temporary file beside its final name and takes that name only once complete: a download
 * that fails leaves nothing behind. When the connection fails, the exception says why in a user's terms
 * ({@link ConnectionFailure}).
 */
public final class HqClient implements Closeable {

    /** Requests in flight at once when the caller sets no other bound; 100 is the stream limit most servers give. */
    public static final int DEFAULT_MAX_CONCURRENT = 100;
    private static final int BUFFER_SIZE = 256 * 1024;

    private final QuicSocket socket;
    private final ConnectionConfig config;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final InetSocketAddress address;
    private final TlsClientConfig tls;
    /** The handshake still to complete after the requests sent as 0-RTT; null once complete. */
    private QuicHandshake.ClientHandshake pending;
    /** Requests whose bytes did not all fit before the handshake completed: sent in full after it. */
    private final List<Map.Entry<Long, ByteBuffer>> unsent = new ArrayList<>();
    private TlsEngine engine;
    private boolean earlyDataSent;

    /** Where migration notes go ({@link #migrateAfter}, {@link #reportPathChanges}), or null. */
    private Consumer<String> pathNotes;
    /** Response bytes this connection received so far, counted for {@link #migrateAfter}. */
    private long bytesReceived;
    /** The bytes after which the client moves to {@link #migrateTo}, or -1 for no move. */
    private long migrateAfter = -1;
    private InetSocketAddress migrateTo;
    private Move move = Move.NONE;
    /** Whether the move was refused once already, while another was under way. */
    private boolean moveRetried;
    /** The addresses of the connection's path as last reported: a move changes one of them. */
    private InetSocketAddress knownLocal;
    private InetSocketAddress knownRemote;

    /** Where the move {@link #migrateAfter} asked for stands. */
    private enum Move {
        /** None asked for, or done with: moved, given up, refused for good or not possible. */
        NONE,
        /** Waits for its bytes. */
        DUE,
        /** Refused while another move was under way: tried again once that one ends. */
        AFTER_CURRENT,
        /** Started: waits for the connection to say it moved or gave up. */
        STARTED
    }

    private HqClient(QuicSocket socket, ConnectionConfig config, InetSocketAddress address, TlsClientConfig tls) {
        this.socket = socket;
        this.config = config;
        this.address = address;
        this.tls = tls;
    }

    /**
     * Connects to {@code host:port} and runs the handshake offering hq-interop.
     *
     * @param tls the client configuration; its ALPN list is replaced by hq-interop and the server name set to
     *     {@code host} when it has none
     * @throws IOException if the handshake failed, saying why: the TLS alert, or the way the connection ended
     *     (no common QUIC version, a stateless reset, ...)
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, Duration timeout) throws IOException {
        return connect(host, port, tls, TransportDefaults.connectionConfig(), timeout);
    }

    /**
     * Connects to {@code host:port} with these transport settings and runs the handshake offering hq-interop.
     *
     * @param tls the client configuration; its ALPN list is replaced by hq-interop and the server name set to
     *     {@code host} when it has none
     * @param transport the connection's settings (idle timeout, datagram sizes, key update interval, ...)
     * @throws IOException as {@link #connect(String, int, TlsClientConfig, Duration)} does
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, ConnectionConfig transport,
                                   Duration timeout) throws IOException {
        return connect(host, port, tls, transport, timeout, false);
    }

    /**
     * Connects to {@code host:port} with these transport settings, offering hq-interop, and prepares to send the
     * first requests as 0-RTT (RFC 9001 §4.6) when {@code earlyData} is true and {@code tls}'s tickets resume a
     * session that allows it: then this returns once the ClientHello left, and the first {@link #fetchAll} sends its
     * requests before completing the handshake (hq-interop GETs are safe to replay, RFC 8446 §8). Otherwise it
     * returns once the handshake is complete.
     *
     * @param tls the client configuration; its ALPN list is replaced by hq-interop and the server name set to
     *     {@code host} when it has none
     * @param transport the connection's settings (idle timeout, datagram sizes, key update interval, ...)
     * @param earlyData true to send the first requests as 0-RTT when a ticket allows it
     * @throws IOException as {@link #connect(String, int, TlsClientConfig, Duration)} does
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, ConnectionConfig transport,
                                   Duration timeout, boolean earlyData) throws IOException {
        return connect(host, port, tls, transport, timeout, earlyData, null);
    }

    /**
     * Connects as {@link #connect(String, int, TlsClientConfig, ConnectionConfig, Duration, boolean)} does, keeping
     * the server's NEW_TOKEN tokens in {@code tokens} and taking one from it for the first Initial (RFC 9000 §8.1.3:
     * the connection then skips a Retry).
     *
     * @param tokens the token store, or null for none
     * @throws IOException as {@link #connect(String, int, TlsClientConfig, Duration)} does
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, ConnectionConfig transport,
                                   Duration timeout, boolean earlyData, TokenStore tokens) throws IOException {
        return connect(host, port, tls, transport, timeout, earlyData, tokens, null);
    }

    /**
     * Connects as {@link #connect(String, int, TlsClientConfig, ConnectionConfig, Duration, boolean, TokenStore)}
     * does, the connection writing its qlog trace to {@code qlogDirectory} ({@link QuicSocketOptions#QLOG_DIR}).
     *
     * @param qlogDirectory where the qlog trace goes, or null for none
     * @throws IOException as {@link #connect(String, int, TlsClientConfig, Duration)} does
     */
    public static HqClient connect(String host, int port, TlsClientConfig tls, ConnectionConfig transport,
                                   Duration timeout, boolean earlyData, TokenStore tokens,
                                   java.nio.file.Path qlogDirectory) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
        TlsClientConfig config = tls.withApplicationProtocols(List.of(HqInterop.ALPN))
                .withServerName(tls.serverName() != null ? tls.serverName() : host);
        QuicSocket socket = QuicSocket.open(transport);
        HqClient client = new HqClient(socket, transport, address, config);
        try {
            if (tokens != null) {
                socket.setOption(QuicSocketOptions.TOKEN_STORE, tokens);
            }
            if (qlogDirectory != null) {
                socket.setOption(QuicSocketOptions.QLOG_DIR, qlogDirectory);
            }
            // The moves reportPathChanges tells of (the socket draft's events are off until asked for).
            socket.setOption(QuicSocketOptions.EVENT, java.util.Set.of(QuicEvent.Type.CONNECTION_MIGRATION));
            socket.connect(address);
            if (earlyData) {
                QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket, config, timeout);
                if (handshake.earlyData()) {
                    client.pending = handshake;
                    return client;
                }
                client.engine = handshake.finish();
            } else {
                client.engine = QuicHandshake.clientHandshake(socket, config, timeout);
            }
        } catch (IOException e) {
            throw client.handshakeFailure(e);
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
        return client;
    }

    /** Closes the socket after a failed handshake. {@return the failure, said in a user's terms where possible} */
    private IOException handshakeFailure(IOException e) {
        ConnectionError error = socket.closeError();
        socket.close();
        String refusal = ConnectionFailure.describeRefusal(error, tls.externalPsk() != null);
        if (refusal != null) {
            IOException clear = new IOException("cannot connect to " + Units.address(address) + ": " + refusal);
            clear.addSuppressed(e);
            return clear;
        }
        if (ConnectionFailure.explainsHandshakeFailure(error, e)) {
            // The connection's end says more than the handshake saw (which may only be its time running out).
            IOException clear = new IOException("cannot connect to " + Units.address(address) + ": "
                    + ConnectionFailure.describe(error, config.version()));
            clear.addSuppressed(e);
            return clear;
        }
        return e;
    }

    /**
     * Completes a handshake left open for 0-RTT requests, then sends what of them did not fit before.
     *
     * @throws IOException if the handshake failed
     */
    private void finishHandshake() throws IOException {
        QuicHandshake.ClientHandshake handshake = pending;
        pending = null;
        try {
            engine = handshake.finish();
        } catch (IOException e) {
            throw handshakeFailure(e);
        }
        for (Map.Entry<Long, ByteBuffer> request : unsent) {
            socket.send(request.getValue(), request.getKey(), StreamFlags.FIN);
        }
        unsent.clear();
    }

    /** {@return true once the handshake completed; false while requests sent as 0-RTT wait for it} */
    public boolean handshakeComplete() {
        return engine != null;
    }

    /** {@return true if the handshake resumed a session with a ticket (RFC 8446 §2.2); false until complete} */
    public boolean resumed() {
        return engine != null && engine.resumed();
    }

    /** {@return true if requests went out as 0-RTT, before the handshake completed} */
    public boolean earlyDataSent() {
        return earlyDataSent;
    }

    /**
     * {@return whether the server accepted the requests sent as 0-RTT: null when none were sent or before the
     * handshake completed} Rejected ones were sent again after the handshake, so nothing was lost either way.
     */
    public Boolean earlyDataAccepted() {
        return earlyDataSent && engine != null ? socket.earlyDataAccepted() : null;
    }

    /**
     * Moves the connection to a new local address (RFC 9000 §9.2; the socket's CONNECTION_MIGRATION option) once
     * {@code bytes} of responses arrived, and reports the moves the connection makes (this one, or to the server's
     * preferred address, §9.6) to {@code notes} as they complete, on the calling thread of {@link #fetchAll}.
     *
     * @param bytes the response bytes after which the client moves; -1 for no move (only the reports)
     * @param to the new local address, port 0 for any free one; null for the current local IP address on a new port
     * @param notes told of each move, in a user's words
     */
    public void migrateAfter(long bytes, InetSocketAddress to, Consumer<String> notes) {
        if (bytes < -1) {
            throw new IllegalArgumentException("bytes must be -1 or at least 0: " + bytes);
        }
        this.pathNotes = java.util.Objects.requireNonNull(notes, "notes");
        this.migrateAfter = bytes;
        this.migrateTo = to;
        this.move = bytes >= 0 ? Move.DUE : Move.NONE;
        this.knownLocal = (InetSocketAddress) socket.localAddress();
        // The address connected to, not where the connection is now: a move to the server's preferred address can
        // complete before this call (right after the handshake is confirmed), and is reported all the same.
        this.knownRemote = address;
    }

    /**
     * Reports the moves the connection completed or gave up since the last report, to the notes of {@link
     * #migrateAfter} (nothing without them); {@link #fetchAll} does so as responses arrive, a caller once more at its
     * end.
     */
    public void reportPathChanges() {
        if (pathNotes == null) {
            return;
        }
        for (QuicEvent e = socket.pollEvent(); e != null; e = socket.pollEvent()) {
            switch (e) {
                case QuicEvent.ConnectionMigration m when m.local() -> moved();
                case QuicEvent.ConnectionMigrationFailed f -> {
                    pathNotes.accept("migration: given up, the new path did not answer (RFC 9000 §8.2.4); the "
                            + "connection stays at local address " + Units.address(socket.localAddress()));
                    afterMove();
                }
                default -> { }
            }
        }
    }

    /** A move of ours completed: the local address (our move) or the server's (its preferred address) changed. */
    private void moved() {
        InetSocketAddress local = (InetSocketAddress) socket.localAddress();
        InetSocketAddress remote = (InetSocketAddress) socket.remoteAddress();
        if (!remote.equals(knownRemote)) {
            pathNotes.accept("preferred address: moved to the server's preferred address " + Units.address(remote)
                    + " (RFC 9000 §9.6)");
        }
        if (!local.equals(knownLocal)) {
            pathNotes.accept("migration: moved to local address " + Units.address(local) + " (from "
                    + Units.address(knownLocal) + ")");
        }
        knownLocal = local;
        knownRemote = remote;
        afterMove();
    }

    /** A move ended, ours or another: the one {@link #migrateAfter} asked for is done, or may start now. */
    private void afterMove() {
        if (move == Move.STARTED) {
            move = Move.NONE;
        } else if (move == Move.AFTER_CURRENT) {
            move = Move.DUE;
            moveRetried = true;
            startMove();
        }
    }

    /** Starts the move {@link #migrateAfter} asked for, now that its bytes arrived. */
    private void startMove() {
        InetSocketAddress from = (InetSocketAddress) socket.localAddress();
        InetSocketAddress to = migrateTo != null ? migrateTo : new InetSocketAddress(from.getAddress(), 0);
        try {
            socket.setOption(QuicSocketOptions.CONNECTION_MIGRATION, to);
            move = Move.STARTED;
            pathNotes.accept("migration: after " + Units.bytes(bytesReceived) + ", moving from local address "
                    + Units.address(from) + " to " + Units.address(to));
        } catch (IllegalStateException e) {
            if (socket.state() != qsock.api.ConnectionState.CONFIRMED && !socket.state().isClosingOrClosed()) {
                // RFC 9000 §9: not before the handshake is confirmed; the next bytes that arrive try again.
                return;
            }
            // The server's disable_active_migration stands (RFC 9000 §9). A move to its preferred address may be
            // under way (§9.6), or it may not have issued a spare connection ID yet (§9.5): once a move ends, the
            // client tries again, once.
            var peer = socket.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS);
            boolean disabled = peer != null && peer.disableActiveMigration();
            move = moveRetried || disabled ? Move.NONE : Move.AFTER_CURRENT;
            pathNotes.accept("migration: refused: " + e.getMessage()
                    + (move == Move.AFTER_CURRENT ? " (tries again once the move under way ends)" : ""));
        } catch (IOException e) {
            move = Move.NONE;
            pathNotes.accept("migration: cannot bind " + Units.address(to) + ": " + e.getMessage());
        }
    }

    /** {@return the connection's socket} */
    public QuicSocket socket() {
        return socket;
    }

    /**
     * Fetches {@code url}'s path and saves the body in {@code directory} under the URL's file name.
     *
     * @param progress where to draw a progress bar, or null for none
     * @throws IOException if the connection failed or the file could not be written; nothing is left behind
     */
    public FetchResult fetch(HqUrl url, Path directory, PrintWriter progress) throws IOException {
        long start = System.nanoTime();
        ProgressBar bar = progress == null ? null : new ProgressBar(progress, url.fileName(), -1, start);
        return run(List.of(url), directory, 1, bar, result -> { }).getFirst();
    }

    /**
     * Fetches every URL's path over this connection and saves each body in {@code directory} under the URL's
     * file name, with up to {@code maxConcurrent} requests in flight at once (and no more than the server's
     * limit on our bidirectional streams allows).
     *
     * @param onResult told of each result as it comes, on the calling thread, in the order responses end
     * @return the results, in the order of {@code urls}
     * @throws IOException if the connection failed, saying why and how many files were left; files already
     *     complete stay, nothing else is left behind
     */
    public List<FetchResult> fetchAll(List<HqUrl> urls, Path directory, int maxConcurrent,
                                      Consumer<FetchResult> onResult) throws IOException {
        return run(urls, directory, maxConcurrent, null, onResult);
    }

    private List<FetchResult> run(List<HqUrl> urls, Path directory, int maxConcurrent, ProgressBar bar,
                                  Consumer<FetchResult> onResult) throws IOException {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("at least one request must be in flight: " + maxConcurrent);
        }
        FetchResult[] results = new FetchResult[urls.size()];
        Map<Long, Download> inFlight = new HashMap<>();
        Map<Long, Integer> index = new HashMap<>();
        int next = 0;
        int done = 0;
        try {
            while (done < urls.size()) {
                next = sendRequests(urls, directory, maxConcurrent, inFlight, index, next);
                if (pending != null) {
                    // The requests that fitted left as 0-RTT; nobody reads before the handshake completes.
                    finishHandshake();
                    continue;
                }
                buffer.clear();
                StreamMessage message;
                try {
                    message = socket.receive(buffer);
                } catch (StreamResetException e) {
                    Download refused = inFlight.remove(e.streamId());
                    if (refused != null) {
                        done++;
                        finish(results, index, refused, refused.refused(e.errorCode(), System.nanoTime()), bar,
                                onResult);
                    }
                    continue;
                }
                Download download = inFlight.get(message.streamId());
                if (download == null) {
                    continue; // hq-interop servers open no streams; anything else is dropped
                }
                buffer.flip();
                bytesReceived += buffer.remaining();
                download.write(buffer);
                if (bar != null) {
                    bar.update(download.received(), System.nanoTime());
                }
                if (pathNotes != null) {
                    if (move == Move.DUE && bytesReceived >= migrateAfter) {
                        startMove();
                    }
                    reportPathChanges();
                }
                if (message.fin()) {
                    inFlight.remove(message.streamId());
                    done++;
                    finish(results, index, download, download.complete(System.nanoTime()), bar, onResult);
                }
            }
        } catch (ClosedConnectionException e) {
            IOException clear = new IOException("the connection ended with " + (urls.size() - done) + " of "
                    + urls.size() + " file(s) not fetched: " + ConnectionFailure.describe(e.error(), config.version()));
            clear.addSuppressed(e);
            throw clear;
        } finally {
            for (Download left : inFlight.values()) {
                left.abandon();
            }
        }
        return Arrays.asList(results);
    }

    /**
     * Opens streams and sends requests while URLs are left, fewer than {@code maxConcurrent} are in flight and
     * the server's stream limit allows. {@return the index of the next URL to request}
     */
    private int sendRequests(List<HqUrl> urls, Path directory, int maxConcurrent, Map<Long, Download> inFlight,
                             Map<Long, Integer> index, int next) throws IOException {
        boolean early = pending != null;
        while (next < urls.size() && inFlight.size() < maxConcurrent) {
            // At the server's limit, responses in flight end and free streams; with none in flight, only the
            // server's MAX_STREAMS can, so wait for it. Before a 0-RTT handshake completes nothing may wait: the
            // handshake is not driven until the requests are out (the remembered stream limit applies, RFC 9000
            // §7.4.1).
            long id;
            try {
                id = socket.openStream(inFlight.isEmpty() && !early ? 0 : StreamFlags.DONTWAIT);
            } catch (qsock.socket.WouldBlockException atTheLimit) {
                break;
            }
            HqUrl url = urls.get(next);
            long start = System.nanoTime();
            Download download = Download.start(url, id, directory, start);
            inFlight.put(id, download);
            index.put(id, next);
            ByteBuffer request = ByteBuffer.wrap(new HqRequest(url.path()).encode());
            if (early) {
                // Taken at once as 0-RTT (the FIN only with the last byte); what did not fit goes after the handshake.
                if (socket.trySend(request, id, StreamFlags.FIN) > 0) {
                    earlyDataSent = true;
                }
                if (request.hasRemaining()) {
                    unsent.add(Map.entry(id, request));
                }
            } else {
                socket.send(request, id, StreamFlags.FIN);
            }
            next++;
        }
        return next;
    }

    private static void finish(FetchResult[] results, Map<Long, Integer> index, Download download,
                               FetchResult result, ProgressBar bar, Consumer<FetchResult> onResult) {
        results[index.remove(download.streamId)] = result;
        if (bar != null) {
            bar.finish(download.received(), System.nanoTime());
        }
        onResult.accept(result);
    }

    /** Closes the connection with application error 0. */
    @Override
    public void close() {
        socket.close();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
