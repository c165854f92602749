package qsock.core.endpoint;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import qsock.core.cid.ConnectionIdRegistry;
import qsock.core.cid.StatelessResetTokens;
import qsock.core.connection.ConnectionConfig;
import qsock.core.connection.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.QuicVersion;
import qsock.core.packet.StatelessReset;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * One UDP endpoint's share of QUIC, sans-I/O: it demultiplexes datagrams to connections by connection ID
 * (RFC 9000 §5.2), creates server connections from new clients' Initials and queues them for accept,
 * answers unknown versions with Version Negotiation (§6.1) and unknown short-header packets with stateless
 * resets (§10.3), and drops what RFC 9000 says to drop. Like the connections it owns, it reads no clock and
 * does no I/O: datagrams with their addresses and the time go in, datagrams with their destinations and the
 * next deadline come out.
 *
 * <p>Not thread-safe: one thread owns an endpoint and its connections.
 */
public final class QuicEndpoint {

    /** Pending stateless answers (Version Negotiation, stateless reset) are bounded; beyond, they are not sent. */
    static final int MAX_PENDING_RESPONSES = 64;

    private final EndpointConfig config;
    private final RandomGenerator random;
    private final StatelessResetTokens resetTokens;
    private final ConnectionIdTable<Route> routes;
    private final PeerResetTokenIndex<Route> peerResetTokens;
    private final List<Route> active = new ArrayList<>();
    private final ArrayDeque<QuicConnection> acceptQueue = new ArrayDeque<>();
    private final ArrayDeque<Response> responses = new ArrayDeque<>();
    private final PacketHeaderView header = new PacketHeaderView();
    private int listenBacklog;
    private int nextToPoll;
    /** The route whose connection wrote the last polled datagram, null for a stateless answer or none. */
    private Route lastPolled;

    // Counters.
    private long datagramsDropped;
    private long versionNegotiationsSent;
    private long statelessResetsSent;
    private long connectionsRefused;

    /** A connection and where its peer is. */
    private static final class Route implements ConnectionIdRegistry {
        final QuicEndpoint endpoint;
        QuicConnection connection;
        InetSocketAddress peer;
        ConnectionId originalDestination;
        /** The connection threw once (see {@link QuicEndpoint#failed}) and was closed for it. */
        boolean failed;
        /** It threw again: the endpoint no longer serves it, and forgets it at the next reap. */
        boolean abandoned;
        private final List<ConnectionId> early = new ArrayList<>(2);
        /** The peer's tokens indexed for this connection, forgotten when it is reaped. */
        private final List<StatelessResetToken> peerTokens = new ArrayList<>(2);

        Route(QuicEndpoint endpoint, InetSocketAddress peer) {
            this.endpoint = endpoint;
            this.peer = peer;
        }

        @Override
        public void add(ConnectionId cid, StatelessResetToken token) {
            if (connection == null) {
                early.add(cid);
            }
            endpoint.routes.put(cid, this);
        }

        @Override
        public void remove(ConnectionId cid) {
            if (endpoint.routes.get(cid) == this) {
                endpoint.routes.remove(cid);
            }
        }

        @Override
        public void addPeerResetToken(StatelessResetToken token) {
            peerTokens.add(token);
            endpoint.peerResetTokens.put(token, this);
        }

        @Override
        public void removePeerResetToken(StatelessResetToken token) {
            peerTokens.remove(token);
            endpoint.peerResetTokens.remove(token, this);
        }

        void forgetPeerResetTokens() {
            for (StatelessResetToken token : peerTokens) {
                endpoint.peerResetTokens.remove(token, this);
            }
            peerTokens.clear();
        }
    }

    /** A stateless answer waiting to be sent. */
    private record Response(InetSocketAddress to, byte[] datagram) {}

    /**
     * @param config connection settings and endpoint limits
     * @param random the source of connection IDs, the reset key and greasing; a seeded one makes the
     *     endpoint deterministic
     */
    public QuicEndpoint(EndpointConfig config, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        byte[] key = config.statelessResetKey();
        if (key == null) {
            key = new byte[32];
            random.nextBytes(key);
        }
        this.resetTokens = new StatelessResetTokens(key);
        this.routes = new ConnectionIdTable<>(random.nextInt());
        this.peerResetTokens = new PeerResetTokenIndex<>(random);
    }

    /**
     * Accepts new connections from now on, up to {@code backlog} waiting for {@link #accept()}; 0 stops
     * accepting (connections already queued stay).
     */
    public void listen(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + backlog);
        }
        this.listenBacklog = backlog;
    }

    /**
     * {@return a new client connection to {@code peer}} It sends its first datagram once its handshake
     * driver wrote the ClientHello.
     */
    public QuicConnection connect(InetSocketAddress peer, long now) {
        Route route = new Route(this, peer);
        QuicConnection c = QuicConnection.client(config.connection(), random, resetTokens, route, now);
        attach(route, c);
        return c;
    }

    /** {@return the oldest connection waiting to be accepted, or null} Its first Initial is already in. */
    public QuicConnection accept() {
        return acceptQueue.poll();
    }

    /**
     * {@return where {@code connection}'s peer is now: the address it was connected to or its first Initial came
     * from, or the address it moved to (RFC 9000 §9.3); null if the connection is not (or no longer) on this
     * endpoint}
     */
    public InetSocketAddress peerAddress(QuicConnection connection) {
        for (int i = 0; i < active.size(); i++) {
            Route route = active.get(i);
            if (route.connection == connection) {
                return route.peer;
            }
        }
        return null;
    }

    /** {@return the number of connections waiting for {@link #accept()}} */
    public int acceptQueueLength() {
        return acceptQueue.size();
    }

    /** {@return the connections alive on this endpoint} */
    public int connectionCount() {
        return active.size();
    }

    /** {@return datagrams dropped without reaching a connection} */
    public long datagramsDropped() {
        return datagramsDropped;
    }

    /** {@return Version Negotiation packets sent} */
    public long versionNegotiationsSent() {
        return versionNegotiationsSent;
    }

    /** {@return stateless resets sent} */
    public long statelessResetsSent() {
        return statelessResetsSent;
    }

    /** {@return new connections refused because the accept queue was full or nobody listens} */
    public long connectionsRefused() {
        return connectionsRefused;
    }

    private void attach(Route route, QuicConnection c) {
        route.connection = c;
        route.early.clear();
        active.add(route);
    }

    /**
     * Takes one datagram from {@code from}: the bytes from its position to its limit. They may be decrypted
     * in place; the buffer's position and limit are left as they are.
     */
    public void handleDatagram(InetSocketAddress from, ByteBuffer datagram, long now) {
        int length = datagram.remaining();
        // The checks below index from 0. A runtime's receive buffer starts there and goes on as it is, so
        // that a connection sees the same buffer each time and keeps its views of it (no allocation per
        // datagram); a datagram further into its buffer gets a slice. Nothing here moves the position.
        ByteBuffer buf = datagram.position() == 0 ? datagram : datagram.slice();
        ParseStatus status = PacketParser.parse(buf, 0, config.connection().connectionIdLength(),
                config.connection().greaseQuicBit(), header);
        switch (status) {
            case OK, VERSION_NEGOTIATION -> { }
            case UNSUPPORTED_VERSION -> {
                answerUnsupportedVersion(from, buf, length);
                return;
            }
            default -> {
                unrouted(from, buf, length, now);
                return;
            }
        }
        Route route = routes.get(buf, header.dcidOffset(), header.dcidLength());
        if (route != null) {
            if (route.abandoned) {
                datagramsDropped++;
            } else if (route.connection != null) {
                try {
                    if (from.equals(route.peer)) {
                        route.connection.handleDatagram(buf, now);
                    } else if (route.connection.handleDatagramFromNewAddress(buf, now)) {
                        // RFC 9000 §9.3: only an authenticated, highest-numbered, non-probing packet moves the
                        // peer; the connection decided, and limits what goes there until the address is validated.
                        route.peer = from;
                    }
                } catch (RuntimeException | Error e) {
                    failed(route, e);
                    reapIfAbandoned(route);
                    throw e;
                }
            }
            return;
        }
        if (status == ParseStatus.VERSION_NEGOTIATION || !header.isLongHeader()) {
            unrouted(from, buf, length, now);
            return;
        }
        if (header.type() != PacketType.INITIAL) {
            // RFC 9000 §5.2.2: only an Initial may start a connection; the rest is dropped.
            datagramsDropped++;
            return;
        }
        // RFC 9000 §14.1: a server drops an Initial in a datagram smaller than 1200 bytes; §7.2: the
        // client's first Destination Connection ID is at least 8 bytes.
        if (length < ConnectionConfig.MIN_DATAGRAM_SIZE || header.dcidLength() < 8) {
            datagramsDropped++;
            return;
        }
        if (listenBacklog == 0 || acceptQueue.size() >= listenBacklog) {
            // Nobody takes it: dropping lets the client retry later (RFC 9000 §5.2.2 allows either).
            connectionsRefused++;
            datagramsDropped++;
            return;
        }
        ConnectionId original = header.dcid(buf);
        ConnectionId clientSource = header.scid(buf);
        Route newRoute = new Route(this, from);
        QuicConnection c = QuicConnection.server(config.connection(), random, resetTokens, newRoute,
                header.quicVersion(), original, clientSource, now);
        attach(newRoute, c);
        // The client keeps addressing its first Destination Connection ID until it hears from us.
        newRoute.originalDestination = original;
        routes.put(original, newRoute);
        acceptQueue.add(c);
        try {
            c.handleDatagram(buf, now);
        } catch (RuntimeException | Error e) {
            failed(newRoute, e);
            throw e;
        }
    }

    /**
     * A datagram no connection takes: a short-header one may be a reset for one of ours, or deserve a reset
     * of our own (RFC 9000 §10.3); a long-header one is dropped.
     */
    private void unrouted(InetSocketAddress from, ByteBuffer buf, int length, long now) {
        if (header.isLongHeader()) {
            datagramsDropped++;
        } else if (!deliverStatelessReset(buf, now)) {
            maybeReset(from, buf, length);
        }
    }

    /**
     * A stateless reset carries a random connection ID, so no route leads to its connection: the index of the
     * peers' tokens names the candidate, which checks the token itself (RFC 9000 §10.3.1). One lookup per
     * datagram nothing routes, whatever the number of connections.
     */
    private boolean deliverStatelessReset(ByteBuffer buf, long now) {
        if (buf.remaining() < StatelessReset.MIN_LENGTH) {
            return false;
        }
        Route route = peerResetTokens.lookup(buf);
        return route != null && route.connection != null && route.connection.handleStatelessReset(buf, now);
    }

    private void answerUnsupportedVersion(InetSocketAddress from, ByteBuffer buf, int length) {
        // RFC 9000 §6.1: answer only datagrams big enough to start a connection, never a VN with a VN.
        if (length < ConnectionConfig.MIN_DATAGRAM_SIZE || responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        int[] versions = new int[QuicVersion.values().length];
        for (int i = 0; i < versions.length; i++) {
            versions[i] = QuicVersion.values()[i].wireValue();
        }
        ByteBuffer out = ByteBuffer.allocate(7 + 2 * 255 + 4 * versions.length);
        VersionNegotiationPacket.writeResponse(out, buf, header, versions, random.nextInt());
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        responses.add(new Response(from, bytes));
        versionNegotiationsSent++;
    }

    private void maybeReset(InetSocketAddress from, ByteBuffer buf, int length) {
        int cidLength = config.connection().connectionIdLength();
        // RFC 9000 §10.3: the reset is shorter than what triggered it, so resets cannot loop, and at least
        // as long as a valid short-header packet.
        int resetLength = StatelessReset.responseLength(length, config.connection().maxDatagramSize());
        if (resetLength < StatelessReset.MIN_LENGTH || length < 1 + cidLength + StatelessReset.MIN_LENGTH
                || responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        StatelessResetToken token = resetTokens.tokenFor(ConnectionId.of(copy(buf, 1, cidLength)));
        ByteBuffer out = ByteBuffer.allocate(resetLength);
        StatelessReset.write(out, resetLength, token.toByteArray(), random);
        responses.add(new Response(from, out.array()));
        statelessResetsSent++;
    }

    private static byte[] copy(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b, 0, length);
        return b;
    }

    /**
     * Writes the next datagram to send into {@code out} from its position: a pending stateless answer first,
     * then the connections in turn. A connection that throws is failed (see {@link #handleDatagram}) and the
     * next call starts after it, so that it cannot keep the others from sending.
     *
     * @return where to send it, or null when nothing is to be sent now
     */
    public InetSocketAddress pollDatagram(ByteBuffer out, long now) {
        lastPolled = null;
        Response r = responses.poll();
        if (r != null) {
            out.put(r.datagram());
            return r.to();
        }
        int start = out.position();
        int n = active.size();
        for (int i = 0; i < n; i++) {
            int at = (nextToPoll + i) % n;
            Route route = active.get(at);
            if (route.abandoned) {
                continue;
            }
            int length;
            try {
                length = route.connection.pollDatagram(out, now);
            } catch (RuntimeException | Error e) {
                out.position(start);
                nextToPoll = (at + 1) % n;
                failed(route, e);
                reapIfAbandoned(route);
                throw e;
            }
            if (length > 0) {
                nextToPoll = (at + 1) % n;
                lastPolled = route;
                return route.peer;
            }
        }
        return null;
    }

    /**
     * Tells the endpoint that the datagram the last {@link #pollDatagram} wrote was not sent: the socket refused it.
     * The connection that wrote it takes its packets out of flight (see {@link QuicConnection#onDatagramNotSent});
     * a stateless answer is simply lost.
     */
    public void onDatagramNotSent(long now) {
        Route route = lastPolled;
        lastPolled = null;
        if (route != null && route.connection != null && !route.abandoned) {
            try {
                route.connection.onDatagramNotSent(now);
            } catch (RuntimeException | Error e) {
                failed(route, e);
                reapIfAbandoned(route);
                throw e;
            }
        }
    }

    /**
     * A connection threw: a bug of ours or a failure of the JVM's (an OutOfMemoryError), not the peer's doing
     * (peer violations are QuicProtocolExceptions handled inside). The first time, the connection is closed
     * with INTERNAL_ERROR, so that the peer hears of it and it cannot fail again and again; if it throws again
     * (while closing), or the close itself throws, the endpoint abandons it: no datagram reaches it or leaves
     * it any more, and the next reap forgets it. The caller passes the throwable on to be reported; the other
     * connections are untouched.
     */
    private static void failed(Route route, Throwable e) {
        if (route.failed) {
            route.abandoned = true;
            return;
        }
        route.failed = true;
        try {
            route.connection.closeWithError(TransportErrorCode.INTERNAL_ERROR, 0, "internal error");
        } catch (RuntimeException | Error again) {
            route.abandoned = true;
            try {
                e.addSuppressed(again);
            } catch (RuntimeException | Error noMemory) {
                // Reporting the second failure is not worth a third.
            }
        }
    }

    private void reapIfAbandoned(Route route) {
        if (route.abandoned) {
            reap();
        }
    }

    /** {@return the earliest deadline of every connection, or {@code Long.MAX_VALUE}} */
    public long nextDeadline() {
        long d = Long.MAX_VALUE;
        for (int i = 0; i < active.size(); i++) {
            Route route = active.get(i);
            if (!route.abandoned) {
                d = Math.min(d, route.connection.nextDeadline());
            }
        }
        return d;
    }

    /**
     * Runs the deadlines that {@code now} reached and forgets closed connections. A connection that throws is
     * failed (see {@link #handleDatagram}) and the others still run; the first throwable is passed on at the end.
     */
    public void handleTimeout(long now) {
        Throwable failure = null;
        for (int i = 0; i < active.size(); i++) {
            Route route = active.get(i);
            QuicConnection c = route.connection;
            if (!route.abandoned && c.nextDeadline() - now <= 0) {
                try {
                    c.handleTimeout(now);
                } catch (RuntimeException | Error e) {
                    failed(route, e);
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        reap();
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        }
    }

    private void reap() {
        for (int i = active.size() - 1; i >= 0; i--) {
            Route route = active.get(i);
            if (route.abandoned || route.connection.state() == ConnectionState.CLOSED) {
                if (route.abandoned) {
                    // Its connection cannot be trusted to unregister its IDs: every route to it goes.
                    routes.removeValue(route);
                }
                if (route.originalDestination != null) {
                    route.remove(route.originalDestination);
                }
                route.forgetPeerResetTokens();
                active.remove(i);
                acceptQueue.remove(route.connection);
            }
        }
    }
}
