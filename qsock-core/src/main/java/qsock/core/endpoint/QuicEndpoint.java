package qsock.core.endpoint;

import qsock.core.qlog.QlogTrace;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import qsock.core.cid.ConnectionIdOwner;
import qsock.core.cid.lb.QuicLbConfig;
import qsock.core.cid.lb.QuicLbEncoder;
import qsock.core.cid.ConnectionIdRegistry;
import qsock.core.cid.StatelessResetTokens;
import qsock.api.ConnectionConfig;
import qsock.api.TokenKeys;
import qsock.api.TokenStore;
import qsock.core.crypto.RetryIntegrity;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.RetryPacket;
import qsock.core.wire.VarInt;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.crypto.InitialSecrets;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.packet.StatelessReset;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.params.PreferredAddress;
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
 * <p><b>New connections.</b> Once {@link #listen listening}, a client's first Initial makes a connection only
 * after it opened: the endpoint removes header protection and decrypts a copy of it with the Initial keys of
 * its Destination Connection ID (RFC 9001 §5.2), whose AEAD also covers the header. Random bytes, an Initial
 * whose connection IDs were corrupted on the way, anything that does not decrypt creates nothing, routes
 * nothing, sends nothing ({@link #initialsUndecryptable()}). The keys derived to open it go to the
 * connection, so an attempt costs one derivation.
 *
 * <p><b>Half-open connections.</b> Anyone can compute Initial keys, so valid Initials can still come in a
 * flood. The connections whose handshake has not completed (waiting in the accept queue or handshaking) are
 * bounded by {@link EndpointConfig#maxHalfOpenConnections()}, and the accept queue by the backlog. When either
 * is full, the oldest half-open connection makes room for the newcomer: it is dropped without a word
 * ({@link #halfOpenEvicted()}), its routes removed, and it ends {@link ConnectionState#CLOSED} with a
 * CONNECTION_REFUSED {@link ConnectionError} that says why, which a handshake running on it sees. A legitimate
 * client so gets in as long as fewer newcomers than the bound arrive during its handshake.
 *
 * <p><b>Listeners sharing the port.</b> Several listeners may take the endpoint's new connections
 * ({@link #addListener}), each with its ALPN list (the kernel QUIC module's listeners grouped by port). From the
 * second one on, a new connection is queued for none until its whole ClientHello is in (its Initial CRYPTO bytes,
 * read without being consumed, across as many Initials as it spans); {@link AlpnListeners} then picks the listener,
 * or none: a malformed ClientHello is dropped without a word ({@link #clientHellosMalformed()}), one that no listener
 * serves is closed with CRYPTO_ERROR no_application_protocol ({@link #noApplicationProtocol()}). Only connections
 * still waiting for their ClientHello are looked at: established ones see no extra work per packet but one flag.
 *
 * <p><b>Stateless answers.</b> Only a server answers what belongs to no connection: an endpoint that never
 * listened (a client's) sends neither Version Negotiation (RFC 9000 §6.1 reserves it to servers) nor
 * stateless resets; a client's connections end by their idle timeout when it has forgotten them. A server's
 * resets are limited in size and rate (§10.3.3): drawn from a small fixed range of lengths, each smaller than
 * what triggered it, and never sent in answer to a datagram short enough to be a reset by that rule (so two
 * endpoints answering each other stop at once); and a token bucket on {@code now} caps how many go out
 * ({@link EndpointConfig#statelessResetRate()}, {@link #resetsRateLimited()}).
 *
 * <p><b>Work per call.</b> What the endpoint does per call is proportional to the connections that have
 * something to do, not to all it holds: a {@link DeadlineHeap} keyed by each connection's next deadline tells what
 * is due, a queue holds the connections that may want to send, and another those whose state the endpoint's
 * calls changed ({@link #pollChanged()}), so that an I/O runtime wakes only their sockets. A connection enters
 * them whenever the endpoint calls into it: a datagram handled, a timer run, a datagram polled. Calls the
 * application makes into a connection (its handshake, streams, close) are not seen by the endpoint: follow them
 * with {@link #touched}, or the endpoint neither sends what they queued nor sees how they moved the connection's
 * deadline. (A connection is polled anyway after the endpoint handed it a datagram or ran its timers, up to the
 * first poll that finds nothing to send.)
 *
 * <p>Not thread-safe: one thread owns an endpoint and its connections.
 */
public final class QuicEndpoint {

    /** Pending stateless answers (Version Negotiation, stateless reset) are bounded; beyond, they are not sent. */
    static final int MAX_PENDING_RESPONSES = 64;

    /** Replaced only to add a server's preferred address ({@link #setPreferredAddress}). */
    private EndpointConfig config;
    private final RandomGenerator random;
    private final StatelessResetTokens resetTokens;
    private final ConnectionIdTable<Route> routes;
    private final PeerResetTokenIndex<Route> peerResetTokens;
    /** The connections on the endpoint, from attach until reaped or evicted. */
    private final Map<QuicConnection, Route> active = new IdentityHashMap<>();
    /** The connections opened and how they ended, and their counters' sums ({@link #counters()}). */
    private final EndpointCounters counters = new EndpointCounters();
    /** The connections by their next deadline, as last read ({@link #rekey}). */
    private final DeadlineHeap<Route> deadlines = new DeadlineHeap<>();
    /** Connections called into since their deadline was last read. */
    private final List<Route> unkeyed = new ArrayList<>();
    /** Connections that may want to send: polled in turn, each leaves once it has nothing to send. */
    private final ArrayDeque<Route> sending = new ArrayDeque<>();
    /** Connections the endpoint called into since the last {@link #pollChanged()}, once {@link #recordChanges}. */
    private final ArrayDeque<Route> changed = new ArrayDeque<>();
    /** True once the owner asked for {@link #pollChanged()}: an owner that never polls them retains none. */
    private boolean recordChanges;
    /** Connections found closed or abandoned, to forget at the next {@link #reap()}. */
    private final List<Route> reapable = new ArrayList<>();
    /** The connections whose deadline {@link #handleTimeout} reached, while it runs them. */
    private final List<Route> due = new ArrayList<>();
    private final ArrayDeque<Route> acceptQueue = new ArrayDeque<>();
    /**
     * The connections made from Initials, oldest first, while they may still be half-open: those whose handshake
     * completed or that ended leave it when it is full (or, ended, when they are reaped).
     */
    private final ArrayDeque<Route> halfOpen = new ArrayDeque<>();
    private final ArrayDeque<Response> responses = new ArrayDeque<>();
    private final PacketHeaderView header = new PacketHeaderView();
    private final OpenedPacket opened = new OpenedPacket();
    private final TokenBucket resetBudget;
    /** How new clients' addresses are validated (RFC 9000 §8.1); see {@link #setAddressValidation}. */
    private AddressValidation addressValidation = AddressValidation.defaults();
    /** Seals and opens tokens under {@link #addressValidation}'s keys; made when first needed. */
    private AddressTokens addressTokens;
    /** Added to {@code now} to give the token clock (see {@link #setTokenClockOffset}). */
    private long tokenClockOffset;
    /** Where a client's connections take and keep NEW_TOKEN tokens, or null for none. */
    private TokenStore tokenStore;
    /** Where each new connection writes its qlog trace, or null for none. */
    private java.nio.file.Path qlogDirectory;
    /** Where a new client's first Initial is opened: a copy, since the connection then opens the original. */
    private ByteBuffer scratch;
    /** A view of {@link #scratch} that frames are read from. */
    private ByteBuffer scratchFrames;
    private final FrameReader frames = new FrameReader();
    private int listenBacklog;
    /** True once {@link #listen} accepted connections: only a server answers what belongs to no connection. */
    private boolean server;
    /** The route whose connection wrote the last polled datagram, null for a stateless answer or none. */
    private Route lastPolled;
    /** The local address the last polled datagram goes from, null for the endpoint's own. */
    private InetSocketAddress lastSource;
    /** The local address the datagram being handled arrived at, null for the endpoint's own. */
    private InetSocketAddress receivingAt;
    /** The ECN codepoint of the datagram being received (RFC 9000 §13.4.1). */
    private Ecn receivingEcn = Ecn.NOT_ECT;
    /** Whether the runtime sets and reads ECN codepoints: connections created from then on use ECN. */
    private boolean ecnCapable;
    /** The I/O thread this endpoint is among several of one port, marked in every ID it issues; null if alone. */
    private ConnectionIdOwner idOwner;
    /** The QUIC-LB encoder every issued connection ID comes from, or null for random ones. */
    private volatile QuicLbEncoder quicLb;
    /**
     * The listeners sharing this endpoint's port, each with its backlog; null while the endpoint is an ordinary one
     * (one listener or none). With two or more, new connections are routed by their ClientHello's ALPN.
     */
    private AlpnListeners alpnListeners;
    private final Map<AlpnListener, Integer> listenerBacklogs = new IdentityHashMap<>();
    /** The address of the runtime's first socket, which datagrams arriving there are routed by; null if unknown. */
    private InetSocketAddress ownAddress;
    /** Where a routed connection's first CRYPTO bytes are read into; made at the first routing. */
    private ByteBuffer clientHello;

    // Counters.
    private long datagramsDropped;
    private long versionNegotiationsSent;
    private long statelessResetsSent;
    private long connectionsRefused;
    private long initialsUndecryptable;
    private long initialsWithoutCrypto;
    private long halfOpenEvicted;
    private long resetsRateLimited;
    private long retriesSent;
    private long invalidTokens;
    private long validatedByToken;
    private long clientHellosMalformed;
    private long noApplicationProtocol;
    /** Calls into connections to read a deadline, run timers or poll a datagram: the endpoint's work. */
    private long connectionVisits;

    /** A connection and where its peer is. */
    private static final class Route extends DeadlineHeap.Node implements ConnectionIdRegistry {
        final QuicEndpoint endpoint;
        QuicConnection connection;
        InetSocketAddress peer;
        /** The peer's last validated address, where it goes back to if a new one fails validation (§9.3.2). */
        InetSocketAddress validatedPeer;
        /** The peer's address before its last move, challenged once after it (RFC 9000 §9.3.3). */
        InetSocketAddress previousPeer;
        /**
         * The local address the connection sends from and the peer sends to, null for the endpoint's own (the
         * runtime's first socket); another for a client that moved to a new local address (RFC 9000 §9.2) or a
         * server reached at its preferred address (§9.6). With {@link #peer}, the connection's current path.
         */
        InetSocketAddress local;
        /** {@link #local} as it was with {@link #validatedPeer}, and with {@link #previousPeer}. */
        InetSocketAddress validatedLocal;
        InetSocketAddress previousLocal;
        /** A client's new path while it probes it (RFC 9000 §9.2, §9.6), or null. */
        InetSocketAddress probeLocal;
        InetSocketAddress probePeer;
        /** The last new address of the peer owed PATH_RESPONSEs there (RFC 9000 §8.2.2), and where it sent to. */
        InetSocketAddress otherLocal;
        InetSocketAddress otherPeer;
        /** A local address the connection left, still read until {@link #leftLocalUntil}: what was in flight to it. */
        InetSocketAddress leftLocal;
        long leftLocalUntil;
        /** {@link #leftLocal} is set (null there being the endpoint's own address). */
        boolean leftLocalSet;
        ConnectionId originalDestination;
        /** True while the connection is on the endpoint: from attach until reaped or evicted. */
        boolean attached;
        /** The connection threw once (see {@link QuicEndpoint#failed}) and was closed for it. */
        boolean failed;
        /** It threw again: the endpoint no longer serves it, and forgets it at the next reap. */
        boolean abandoned;
        /** In {@link QuicEndpoint#unkeyed}: its deadline in the heap may be stale. */
        boolean unkeyed;
        /** In {@link QuicEndpoint#sending}. */
        boolean sending;
        /** In {@link QuicEndpoint#changed}. */
        boolean changed;
        /** In {@link QuicEndpoint#reapable}. */
        boolean reapable;
        /** Its ClientHello is not yet complete: not queued for any listener yet ({@link QuicEndpoint#route}). */
        boolean routing;
        /** The listener whose queue it is in (or was routed to), null on an endpoint without listeners. */
        AlpnListener listener;
        private final List<ConnectionId> early = new ArrayList<>(2);
        /** The peer's tokens indexed for this connection, forgotten when it is reaped. */
        private final List<StatelessResetToken> peerTokens = new ArrayList<>(2);

        Route(QuicEndpoint endpoint, InetSocketAddress peer) {
            this.endpoint = endpoint;
            this.peer = peer;
            this.validatedPeer = peer;
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

        /** {@return true while the connection is on the endpoint and its handshake has not completed} */
        boolean isHalfOpen() {
            return attached && connection.state() == ConnectionState.HANDSHAKING;
        }

        @Override
        public ConnectionId newConnectionId(RandomGenerator random, int length) {
            return endpoint.newLocalConnectionId(random, length);
        }

        void forgetPeerResetTokens() {
            for (StatelessResetToken token : peerTokens) {
                endpoint.peerResetTokens.remove(token, this);
            }
            peerTokens.clear();
        }
    }

    /** A stateless answer waiting to be sent. */
    private record Response(InetSocketAddress to, InetSocketAddress from, byte[] datagram) {}

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
        this.resetBudget = new TokenBucket(config.statelessResetRate(), config.statelessResetBurst());
    }

    /**
     * Makes this endpoint one of several I/O threads sharing a UDP port: every connection ID its connections issue from
     * now on names {@code owner} ({@link ConnectionIdOwner}), so that another thread that receives a datagram of theirs
     * can hand it over. Set before any connection is made. The endpoints of the port share the stateless reset key
     * ({@link EndpointConfig#statelessResetKey()}) and the token keys, so that any of them answers for all.
     *
     * @throws IllegalArgumentException with several owners and zero-length connection IDs, which can name none
     */
    public void setConnectionIdOwner(ConnectionIdOwner owner) {
        if (owner != null && owner.owners() > 1 && config.connection().connectionIdLength() == 0) {
            throw new IllegalArgumentException("zero-length connection IDs cannot name one of several I/O threads");
        }
        checkOwnerFitsQuicLb(owner, quicLb);
        this.idOwner = owner;
    }

    /**
     * Makes every connection ID this endpoint issues from now on a QUIC-LB routable ID of {@code encoder}'s server
     * ID (draft-ietf-quic-load-balancers §"Server Actions"): the Source Connection ID of a server's first Initial,
     * those of NEW_CONNECTION_ID frames and of the preferred address, and the Source Connection IDs of Retry and
     * of the stateless close of a bad token (the client's next Initial is addressed to the Retry's). A load
     * balancer sharing the configuration so finds this server from any of them, whatever the client's address.
     * Set before any connection is made; {@code null} goes back to random IDs.
     *
     * <p>With several I/O threads ({@link #setConnectionIdOwner}) the thread index goes into the first octet's low
     * bits, which QUIC-LB leaves random when the configuration does not self-encode the length.
     *
     * @throws IllegalArgumentException if the endpoint's connection ID length is not the configuration's, or if the
     *     configuration self-encodes the length while several I/O threads need those bits for their index
     */
    public void setQuicLbEncoder(QuicLbEncoder encoder) {
        if (encoder != null && encoder.config().connectionIdLength() != config.connection().connectionIdLength()) {
            throw new IllegalArgumentException("QUIC-LB connection IDs are " + encoder.config().connectionIdLength()
                    + " bytes but the endpoint issues " + config.connection().connectionIdLength());
        }
        checkOwnerFitsQuicLb(idOwner, encoder);
        this.quicLb = encoder;
    }

    private static void checkOwnerFitsQuicLb(ConnectionIdOwner owner, QuicLbEncoder encoder) {
        if (owner != null && owner.owners() > 1 && encoder != null && encoder.config().selfEncodeLength()) {
            throw new IllegalArgumentException("a QUIC-LB configuration that self-encodes the length leaves no bits"
                    + " of the first octet to name one of several I/O threads");
        }
    }

    /** {@return a new connection ID for this endpoint to issue: QUIC-LB if configured, naming its owner if any} */
    private ConnectionId newLocalConnectionId(RandomGenerator random, int length) {
        QuicLbEncoder lb = quicLb;
        ConnectionIdOwner owner = idOwner;
        if (lb == null || length != lb.config().connectionIdLength()) {
            return owner == null ? ConnectionId.random(random, length) : owner.newId(random, length);
        }
        ConnectionId cid;
        try {
            cid = lb.next();
        } catch (IllegalStateException noncesExhausted) {
            // §"Connection ID Entropy": out of nonces and with no other configuration, the server MUST fall back to
            // the unroutable codepoint, 0b111 with the length self-encoded (§"Configuration Failover").
            byte[] b = new byte[length];
            random.nextBytes(b);
            b[0] = (byte) (QuicLbConfig.UNROUTABLE_ROTATION << 5 | (length - 1) & 0x1f);
            return ConnectionId.of(b);
        }
        if (owner == null || owner.owners() < 2) {
            return cid;
        }
        // The low bits of the first octet are random under this configuration: the thread index replaces them.
        byte[] b = cid.toByteArray();
        int mask = ConnectionIdOwner.mask(owner.owners());
        b[0] = (byte) (b[0] & ~mask | owner.index());
        return ConnectionId.of(b);
    }

    /**
     * {@return the owner that the Destination Connection ID of a short-header packet at the start of {@code datagram}
     * names, or -1} -1 for a long header (Initials and 0-RTT carry IDs the client chose: they are handled where they
     * land, their addresses unchanged), a datagram too short, an ID that names no owner, or an endpoint alone on its
     * port. Reads the datagram from its position without moving it.
     */
    public int connectionIdOwner(ByteBuffer datagram) {
        ConnectionIdOwner owner = idOwner;
        if (owner == null || owner.owners() < 2) {
            return -1;
        }
        int at = datagram.position();
        // RFC 9000 §17.3: a short header is 1 byte, then the Destination Connection ID of the length we issue.
        if (datagram.remaining() < 1 + config.connection().connectionIdLength() || (datagram.get(at) & 0x80) != 0) {
            return -1;
        }
        return ConnectionIdOwner.ownerOf(datagram.get(at + 1), owner.owners());
    }

    /**
     * Accepts new connections from now on, up to {@code backlog} waiting for {@link #accept()}; 0 stops
     * accepting (connections already queued stay). A full queue makes room for a newcomer by dropping its
     * oldest connection. Once it listened, the endpoint is a server: it answers unknown versions and
     * unroutable short-header packets, even after it stops accepting.
     */
    public void listen(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + backlog);
        }
        this.listenBacklog = backlog;
        if (backlog > 0) {
            server = true;
        }
    }

    /** {@return whether the endpoint is a server: it listened (see {@link #listen})} */
    public boolean isServer() {
        return server;
    }

    /**
     * Sets how new clients' addresses are validated (RFC 9000 §8.1): Retry always or past a threshold of
     * unvalidated half-open connections, the token keys and lifetimes, NEW_TOKEN issuance. Applies to the Initials
     * that arrive from now on. New keys take effect at once: tokens sealed under keys no longer in the set are
     * refused.
     */
    public void setAddressValidation(AddressValidation validation) {
        this.addressValidation = Objects.requireNonNull(validation, "validation");
        this.addressTokens = null;
    }

    /** {@return how new clients' addresses are validated} */
    public AddressValidation addressValidation() {
        return addressValidation;
    }

    /**
     * Sets what is added to {@code now} to give the time tokens carry and are checked against: an I/O runtime on
     * {@code System.nanoTime()} adds the wall clock's offset, so that servers sharing {@link TokenKeys} (and
     * synchronized clocks) agree on tokens' ages. 0 by default: the token clock is {@code now}.
     */
    public void setTokenClockOffset(long offsetNanos) {
        this.tokenClockOffset = offsetNanos;
    }

    /**
     * Sets where this endpoint's client connections keep the tokens of NEW_TOKEN frames, by server address, and take
     * one for their first Initial (RFC 9000 §8.1.3); null (the default) keeps none.
     */
    public void setTokenStore(TokenStore store) {
        this.tokenStore = store;
    }

    /**
     * Sets the directory where each connection made from now on, client or server, writes its qlog trace
     * ({@code <ODCID hex>_<client|server>.sqlog}, see {@link qsock.core.qlog}); null (the default) writes none.
     */
    public void setQlogDirectory(java.nio.file.Path directory) {
        this.qlogDirectory = directory;
    }

    /** {@return where new connections write their qlog traces, or null} */
    public java.nio.file.Path qlogDirectory() {
        return qlogDirectory;
    }

    /**
     * Starts {@code c}'s qlog trace if a directory is set, before its first datagram: connection_started names the
     * path's addresses ({@code local} null for the endpoint's own).
     */
    private void startQlog(QuicConnection c, InetSocketAddress local, InetSocketAddress peer, long now) {
        java.nio.file.Path dir = qlogDirectory;
        if (dir != null) {
            QlogTrace trace = QlogTrace.start(dir, c.originalDestinationId(), c.role() == Role.SERVER, now);
            trace.addresses(local != null ? local : ownAddress, peer);
            c.setQlog(trace, now);
        }
    }

    /** Logs {@code route}'s path as its connection's qlog path_assigned, if it has a trace and the path changed. */
    private void qlogPath(Route route, long now) {
        QlogTrace trace = route.connection.qlog();
        if (trace != null) {
            trace.pathChanged(route.local != null ? route.local : ownAddress, route.peer, route.connection.peerId(),
                    now);
        }
    }

    /** Counts {@code c}'s end and ends its qlog trace. */
    private void ended(QuicConnection c, boolean abandoned) {
        counters.closed(c, abandoned);
        QlogTrace trace = c.qlog();
        if (trace != null) {
            trace.closed(c.closeError());
        }
    }

    /** {@return where client connections keep NEW_TOKEN tokens, or null} */
    public TokenStore tokenStore() {
        return tokenStore;
    }

    /**
     * {@return a new client connection to {@code peer}} It sends its first datagram once its handshake
     * driver wrote the ClientHello.
     */
    public QuicConnection connect(InetSocketAddress peer, long now) {
        Route route = new Route(this, peer);
        QuicConnection c = QuicConnection.client(config.connection(), random, resetTokens, route, now);
        startQlog(c, null, peer, now);
        if (ecnCapable) {
            c.setEcnCapable(now);
        }
        TokenStore store = tokenStore;
        if (store != null) {
            // RFC 9000 §8.1.3: a NEW_TOKEN token from an earlier connection to this server proves our address.
            // RFC 9369 §5: only a token from a connection of the version this one starts with.
            c.useToken(store.take(peer, c.version()));
            c.onNewToken(token -> store.put(peer, c.version(), token));
        }
        attach(route, c);
        return c;
    }

    /** {@return the oldest connection waiting to be accepted, or null} Its first Initial is already in. */
    public QuicConnection accept() {
        Route route = acceptQueue.poll();
        return route == null ? null : route.connection;
    }

    /**
     * Adds a listener of the port this endpoint serves, taking up to {@code backlog} connections routed to it (see
     * {@link AlpnListeners}); the endpoint accepts new connections from then on. While one listener is on the
     * endpoint, every new connection is its own, as on an endpoint without listeners; from two on, each new
     * connection waits for its whole ClientHello and goes to the listener its ALPN picks. Adding a listener again
     * changes its backlog.
     *
     * @throws java.net.BindException (EADDRINUSE) if its ALPN list equals or overlaps that of another listener of
     *     the same address outside a reuse-port group
     */
    public void addListener(AlpnListener listener, int backlog) throws java.net.BindException {
        if (backlog < 1) {
            throw new IllegalArgumentException("a listener's backlog is positive: " + backlog);
        }
        if (alpnListeners == null) {
            alpnListeners = new AlpnListeners();
        }
        alpnListeners.add(listener);
        listenerBacklogs.put(listener, backlog);
        listen(sumOfBacklogs());
    }

    /**
     * Removes a listener: the connections queued for it are dropped without a word, as a closed listener's are
     * refused (the caller refuses them first if it wants the clients told, see {@link #accept(AlpnListener)}); the
     * other listeners and every accepted connection go on. With none left, the endpoint accepts nothing.
     */
    public void removeListener(AlpnListener listener) {
        if (alpnListeners == null || listenerBacklogs.remove(listener) == null) {
            return;
        }
        alpnListeners.remove(listener);
        for (Route route : List.copyOf(acceptQueue)) {
            if (route.listener == listener) {
                evict(route, "dropped before it was accepted: its listener closed");
            }
        }
        listen(sumOfBacklogs());
    }

    /** The accept queue is bounded by the listeners' backlogs together: one queue, in arrival order. */
    private int sumOfBacklogs() {
        long sum = 0;
        for (int b : listenerBacklogs.values()) {
            sum += b;
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    /**
     * Tells the endpoint the address its runtime's first socket is bound to: a datagram that arrived there (its local
     * address null) is routed as one that reached this address, so a listener of that specific address takes it.
     */
    public void setOwnAddress(InetSocketAddress address) {
        this.ownAddress = address;
    }

    /** {@return the listeners sharing this endpoint, in the order they were added; empty if none} */
    public List<AlpnListener> listeners() {
        return alpnListeners == null ? List.of() : alpnListeners.listeners();
    }

    /**
     * {@return the oldest connection routed to {@code listener} and waiting to be accepted, or null} Its whole
     * ClientHello is in (when routed) or at least its first Initial (when the listener is alone).
     */
    public QuicConnection accept(AlpnListener listener) {
        for (java.util.Iterator<Route> i = acceptQueue.iterator(); i.hasNext(); ) {
            Route route = i.next();
            if (route.listener == listener) {
                i.remove();
                return route.connection;
            }
        }
        return null;
    }

    /** {@return the number of connections routed to {@code listener} and waiting for {@link #accept(AlpnListener)}} */
    public int acceptQueueLength(AlpnListener listener) {
        int n = 0;
        for (Route route : acceptQueue) {
            if (route.listener == listener) {
                n++;
            }
        }
        return n;
    }

    /**
     * {@return where {@code connection}'s peer is now: the address it was connected to or its first Initial came
     * from, or the address it moved to (RFC 9000 §9.3); null if the connection is not (or no longer) on this
     * endpoint}
     */
    public InetSocketAddress peerAddress(QuicConnection connection) {
        Route route = active.get(connection);
        return route == null ? null : route.peer;
    }

    /**
     * Tells the endpoint that the application called into {@code connection} (its handshake channel, its streams,
     * a close): the endpoint reads its deadline again and polls it for datagrams, since the call may have queued
     * something to send or moved a timer. Cheap (O(log n)), and harmless when nothing changed; a connection not on
     * this endpoint is ignored. Call it, with the thread that owns the endpoint, after every such call.
     */
    public void touched(QuicConnection connection) {
        Route route = active.get(connection);
        if (route != null) {
            touch(route);
        }
    }

    /**
     * From now on, records the connections the endpoint calls into, for {@link #pollChanged()}. Off by default: an
     * owner that never polls them would keep every connection ever recorded, the ended ones too.
     */
    public void recordChanges() {
        recordChanges = true;
    }

    /**
     * {@return the next connection the endpoint called into (a datagram handled, a timer run, a datagram polled,
     * {@link #touched}) since the last time this returned it, or null when none is left} Only once
     * {@link #recordChanges()} was called. An I/O runtime wakes the application threads waiting on these, and only
     * these. A connection may be returned after it left the endpoint: its end is news too.
     */
    public QuicConnection pollChanged() {
        Route route = changed.poll();
        if (route == null) {
            return null;
        }
        route.changed = false;
        return route.connection;
    }

    /** {@return how often the endpoint called into a connection to read its deadline, run its timers or poll it} */
    long connectionVisits() {
        return connectionVisits;
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

    /** {@return new connections refused because nobody listens} */
    public long connectionsRefused() {
        return connectionsRefused;
    }

    /**
     * {@return the server connections on this endpoint whose handshake has not completed: queued for accept or
     * handshaking} At most {@link EndpointConfig#maxHalfOpenConnections()}.
     */
    public int halfOpenConnections() {
        int n = 0;
        for (Route route : halfOpen) {
            if (route.isHalfOpen()) {
                n++;
            }
        }
        return n;
    }

    /**
     * {@return datagrams that looked like a new client's first Initial but did not open with its Initial keys}
     * Random bytes, or an Initial corrupted on the way; each was dropped without creating anything.
     */
    public long initialsUndecryptable() {
        return initialsUndecryptable;
    }

    /**
     * {@return Initials of unknown connections that opened but carried no CRYPTO frame, so could not start a
     * handshake} (RFC 9000 §17.2.2: a client's first packet always does); dropped without creating anything
     */
    public long initialsWithoutCrypto() {
        return initialsWithoutCrypto;
    }

    /**
     * {@return half-open connections dropped to make room for newer clients} (the accept queue or the bound
     * on half-open connections was full)
     */
    public long halfOpenEvicted() {
        return halfOpenEvicted;
    }

    /** {@return new connections dropped because their ClientHello was malformed, so no listener could be chosen} */
    public long clientHellosMalformed() {
        return clientHellosMalformed;
    }

    /**
     * {@return new connections closed with CRYPTO_ERROR no_application_protocol (0x178) because no listener serves
     * any ALPN their ClientHello offers}
     */
    public long noApplicationProtocol() {
        return noApplicationProtocol;
    }

    /** {@return Retry packets sent (RFC 9000 §8.1.2): each answered an Initial without a valid token, keeping no state} */
    public long retriesSent() {
        return retriesSent;
    }

    /**
     * {@return Initials whose Retry token was invalid (forged, expired, for another address) and that were answered
     * with INVALID_TOKEN (RFC 9000 §8.1.2)}
     */
    public long invalidTokens() {
        return invalidTokens;
    }

    /** {@return connections whose address a valid token proved at once (a Retry or NEW_TOKEN token)} */
    public long validatedByToken() {
        return validatedByToken;
    }

    /**
     * {@return the connections opened and ended and their counters' sums, those alive included} Walks the
     * connections: for monitoring, not for a per-packet path.
     */
    public EndpointCounters.Snapshot counters() {
        return counters.snapshot(active.keySet());
    }

    /** {@return stateless resets not sent because the rate limit was reached} */
    public long resetsRateLimited() {
        return resetsRateLimited;
    }

    private void attach(Route route, QuicConnection c) {
        route.connection = c;
        route.early.clear();
        route.attached = true;
        active.put(c, route);
        counters.opened();
        touch(route);
    }

    /**
     * The endpoint, or the application through {@link #touched}, called into the route's connection: its deadline
     * is read again before the next is reported or run, it is polled for datagrams, and it is reported changed.
     */
    /**
     * Before the peer may move: {@code route}'s current address is remembered if the connection counts it validated,
     * to go back to if the next one fails validation (RFC 9000 §9.3.2).
     */
    private static void rememberValidatedPeer(Route route) {
        if (route.connection.isPeerAddressValidated()) {
            route.validatedPeer = route.peer;
            route.validatedLocal = route.local;
        }
    }

    /**
     * {@return where the datagram {@code route}'s connection wrote last goes: its peer, its previous address, or the
     * other path (a client's probed path, a server's peer's new address owed answers)} {@link #lastSource} is set
     * to the local address it goes from.
     */
    private InetSocketAddress destination(Route route) {
        QuicConnection c = route.connection;
        if (c.lastDatagramToPreviousPeer() && route.previousPeer != null) {
            lastSource = route.previousLocal;
            return route.previousPeer;
        }
        if (c.lastDatagramOnOtherPath()) {
            if (route.probePeer != null) {
                lastSource = route.probeLocal;
                return route.probePeer;
            }
            if (route.otherPeer != null) {
                lastSource = route.otherLocal;
                return route.otherPeer;
            }
        }
        lastSource = route.local;
        return route.peer;
    }

    /**
     * {@return the local address the datagram the last {@link #pollDatagram} wrote goes from, or null for the
     * endpoint's own (the runtime's first socket)} Another after a client's move to a new local address ({@link
     * #migrate}), while it probes one, or for a server's connection reached at its preferred address; the answer to
     * a datagram that arrived at another local address goes from there too.
     */
    public InetSocketAddress lastDatagramSource() {
        return lastSource;
    }

    /**
     * Starts moving a client's connection to the local address {@code newLocal} (RFC 9000 §9.2; the socket draft's
     * CONNECTION_MIGRATION option): the runtime has a socket bound there, passes what it receives there to {@link
     * #handleDatagram(InetSocketAddress, InetSocketAddress, ByteBuffer, long)} with it, and sends from it what
     * {@link #lastDatagramSource()} names so. See {@link QuicConnection#migrate} for what follows; once the move
     * completes the connection sends from {@code newLocal} only, and the old local address is still read for three
     * PTOs ({@link #isLocalAddressInUse}).
     *
     * @throws IllegalArgumentException if the connection is not on this endpoint or {@code newLocal} is its local
     *     address already
     * @throws IllegalStateException as {@link QuicConnection#migrate} does
     */
    public void migrate(QuicConnection connection, InetSocketAddress newLocal, long now) {
        Objects.requireNonNull(newLocal, "newLocal");
        Route route = active.get(connection);
        if (route == null) {
            throw new IllegalArgumentException("the connection is not on this endpoint");
        }
        if (newLocal.equals(route.local)) {
            throw new IllegalArgumentException("the connection is at " + newLocal + " already");
        }
        connection.migrate(now);
        route.probeLocal = newLocal;
        route.probePeer = route.peer;
        touch(route);
    }

    /**
     * {@return whether a connection of this endpoint sends from or expects datagrams at the local address {@code
     * local}} A runtime closes a socket it opened for a move ({@link #migrate}) once this is false: the move was
     * given up, or completed three PTOs ago.
     */
    public boolean isLocalAddressInUse(InetSocketAddress local, long now) {
        // Null is the endpoint's own address (a client's first socket, which it may leave too): each local address
        // counts only with the peer address that makes it a path.
        for (Route route : active.values()) {
            if (!route.attached) {
                continue;
            }
            if (Objects.equals(local, route.local)
                    || route.probePeer != null && Objects.equals(local, route.probeLocal)
                            && route.connection.isMigrating()
                    || route.otherPeer != null && Objects.equals(local, route.otherLocal)
                    || route.previousPeer != null && Objects.equals(local, route.previousLocal)
                    || route.leftLocalSet && Objects.equals(local, route.leftLocal)
                            && now - route.leftLocalUntil < 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds to {@code into} every peer address a connection of this endpoint sends to or expects datagrams from: its
     * path's, a path it validates or moved from. A runtime with a socket per peer address (a listener behind routerd)
     * closes those of addresses no longer here. One walk over the connections.
     */
    public void collectPeerAddresses(java.util.Set<InetSocketAddress> into) {
        for (Route route : active.values()) {
            if (!route.attached) {
                continue;
            }
            addIfSet(into, route.peer);
            addIfSet(into, route.probePeer);
            addIfSet(into, route.otherPeer);
            addIfSet(into, route.previousPeer);
        }
    }

    private static void addIfSet(java.util.Set<InetSocketAddress> into, InetSocketAddress a) {
        if (a != null) {
            into.add(a);
        }
    }

    /**
     * {@return the local address {@code connection} sends from and is reached at now: null for the endpoint's own
     * (the runtime's first socket), else the one a client moved to ({@link #migrate}) or a server is reached at (its
     * preferred address, RFC 9000 §9.6); null too for a connection not on this endpoint}
     */
    public InetSocketAddress localAddress(QuicConnection connection) {
        Route route = active.get(connection);
        return route == null ? null : route.local;
    }

    /**
     * Makes the connections this server creates from now on offer {@code ipv4} and {@code ipv6} (either may be null)
     * as their preferred address (RFC 9000 §9.6; {@link ConnectionConfig#preferredAddressIpv4()}); those created
     * before keep what they offered. The runtime receives at both already.
     *
     * @throws IllegalArgumentException for an address not of its family
     */
    public void setPreferredAddress(InetSocketAddress ipv4, InetSocketAddress ipv6) {
        ConnectionConfig connection = config.connection().toBuilder().preferredAddress(ipv4, ipv6).build();
        config = new EndpointConfig(connection, config.statelessResetKey(), config.maxHalfOpenConnections(),
                config.statelessResetRate(), config.statelessResetBurst());
    }

    /**
     * Makes the connections created from now on use {@code connection} (the socket's options changed before connect
     * or listen); those created before keep theirs. The preferred addresses stay what {@link #setPreferredAddress}
     * made them, since the runtime receives there already.
     *
     * @throws IllegalArgumentException if the connection ID length differs: the endpoint routes by it
     */
    public void setConnectionConfig(ConnectionConfig connection) {
        ConnectionConfig now = config.connection();
        if (connection.connectionIdLength() != now.connectionIdLength()) {
            throw new IllegalArgumentException("the endpoint routes by " + now.connectionIdLength()
                    + "-byte connection IDs, not " + connection.connectionIdLength());
        }
        config = config.withConnection(connection.toBuilder()
                .preferredAddress(now.preferredAddressIpv4(), now.preferredAddressIpv6()).build());
    }

    /**
     * Gives a server connection of this endpoint a fresh NEW_TOKEN token for its client's current address, sent at
     * once (RFC 9000 §8.1.3; the socket draft's TOKEN option set on a server), in place of one not yet acknowledged.
     *
     * @throws IllegalArgumentException if the connection is not on this endpoint
     * @throws IllegalStateException if it is a client's, or its handshake is not complete
     */
    public void issueNewToken(QuicConnection connection, long now) {
        Route route = active.get(connection);
        if (route == null) {
            throw new IllegalArgumentException("not a connection of this endpoint");
        }
        if (connection.role() != qsock.api.Role.SERVER) {
            throw new IllegalStateException("only a server issues NEW_TOKEN tokens (RFC 9000 §19.7)");
        }
        if (!connection.state().isEstablished()) {
            throw new IllegalStateException("NEW_TOKEN is sent once the handshake is complete (RFC 9000 §19.7), the"
                    + " connection is " + connection.state());
        }
        connection.offerNewToken(tokens().sealNewToken(route.peer, connection.version(), now + tokenClockOffset));
        touch(route);
    }

    /**
     * Acts on a client's move to another path that ended: moved (the new path is the connection's, the old local
     * address is still read a while), or given up (the probed path is forgotten). Also starts the move to a server's
     * preferred address (RFC 9000 §9.6.1) once the connection offers it, to the address of the current peer's
     * family, or declines it when the server offers none of that family.
     */
    private void followMigration(Route route, long now) {
        QuicConnection c = route.connection;
        PreferredAddress preferred = c.takePreferredAddress();
        if (preferred != null) {
            InetSocketAddress to = route.peer.getAddress() instanceof java.net.Inet4Address
                    ? preferred.ipv4() : preferred.ipv6();
            if (to != null && !to.equals(route.peer) && !c.isMigrating()) {
                c.migrateToPreferredAddress(now);
                if (c.isMigrating()) {
                    route.probeLocal = route.local;
                    route.probePeer = to;
                }
            } else {
                c.declinePreferredAddress();
            }
        }
        switch (c.takeMigrationOutcome()) {
            case NONE -> { }
            case MOVED -> {
                if (!Objects.equals(route.local, route.probeLocal)) {
                    route.leftLocal = route.local;
                    route.leftLocalSet = true;
                    // What was in flight to the old local address still arrives there for about a PTO.
                    route.leftLocalUntil = now + 3 * c.rtt().pto(0, false);
                }
                // A client still reads what its server sends from the address it left (RFC 9000 §9.6.2: the server
                // keeps to its original address until it validated the new path).
                route.previousPeer = c.role() == Role.CLIENT && !route.peer.equals(route.probePeer) ? route.peer : null;
                route.previousLocal = null;
                route.local = route.probeLocal;
                route.peer = route.probePeer;
                route.validatedPeer = route.peer;
                route.validatedLocal = route.local;
                route.probeLocal = null;
                route.probePeer = null;
                qlogPath(route, now);
            }
            case ABANDONED -> {
                route.probeLocal = null;
                route.probePeer = null;
            }
        }
    }

    private void touch(Route route) {
        if (!route.attached) {
            return;
        }
        markUnkeyed(route);
        if (!route.sending) {
            route.sending = true;
            sending.add(route);
        }
        markChanged(route);
    }

    private void markUnkeyed(Route route) {
        if (!route.unkeyed) {
            route.unkeyed = true;
            unkeyed.add(route);
        }
    }

    private void markChanged(Route route) {
        if (recordChanges && !route.changed) {
            route.changed = true;
            changed.add(route);
        }
    }

    /** Reads the deadlines of the connections called into since they were last read, and notes the closed. */
    private void rekey() {
        for (int i = 0; i < unkeyed.size(); i++) {
            Route route = unkeyed.get(i);
            route.unkeyed = false;
            if (!route.attached) {
                deadlines.remove(route);
                continue;
            }
            if (route.abandoned) {
                deadlines.remove(route);
                markReapable(route);
                continue;
            }
            QuicConnection c = route.connection;
            connectionVisits++;
            deadlines.set(route, c.nextDeadline());
            if (c.state() == ConnectionState.CLOSED) {
                markReapable(route);
            }
        }
        unkeyed.clear();
    }

    private void markReapable(Route route) {
        if (!route.reapable) {
            route.reapable = true;
            reapable.add(route);
        }
    }

    /**
     * Takes one datagram from {@code from}: the bytes from its position to its limit. They may be decrypted
     * in place; the buffer's position and limit are left as they are.
     */
    public void handleDatagram(InetSocketAddress from, ByteBuffer datagram, long now) {
        handleDatagram(null, from, datagram, now);
    }

    /**
     * Takes one datagram from {@code from} that arrived at the local address {@code local}: null for the endpoint's
     * own (the runtime's first socket), or another socket's of the same runtime, one opened for a client's move
     * ({@link #migrate}) or at a server's preferred address (RFC 9000 §9.6). A connection's path is the pair of both
     * addresses: a datagram on another pair is a probe or a move of the peer (§9.3), and stateless answers go from
     * where the datagram arrived.
     */
    public void handleDatagram(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram, long now) {
        receivingAt = local;
        try {
            receive(from, datagram, now);
        } finally {
            receivingAt = null;
        }
    }

    /**
     * As {@link #handleDatagram(InetSocketAddress, InetSocketAddress, ByteBuffer, long)}, for a runtime that reads
     * the ECN codepoint of each datagram it receives (IP_RECVTOS / IPV6_RECVTCLASS): the connection counts it for
     * each packet in the datagram and reports the counts in its ACK frames (RFC 9000 §13.4.1).
     */
    public void handleDatagram(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram, Ecn ecn,
                               long now) {
        receivingEcn = ecn;
        try {
            handleDatagram(local, from, datagram, now);
        } finally {
            receivingEcn = Ecn.NOT_ECT;
        }
    }

    /**
     * Tells the endpoint that its runtime sets the ECN codepoint {@link #lastDatagramEcn()} names on each datagram it
     * sends and passes that of each one it receives: connections created from now on mark ECT(0) and validate ECN
     * on their paths (RFC 9000 §13.4.2), if their {@code ConnectionConfig.ecn()} is on. A runtime that cannot do both
     * does not call this, and ECN stays off at no cost.
     */
    public void setEcnCapable(boolean capable) {
        ecnCapable = capable;
    }

    /** {@return the ECN codepoint to mark the datagram the last {@link #pollDatagram} wrote with} Not-ECT for none. */
    public Ecn lastDatagramEcn() {
        Route route = lastPolled;
        return route == null || route.connection == null ? Ecn.NOT_ECT : route.connection.lastDatagramEcn();
    }

    private void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
        InetSocketAddress local = receivingAt;
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
                    route.connection.setReceivedEcn(receivingEcn);
                    boolean client = route.connection.role() == Role.CLIENT;
                    if (route.probePeer != null && from.equals(route.probePeer)
                            && Objects.equals(local, route.probeLocal)) {
                        // The path a client probes to move to (RFC 9000 §9.2, §9.6).
                        route.connection.handleDatagramOnProbePath(buf, now);
                    } else if (from.equals(route.peer) && (client || Objects.equals(local, route.local))
                            || client && from.equals(route.previousPeer)) {
                        // A client reads what still arrives at the local address it left, and from the server's
                        // address before its preferred one, as the current path's.
                        route.connection.handleDatagram(buf, now);
                    } else if (!client && from.equals(route.peer)) {
                        // The client sends to another of our addresses, our preferred one (RFC 9000 §9.6.2): the
                        // connection probes the path from there before it moves.
                        if (route.connection.handleDatagramAtOtherLocalAddress(buf, now)) {
                            route.probeLocal = local;
                            route.probePeer = from;
                        } else if (route.connection.answersNewAddress()) {
                            route.otherPeer = from;
                            route.otherLocal = local;
                        }
                    } else {
                        rememberValidatedPeer(route);
                        boolean portOnly = from.getAddress() != null
                                && from.getAddress().equals(route.peer.getAddress())
                                && Objects.equals(local, route.local);
                        if (route.connection.handleDatagramFromNewAddress(buf, portOnly, now)) {
                            // RFC 9000 §9.3: only an authenticated, highest-numbered, non-probing packet moves the
                            // peer; the connection decided, and limits what goes there until it is validated.
                            route.previousPeer = route.peer;
                            route.previousLocal = route.local;
                            route.peer = from;
                            route.local = local;
                            route.otherPeer = null;
                            route.otherLocal = null;
                            qlogPath(route, now);
                        } else if (route.connection.answersNewAddress()) {
                            // RFC 9000 §8.2.2: a probe from there is answered there, from where it arrived.
                            route.otherPeer = from;
                            route.otherLocal = local;
                        }
                    }
                } catch (RuntimeException | Error e) {
                    failed(route, e, now);
                    reapIfAbandoned(route);
                    throw e;
                } finally {
                    touch(route);
                }
                if (route.routing) {
                    // Only a connection whose ClientHello is still incomplete: never an established one.
                    route(route, now);
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
        if (listenBacklog == 0) {
            // Nobody takes it: dropping lets the client retry later (RFC 9000 §5.2.2 allows either).
            connectionsRefused++;
            datagramsDropped++;
            return;
        }
        QuicVersion version = header.quicVersion();
        if (!config.connection().versions().contains(version)) {
            // RFC 9368 §2.1: a version qsock speaks but this server is not configured for is answered as unknown.
            answerUnsupportedVersion(from, buf, length);
            return;
        }
        ConnectionId original = header.dcid(buf);
        // RFC 9000 §8.1: a token may prove the address; without one, Retry may be asked for.
        long tokenNow = now + tokenClockOffset;
        AddressToken token = null;
        boolean retryTokenInvalid = false;
        if (header.tokenLength() > 0) {
            token = tokens().open(buf, header.tokenOffset(), header.tokenLength(), from, version, tokenNow);
            if (token != null && token.kind() == AddressToken.Kind.RETRY && !token.retrySourceId().equals(original)) {
                // Not the connection ID our Retry told the client to use: not the client we sent it to.
                token = null;
            }
            // RFC 9000 §8.1.2: a client that followed a Retry takes no other; a bad Retry token is answered with
            // INVALID_TOKEN. A token of another kind or origin is as if there were none (§8.1.3).
            retryTokenInvalid = token == null && AddressTokens.claimedKind(buf, header.tokenOffset(),
                    header.tokenLength()) == AddressToken.Kind.RETRY;
        }
        if (token == null && !retryTokenInvalid && retryNeeded()) {
            // RFC 9000 §8.1.2: stateless; nothing of the Initial is kept, not even decrypted.
            sendRetry(from, buf, version, original, tokenNow);
            return;
        }
        // One derivation per attempt: the keys that open this Initial are the new connection's.
        InitialSecrets secrets = InitialSecrets.derive(version, original);
        PacketProtection clientInitial = PacketProtection.fromSecret(InitialSecrets.CIPHER_SUITE, version,
                secrets.clientSecret());
        if (!opens(buf, clientInitial)) {
            // RFC 9001 §5.2, §5.5: what does not decrypt is dropped; nothing of it (not its connection IDs,
            // which the AEAD authenticates too) may make state.
            initialsUndecryptable++;
            datagramsDropped++;
            return;
        }
        if (retryTokenInvalid) {
            invalidTokens++;
            sendInvalidToken(from, buf, version,
                    PacketProtection.fromSecret(InitialSecrets.CIPHER_SUITE, version, secrets.serverSecret()));
            return;
        }
        if (!carriesCrypto()) {
            // RFC 9000 §17.2.2: a client's first packet carries the start of its first handshake message; an
            // Initial of ACKs, PINGs or a CONNECTION_CLOSE (a client whose connection we dropped) starts nothing.
            initialsWithoutCrypto++;
            datagramsDropped++;
            return;
        }
        makeRoom();
        ConnectionId clientSource = header.scid(buf);
        Route newRoute = new Route(this, from);
        // The connection answers from the local address its first Initial came to (a preferred address too).
        newRoute.local = local;
        newRoute.validatedLocal = local;
        // RFC 9000 §7.3: after a Retry, original_destination_connection_id is the ID of the client's first Initial.
        ConnectionId originalDestination = token != null && token.kind() == AddressToken.Kind.RETRY
                ? token.originalDestinationId() : original;
        QuicConnection c = QuicConnection.server(config.connection(), random, resetTokens, newRoute, version,
                originalDestination, clientSource, clientInitial,
                PacketProtection.fromSecret(InitialSecrets.CIPHER_SUITE, version, secrets.serverSecret()), now);
        startQlog(c, local, from, now);
        if (ecnCapable) {
            c.setEcnCapable(now);
        }
        if (token != null) {
            validatedByToken++;
            c.addressValidatedByToken(token.kind() == AddressToken.Kind.RETRY ? token.retrySourceId() : null);
        }
        if (addressValidation.issueNewTokens()) {
            // RFC 9000 §8.1.3: sent once the handshake is confirmed, for the client's next connection.
            c.offerNewToken(tokens().sealNewToken(from, c.version(), tokenNow));
        }
        attach(newRoute, c);
        // The client keeps addressing its first Destination Connection ID until it hears from us.
        newRoute.originalDestination = original;
        routes.put(original, newRoute);
        boolean routed = alpnListeners != null && listenerBacklogs.size() > 1;
        if (routed) {
            newRoute.routing = true;
        } else {
            newRoute.listener = listenerBacklogs.size() == 1 ? listenerBacklogs.keySet().iterator().next() : null;
            acceptQueue.add(newRoute);
        }
        halfOpen.add(newRoute);
        try {
            c.setReceivedEcn(receivingEcn);
            c.handleDatagram(buf, now);
        } catch (RuntimeException | Error e) {
            failed(newRoute, e, now);
            throw e;
        } finally {
            touch(newRoute);
        }
        if (routed) {
            route(newRoute, now);
        }
    }

    /**
     * Routes a new connection to a listener once its ClientHello is whole (the kernel's listener lookup by ALPN):
     * its Initial CRYPTO bytes from offset 0, reassembled by the connection across the client's Initials (a
     * post-quantum ClientHello spans two), are read without being consumed, for the handshake reads them later.
     * An incomplete one waits for more Initials, bounded by {@link ClientHelloReader#MAX_CLIENT_HELLO} and by the
     * half-open bound and idle timeout that limit every new connection; a malformed one is dropped without a word
     * (it could be no TLS peer's); one that no listener serves is closed with CRYPTO_ERROR no_application_protocol
     * (RFC 9001 §8.1, RFC 7301 §3.2) in an Initial packet, so the client hears why at once.
     */
    private void route(Route route, long now) {
        QuicConnection c = route.connection;
        if (c == null || route.abandoned || !route.attached || c.state().isClosingOrClosed()) {
            route.routing = false;
            return;
        }
        if (clientHello == null) {
            clientHello = ByteBuffer.allocate(ClientHelloReader.MAX_CLIENT_HELLO);
        }
        ByteBuffer hello = clientHello.clear();
        c.peekInitialCrypto(hello);
        ClientHelloAlpn alpn = ClientHelloReader.read(hello.flip());
        switch (alpn.status()) {
            case INCOMPLETE -> { }
            case MALFORMED -> {
                route.routing = false;
                clientHellosMalformed++;
                c.abandon(ConnectionError.transport(TransportErrorCode.PROTOCOL_VIOLATION, 0,
                        "malformed ClientHello: no listener can be chosen", false));
                markChanged(route);
                active.remove(c);
                ended(c, true);
                detach(route);
                halfOpen.remove(route);
            }
            case COMPLETE -> {
                route.routing = false;
                InetSocketAddress local = route.local != null ? route.local : ownAddress;
                AlpnListener listener = alpnListeners.select(local == null ? null : local.getAddress(), route.peer,
                        alpn);
                if (listener == null) {
                    noApplicationProtocol++;
                    // RFC 9001 §4.8: a TLS alert becomes CRYPTO_ERROR 0x100 + alert; no_application_protocol is 120.
                    c.closeWithError(TransportErrorCode.cryptoError(120), FrameType.CRYPTO.firstCode(),
                            alpn.hasAlpn() ? "no listener serves any of the ALPN protocols " + alpn.protocols()
                                    : "no listener takes a ClientHello without ALPN", now);
                    touch(route);
                } else {
                    route.listener = listener;
                    acceptQueue.add(route);
                }
            }
        }
    }

    /** {@return the token sealer of the current settings} Made once per key set. */
    private AddressTokens tokens() {
        if (addressTokens == null) {
            AddressValidation v = addressValidation;
            TokenKeys keys = v.keys() != null ? v.keys() : TokenKeys.random(random);
            addressValidation = v.withKeys(keys);
            addressTokens = new AddressTokens(keys, random, v.retryTokenLifetimeNanos(), v.newTokenLifetimeNanos());
        }
        return addressTokens;
    }

    /**
     * {@return whether a new client without a valid token gets a Retry}: always if so configured, else once the
     * half-open connections whose address is not validated reached the threshold. Counting walks the half-open
     * connections (at most {@link EndpointConfig#maxHalfOpenConnections()}) only when there are that many at all.
     */
    private boolean retryNeeded() {
        AddressValidation v = addressValidation;
        if (v.alwaysRetry()) {
            return true;
        }
        if (halfOpen.size() < v.retryThreshold()) {
            return false;
        }
        int unvalidated = 0;
        for (Route route : halfOpen) {
            if (route.isHalfOpen() && !route.connection.isAddressValidated()) {
                unvalidated++;
            }
        }
        return unvalidated >= v.retryThreshold();
    }

    /**
     * Answers the Initial {@link #header} describes with a Retry (RFC 9000 §17.2.5): to its Source Connection ID,
     * from a new connection ID of ours, with a token bound to the client's address and port that carries the
     * Initial's Destination Connection ID, and the integrity tag over both (RFC 9001 §5.8). Keeps nothing.
     */
    private void sendRetry(InetSocketAddress from, ByteBuffer buf, QuicVersion version, ConnectionId original,
                           long tokenNow) {
        if (responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        ConnectionId clientSource = header.scid(buf);
        // RFC 9000 §17.2.5.1: the Retry's Source Connection ID differs from the client's Destination Connection ID.
        ConnectionId retrySource;
        do {
            retrySource = newLocalConnectionId(random, config.connection().connectionIdLength());
        } while (retrySource.equals(original));
        byte[] token = tokens().sealRetry(from, version, original, retrySource, tokenNow);
        ByteBuffer out = ByteBuffer.allocate(7 + 2 * ConnectionId.MAX_LENGTH + token.length + RetryIntegrity.TAG_LENGTH);
        RetryPacket.writeWithoutTag(out, version, clientSource, retrySource, token, random.nextInt(16));
        byte[] tag = RetryIntegrity.computeTag(version, original, out.duplicate().flip());
        out.put(tag);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        responses.add(new Response(from, receivingAt, bytes));
        retriesSent++;
        datagramsDropped++;
    }

    /**
     * Answers an Initial whose Retry token is invalid with a CONNECTION_CLOSE of INVALID_TOKEN in an Initial packet
     * (RFC 9000 §8.1.2: the client takes no second Retry, so the server SHOULD close at once rather than let it time
     * out). Stateless: sealed with the server's Initial keys of the Initial's Destination Connection ID, sent to the
     * client's Source Connection ID, and not ack-eliciting, so not padded (§14.1).
     */
    private void sendInvalidToken(InetSocketAddress from, ByteBuffer buf, QuicVersion version, PacketProtection keys) {
        if (responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        ConnectionId clientSource = header.scid(buf);
        ConnectionId source = newLocalConnectionId(random, config.connection().connectionIdLength());
        ByteBuffer out = ByteBuffer.allocate(64 + 2 * ConnectionId.MAX_LENGTH);
        int pnOffset = PacketHeaderWriter.writeLongHeader(out, version, PacketType.INITIAL, clientSource, source,
                null, 0, 1, 2, true);
        // CONNECTION_CLOSE (0x1c): INVALID_TOKEN, frame type 0, no reason.
        out.put((byte) 0x1c);
        VarInt.write(out, TransportErrorCode.INVALID_TOKEN.value());
        out.put((byte) 0);
        out.put((byte) 0);
        int payloadEnd = out.position();
        PacketHeaderWriter.setLength(out, pnOffset, 2, payloadEnd + RetryIntegrity.TAG_LENGTH);
        int length = keys.seal(out, 0, pnOffset, 1, 0, payloadEnd);
        byte[] bytes = new byte[length];
        out.get(0, bytes);
        responses.add(new Response(from, receivingAt, bytes));
        datagramsDropped++;
    }

    /**
     * Opens a copy of the packet {@link #header} describes (the datagram's first) in {@link #scratch}: header
     * protection off, payload decrypted and authenticated together with the header. The datagram itself is left
     * as it is, for the connection to open.
     */
    private boolean opens(ByteBuffer buf, PacketProtection keys) {
        int start = header.packetStart();
        int n = header.packetEnd() - start;
        if (scratch == null || scratch.capacity() < n) {
            scratch = ByteBuffer.allocate(Math.max(n, 2 * ConnectionConfig.MIN_DATAGRAM_SIZE));
            scratchFrames = scratch.asReadOnlyBuffer();
        }
        scratch.clear();
        scratch.put(0, buf, start, n);
        return keys.open(scratch, 0, header.pnOffset() - start, n, PacketNumber.NONE, opened) >= 0;
    }

    /** {@return true if the Initial {@link #opens} just opened holds a CRYPTO frame before any bad frame} */
    private boolean carriesCrypto() {
        ByteBuffer payload = scratchFrames;
        int next = opened.payloadOffset();
        int end = next + opened.payloadLength();
        try {
            while (next < end) {
                payload.limit(end).position(next);
                if (frames.read(payload, PacketType.INITIAL) == FrameType.CRYPTO) {
                    return true;
                }
                next = frames.frameEnd();
            }
        } catch (QuicProtocolException e) {
            // The connection would close on it; with no connection yet, nothing is there to close.
        }
        return false;
    }

    /**
     * Makes room for one more half-open connection: when the accept queue is full, its oldest connection goes;
     * when the half-open connections reached their bound, the oldest of them goes. RFC 9000 §5.2.2 lets a
     * server drop what it cannot take; dropping the oldest rather than the newcomer keeps a flood of valid
     * Initials from shutting out every client that comes after it.
     */
    private void makeRoom() {
        while (!acceptQueue.isEmpty() && acceptQueue.size() >= listenBacklog) {
            evict(acceptQueue.peekFirst(), "dropped before it was accepted: the accept queue (backlog "
                    + listenBacklog + ") was full and a newer client arrived");
        }
        int max = config.maxHalfOpenConnections();
        if (halfOpen.size() >= max) {
            // Those whose handshake completed or that ended leave first; only if all are half-open does one go.
            halfOpen.removeIf(route -> !route.isHalfOpen());
            if (halfOpen.size() >= max) {
                evict(halfOpen.peekFirst(), "dropped before its handshake completed: the endpoint keeps at most "
                        + max + " half-open connections and a newer client arrived");
            }
        }
    }

    /** Drops a half-open connection without a word: its handshake, if one runs, fails with {@code reason}. */
    private void evict(Route route, String reason) {
        if (route.isHalfOpen()) {
            halfOpenEvicted++;
        }
        route.connection.abandon(ConnectionError.transport(TransportErrorCode.CONNECTION_REFUSED, 0, reason, false));
        // Its handshake, if one runs, hears of the end.
        markChanged(route);
        active.remove(route.connection);
        ended(route.connection, true);
        detach(route);
        halfOpen.remove(route);
    }

    /** Forgets a closed connection's routes, reset tokens and place in the accept queue. */
    private void detach(Route route) {
        route.attached = false;
        deadlines.remove(route);
        if (route.originalDestination != null) {
            route.remove(route.originalDestination);
        }
        route.forgetPeerResetTokens();
        acceptQueue.remove(route);
    }

    /**
     * A datagram no connection takes: a short-header one may be a reset for one of ours, or deserve a reset
     * of our own (RFC 9000 §10.3) if we are a server; a long-header one is dropped.
     */
    private void unrouted(InetSocketAddress from, ByteBuffer buf, int length, long now) {
        if (header.isLongHeader()) {
            datagramsDropped++;
        } else if (!deliverStatelessReset(buf, now)) {
            maybeReset(from, buf, length, now);
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
        if (route == null || route.connection == null || !route.attached) {
            return false;
        }
        boolean reset = route.connection.handleStatelessReset(buf, now);
        touch(route);
        return reset;
    }

    private void answerUnsupportedVersion(InetSocketAddress from, ByteBuffer buf, int length) {
        // RFC 9000 §6.1: only a server answers, only datagrams big enough to start a connection, never a VN
        // with a VN.
        if (!server || length < ConnectionConfig.MIN_DATAGRAM_SIZE || responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        // RFC 9368 §2.1: the Offered Versions, which are the configured ones.
        List<QuicVersion> offered = config.connection().versions();
        int[] versions = new int[offered.size()];
        for (int i = 0; i < versions.length; i++) {
            versions[i] = offered.get(i).wireValue();
        }
        ByteBuffer out = ByteBuffer.allocate(7 + 2 * 255 + 4 * versions.length);
        VersionNegotiationPacket.writeResponse(out, buf, header, versions, random.nextInt());
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        responses.add(new Response(from, receivingAt, bytes));
        versionNegotiationsSent++;
    }

    private void maybeReset(InetSocketAddress from, ByteBuffer buf, int length, long now) {
        if (!server) {
            datagramsDropped++;
            return;
        }
        int cidLength = config.connection().connectionIdLength();
        // RFC 9000 §10.3.3: shorter than what triggered it and from a fixed range, at or below whose top
        // nothing is answered, so resets cannot loop; as long as a short-header packet (§10.3).
        int resetLength = StatelessReset.responseLength(length, random);
        if (resetLength == 0 || length < 1 + cidLength + StatelessReset.MIN_LENGTH
                || responses.size() >= MAX_PENDING_RESPONSES) {
            datagramsDropped++;
            return;
        }
        // RFC 9000 §10.3.3: and limited in number.
        if (!resetBudget.tryTake(now)) {
            resetsRateLimited++;
            datagramsDropped++;
            return;
        }
        StatelessResetToken token = resetTokens.tokenFor(ConnectionId.of(copy(buf, 1, cidLength)));
        ByteBuffer out = ByteBuffer.allocate(resetLength);
        StatelessReset.write(out, resetLength, token.toByteArray(), random);
        responses.add(new Response(from, receivingAt, out.array()));
        statelessResetsSent++;
    }

    private static byte[] copy(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b, 0, length);
        return b;
    }

    /**
     * Writes the next datagram to send into {@code out} from its position: a pending stateless answer first,
     * then the connections that may want to send, in turn: one that wrote a datagram goes to the back of the
     * queue, one that had nothing leaves it until the endpoint or the application calls into it again. A
     * connection that throws is failed (see {@link #handleDatagram}) and goes to the back, so that it cannot keep
     * the others from sending.
     *
     * @return where to send it, or null when nothing is to be sent now
     */
    public InetSocketAddress pollDatagram(ByteBuffer out, long now) {
        lastPolled = null;
        lastSource = null;
        Response r = responses.poll();
        if (r != null) {
            out.put(r.datagram());
            lastSource = r.from();
            return r.to();
        }
        int start = out.position();
        // One pass at most: a connection that throws is queued again, behind those not yet asked.
        for (int n = sending.size(); n > 0; n--) {
            Route route = sending.poll();
            route.sending = false;
            if (!route.attached || route.abandoned) {
                continue;
            }
            int length = poll(route, out, start, now);
            if (length > 0) {
                route.sending = true;
                sending.add(route);
                lastPolled = route;
                return destination(route);
            }
            // Nothing to send now: it waits for a datagram, a timer or the application (see touched).
        }
        return null;
    }

    /**
     * Writes the next datagram of {@code connection} alone into {@code out} from its position, for the thread of
     * an application that just called into it (and {@linkplain #touched touched} it): what that call queued leaves
     * without the other connections' sending, which stays with the endpoint's owner. The connection keeps its place
     * in the queue of those that may want to send, so that what it cannot send now (the socket full, pacing) goes
     * with the owner's next {@link #pollDatagram(ByteBuffer, long)}. A connection that throws is failed as there.
     *
     * @return where to send it, or null when {@code connection} has nothing to send now or is not on this endpoint
     */
    public InetSocketAddress pollDatagram(QuicConnection connection, ByteBuffer out, long now) {
        lastPolled = null;
        lastSource = null;
        Route route = active.get(connection);
        if (route == null || !route.attached || route.abandoned) {
            return null;
        }
        if (poll(route, out, out.position(), now) > 0) {
            lastPolled = route;
            return destination(route);
        }
        return null;
    }

    /**
     * Asks {@code route}'s connection for its next datagram; {@return its length, 0 if it has none} A connection that
     * throws is failed (see {@link #failed}) and the exception rethrown, {@code out} back at {@code start}.
     */
    private int poll(Route route, ByteBuffer out, int start, long now) {
        int length;
        connectionVisits++;
        if (route.connection.takePeerAddressReverted()) {
            // RFC 9000 §9.3.2: the peer's new address failed validation; back to the last validated one.
            route.peer = route.validatedPeer;
            route.local = route.validatedLocal;
            qlogPath(route, now);
        }
        followMigration(route, now);
        try {
            length = route.connection.pollDatagram(out, now);
        } catch (RuntimeException | Error e) {
            out.position(start);
            failed(route, e, now);
            touch(route);
            reapIfAbandoned(route);
            throw e;
        }
        // Sending arms timers (loss detection, pacing): its deadline is read again.
        markUnkeyed(route);
        markChanged(route);
        return length;
    }

    /**
     * Tells the endpoint that the datagram the last {@link #pollDatagram} wrote was not sent: the socket refused it.
     * The connection that wrote it takes its packets out of flight (see {@link QuicConnection#onDatagramNotSent});
     * a stateless answer is simply lost.
     */
    public void onDatagramNotSent(long now) {
        Route route = lastPolled;
        lastPolled = null;
        if (route != null && route.connection != null && route.attached && !route.abandoned) {
            try {
                route.connection.onDatagramNotSent(now);
            } catch (RuntimeException | Error e) {
                failed(route, e, now);
                reapIfAbandoned(route);
                throw e;
            } finally {
                touch(route);
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
    private static void failed(Route route, Throwable e, long now) {
        if (route.failed) {
            route.abandoned = true;
            return;
        }
        route.failed = true;
        try {
            route.connection.closeWithError(TransportErrorCode.INTERNAL_ERROR, 0, "internal error", now);
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
            markReapable(route);
            reap();
        }
    }

    /** {@return the earliest deadline of every connection, or {@code Long.MAX_VALUE}} */
    public long nextDeadline() {
        rekey();
        return deadlines.earliest();
    }

    /**
     * Runs the deadlines that {@code now} reached and forgets closed connections. A connection that throws is
     * failed (see {@link #handleDatagram}) and the others still run; the first throwable is passed on at the end.
     */
    public void handleTimeout(long now) {
        rekey();
        // Taken out first: a connection whose timer leaves its deadline where it was runs once per call.
        while (!deadlines.isEmpty() && deadlines.earliest() - now <= 0) {
            due.add(deadlines.poll());
        }
        Throwable failure = null;
        for (int i = 0; i < due.size(); i++) {
            Route route = due.get(i);
            if (!route.attached || route.abandoned) {
                continue;
            }
            connectionVisits++;
            try {
                route.connection.handleTimeout(now);
            } catch (RuntimeException | Error e) {
                failed(route, e, now);
                if (failure == null) {
                    failure = e;
                }
            } finally {
                // Also when nothing changed in it: an ACK whose delay ran out leaves at the next poll.
                touch(route);
            }
        }
        due.clear();
        rekey();
        reap();
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Forgets the connections found closed or abandoned: their routes, place in the queues and deadline. */
    private void reap() {
        rekey();
        boolean reaped = false;
        for (int i = 0; i < reapable.size(); i++) {
            Route route = reapable.get(i);
            route.reapable = false;
            if (!route.attached) {
                continue;
            }
            if (route.abandoned) {
                // Its connection cannot be trusted to unregister its IDs: every route to it goes.
                routes.removeValue(route);
            } else if (route.connection.state() != ConnectionState.CLOSED) {
                continue;
            }
            active.remove(route.connection);
            ended(route.connection, route.abandoned);
            detach(route);
            reaped = true;
        }
        reapable.clear();
        if (reaped) {
            halfOpen.removeIf(route -> !route.attached);
        }
    }
}
