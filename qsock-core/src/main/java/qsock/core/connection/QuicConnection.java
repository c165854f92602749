package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.cc.CongestionController;
import qsock.core.cc.Pacer;
import qsock.core.cid.ConnectionIdRegistry;
import qsock.core.cid.LocalConnectionIds;
import qsock.core.cid.PeerConnectionIds;
import qsock.core.cid.StatelessResetTokens;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.core.jfr.HandshakeEvent;
import qsock.core.jfr.StallEvent;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketType;
import qsock.core.qlog.QlogTrace;
import qsock.core.params.TransportParameters;
import qsock.core.path.PathMtuSearch;
import qsock.core.path.PathValidation;
import qsock.core.params.PreferredAddress;
import qsock.core.recovery.AckOutcome;
import qsock.core.recovery.LossDetector;
import qsock.core.recovery.RttEstimator;
import qsock.core.stream.StreamConfig;
import qsock.core.stream.StreamManager;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * One QUIC connection as a sans-I/O state machine (RFC 9000, 9001, 9002): datagrams and the time go in
 * ({@link #handleDatagram}, {@link #handleTimeout}); datagrams to send and the next deadline come out
 * ({@link #pollDatagram}, {@link #nextDeadline}). It reads no clock, does no I/O and starts no thread; its
 * randomness comes from the generator it is given. The TLS handshake drives it from outside through the
 * {@link HandshakeChannel} it implements. Streams are reached through {@link #streams()}.
 *
 * <p>The order of a turn: hand in what arrived, step the handshake driver if one runs, then poll datagrams
 * until none is left, then wait until {@link #nextDeadline()} or the next datagram.
 *
 * <p>Not thread-safe: one thread owns a connection.
 */
public final class QuicConnection {

    private static final int TAG = PacketBuilder.TAG;

    // The state is package-private: the parts of the connection work on it, each in a file of its own (PacketReceiver,
    // FrameDispatcher, PacketSender with PacketBuilder, SentFrameFate, ClosingState, Timeouts with TimerTable,
    // TransportParameterExchange, AntiAmplification); nothing outside the package sees it.
    final Role role;
    final ConnectionConfig config;
    final RandomGenerator random;
    /** The version in use: it changes with Version Negotiation and compatible negotiation (RFC 9368). */
    QuicVersion version;
    final ConnectionId originalDestinationId;
    final LocalConnectionIds localIds;
    PeerConnectionIds peerIds;
    ConnectionId peerInitialSourceId;
    boolean peerSourceIdLearned;
    /** The Source Connection ID of the Retry this client followed, or null (RFC 9000 §7.3). */
    ConnectionId retrySourceId;
    /** The token of that Retry, which every later Initial carries (RFC 9000 §17.2.5.2); null without a Retry. */
    ByteBuffer retryToken;
    int retries;
    /** A client's NEW_TOKEN token from an earlier connection, which its Initials carry until a Retry (RFC 9000 §8.1.3). */
    ByteBuffer initialToken;
    /** Where a client hands the tokens of NEW_TOKEN frames, or null to drop them. */
    private Consumer<byte[]> newTokenSink;
    /** Whether a NEW_TOKEN frame is reported as a {@link ConnectionEvent.NewToken} ({@link #setEvents}). */
    private boolean newTokenEvents;
    /** A {@link ConnectionEvent.NewToken} waits in the queue: later tokens coalesce into it. */
    private boolean newTokenEventQueued;
    /** The latest token that arrived while that event waited, which it reports when polled; or null. */
    private byte[] newerToken;
    /** The token a server sends in a NEW_TOKEN frame once the handshake is confirmed, or null. */
    byte[] newToken;
    /** True while that NEW_TOKEN frame waits to be sent (again, if it was lost). */
    boolean newTokenPending;

    final PacketSpace[] spaces = new PacketSpace[3];
    final KeyPhases oneRtt = new KeyPhases();
    /** The AEAD confidentiality and integrity limits (RFC 9001 §6.6). */
    final AeadLimits aeadLimits = new AeadLimits();
    final LossDetector recovery;
    final CongestionController congestion;
    final Pacer pacer;
    final PacketBuilder builder;
    /** The qlog trace ({@link #setQlog}); null (the default) logs nothing, at the cost of one check per event site. */
    QlogTrace qlog;
    final StreamManager streams;
    final AckOutcome outcome = new AckOutcome();
    final Datagrams datagrams = new Datagrams();
    /** Where acknowledged, lost and unsent packets' frames go. */
    final SentFrameFate fate = new SentFrameFate(this);
    /** The closing and draining periods, and the end (RFC 9000 §10). */
    final ClosingState closing = new ClosingState(this);
    /** Where the frames of an opened packet go. */
    final FrameDispatcher dispatcher = new FrameDispatcher(this);
    /** Where datagrams from the peer are taken apart into packets and opened. */
    final PacketReceiver receiver = new PacketReceiver(this);
    /** What the next datagram carries; built with {@link #builder}. */
    final PacketSender sender = new PacketSender(this);
    /** What each timer of {@link #timers} does when it fires. */
    final Timeouts timeouts = new Timeouts(this);
    /** How the version was reached, and version_information (RFC 9368). */
    final VersionNegotiator versions;
    /** Our transport parameters and the peer's (RFC 9000 §7.4, §18). */
    final TransportParameterExchange parameters = new TransportParameterExchange(this);
    /** 0-RTT: the client's keys and remembered limits, the server's keys and early packets (RFC 9001 §4.6). */
    final EarlyData earlyData = new EarlyData(this);
    final ArrayDeque<ConnectionEvent> events = new ArrayDeque<>();

    ConnectionState state = ConnectionState.HANDSHAKING;
    /** When the connection was made: its handshake's start, for the JFR event. */
    private final long createdAt;
    /** The handshake completed on this side, whatever came after. */
    private boolean handshakeCompleted;
    private RuntimeException internalError;
    ConnectionError closeError;
    TransportParameters peerParameters;
    private String applicationProtocol;

    int maxDatagramSize;
    /** Path MTU discovery, once the peer's parameters allow it and the configuration asks for it; else null. */
    PathMtuSearch pathMtu;
    long peerAckDelayExponent = 3;
    long peerMaxAckDelayNanos = 25_000_000L;
    long idleTimeoutNanos;

    /** The anti-amplification limits of the peer's address and of a new one it moved to (RFC 9000 §8.1, §9.3.1). */
    final AntiAmplification amplification;
    boolean handshakePacketSent;

    boolean handshakeDonePending;
    /**
     * A client's HANDSHAKE_DONE came before its TLS stack reported the handshake complete (its Finished can leave, and
     * the server's answer arrive, before the driver's next call): confirmed at completion (RFC 9001 §4.1.2).
     */
    boolean handshakeDoneEarly;
    // The peer's address (RFC 9000 §9.3): after it moved, what we send there is limited to three times what
    // arrived from it (§8.1, §9.3.1) until our PATH_CHALLENGE comes back (§8.2); the PATH_RESPONSEs we owe.
    final PathValidation paths = new PathValidation();
    /** A validation of the peer's new address failed: the caller sends to its last validated address again. */
    private boolean peerAddressReverted;
    /** The datagram {@link #pollDatagram} wrote last goes to the peer's previous address (RFC 9000 §9.3.3). */
    boolean lastDatagramToPreviousPeer;
    /** The peer address being validated differs from the last only in its port (NAT rebinding, RFC 9000 §9.4). */
    private boolean movedPortOnly;
    private long pathResets;
    /** ECN: received codepoints, marking and validation (RFC 9000 §13.4). */
    final EcnValidation ecn;
    boolean receivingFromNewAddress;
    boolean peerMoved;
    /** A client's probe of a new path before it moves there (RFC 9000 §9.2, §9.6). */
    final PathProbe probe = new PathProbe();
    /** The datagram being processed came on the path {@link #probe} runs on. */
    boolean receivingOnProbePath;
    /** The datagram {@link #pollDatagram} wrote last goes on the other path: the probe's, or a peer's new address. */
    boolean lastDatagramOnOtherPath;
    /** The last datagram from a new address of the peer that did not move it left answers owed there (§8.2.2). */
    private boolean answersNewAddress;
    /** Our connection ID of sequence number 1, sent in the preferred_address transport parameter, or null. */
    final qsock.core.cid.IssuedConnectionId preferredAddressId;
    /** The connection IDs last reported in a {@link ConnectionEvent.ConnectionIdsChanged}, -1 before the first look. */
    private long reportedPeerIdActive = -1;
    private long reportedPeerIdLowest = -1;
    private long reportedLocalIdLowest = -1;
    /** The peer's ID we answer a new address with (§9.5), reserved, or -1 for the current one. */
    long otherPathIdSequence = -1;
    /** The peer's ID of the path it left, kept for the old path's challenge (§9.3.3) until the new one validates. */
    long previousPathIdSequence = -1;
    private long probesUnanswerable;
    private long movesWithoutFreshId;
    /** A client has the server's preferred address to move to, once the handshake is confirmed (§9.6.1). */
    private boolean preferredAddressDue;
    private long peerAddressChanges;
    private long datagramsFromUnknownAddresses;
    boolean pingPending;

    /** Every deadline of the connection; {@link #nextDeadline()} is the earliest. */
    final TimerTable timers = new TimerTable();
    long lastReceiveTime;
    boolean ackElicitingSentSinceReceive;

    // Counters, for tests and diagnostics.
    long packetsReceived;
    long packetsDropped;

    private QuicConnection(Role role, ConnectionConfig config, RandomGenerator random, QuicVersion version,
                           ConnectionId originalDestinationId, ConnectionId localId, StatelessResetTokens tokens,
                           ConnectionIdRegistry registry, PacketProtection clientInitial,
                           PacketProtection serverInitial, long now) {
        this.createdAt = now;
        this.role = role;
        this.config = config;
        this.random = random;
        this.version = version;
        this.versions = new VersionNegotiator(this, version);
        this.originalDestinationId = originalDestinationId;
        this.localIds = new LocalConnectionIds(localId, config.connectionIdLength(), random, tokens, registry);
        long maxAckDelay = config.maxAckDelayMillis() * 1_000_000L;
        spaces[0] = new PacketSpace(PacketNumberSpace.INITIAL, EncryptionLevel.INITIAL, maxAckDelay,
                config.maxCryptoBuffer());
        spaces[1] = new PacketSpace(PacketNumberSpace.HANDSHAKE, EncryptionLevel.HANDSHAKE, maxAckDelay,
                config.maxCryptoBuffer());
        spaces[2] = new PacketSpace(PacketNumberSpace.APPLICATION, EncryptionLevel.APPLICATION, maxAckDelay,
                config.maxCryptoBuffer());
        spaces[0].sealer = role == Role.CLIENT ? clientInitial : serverInitial;
        spaces[0].opener = role == Role.CLIENT ? serverInitial : clientInitial;
        this.maxDatagramSize = config.maxDatagramSize();
        this.recovery = new LossDetector(role, config.initialRttMillis() * 1_000_000L);
        this.pacer = new Pacer(maxDatagramSize);
        this.congestion = CongestionController.create(config.congestionAlgorithm(), maxDatagramSize);
        this.builder = new PacketBuilder(version, random, recovery, congestion, pacer, oneRtt);
        this.ecn = new EcnValidation(config.ecn());
        builder.ecn = ecn;
        this.streams = new StreamManager(role, streamConfig(config));
        // Until the peer's parameters arrive, its idle timeout is unknown: ours alone applies.
        this.idleTimeoutNanos = config.maxIdleTimeoutMillis() * 1_000_000L;
        timeouts.capPtoPeriod();
        this.lastReceiveTime = now;
        timers.set(Timer.IDLE, idleTimeoutNanos == 0 ? TimerTable.STOPPED : now + idleTimeoutNanos);
        // RFC 9000 §8.1: a client's address needs no validation by itself.
        this.amplification = new AntiAmplification(role == Role.CLIENT);
        // RFC 9000 §5.1.1: the preferred address's connection ID is sequence number 1, issued before any other.
        this.preferredAddressId = role == Role.SERVER
                && (config.preferredAddressIpv4() != null || config.preferredAddressIpv6() != null)
                ? localIds.issuePreferredAddressConnectionId() : null;
    }

    private static StreamConfig streamConfig(ConnectionConfig c) {
        return new StreamConfig(c.initialMaxData(), c.initialMaxStreamDataBidiLocal(),
                c.initialMaxStreamDataBidiRemote(), c.initialMaxStreamDataUni(), c.maxStreamsBidi(), c.maxStreamsUni(), c.maxConnectionWindow(),
                c.maxStreamWindow(), c.streamSendBufferSize(), c.connectionSendBufferSize(), 1024);
    }

    /**
     * {@return a client connection} It sends nothing until its handshake driver writes the ClientHello;
     * connection IDs and Initial keys are chosen here (as the kernel's connect does).
     *
     * @param tokens derives stateless reset tokens for the connection IDs we issue
     * @param registry told of every connection ID we issue and retire, and of the peer's reset tokens, for routing
     */
    public static QuicConnection client(ConnectionConfig config, RandomGenerator random,
                                        StatelessResetTokens tokens, ConnectionIdRegistry registry, long now) {
        Objects.requireNonNull(config, "config");
        // RFC 9000 §7.2: the first Destination Connection ID is random, at least 8 bytes.
        ConnectionId destination = ConnectionId.random(random, Math.max(8, config.connectionIdLength()));
        ConnectionId source = ConnectionId.random(random, config.connectionIdLength());
        QuicConnection c = new QuicConnection(Role.CLIENT, config, random, config.version(), destination, source,
                tokens, registry, PacketProtection.initial(config.version(), destination, Role.CLIENT),
                PacketProtection.initial(config.version(), destination, Role.SERVER), now);
        c.peerIds = new PeerConnectionIds(destination, null, config.activeConnectionIdLimit(), registry);
        return c;
    }

    /**
     * {@return a server connection for a client's first Initial} The endpoint then hands it that datagram.
     *
     * @param version the version of the client's Initial
     * @param originalDestinationId the Destination Connection ID of the client's first Initial
     * @param clientSourceId the Source Connection ID of the client's first Initial
     */
    public static QuicConnection server(ConnectionConfig config, RandomGenerator random,
                                        StatelessResetTokens tokens, ConnectionIdRegistry registry,
                                        QuicVersion version, ConnectionId originalDestinationId,
                                        ConnectionId clientSourceId, long now) {
        return server(config, random, tokens, registry, version, originalDestinationId, clientSourceId,
                PacketProtection.initial(version, originalDestinationId, Role.CLIENT),
                PacketProtection.initial(version, originalDestinationId, Role.SERVER), now);
    }

    /**
     * {@return a server connection for a client's first Initial, with the Initial keys the endpoint already
     * derived to open that Initial} (so that a new connection costs one derivation)
     *
     * @param clientInitial the protection of the client's Initials (RFC 9001 §5.2), which the server opens
     * @param serverInitial the protection of the server's Initials, which it seals
     */
    public static QuicConnection server(ConnectionConfig config, RandomGenerator random,
                                        StatelessResetTokens tokens, ConnectionIdRegistry registry,
                                        QuicVersion version, ConnectionId originalDestinationId,
                                        ConnectionId clientSourceId, PacketProtection clientInitial,
                                        PacketProtection serverInitial, long now) {
        Objects.requireNonNull(config, "config");
        ConnectionId source = registry.newConnectionId(random, config.connectionIdLength());
        QuicConnection c = new QuicConnection(Role.SERVER, config, random, version, originalDestinationId,
                source, tokens, registry, Objects.requireNonNull(clientInitial, "clientInitial"),
                Objects.requireNonNull(serverInitial, "serverInitial"), now);
        c.peerIds = new PeerConnectionIds(clientSourceId, null, config.activeConnectionIdLimit(), registry);
        c.peerInitialSourceId = clientSourceId;
        c.peerSourceIdLearned = true;
        return c;
    }

    // ------------------------------------------------------------------------------------------------
    // Address validation tokens (RFC 9000 §8.1)

    /**
     * Tells a new server connection that its client proved its address with a token (RFC 9000 §8.1.2, §8.1.3):
     * nothing it sends is held to three times what it received. After a Retry, {@code retrySourceId} is the Source
     * Connection ID the Retry carried, which our transport parameters then name (§7.3); null for a NEW_TOKEN token.
     * Call before the handshake reads our transport parameters.
     */
    public void addressValidatedByToken(ConnectionId retrySourceId) {
        if (role != Role.SERVER) {
            throw new IllegalStateException("only a server validates its peer's address by a token");
        }
        this.retrySourceId = retrySourceId;
        amplification.validateAddress();
    }

    /**
     * Gives a server connection the token to send in a NEW_TOKEN frame once its handshake is confirmed (RFC 9000
     * §8.1.3: the client can then skip Retry on its next connection); sent again if lost.
     */
    public void offerNewToken(byte[] token) {
        if (role != Role.SERVER) {
            throw new IllegalStateException("only a server sends NEW_TOKEN (RFC 9000 §19.7)");
        }
        if (token == null || token.length == 0) {
            throw new IllegalArgumentException("a NEW_TOKEN token is never empty (RFC 9000 §19.7)");
        }
        this.newToken = token.clone();
        this.newTokenPending = true;
    }

    /**
     * Makes a client connection's Initial packets carry {@code token}, from a NEW_TOKEN frame of an earlier
     * connection to the same server (RFC 9000 §8.1.3), until a Retry gives another. Call before the first datagram.
     */
    public void useToken(byte[] token) {
        if (role != Role.CLIENT) {
            throw new IllegalStateException("only a client sends a token in its Initials");
        }
        this.initialToken = token == null || token.length == 0 ? null : ByteBuffer.wrap(token.clone()).asReadOnlyBuffer();
    }

    /** Hands the token of every NEW_TOKEN frame this client connection receives to {@code sink} (a copy each). */
    public void onNewToken(Consumer<byte[]> sink) {
        this.newTokenSink = sink;
    }

    /** A client received a NEW_TOKEN frame's token (RFC 9000 §19.7). */
    void newTokenReceived(byte[] token) {
        if (newTokenEvents) {
            // Copied before the sink sees the array. Coalesced: one event waits at most, with the latest token.
            if (newTokenEventQueued) {
                newerToken = token.clone();
            } else {
                newTokenEventQueued = true;
                events.add(new ConnectionEvent.NewToken(token));
            }
        }
        if (newTokenSink != null) {
            newTokenSink.accept(token);
        }
    }

    /**
     * Turns the {@link ConnectionEvent.Notification}s on or off (the socket draft's QUIC_EVENT_KEY_UPDATE and
     * QUIC_EVENT_NEW_TOKEN, §6); both are off at first, and while off nothing of them is allocated or queued. Turning
     * one off leaves those already queued to be polled. Both are gated, though key updates are rare, so that a
     * consumer hears only of what it asked for, as with the draft's EVENT option.
     *
     * <p>Neither can grow the queue without bound: a key update is reported once, and the next cannot start before
     * it completed; NEW_TOKEN frames are coalesced, one {@link ConnectionEvent.NewToken} waiting at most, carrying
     * the latest token when polled (a client needs only the latest, RFC 9000 §8.1.3).
     *
     * @param keyUpdate report each completed key update ({@link ConnectionEvent.KeyUpdated}), ours and the peer's
     * @param newToken report each NEW_TOKEN frame a client receives ({@link ConnectionEvent.NewToken}), in addition to
     *     the sink of {@link #onNewToken}
     */
    public void setEvents(boolean keyUpdate, boolean newToken) {
        oneRtt.reportTo(keyUpdate ? events : null);
        newTokenEvents = newToken;
    }

    // ------------------------------------------------------------------------------------------------
    // Getters

    /** {@return whether the handshake completed on this side, even if the connection has ended since} */
    public boolean handshakeCompleted() {
        return handshakeCompleted;
    }

    /** {@return when the connection was made, on the clock of the {@code now} it was given} */
    public long createdAt() {
        return createdAt;
    }

    /** {@return CLIENT or SERVER} */
    public Role role() {
        return role;
    }

    /** {@return where the connection stands} */
    public ConnectionState state() {
        return state;
    }

    /** {@return why the connection closed, or null while it is open} */
    public ConnectionError closeError() {
        return closeError;
    }

    /** {@return the streams of this connection: open, write, read, reset, and their events} */
    public StreamManager streams() {
        return streams;
    }

    /** {@return the negotiated ALPN protocol, or null} */
    public String applicationProtocol() {
        return applicationProtocol;
    }

    /** {@return the cipher suite of the 1-RTT keys, or null before they are installed} */
    public CipherSuite cipherSuite() {
        return oneRtt.sealer != null ? oneRtt.sealer.suite() : oneRtt.opener != null ? oneRtt.opener.suite() : null;
    }

    /** {@return the peer's transport parameters, or null before they arrived} */
    public TransportParameters peerTransportParameters() {
        return peerParameters;
    }

    /** {@return the Destination Connection ID of the client's first Initial} */
    public ConnectionId originalDestinationId() {
        return originalDestinationId;
    }

    /** {@return the connection ID we put in our long headers} */
    public ConnectionId localId() {
        return localIds.initial();
    }

    /** {@return the connection ID we address the peer with now} */
    public ConnectionId peerId() {
        return peerIds.current();
    }

    /**
     * Moves to the next connection ID the peer issued that we never sent to, and retires the one in use with a
     * RETIRE_CONNECTION_ID frame (RFC 9000 §5.1.2), so that packets sent from now on cannot be linked to earlier
     * ones by their Destination Connection ID.
     *
     * @throws IllegalStateException if the connection is closing, the peer offered no unused ID (it issues them in
     *     NEW_CONNECTION_ID frames after the handshake), or we already owe the peer as many retirements as we track
     */
    public void switchPeerConnectionId() {
        ensureNotClosing();
        if (peerIds.unusedCount() == 0) {
            throw new IllegalStateException("no spare connection ID from the peer: it issued none we have not used");
        }
        if (!peerIds.rotate()) {
            throw new IllegalStateException("too many connection ID retirements not yet acknowledged by the peer");
        }
    }

    /**
     * Sends to the peer's connection ID {@code sequenceNumber} from now on and retires every one of its IDs below
     * {@code retirePriorTo} with RETIRE_CONNECTION_ID frames (RFC 9000 §5.1.2); the socket draft's CONNECTION_ID
     * option with {@code dest} set.
     *
     * @throws IllegalArgumentException if {@code sequenceNumber} names no active ID of the peer, {@code
     *     retirePriorTo} exceeds it, or the call would change nothing (already in use, nothing below to retire)
     * @throws IllegalStateException if the connection is closing or we already owe the peer as many retirements as
     *     we track
     */
    public void usePeerConnectionId(long sequenceNumber, long retirePriorTo) {
        ensureNotClosing();
        if (sequenceNumber == peerIds.currentSequenceNumber() && retirePriorTo <= peerIds.lowestActiveSequenceNumber()) {
            throw new IllegalArgumentException("peer connection ID " + sequenceNumber
                    + " is in use already and none below " + retirePriorTo + " is active");
        }
        if (!peerIds.use(sequenceNumber, retirePriorTo)) {
            throw new IllegalStateException("too many connection ID retirements not yet acknowledged by the peer");
        }
    }

    /** {@return the sequence number of the peer's connection ID we send to now} */
    public long peerConnectionIdSequenceNumber() {
        return peerIds.currentSequenceNumber();
    }

    /** {@return the lowest sequence number of the peer's connection IDs we have not retired} */
    public long peerConnectionIdLowestSequenceNumber() {
        return peerIds.lowestActiveSequenceNumber();
    }

    /** {@return how many of the peer's connection IDs we have not retired and never sent to} */
    public int peerConnectionIdsUnused() {
        return peerIds.unusedCount();
    }

    /**
     * Asks the peer to retire every connection ID we issued below {@code sequenceNumber}: replacements go out in
     * NEW_CONNECTION_ID frames whose Retire Prior To carries the request (RFC 9000 §5.1.2, §19.15), and the old IDs
     * keep routing until the peer retires them.
     *
     * @throws IllegalArgumentException if {@code sequenceNumber} does not raise the lowest ID the peer may use, or
     *     reaches beyond the last ID issued (the peer would be left with none it knows)
     * @throws IllegalStateException if the connection is closing, we use zero-length IDs, the handshake is not
     *     complete, or the peer has not yet retired what an earlier request asked (RFC 9000 §5.1.2)
     */
    public void retireLocalConnectionIdsBefore(long sequenceNumber) {
        ensureNotClosing();
        if (config.connectionIdLength() == 0) {
            throw new IllegalStateException("zero-length connection IDs cannot be retired");
        }
        if (!state.isEstablished()) {
            // Our long headers carry the initial ID until the handshake is done (RFC 9000 §7.2).
            throw new IllegalStateException("connection IDs are retired only after the handshake");
        }
        long lowest = localIds.lowestUsableSequenceNumber();
        long last = localIds.nextSequenceNumber() - 1;
        if (sequenceNumber <= lowest || sequenceNumber > last) {
            throw new IllegalArgumentException("cannot retire our connection IDs below " + sequenceNumber
                    + ": the peer may use " + lowest + " to " + last);
        }
        if (localIds.retirementOutstanding()) {
            throw new IllegalStateException("the peer has not yet retired the IDs below " + localIds.retirePriorTo());
        }
        localIds.retireAllBefore(sequenceNumber);
    }

    /** {@return the lowest sequence number of our connection IDs the peer may still use} */
    public long localConnectionIdLowestSequenceNumber() {
        return localIds.lowestUsableSequenceNumber();
    }

    /** {@return how many of our connection IDs the peer has not retired, those asked to retire included} */
    public int localConnectionIdsActive() {
        return localIds.activeCount();
    }

    /** {@return the sequence number the next connection ID we issue gets} */
    public long localConnectionIdNextSequenceNumber() {
        return localIds.nextSequenceNumber();
    }

    /**
     * {@return true if the peer sent disable_active_migration (RFC 9000 §18.2): we must not move the connection to
     * another local address on our own initiative (§9)} False before the peer's transport parameters arrived.
     */
    public boolean peerDisablesActiveMigration() {
        return peerParameters != null && peerParameters.disableActiveMigration();
    }

    /**
     * {@return true if this endpoint may move the connection to another local address on its own initiative now}
     * Only a client migrates (RFC 9000 §9), only once the handshake is confirmed (§9 ¶3), not when the peer sent
     * disable_active_migration (§9 ¶5), and only with a connection ID of the peer we never sent to, as a new path
     * needs one (§9.5); lacking one, the client stays where it is and keeps the ID in use (§5.1.1).
     */
    public boolean canMigrateActively() {
        return role == Role.CLIENT && state == ConnectionState.CONFIRMED && !peerDisablesActiveMigration()
                && peerIds.unusedCount() > 0;
    }

    private void ensureNotClosing() {
        if (state.isClosingOrClosed()) {
            throw new IllegalStateException("the connection is " + state);
        }
    }

    /** {@return the QUIC version in use} */
    public QuicVersion version() {
        return version;
    }

    /**
     * {@return how many times this client started its handshake over: a Version Negotiation packet made it start a
     * new attempt with another version (RFC 9368 §2.1)} The handshake driver then begins again with a new
     * ClientHello carrying {@link #localTransportParameters()} anew. 0 for a server.
     */
    public int handshakeAttempt() {
        return versions.attempt;
    }

    void setVersion(QuicVersion v) {
        version = v;
        builder.setVersion(v);
    }

    /** {@return the RTT estimator, read-only use} */
    public RttEstimator rtt() {
        return recovery.rtt();
    }

    /** {@return the congestion controller, read-only use} */
    public CongestionController congestion() {
        return congestion;
    }

    /**
     * {@return the largest UDP payload this connection sends now} It starts at the configured size, is lowered to
     * the peer's max_udp_payload_size, and moves with path MTU discovery when that is on.
     */
    public int maxDatagramSize() {
        return maxDatagramSize;
    }

    /**
     * Queues an unreliable datagram (RFC 9221) holding {@code data}'s remaining bytes, which it consumes. It
     * leaves in a DATAGRAM frame when congestion control allows, and is not sent again if its packet is lost.
     *
     * @return false, consuming nothing, if the send queue is full
     * @throws IllegalStateException if the handshake is not complete (and no 0.5-RTT data may be sent, see
     *     {@link #canSendHalfRtt()}), or the peer accepts no datagrams
     *     (max_datagram_frame_size 0 or absent)
     * @throws IllegalArgumentException if the datagram exceeds {@link #maxDatagramPayload()}: the peer's
     *     max_datagram_frame_size or what one packet carries
     */
    public boolean sendDatagram(ByteBuffer data) {
        if (!mayWriteApplicationData()) {
            throw new IllegalStateException("datagrams go once the handshake is complete (or as 0.5-RTT data); the "
                    + "connection is " + state);
        }
        if (peerParameters.maxDatagramFrameSize() == 0) {
            throw new IllegalStateException("the peer accepts no datagrams (max_datagram_frame_size 0)");
        }
        int max = maxDatagramPayload();
        if (data.remaining() > max) {
            throw new IllegalArgumentException("a datagram of " + data.remaining() + " bytes is larger than the "
                    + max + " the peer's max_datagram_frame_size and one packet allow");
        }
        return datagrams.offer(data);
    }

    /**
     * {@return the largest datagram {@link #sendDatagram} takes now, 0 if none} The peer's
     * max_datagram_frame_size less the frame's own bytes, and at most what one 1-RTT packet of the current
     * datagram size carries.
     */
    public int maxDatagramPayload() {
        if (peerParameters == null || peerParameters.maxDatagramFrameSize() == 0) {
            return 0;
        }
        int frame = (int) Math.min(peerParameters.maxDatagramFrameSize(), largestDatagramFrame());
        return Math.max(0, frame - 1 - VarInt.size(frame));
    }

    /**
     * Moves the next received datagram into {@code dst}.
     *
     * @return its length, or -1 if none waits
     * @throws IllegalArgumentException if {@code dst} has less room than the datagram, which then stays queued
     */
    public int receiveDatagram(ByteBuffer dst) {
        int length = datagrams.nextLength();
        if (length < 0) {
            return -1;
        }
        if (dst.remaining() < length) {
            throw new IllegalArgumentException("a datagram of " + length + " bytes does not fit in "
                    + dst.remaining());
        }
        return datagrams.poll(dst);
    }

    /** {@return the length of the next received datagram, or -1 if none waits} */
    public int nextDatagramLength() {
        return datagrams.nextLength();
    }

    /** {@return whether a received datagram waits for {@link #receiveDatagram}} */
    public boolean hasDatagram() {
        return datagrams.nextLength() >= 0;
    }

    /** {@return datagrams received but dropped because the receive queue was full (RFC 9221 §5 allows it)} */
    public long datagramsDroppedOnArrival() {
        return datagrams.droppedOnArrival();
    }

    /** {@return queued datagrams discarded unsent: the path's datagram size shrank below them} */
    public long datagramsDiscardedUnsent() {
        return datagrams.discardedUnsent();
    }

    /** The largest DATAGRAM frame a 1-RTT packet of the current datagram size has room for. */
    int largestDatagramFrame() {
        // Short header: first byte, the peer's connection ID, a packet number of up to 4 bytes; then the tag.
        return maxDatagramSize - 1 - peerIds.current().length() - 4 - TAG;
    }

    /** {@return the number of Retry packets this client followed: 0 or 1 (RFC 9000 §17.2.5.2)} */
    public int retries() {
        return retries;
    }

    /** {@return true once the server validated the client's address (always true on a client)} */
    public boolean isAddressValidated() {
        return amplification.isAddressValidated();
    }

    /** {@return UDP payload bytes received, all datagrams counted} */
    public long bytesReceived() {
        return amplification.bytesReceived();
    }

    /** {@return UDP payload bytes sent} */
    public long bytesSent() {
        return amplification.bytesSent();
    }

    /** {@return packets opened and processed} */
    public long packetsReceived() {
        return packetsReceived;
    }

    /** {@return packets dropped: undecryptable, duplicate, or of a discarded space} */
    public long packetsDropped() {
        return packetsDropped;
    }

    /** {@return packets declared lost (RFC 9002 §6.1)} */
    public long packetsLost() {
        return recovery.packetsLost();
    }

    /** {@return packets sent} */
    public long packetsSent() {
        return builder.packetsSent();
    }

    /** {@return the number of key updates the peer started that we followed} */
    public long keyUpdates() {
        return oneRtt.updates;
    }

    /**
     * {@return the number of key updates this side started} RFC 9001 §6; see
     * {@link ConnectionConfig#keyUpdateInterval()}.
     */
    public long keyUpdatesInitiated() {
        return oneRtt.initiated;
    }

    /**
     * Starts a 1-RTT key update now (RFC 9001 §6.1; the socket draft's QUIC_SOCKOPT_KEY_UPDATE): packets are sealed
     * with the next keys from the next one on, and a PING goes out with them, so that the peer answers in the new
     * phase and acknowledges it without waiting for application data. {@link ConnectionEvent.KeyUpdated} tells when
     * the update is complete, if asked for ({@link #setEvents}).
     *
     * @param now the time of the call: previous read keys whose three PTOs are over by then are dropped first, so
     *     that a call made as they expire is not refused for them
     * @throws IllegalStateException (the kernel module's EPIPE) if the connection is closing or closed, or the
     *     handshake is not confirmed (RFC 9001 §6.1: no update before); (its EINVAL) if an update is in progress
     *     ({@link #keyUpdateInProgress()}), the reason saying which step it waits for
     */
    public void initiateKeyUpdate(long now) {
        ensureNotClosing();
        if (state != ConnectionState.CONFIRMED) {
            throw new IllegalStateException("the handshake is not confirmed yet: no key update before it is"
                    + " (RFC 9001 §6.1)");
        }
        oneRtt.onTimeout(now);
        String refusal = oneRtt.updateRefusal();
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        oneRtt.initiate();
        // An ack-eliciting packet of the new phase, which the peer answers in it (RFC 9001 §6.2).
        pingPending = true;
    }

    /**
     * {@return true while a key update, ours or the peer's, is not over: the peer has not answered in the new phase,
     * no packet of the new phase was acknowledged (RFC 9001 §6.1), or the previous read keys are still kept, for
     * three PTOs after the switch (§6.5)} {@link #initiateKeyUpdate} refuses then; the automatic updates of {@link
     * ConnectionConfig#keyUpdateInterval()} wait. False before both 1-RTT keys are installed.
     */
    public boolean keyUpdateInProgress() {
        return oneRtt.canSend() && oneRtt.canReceive() && oneRtt.updateRefusal() != null;
    }

    /** {@return the Key Phase bit of the keys we send 1-RTT packets with (RFC 9001 §6): 0 before any update} */
    public int keyPhase() {
        return oneRtt.canSend() ? oneRtt.sealer.keyPhase() : 0;
    }

    /**
     * {@return the next connection event, or null} A coalesced {@link ConnectionEvent.NewToken} carries the latest
     * token (see {@link #setEvents}).
     */
    public ConnectionEvent pollEvent() {
        if (events.isEmpty()) {
            noteConnectionIdChanges();
        }
        ConnectionEvent e = events.poll();
        if (e instanceof ConnectionEvent.NewToken && newTokenEventQueued) {
            newTokenEventQueued = false;
            if (newerToken != null) {
                e = new ConnectionEvent.NewToken(newerToken);
                newerToken = null;
            }
        }
        return e;
    }

    /**
     * Queues a {@link ConnectionEvent.ConnectionIdsChanged} for each side whose connection IDs changed since the last
     * look (the socket draft's QUIC_EVENT_CONNECTION_ID): the peer's ID in use or the lowest not retired, or the
     * lowest of ours the peer may use. Read when events are polled, so the packet path pays nothing for it.
     */
    private void noteConnectionIdChanges() {
        if (peerIds == null || state == ConnectionState.CLOSED) {
            return;
        }
        long active = peerIds.currentSequenceNumber();
        long lowest = peerIds.lowestActiveSequenceNumber();
        if (active != reportedPeerIdActive || lowest != reportedPeerIdLowest) {
            if (reportedPeerIdActive >= 0) {
                events.add(new ConnectionEvent.ConnectionIdsChanged(true, active, lowest));
            }
            reportedPeerIdActive = active;
            reportedPeerIdLowest = lowest;
        }
        long local = localIds.lowestUsableSequenceNumber();
        if (local != reportedLocalIdLowest) {
            if (reportedLocalIdLowest >= 0) {
                events.add(new ConnectionEvent.ConnectionIdsChanged(false, local, local));
            }
            reportedLocalIdLowest = local;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The handshake side (RFC 9001 §4.1): what a TLS engine reads and writes. Calls that can change a deadline
    // take the time; handshakeChannel(clock) gives the same calls as a HandshakeChannel.

    /**
     * {@return this connection's handshake calls as a {@link HandshakeChannel}, each call that changes a deadline
     * stamped with {@code clock}'s time} The clock must be the one the connection's other calls are given.
     */
    public HandshakeChannel handshakeChannel(LongSupplier clock) {
        return new ClockedHandshakeChannel(this, clock);
    }

    /** {@return whether this is the client's end} */
    public boolean isClient() {
        return role == Role.CLIENT;
    }

    /** {@return the level of the handshake bytes read into {@code dst}, or null if none are waiting} */
    public EncryptionLevel readHandshake(ByteBuffer dst) {
        for (PacketSpace space : spaces) {
            if (space.discarded && space.id != PacketNumberSpace.APPLICATION) {
                continue;
            }
            if (space.crypto.read(dst) > 0) {
                return space.level;
            }
        }
        return null;
    }

    /**
     * Copies the Initial CRYPTO bytes received in order from offset 0 into {@code dst}, as many as fit, without
     * consuming them: a server's endpoint reads the client's ClientHello there to choose a listener by its ALPN
     * before the handshake reads it. {@return the number copied; 0 if none, or once the handshake read any}
     */
    public int peekInitialCrypto(ByteBuffer dst) {
        PacketSpace initial = spaceOf(EncryptionLevel.INITIAL);
        return initial.discarded ? 0 : initial.crypto.peekFromStart(dst);
    }

    /** {@return whether handshake bytes wait for {@link #readHandshake} at some level} Allocates nothing. */
    public boolean hasHandshakeInput() {
        for (PacketSpace space : spaces) {
            if ((!space.discarded || space.id == PacketNumberSpace.APPLICATION) && space.crypto.readable()) {
                return true;
            }
        }
        return false;
    }

    /** Queues handshake bytes to leave in CRYPTO frames at {@code level}; see {@link HandshakeChannel}. */
    public void writeHandshake(EncryptionLevel level, ByteBuffer data, long now) {
        if (state.isClosingOrClosed()) {
            // The handshake raced a close: nothing more leaves.
            data.position(data.limit());
            return;
        }
        PacketSpace space = spaceOf(level);
        if (space.discarded) {
            throw new IllegalStateException(level + " keys are already discarded");
        }
        if (space.id == PacketNumberSpace.APPLICATION ? !oneRtt.canSend() : space.sealer == null) {
            throw new IllegalStateException("no " + level + " write keys for handshake data");
        }
        space.crypto.write(data);
    }

    /** Installs a secret the TLS engine derived; see {@link HandshakeChannel}. */
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret,
            long now) {
        if (level == EncryptionLevel.INITIAL) {
            throw new IllegalArgumentException("Initial keys come from the connection ID (RFC 9001 §5.2)");
        }
        if (state.isClosingOrClosed()) {
            return;
        }
        if (level == EncryptionLevel.EARLY_DATA) {
            // RFC 9001 §4.6.1: a client only writes, a server only reads 0-RTT packets.
            if (direction == (role == Role.CLIENT ? KeyDirection.WRITE : KeyDirection.READ)) {
                earlyData.onKeys(PacketProtection.fromSecret(suite, version, secret), now);
            }
            return;
        }
        PacketProtection keys = PacketProtection.fromSecret(suite, version, secret);
        if (qlog != null) {
            // qlog's KeyType names the side whose secret it is: our write secret is our role's.
            boolean ours = direction == KeyDirection.WRITE;
            String side = (role == Role.CLIENT) == ours ? "client" : "server";
            qlog.keyUpdated(side + (level == EncryptionLevel.HANDSHAKE ? "_handshake_secret" : "_1rtt_secret"), "tls",
                    0, now);
        }
        if (level == EncryptionLevel.HANDSHAKE) {
            PacketSpace space = spaces[1];
            if (direction == KeyDirection.WRITE) {
                requireUnset(space.sealer, level, direction);
                space.sealer = keys;
                recovery.setHasHandshakeKeys(true);
            } else {
                requireUnset(space.opener, level, direction);
                space.opener = keys;
                receiver.processPending(space, now);
            }
            earlyData.onHandshakeKeys();
        } else {
            if (direction == KeyDirection.WRITE) {
                requireUnset(oneRtt.sealer, level, direction);
                oneRtt.sealer = keys;
                if (canSendHalfRtt()) {
                    // RFC 9001 §5.7: the server's write keys come with its Finished; 0.5-RTT data may follow.
                    events.add(new ConnectionEvent.HalfRttReady());
                }
                if (role == Role.CLIENT) {
                    // RFC 9001 §4.9.3: a client discards its 0-RTT keys once it has 1-RTT keys.
                    earlyData.end();
                }
            } else {
                requireUnset(oneRtt.opener, level, direction);
                oneRtt.opener = keys;
                receiver.processPending(spaces[2], now);
            }
        }
    }

    private static void requireUnset(PacketProtection p, EncryptionLevel level, KeyDirection direction) {
        if (p != null) {
            throw new IllegalStateException(level + " " + direction + " secret already installed");
        }
    }

    /**
     * The client offers early data; until the server's parameters arrive, 0-RTT stream data keeps within the
     * limits of {@code rememberedTransportParameters} (RFC 9000 §7.4.1). See {@link HandshakeChannel}.
     */
    public void earlyDataAttempt(byte[] rememberedTransportParameters, long now) {
        if (!state.isClosingOrClosed()) {
            earlyData.onAttempt(Objects.requireNonNull(rememberedTransportParameters, "rememberedTransportParameters"));
        }
    }

    /**
     * The server accepted or rejected the early data; a client whose 0-RTT was rejected sends its stream data again
     * in 1-RTT packets (RFC 9001 §4.6.2). See {@link HandshakeChannel}.
     */
    public void earlyDataStatus(boolean accepted, long now) {
        if (!state.isClosingOrClosed()) {
            earlyData.onStatus(accepted);
        }
    }

    /** {@return whether this client offered early data with usable remembered parameters, or this server took it} */
    public boolean earlyDataAttempted() {
        return earlyData.attempted();
    }

    /** {@return whether the server accepted the early data; null until known or when none was offered} */
    public Boolean earlyDataAccepted() {
        return earlyData.accepted();
    }

    /** {@return whether a client can send stream data as 0-RTT now: before the handshake, with 0-RTT keys} */
    public boolean canSendEarlyData() {
        return earlyData.canSend() && state == ConnectionState.HANDSHAKING;
    }

    /**
     * {@return whether this server may send 0.5-RTT data now (RFC 9001 §4.1.1, §5.7; RFC 9000 §7)} True on a server
     * configured for it ({@link ConnectionConfig#halfRttData()}) from the moment it has its 1-RTT write keys (its
     * Finished is then queued, and leaves ahead of any application data) until the handshake completes: its
     * application may then read what arrived in 0-RTT and write streams and datagrams, which leave in 1-RTT packets
     * within flow control, congestion control and the anti-amplification limit. The client is not authenticated
     * yet; its own 1-RTT packets still wait for the handshake to complete (RFC 9001 §5.7: the TLS engine installs the
     * client's 1-RTT read keys only with the client's Finished, and they are buffered until then). Once established
     * this is false again and
     * {@link #state()} says what it always said. A {@link ConnectionEvent.HalfRttReady} marks when it becomes true.
     */
    public boolean canSendHalfRtt() {
        return role == Role.SERVER && config.halfRttData() && state == ConnectionState.HANDSHAKING
                && oneRtt.canSend() && peerParameters != null;
    }

    /** {@return whether stream data and DATAGRAM frames may leave in 1-RTT packets: once established, or as 0.5-RTT} */
    boolean mayWriteApplicationData() {
        return state.isEstablished() || canSendHalfRtt();
    }

    /** {@return 0-RTT packets sent (a client)} */
    public long zeroRttPacketsSent() {
        return earlyData.packetsSent;
    }

    /** {@return 0-RTT packets opened and processed (a server)} */
    public long zeroRttPacketsReceived() {
        return earlyData.packetsReceived;
    }

    /** {@return this end's transport parameters, encoded (RFC 9000 §18)} */
    public byte[] localTransportParameters() {
        return parameters.local();
    }

    /** Takes the peer's transport parameters from the TLS engine; see {@link HandshakeChannel}. */
    public void peerTransportParameters(byte[] encoded, long now) {
        parameters.onPeerParameters(encoded, now);
    }

    /** The TLS handshake completed (RFC 9001 §4.1.1); see {@link HandshakeChannel}. */
    public void handshakeComplete(String applicationProtocol, long now) {
        // Kept even if the peer closed in the meantime: the handshake did complete.
        this.applicationProtocol = applicationProtocol;
        if (state != ConnectionState.HANDSHAKING) {
            return;
        }
        if (peerParameters == null) {
            closeWithError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, 0,
                    "handshake completed without the peer's transport parameters", now);
            return;
        }
        state = ConnectionState.ESTABLISHED;
        handshakeCompleted = true;
        events.add(new ConnectionEvent.HandshakeCompleted(applicationProtocol));
        HandshakeEvent recorded = new HandshakeEvent();
        if (recorded.shouldCommit()) {
            recorded.role = role == Role.SERVER ? "server" : "client";
            recorded.handshakeTime = now - createdAt;
            recorded.alpn = applicationProtocol;
            recorded.version = version.name();
            recorded.retry = retries() > 0;
            recorded.commit();
        }
        if (role == Role.SERVER) {
            // RFC 9001 §4.1.2: the server's handshake is confirmed once complete; it says so with
            // HANDSHAKE_DONE.
            handshakeDonePending = true;
            confirmHandshake();
        } else if (handshakeDoneEarly) {
            // RFC 9001 §4.1.2: the server's HANDSHAKE_DONE, acknowledged already, will not come again.
            confirmHandshake();
        }
    }

    /**
     * The peer's handshake broke a rule whose error is PROTOCOL_VIOLATION (RFC 9001 §4.6.1): closes with it; see
     * {@link HandshakeChannel#protocolViolation}.
     */
    public void handshakeViolation(String reason, long now) {
        closeWithError(TransportErrorCode.PROTOCOL_VIOLATION, 0, reason, now);
    }

    /** The TLS handshake failed with {@code alert}: closes with its CRYPTO_ERROR (RFC 9001 §4.8). */
    public void handshakeFailed(int alert, String reason, long now) {
        closeWithError(TransportErrorCode.cryptoError(alert), 0, reason, now);
    }

    /** {@return whether the handshake is still under way} */
    public boolean isHandshaking() {
        return state == ConnectionState.HANDSHAKING;
    }

    void confirmHandshake() {
        if (state == ConnectionState.CONFIRMED) {
            return;
        }
        state = ConnectionState.CONFIRMED;
        recovery.setHandshakeConfirmed();
        // RFC 9001 §4.9.2: Handshake keys go once the handshake is confirmed.
        discardSpace(spaces[1]);
        discardSpace(spaces[0]);
        // RFC 9001 §4.9.3: so do 0-RTT keys (a server's: a client's went with its 1-RTT keys).
        earlyData.end();
        events.add(new ConnectionEvent.HandshakeConfirmed());
        // RFC 9000 §9.6.1: a client moves to the server's preferred address only once the handshake is confirmed.
        preferredAddressDue = role == Role.CLIENT && peerParameters != null
                && peerParameters.preferredAddress() != null && config.migrateToPreferredAddress();
        if (role == Role.CLIENT && peerParameters != null && peerParameters.preferredAddress() != null
                && !config.migrateToPreferredAddress()) {
            declinePreferredAddress();
        }
    }

    /**
     * The connection ended: every secret and key it holds is overwritten (RFC 9001 §9; best effort, see
     * {@link PacketProtection#destroy}).
     */
    void destroyKeys() {
        for (PacketSpace space : spaces) {
            if (space.sealer != null) {
                space.sealer.destroy(true);
            }
            if (space.opener != null) {
                space.opener.destroy(true);
            }
        }
        oneRtt.destroy();
    }

    void discardSpace(PacketSpace space) {
        if (space.discarded) {
            return;
        }
        outcome.clear();
        recovery.discardSpace(space.id, outcome);
        fate.leaveFlight(outcome, null);
        space.discard();
        // The last packets built in the space keep it and its sealer: let the discarded keys go (idle memory).
        builder.forget(space);
    }

    // ------------------------------------------------------------------------------------------------
    // Receiving

    /**
     * Processes one UDP datagram from the peer: every packet coalesced in it (RFC 9000 §12.2). Bad packets
     * are dropped as the RFC says; a protocol violation closes the connection with its error code. The
     * datagram is the bytes from the buffer's position to its limit; they are decrypted in place, and the
     * position and limit are left as they are. Handing every datagram in the same buffer (as an I/O
     * runtime that receives into one does) spares the one view the connection makes of a buffer. Never
     * throws: a fault of qsock's own closes the connection with INTERNAL_ERROR and is kept for {@link
     * #internalError()}.
     */
    public void handleDatagram(ByteBuffer datagram, long now) {
        try {
            receiver.receive(datagram, now);
            if (qlog != null) {
                qlog.metrics(rtt(), congestion, now);
            }
        } catch (RuntimeException e) {
            fail(e, now);
        }
    }

    /**
     * Processes one datagram that came from an address other than the peer's current one. Its packets count only
     * if they authenticate; the peer is taken to have moved there (RFC 9000 §9.3) only if one of them is a 1-RTT
     * packet with a non-probing frame and the highest packet number received yet. Then what is sent to the new
     * address is limited to three times what arrived from it (§8.1, §9.3.1) until a PATH_CHALLENGE this sends
     * there is answered (§8.2); the caller sends to the new address from then on. If that validation fails
     * (§8.2.4), {@link #takePeerAddressReverted()} tells the caller to go back to the last validated address
     * (§9.3.2); the previous address is challenged once too ({@link #lastDatagramToPreviousPeer()}, §9.3.3). A client
     * drops datagrams from anywhere but its server (only clients migrate, §9). Never throws (see {@link
     * #handleDatagram}).
     *
     * @return true if the peer moved to the datagram's source address
     */
    public boolean handleDatagramFromNewAddress(ByteBuffer datagram, long now) {
        return handleDatagramFromNewAddress(datagram, false, now);
    }

    /**
     * As {@link #handleDatagramFromNewAddress(ByteBuffer, long)}, saying whether the new address differs from the
     * peer's current one only in its port: then, once it is validated, congestion control and the RTT estimate are
     * kept (RFC 9000 §9.4 allows it for a NAT rebinding); otherwise they start again from their initial values.
     *
     * @return true if the peer moved to the datagram's source address
     */
    public boolean handleDatagramFromNewAddress(ByteBuffer datagram, boolean portOnly, long now) {
        if (role == Role.CLIENT) {
            datagramsFromUnknownAddresses++;
            return false;
        }
        int length = datagram.remaining();
        receivingFromNewAddress = true;
        peerMoved = false;
        answersNewAddress = false;
        boolean owedBefore = paths.hasOtherPathResponse();
        try {
            receiver.receive(datagram, now);
        } catch (RuntimeException e) {
            fail(e, now);
        } finally {
            receivingFromNewAddress = false;
        }
        boolean newId = receiver.newAddressIdIsNew;
        if (!peerMoved || state.isClosingOrClosed()) {
            if (paths.hasOtherPathResponse() && !state.isClosingOrClosed()) {
                if (newId && !chooseOtherPathId()) {
                    // RFC 9000 §9.5: with no ID of the peer unused elsewhere, its probe cannot be answered.
                    paths.dropOtherPathResponses();
                    probesUnanswerable++;
                    return false;
                }
                // RFC 9000 §8.2.2, §9.1: a probe from the new address is answered there, within three times what
                // came from it (§8.1). The answers owed to an address probed before go to this one now.
                answersNewAddress = true;
                amplification.onOtherPathDatagram(length, owedBefore);
            }
            return false;
        }
        peerMoved = false;
        if (newId) {
            sendWithNewIdOnNewPath();
        }
        // What the new address was owed goes to it now that it is the peer's current one.
        paths.otherPathBecameCurrent();
        peerAddressChanges++;
        // A second move before the first was validated keeps the state only if neither changed more than the port.
        movedPortOnly = portOnly && (amplification.isPathValidated() || movedPortOnly);
        // RFC 9000 §9.4: what was sent before the move went on the old path, and says nothing of the new one (after a
        // NAT rebinding, a port-only move, the old mapping is usually gone: its losses are no congestion signal).
        recovery.startNewPath(spaces[2].nextPacketNumber);
        if (amplification.isPathValidated()) {
            // RFC 9000 §9.3.3: the previously active path is challenged too. Only a validated one: a challenge to an
            // address that was never validated would be unlimited traffic to it.
            paths.challengePreviousPath();
        }
        amplification.onPeerMoved(length);
        peerAddressReverted = false;
        // RFC 9000 §8.2.4: the validation fails after three times the larger of the PTO and a new path's PTO.
        paths.start(now + PathValidation.timeoutNanos(recovery.rtt().pto(peerMaxAckDelayNanos, true),
                peerMaxAckDelayNanos));
        timers.set(Timer.PATH_VALIDATION, paths.deadline());
        return true;
    }

    /**
     * The validation of the peer's new address did not succeed in time (RFC 9000 §8.2.4): the connection goes back
     * to the last validated address (§9.3.2), and the caller learns it from {@link #takePeerAddressReverted()}.
     */
    void onPathValidationTimeout() {
        timers.stop(Timer.PATH_VALIDATION);
        if (!paths.isValidating()) {
            return;
        }
        if (previousPathIdSequence >= 0 && peerIds.activeId(previousPathIdSequence) != null) {
            // Back on the old path with its ID; the one sent to the failed address is not used again (§9.5).
            long failed = peerIds.currentSequenceNumber();
            peerIds.use(previousPathIdSequence, 0);
            peerIds.retire(failed);
        }
        previousPathIdSequence = -1;
        paths.fail();
        amplification.revertPath();
        peerAddressReverted = true;
    }

    /** Our PATH_CHALLENGE to the peer's new address was answered: the address is validated (RFC 9000 §8.2.2). */
    void onPathValidated(long now) {
        timers.stop(Timer.PATH_VALIDATION);
        if (previousPathIdSequence >= 0) {
            // The old path's ID is no longer needed: the peer is where it said (RFC 9000 §5.1.2).
            peerIds.retire(previousPathIdSequence);
            previousPathIdSequence = -1;
        }
        amplification.validatePath();
        peerAddressReverted = false;
        if (!movedPortOnly) {
            startOnNewPath(now);
        }
        if (peerAddressChanges > 0) {
            events.add(new ConnectionEvent.Migrated(false));
        }
    }

    /**
     * Picks the peer's connection ID for the answers owed to a new address whose datagram used a new ID of ours (RFC
     * 9000 §9.5: a connection ID is not sent to more than one destination address): the one picked before if that
     * datagram used the same ID as the last such probe, else one never used, the earlier pick retired. {@return
     * false if the peer left us none}
     */
    private boolean chooseOtherPathId() {
        if (otherPathIdSequence >= 0 && receiver.newAddressIdIsOtherPaths
                && peerIds.activeId(otherPathIdSequence) != null) {
            return true;
        }
        if (otherPathIdSequence >= 0 && otherPathIdSequence != peerIds.currentSequenceNumber()) {
            peerIds.retire(otherPathIdSequence);
        }
        otherPathIdSequence = peerIds.reserveUnused();
        if (otherPathIdSequence < 0) {
            return false;
        }
        receiver.otherPathUsesLastNewAddressId();
        return true;
    }

    /**
     * The peer moved to a new address with a new connection ID of ours (active migration, RFC 9000 §9.2): we send
     * there with a new ID of the peer's too (§9.5), the one its probes were answered with if any. The old path's ID
     * stays for the challenge of the old path (§9.3.3) until the new address is validated, then is retired. If the
     * peer left us no unused ID, the current one goes on (counted: the peer's ID supply is its to keep up, §5.1.1).
     */
    private void sendWithNewIdOnNewPath() {
        long sequence = otherPathIdSequence >= 0 && receiver.newAddressIdIsOtherPaths
                && peerIds.activeId(otherPathIdSequence) != null ? otherPathIdSequence : -1;
        if (sequence < 0) {
            if (otherPathIdSequence >= 0 && otherPathIdSequence != peerIds.currentSequenceNumber()) {
                peerIds.retire(otherPathIdSequence);
            }
            sequence = peerIds.reserveUnused();
        }
        otherPathIdSequence = -1;
        receiver.currentPathUsesLastNewAddressId();
        if (sequence < 0) {
            movesWithoutFreshId++;
            return;
        }
        if (previousPathIdSequence >= 0 && previousPathIdSequence != peerIds.currentSequenceNumber()) {
            peerIds.retire(previousPathIdSequence);
        }
        previousPathIdSequence = peerIds.currentSequenceNumber();
        peerIds.use(sequence, 0);
    }

    /** {@return probes from a new address of the peer left unanswered: it left us no unused connection ID (§9.5)} */
    public long probesUnanswerable() {
        return probesUnanswerable;
    }

    /** {@return moves of the peer to a new ID on a new path that we followed with our old ID: it left us none} */
    public long movesWithoutFreshId() {
        return movesWithoutFreshId;
    }

    /**
     * {@return how long a settled path MTU search waits before it probes above its result again}: 30 probe intervals
     * (RFC 8899 §5.1.1 PMTU_RAISE_TIMER; the kernel module's factor, {@link ConnectionConfig#pathMtuProbeIntervalMillis()})
     */
    long pathMtuRaiseIntervalNanos() {
        return config.pathMtuProbeIntervalMillis() * 30 * 1_000_000L;
    }

    /**
     * The connection now sends on a path other than the one it measured (RFC 9000 §9.4): congestion control and the
     * RTT estimator start again from their initial values (RFC 9002 Appendices A.3, B.3), and path MTU discovery
     * from the size the transport parameters allow, which every path must carry (§14.3).
     */
    private void startOnNewPath(long now) {
        if (pathMtu != null) {
            int base = (int) Math.min(config.maxDatagramSize(), peerParameters.maxUdpPayloadSize());
            int ceiling = (int) Math.min(config.pathMtuCeiling(), peerParameters.maxUdpPayloadSize());
            setMaxDatagramSize(base);
            pathMtu = ceiling > base ? new PathMtuSearch(base, ceiling, pathMtuRaiseIntervalNanos(), now) : null;
        }
        congestion.resetToInitial();
        recovery.rtt().resetToInitial();
        pathResets++;
        // RFC 9000 §13.4.2: ECN is validated again on each new path.
        ecn.onNewPath(now);
    }

    // --------------------------------------------------------------------------------------------
    // A client's move to a new path: active migration (RFC 9000 §9.2) and the preferred address (§9.6)

    /**
     * Starts moving this client to a new local address (RFC 9000 §9.2; the socket draft's CONNECTION_MIGRATION
     * option): the new path gets a connection ID of the server never used (§9.5) and carries PATH_CHALLENGEs, in
     * datagrams the caller sends from the new address ({@link #lastDatagramOnOtherPath()}); datagrams that arrive
     * there go to {@link #handleDatagramOnProbePath}. Once the server echoes a challenge the connection moves: its
     * packets go on the new path with the new ID, the old ID is retired, congestion control and the RTT estimate
     * start over (§9.4), and {@link #takeMigrationOutcome()} says so, as does a {@link ConnectionEvent.Migrated}
     * event. Without an echo within three PTOs (§8.2.4) the probe is given up: the connection stays where it was,
     * the new path's ID is retired, and a {@link ConnectionEvent.MigrationFailed} event says so.
     *
     * @throws IllegalStateException if this endpoint may not migrate now ({@link #canMigrateActively()}: a server,
     *     the handshake not confirmed, the peer's disable_active_migration, no spare connection ID of the peer), or a
     *     move is under way already
     */
    public void migrate(long now) {
        ensureNotClosing();
        if (probe.isActive()) {
            throw new IllegalStateException("a move to another path is under way already");
        }
        if (!canMigrateActively()) {
            throw new IllegalStateException(role == Role.SERVER ? "only a client migrates (RFC 9000 §9)"
                    : state != ConnectionState.CONFIRMED ? "the handshake is not confirmed yet (RFC 9000 §9)"
                    : peerDisablesActiveMigration() ? "the peer sent disable_active_migration (RFC 9000 §9)"
                    : "no spare connection ID of the peer for a new path (RFC 9000 §9.5)");
        }
        startProbe(peerIds.reserveUnused(), false, now);
    }

    /**
     * {@return the server's preferred address (RFC 9000 §9.6) for the caller to move this client to, once, after the
     * handshake is confirmed; else null} The caller picks the address of its family and calls {@link
     * #migrateToPreferredAddress}, or {@link #declinePreferredAddress()} if it cannot reach either.
     */
    public PreferredAddress takePreferredAddress() {
        if (!preferredAddressDue || state != ConnectionState.CONFIRMED) {
            return null;
        }
        preferredAddressDue = false;
        return peerParameters.preferredAddress();
    }

    /**
     * Starts moving this client to the server's preferred address (RFC 9000 §9.6.1), the caller sending the new
     * path's datagrams there: as {@link #migrate}, with the connection ID of the preferred_address parameter. The old
     * address keeps serving until the move. Ignored if a move is under way or the ID is gone.
     */
    public void migrateToPreferredAddress(long now) {
        if (state != ConnectionState.CONFIRMED || probe.isActive() || !peerIds.reserve(1)) {
            return;
        }
        startProbe(1, true, now);
    }

    /** The client will not move to the server's preferred address: its connection ID is retired (§5.1.2). */
    public void declinePreferredAddress() {
        if (!state.isClosingOrClosed() && peerIds.currentSequenceNumber() != 1) {
            peerIds.retire(1);
        }
    }

    private void startProbe(long cidSequence, boolean toPreferredAddress, long now) {
        // RFC 9000 §8.2.4: the validation gives up after three times the larger of the PTO and a new path's PTO.
        probe.start(cidSequence, toPreferredAddress, now + PathValidation.timeoutNanos(
                recovery.rtt().pto(peerMaxAckDelayNanos, true), peerMaxAckDelayNanos));
        timers.set(Timer.PATH_PROBE, probe.validation.deadline());
    }

    /**
     * Processes one datagram that a server's client sent, from its current address, to another local address of the
     * server: its preferred address (RFC 9000 §9.6.2). Its PATH_CHALLENGEs are answered from there (§8.2.2), with a
     * new connection ID of the client's if it used a new one of ours (§9.5). Its first non-probing packet, the highest
     * numbered, makes the server probe the path from there toward the client (§9.6.2: the server MUST probe from its
     * preferred address) with an ID of the client's never used (§9.5), the caller sending the datagrams {@link
     * #lastDatagramOnOtherPath()} marks from that address; the server's non-probing packets stay on the original
     * address until the client echoes the probe, then move there ({@link #takeMigrationOutcome()}). Once moved, what
     * still arrives at another address is processed and moves nothing. Never throws (see {@link #handleDatagram}).
     *
     * @return true if the probe of that path starts now
     */
    public boolean handleDatagramAtOtherLocalAddress(ByteBuffer datagram, long now) {
        int length = datagram.remaining();
        receivingFromNewAddress = true;
        peerMoved = false;
        answersNewAddress = false;
        boolean owedBefore = paths.hasOtherPathResponse();
        try {
            receiver.receive(datagram, now);
        } catch (RuntimeException e) {
            fail(e, now);
        } finally {
            receivingFromNewAddress = false;
        }
        boolean moved = peerMoved;
        peerMoved = false;
        if (state.isClosingOrClosed()) {
            return false;
        }
        if (paths.hasOtherPathResponse()) {
            if (receiver.newAddressIdIsNew && !chooseOtherPathId()) {
                paths.dropOtherPathResponses();
                probesUnanswerable++;
            } else {
                answersNewAddress = true;
                amplification.onOtherPathDatagram(length, owedBefore);
            }
        }
        if (!moved || role != Role.SERVER || state != ConnectionState.CONFIRMED || probe.isActive()
                || probe.moves() > 0) {
            return false;
        }
        long sequence = otherPathIdSequence >= 0 && peerIds.activeId(otherPathIdSequence) != null
                ? otherPathIdSequence : peerIds.reserveUnused();
        otherPathIdSequence = -1;
        if (sequence < 0) {
            // RFC 9000 §9.5: no ID of the client's unused elsewhere; the server stays on its original address.
            probesUnanswerable++;
            return false;
        }
        startProbe(sequence, false, now);
        return true;
    }

    /**
     * Processes one datagram that arrived on the path a move probes ({@link #migrate}): its PATH_RESPONSE completes
     * the move, a PATH_CHALLENGE of the server is answered on that path (RFC 9000 §8.2.2). Never throws (see {@link
     * #handleDatagram}).
     */
    public void handleDatagramOnProbePath(ByteBuffer datagram, long now) {
        receivingOnProbePath = probe.isActive();
        try {
            receiver.receive(datagram, now);
        } catch (RuntimeException e) {
            fail(e, now);
        } finally {
            receivingOnProbePath = false;
        }
    }

    /** A PATH_RESPONSE echoed one of the probe's challenges: the connection moves to the new path (§9.2, §9.5). */
    void onProbeAnswered(long now) {
        timers.stop(Timer.PATH_PROBE);
        long sequence = probe.cidSequence();
        if (peerIds.activeId(sequence) == null) {
            abandonProbe();
            return;
        }
        if (!peerIds.moveTo(sequence)) {
            // We owe as many retirements as we track: the old ID stays active a while, but is no longer used.
            peerIds.use(sequence, 0);
        }
        probe.onMoved();
        // The rest of this datagram came on what is now the current path: a PATH_CHALLENGE behind the echo (quiche
        // sends both in one packet) is answered there (RFC 9000 §8.2.2).
        receivingOnProbePath = false;
        paths.otherPathBecameCurrent();
        recovery.startNewPath(spaces[2].nextPacketNumber);
        startOnNewPath(now);
        // A client's move is its own; a server's to its preferred address follows its client's (the draft's event).
        events.add(new ConnectionEvent.Migrated(role == Role.CLIENT));
    }

    /** The probe had no answer in time (RFC 9000 §8.2.4), or lost its connection ID: the connection stays. */
    void onProbeTimeout() {
        timers.stop(Timer.PATH_PROBE);
        if (probe.isActive()) {
            abandonProbe();
        }
    }

    private void abandonProbe() {
        long sequence = probe.cidSequence();
        probe.onAbandoned();
        // RFC 9000 §9.5: an ID sent from the abandoned local address may not be used from another one.
        if (peerIds.currentSequenceNumber() != sequence) {
            peerIds.retire(sequence);
        }
        // What the server asked on that path can no longer be answered there.
        paths.dropOtherPathResponses();
        events.add(new ConnectionEvent.MigrationFailed());
    }

    /**
     * {@return what the last move to another path came to, once: MOVED when it completed (the caller now sends from
     * the new path and to its address), ABANDONED when it was given up (the caller closes the new path), NONE}
     */
    public MigrationOutcome takeMigrationOutcome() {
        return switch (probe.takeOutcome()) {
            case NONE -> MigrationOutcome.NONE;
            case MOVED -> MigrationOutcome.MOVED;
            case ABANDONED -> MigrationOutcome.ABANDONED;
        };
    }

    /** {@return whether a move to another path is being probed} */
    public boolean isMigrating() {
        return probe.isActive();
    }

    /** {@return moves to another path that completed} */
    public long migrations() {
        return probe.moves();
    }

    /** {@return moves to another path that were given up} */
    public long migrationsAbandoned() {
        return probe.abandonedCount();
    }

    /**
     * {@return whether the datagram the last {@link #pollDatagram} wrote goes on the other path rather than the
     * current one} For a client, the path a move probes ({@link #migrate}); for a server, the new address of the
     * peer a PATH_CHALLENGE came from that did not move it ({@link #answersNewAddress()}, RFC 9000 §8.2.2).
     */
    public boolean lastDatagramOnOtherPath() {
        return lastDatagramOnOtherPath;
    }

    /**
     * {@return whether the last {@link #handleDatagramFromNewAddress} left answers owed to the datagram's source
     * without moving the peer there} The caller then sends the datagrams {@link #lastDatagramOnOtherPath()} marks to
     * that address (and from the local address it arrived on), up to three times what came from it (RFC 9000 §8.1).
     */
    public boolean answersNewAddress() {
        return answersNewAddress;
    }

    /** {@return how often congestion control and the RTT estimate were reset for a new peer address (§9.4)} */
    public long pathResets() {
        return pathResets;
    }

    /**
     * {@return true, once, after a validation of the peer's new address failed (RFC 9000 §9.3.2)} The caller must
     * then send to the peer's last validated address again, and no longer to the one that failed; the connection
     * counts that address as validated from then on.
     */
    public boolean takePeerAddressReverted() {
        boolean reverted = peerAddressReverted;
        peerAddressReverted = false;
        return reverted;
    }

    /**
     * {@return whether the datagram the last {@link #pollDatagram} wrote goes to the peer's previous address, the one
     * before its last move, rather than its current one} A PATH_CHALLENGE that checks whether the peer is still there
     * after an apparent migration (RFC 9000 §9.3.3).
     */
    public boolean lastDatagramToPreviousPeer() {
        return lastDatagramToPreviousPeer;
    }

    /** {@return how often the peer answered from its previous address after an apparent migration (§9.3.3)} */
    public long previousPeerAnswers() {
        return paths.previousPathAnswers();
    }

    /** {@return validations of a new peer address that failed (RFC 9000 §8.2.4)} */
    public long pathValidationFailures() {
        return paths.failures();
    }

    /** {@return PATH_CHALLENGEs of the peer left unanswered because too many waited (RFC 9000 §8.2.2)} */
    public long pathChallengesDropped() {
        return paths.challengesDropped();
    }

    /** {@return how often the peer's address changed (RFC 9000 §9.3)} */
    public long peerAddressChanges() {
        return peerAddressChanges;
    }

    /** {@return whether the peer's current address is validated: by the handshake, or by a PATH_CHALLENGE it answered} */
    public boolean isPeerAddressValidated() {
        return amplification.isPathValidated();
    }

    /** {@return datagrams a client dropped because they came from somewhere other than its server} */
    public long datagramsFromUnknownAddresses() {
        return datagramsFromUnknownAddresses;
    }

    /** Acts on every deadline that {@code now} has reached. Never throws (see {@link #handleDatagram}). */
    public void handleTimeout(long now) {
        try {
            timeouts.onTimeout(now);
        } catch (RuntimeException e) {
            fail(e, now);
        }
    }

    /**
     * Writes the next datagram to send into {@code out}, from its position; coalesces the packets of every
     * level that has something to send (RFC 9000 §12.2). Never throws (see {@link #handleDatagram}).
     *
     * @return the datagram's length, or 0 if there is nothing to send now (see {@link #nextDeadline()})
     */
    public int pollDatagram(ByteBuffer out, long now) {
        int start = out.position();
        try {
            beginEcnDatagram(now);
            int n = sender.send(out, now);
            if (STALLS.isEnabled()) {
                watchStall(n, now);
            }
            if (qlog != null && n > 0) {
                qlog.metrics(rtt(), congestion, now);
            }
            return n;
        } catch (RuntimeException e) {
            out.position(start);
            fail(e, now);
            return 0;
        }
    }

    /** The Flight Recorder's stall event: watched only while a recording enables it. */
    private static final jdk.jfr.EventType STALLS = jdk.jfr.EventType.getEventType(StallEvent.class);
    /** A stall is no datagram for more than 4 smoothed RTTs while stream data waits, and at least this long. */
    private static final long STALL_FLOOR_NANOS = 100_000_000L;
    /** Since when stream data waits with nothing sent (a poll found nothing to send), or -1. */
    private long waitingSince = -1;

    /**
     * Watches for a stall ({@link StallEvent}): a poll that sent nothing while stream data waits starts the wait; the
     * next datagram ends it, and records it if it lasted more than {@code max(4 x smoothed RTT, 100 ms)}.
     */
    private void watchStall(int sent, long now) {
        if (sent > 0) {
            long waited = waitingSince < 0 ? 0 : now - waitingSince;
            waitingSince = -1;
            if (waited > Math.max(4 * rtt().smoothedRtt(), STALL_FLOOR_NANOS)) {
                StallEvent e = new StallEvent();
                e.role = role == Role.SERVER ? "server" : "client";
                e.stalledFor = waited;
                e.smoothedRtt = rtt().smoothedRtt();
                e.congestionWindow = congestion().congestionWindow();
                e.bytesInFlight = congestion().bytesInFlight();
                e.commit();
            }
        } else if (waitingSince < 0 && state.isEstablished() && streams.hasPendingFrames()) {
            waitingSince = now;
        }
    }

    /**
     * Tells the connection that the datagram its last {@link #pollDatagram} wrote never left: the socket refused it
     * (too large for the route, an unreachable network...). Its packets leave flight at once, without a congestion
     * reaction, and their frames are queued again, rather than holding the congestion window until a PTO declares
     * them lost (a 64 KB path MTU probe refused over IPv4 blocked every other send for seconds that way). A refused
     * path MTU probe gives its size up for good. Never throws (see {@link #handleDatagram}).
     */
    public void onDatagramNotSent(long now) {
        try {
            sender.onDatagramNotSent(now);
        } catch (RuntimeException e) {
            fail(e, now);
        }
    }

    // --------------------------------------------------------------------------------------------
    // ECN (RFC 9000 §13.4, RFC 9002 §7.1)

    /**
     * The runtime can set the ECN codepoint of the datagrams it sends and read that of those it receives: with {@link
     * ConnectionConfig#ecn()} on, the connection marks ECT(0) and validates the path (RFC 9000 §13.4.2). A runtime
     * that cannot never calls this, and ECN stays off. Called by the endpoint before the first datagram.
     */
    public void setEcnCapable(long now) {
        ecn.enable(now);
    }

    /**
     * Gives the ECN codepoint of the datagram the next {@code handleDatagram...} call carries; that call takes it, and
     * the datagram after it is Not-ECT unless this is called again. Its packets are counted for the ACK frames' ECN
     * counts (RFC 9000 §13.4.1).
     */
    public void setReceivedEcn(Ecn codepoint) {
        ecn.setReceived(codepoint);
    }

    /** {@return the ECN codepoint to mark the datagram the last {@link #pollDatagram} wrote with} */
    public Ecn lastDatagramEcn() {
        return ecn.marking();
    }

    /** {@return whether the current path passed ECN validation and is marked ECT(0) (RFC 9000 §13.4.2)} */
    public boolean ecnValidated() {
        return ecn.state() == EcnValidation.State.CAPABLE;
    }

    /** {@return whether ECN is in use on the current path: being tested or validated, not failed or off} */
    public boolean ecnInUse() {
        EcnValidation.State s = ecn.state();
        return s == EcnValidation.State.TESTING || s == EcnValidation.State.UNKNOWN || s == EcnValidation.State.CAPABLE;
    }

    /** {@return how often ECN validation failed on a path of this connection, ECN turning off there} */
    public long ecnValidationFailures() {
        return ecn.failures();
    }

    /** {@return how often an increase of the peer's CE count was a congestion event (RFC 9002 §7.1)} */
    public long ecnCongestionEvents() {
        return ecn.congestionEvents();
    }

    /** {@return the ECT(0), ECT(1) and CE counts of the packets received in {@code space} (RFC 9000 §13.4.1)} */
    public long[] ecnCountsReceived(PacketNumberSpace space) {
        return spaces[space.ordinal()].acks.ecnCounts();
    }

    /** Decides the ECN codepoint of the datagram about to be built; the probe timeout only while testing. */
    private void beginEcnDatagram(long now) {
        ecn.beginDatagram(now, ecn.state() == EcnValidation.State.TESTING
                ? recovery.rtt().pto(peerMaxAckDelayNanos, true) : 0);
    }

    /**
     * Starts logging this connection to {@code trace} (qlog): connection_started now, then every packet sealed and
     * opened with its frames, recovery metrics and congestion state as they change, and keys installed and updated.
     * The endpoint that ends the connection logs connection_closed ({@link QlogTrace#closed}). Set once, on the
     * connection's thread, before its first datagram.
     */
    public void setQlog(QlogTrace trace, long now) {
        if (qlog != null) {
            throw new IllegalStateException("the connection has a qlog trace already");
        }
        qlog = Objects.requireNonNull(trace, "trace");
        builder.qlog = trace;
        oneRtt.qlog = trace;
        oneRtt.server = role == Role.SERVER;
        trace.started(localId(), peerIds.current(), now);
        peerIds.setQlog(trace);
    }

    /** {@return the connection's qlog trace, or null} */
    public QlogTrace qlog() {
        return qlog;
    }

    /** {@return the fault of qsock's own that closed this connection with INTERNAL_ERROR, or null} */
    public RuntimeException internalError() {
        return internalError;
    }

    private void fail(RuntimeException e, long now) {
        if (internalError == null) {
            internalError = e;
        }
        if (!state.isClosingOrClosed()) {
            closing.enterClosing(ConnectionError.transport(TransportErrorCode.INTERNAL_ERROR, 0, "internal error", false),
                    now);
        } else if (state != ConnectionState.CLOSED) {
            // A fault while closing or draining: give up at once rather than fail again.
            closing.enterClosed();
        }
    }

    /**
     * Checks whether {@code datagram}, which could not be processed as packets, is a stateless reset from the
     * peer (RFC 9000 §10.3.1), and if so enters the draining period. The endpoint also calls this for
     * datagrams no connection ID routes, since a reset's connection ID field is random.
     *
     * @return true if it was a reset
     */
    public boolean handleStatelessReset(ByteBuffer datagram, long now) {
        if (state.isClosingOrClosed() || !peerIds.isStatelessReset(datagram)) {
            return false;
        }
        closing.enterDraining(new ConnectionError(ConnectionError.Kind.STATELESS_RESET, 0, 0, "stateless reset received",
                true), now);
        return true;
    }

    // ------------------------------------------------------------------------------------------------
    // Closing

    /**
     * Closes the connection with an application error code (CONNECTION_CLOSE type 0x1d, RFC 9000 §10.2).
     * Before the handshake is confirmed the close goes out as a transport APPLICATION_ERROR in the
     * handshake levels too, without the reason (RFC 9000 §10.2.3).
     */
    public void close(long applicationErrorCode, String reason, long now) {
        if (state.isClosingOrClosed()) {
            return;
        }
        closing.enterClosing(ConnectionError.application(applicationErrorCode, reason, false), now);
    }

    /**
     * Closes the connection with a transport error (CONNECTION_CLOSE type 0x1c); the closing period starts at
     * {@code now}.
     */
    public void closeWithError(TransportErrorCode code, long frameType, String reason, long now) {
        if (state.isClosingOrClosed()) {
            return;
        }
        closing.enterClosing(ConnectionError.transport(code, frameType, reason, false), now);
    }

    /**
     * Ends the connection at once without sending anything, as an endpoint that sheds it must: a server's
     * half-open connection dropped to make room for newer clients (RFC 9000 §5.2.2 lets a server drop what it
     * cannot take). The state becomes CLOSED with {@code error} and a {@link ConnectionEvent.Closed}; its
     * connection IDs are unregistered. Nothing happens if it is already closed.
     */
    public void abandon(ConnectionError error) {
        closing.closeSilently(Objects.requireNonNull(error, "error"));
    }

    // ------------------------------------------------------------------------------------------------
    // Timers

    /**
     * {@return when {@link #handleTimeout} must be called next, or {@code Long.MAX_VALUE} for never} Never a time
     * that {@link #handleTimeout} followed by {@link #pollDatagram} until it returns 0 leaves where it was: what
     * waits for something else than time (an ACK held by the anti-amplification limit waits for bytes from the
     * peer) has no deadline meanwhile.
     */
    public long nextDeadline() {
        if (state == ConnectionState.CLOSED) {
            return Long.MAX_VALUE;
        }
        if (!state.isClosingOrClosed()) {
            timeouts.refresh();
        }
        return timers.next();
    }

    /** {@return whether packets of {@code space} can be sealed now: its keys are there and not discarded} */
    boolean canSendIn(PacketSpace space) {
        return space.id == PacketNumberSpace.APPLICATION ? oneRtt.canSend() && !space.discarded : space.canSend();
    }

    // ------------------------------------------------------------------------------------------------
    // Sending

    void setMaxDatagramSize(int size) {
        if (qlog != null) {
            qlog.mtuUpdated(maxDatagramSize, size, pathMtu != null && pathMtu.isComplete());
        }
        maxDatagramSize = size;
        congestion.setMaxDatagramSize(size);
        pacer.setMaxDatagramSize(size);
    }

    // ------------------------------------------------------------------------------------------------

    PacketSpace spaceOf(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> spaces[0];
            case HANDSHAKE -> spaces[1];
            case EARLY_DATA, APPLICATION -> spaces[2];
        };
    }

    PacketSpace spaceOf(PacketType type) {
        return spaces[PacketNumberSpace.of(type).ordinal()];
    }

    @Override
    public String toString() {
        return "QuicConnection[" + role + ", " + state + ", local " + localIds.initial() + "]";
    }
}
