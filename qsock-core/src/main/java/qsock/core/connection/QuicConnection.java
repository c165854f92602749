package qsock.core.connection;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import qsock.core.Role;
import qsock.core.cc.CongestionController;
import qsock.core.cc.Pacer;
import qsock.core.cid.ConnectionIdRegistry;
import qsock.core.cid.LocalConnectionIds;
import qsock.core.cid.PeerConnectionIds;
import qsock.core.cid.StatelessResetTokens;
import qsock.core.crypto.CipherSuite;
import qsock.core.crypto.EncryptionLevel;
import qsock.core.crypto.KeyDirection;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.crypto.RetryIntegrity;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.ApplicationCloseFrame;
import qsock.core.frame.ConnectionCloseFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketNumberSpace;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.packet.QuicVersion;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.core.params.StatelessResetToken;
import qsock.core.params.TransportParameters;
import qsock.core.path.PathMtuSearch;
import qsock.core.recovery.AckOutcome;
import qsock.core.recovery.LossDetector;
import qsock.core.recovery.RttEstimator;
import qsock.core.recovery.SentPacket;
import qsock.core.stream.ControlFrame;
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

    private static final PacketNumberSpace[] SPACES = PacketNumberSpace.values();
    private static final ControlFrame[] CONTROL_FRAMES = ControlFrame.values();
    /** Every packet's payload is padded so that packet number and payload give a full HP sample (RFC 9001 §5.4.2). */
    private static final int MIN_PN_AND_PAYLOAD = 4;
    private static final int TAG = CipherSuite.TAG_LENGTH;
    /** Answers to packets arriving while closing grow sparser: sent on the 1st, 2nd, 4th, 8th... (RFC 9000 §10.2.1). */
    private static final int MAX_CLOSE_REPEATS = 16;

    private final Role role;
    private final ConnectionConfig config;
    private final RandomGenerator random;
    private final QuicVersion version;
    private final ConnectionId originalDestinationId;
    private final LocalConnectionIds localIds;
    private PeerConnectionIds peerIds;
    private ConnectionId peerInitialSourceId;
    private boolean peerSourceIdLearned;
    /** The Source Connection ID of the Retry this client followed, or null (RFC 9000 §7.3). */
    private ConnectionId retrySourceId;
    /** The token of that Retry, which every later Initial carries (RFC 9000 §17.2.5.2); null without a Retry. */
    private ByteBuffer retryToken;
    private int retries;

    private final PacketSpace[] spaces = new PacketSpace[3];
    private final KeyPhases oneRtt = new KeyPhases();
    private final LossDetector recovery;
    private final CongestionController congestion;
    private final Pacer pacer;
    private boolean amplificationLimited;
    private final StreamManager streams;
    private final AckOutcome outcome = new AckOutcome();
    private final Datagrams datagrams = new Datagrams();
    private final ArrayDeque<SentFrames> framePool = new ArrayDeque<>();
    private final ArrayDeque<ConnectionEvent> events = new ArrayDeque<>();

    private final PacketHeaderView header = new PacketHeaderView();
    private final OpenedPacket opened = new OpenedPacket();
    /** The datagram being processed, for frames that refer to the packet's header (RETIRE_CONNECTION_ID). */
    private ByteBuffer currentDatagram;
    private final FrameReader frames = new FrameReader();
    /** The buffer that {@link #rxView} is over, as the caller handed it in. */
    private ByteBuffer rxSource;
    /**
     * A read-only view of the buffer packets arrive in, made when that buffer changes: the payload being
     * read and, in turn, the data of each frame handed on. A runtime that receives into one buffer makes
     * it once per connection, so that receiving allocates nothing per datagram or frame.
     */
    private ByteBuffer rxView;

    private ConnectionState state = ConnectionState.HANDSHAKING;
    private RuntimeException internalError;
    private ConnectionError closeError;
    private TransportParameters peerParameters;
    private byte[] localParametersEncoded;
    private String applicationProtocol;

    /** Consecutive PTOs after which a size found by path MTU discovery is suspected of a black hole. */
    private static final int BLACK_HOLE_PTOS = 2;

    private int maxDatagramSize;
    /** Path MTU discovery, once the peer's parameters allow it and the configuration asks for it; else null. */
    private PathMtuSearch pathMtu;
    private boolean peerGreasesQuicBit;
    private long peerAckDelayExponent = 3;
    private long peerMaxAckDelayNanos = 25_000_000L;
    private long idleTimeoutNanos;

    // Anti-amplification (RFC 9000 §8.1): a server sends at most three times what it received until the
    // client's address is validated.
    private boolean addressValidated;
    private long bytesReceived;
    private long bytesSent;
    private boolean handshakePacketSent;

    private boolean handshakeDonePending;
    private boolean pathResponsePending;
    // The peer's address (RFC 9000 §9.3): after it moved, what we send there is limited to three times what
    // arrived from it (§8.1, §9.3.1) until our PATH_CHALLENGE comes back (§8.2).
    private boolean pathValidated = true;
    private long pathBytesReceived;
    private long pathBytesSent;
    private boolean pathChallengePending;
    private boolean pathChallengeSent;
    private long pathChallengeData;
    private boolean receivingFromNewAddress;
    private boolean packetNonProbing;
    private boolean peerMoved;
    private long peerAddressChanges;
    private long datagramsFromUnknownAddresses;
    private long pathResponseData;
    private boolean pingPending;
    private boolean closePending;
    private int closeTriggers;
    private int closesSent;

    private long idleDeadline = Long.MAX_VALUE;
    private long closeDeadline = Long.MAX_VALUE;
    private long keepAliveDeadline = Long.MAX_VALUE;
    private long pacingDeadline = Long.MAX_VALUE;
    private long lastReceiveTime;
    private boolean ackElicitingSentSinceReceive;

    // The packets of the datagram the last pollDatagram wrote, for onDatagramNotSent.
    private final PacketNumberSpace[] lastDatagramSpaces = new PacketNumberSpace[3];
    private final long[] lastDatagramNumbers = new long[3];
    private int lastDatagramPackets;
    private int lastDatagramLength;

    // Counters, for tests and diagnostics.
    private long packetsReceived;
    private long packetsDropped;
    private long packetsSent;

    private QuicConnection(Role role, ConnectionConfig config, RandomGenerator random, QuicVersion version,
                           ConnectionId originalDestinationId, ConnectionId localId, StatelessResetTokens tokens,
                           ConnectionIdRegistry registry, PacketProtection clientInitial,
                           PacketProtection serverInitial, long now) {
        this.role = role;
        this.config = config;
        this.random = random;
        this.version = version;
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
        this.streams = new StreamManager(role, streamConfig(config));
        // Until the peer's parameters arrive, its idle timeout is unknown: ours alone applies.
        this.idleTimeoutNanos = config.maxIdleTimeoutMillis() * 1_000_000L;
        capPtoPeriod();
        this.lastReceiveTime = now;
        this.idleDeadline = idleTimeoutNanos == 0 ? Long.MAX_VALUE : now + idleTimeoutNanos;
        // RFC 9000 §8.1: a client's address needs no validation by itself.
        this.addressValidated = role == Role.CLIENT;
    }

    private static StreamConfig streamConfig(ConnectionConfig c) {
        return new StreamConfig(c.initialMaxData(), c.initialMaxStreamData(), c.initialMaxStreamData(),
                c.initialMaxStreamData(), c.maxStreamsBidi(), c.maxStreamsUni(), c.maxConnectionWindow(),
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
        ConnectionId source = ConnectionId.random(random, config.connectionIdLength());
        QuicConnection c = new QuicConnection(Role.SERVER, config, random, version, originalDestinationId,
                source, tokens, registry, Objects.requireNonNull(clientInitial, "clientInitial"),
                Objects.requireNonNull(serverInitial, "serverInitial"), now);
        c.peerIds = new PeerConnectionIds(clientSourceId, null, config.activeConnectionIdLimit(), registry);
        c.peerInitialSourceId = clientSourceId;
        c.peerSourceIdLearned = true;
        return c;
    }

    // ------------------------------------------------------------------------------------------------
    // Getters

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

    /** {@return the QUIC version in use} */
    public QuicVersion version() {
        return version;
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
     * @throws IllegalStateException if the handshake is not complete, or the peer accepts no datagrams
     *     (max_datagram_frame_size 0 or absent)
     * @throws IllegalArgumentException if the datagram exceeds {@link #maxDatagramPayload()}: the peer's
     *     max_datagram_frame_size or what one packet carries
     */
    public boolean sendDatagram(ByteBuffer data) {
        if (!state.isEstablished()) {
            throw new IllegalStateException("datagrams go once the handshake is complete; the connection is "
                    + state);
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
    private int largestDatagramFrame() {
        // Short header: first byte, the peer's connection ID, a packet number of up to 4 bytes; then the tag.
        return maxDatagramSize - 1 - peerIds.current().length() - 4 - TAG;
    }

    /** {@return the number of Retry packets this client followed: 0 or 1 (RFC 9000 §17.2.5.2)} */
    public int retries() {
        return retries;
    }

    /** {@return true once the server validated the client's address (always true on a client)} */
    public boolean isAddressValidated() {
        return addressValidated;
    }

    /** {@return UDP payload bytes received, all datagrams counted} */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** {@return UDP payload bytes sent} */
    public long bytesSent() {
        return bytesSent;
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
        return packetsSent;
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

    /** {@return the next connection event, or null} */
    public ConnectionEvent pollEvent() {
        return events.poll();
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
        if (level == EncryptionLevel.EARLY_DATA) {
            // 0-RTT is not offered: there is no early data to protect.
            return;
        }
        if (state.isClosingOrClosed()) {
            return;
        }
        PacketProtection keys = PacketProtection.fromSecret(suite, version, secret);
        if (level == EncryptionLevel.HANDSHAKE) {
            PacketSpace space = spaces[1];
            if (direction == KeyDirection.WRITE) {
                requireUnset(space.sealer, level, direction);
                space.sealer = keys;
                recovery.setHasHandshakeKeys(true);
            } else {
                requireUnset(space.opener, level, direction);
                space.opener = keys;
                processPending(space, now);
            }
        } else {
            if (direction == KeyDirection.WRITE) {
                requireUnset(oneRtt.sealer, level, direction);
                oneRtt.sealer = keys;
            } else {
                requireUnset(oneRtt.opener, level, direction);
                oneRtt.opener = keys;
                processPending(spaces[2], now);
            }
        }
    }

    private static void requireUnset(PacketProtection p, EncryptionLevel level, KeyDirection direction) {
        if (p != null) {
            throw new IllegalStateException(level + " " + direction + " secret already installed");
        }
    }

    /** {@return this end's transport parameters, encoded (RFC 9000 §18)} */
    public byte[] localTransportParameters() {
        if (localParametersEncoded == null) {
            TransportParameters.Builder b = TransportParameters.builder()
                    .maxIdleTimeout(config.maxIdleTimeoutMillis())
                    .maxUdpPayloadSize(config.maxUdpPayloadSize())
                    .initialMaxData(config.initialMaxData())
                    .initialMaxStreamDataBidiLocal(config.initialMaxStreamData())
                    .initialMaxStreamDataBidiRemote(config.initialMaxStreamData())
                    .initialMaxStreamDataUni(config.initialMaxStreamData())
                    .initialMaxStreamsBidi(config.maxStreamsBidi())
                    .initialMaxStreamsUni(config.maxStreamsUni())
                    .ackDelayExponent(config.ackDelayExponent())
                    .maxAckDelay(config.maxAckDelayMillis())
                    .activeConnectionIdLimit(config.activeConnectionIdLimit())
                    .disableActiveMigration(true)
                    .initialSourceConnectionId(localIds.initial())
                    .greaseQuicBit(config.greaseQuicBit())
                    .maxDatagramFrameSize(config.maxDatagramFrameSize());
            if (role == Role.SERVER) {
                b.originalDestinationConnectionId(originalDestinationId)
                        .statelessResetToken(localIds.initialStatelessResetToken());
            }
            localParametersEncoded = b.build().toBytes();
        }
        return localParametersEncoded.clone();
    }

    /** Takes the peer's transport parameters from the TLS engine; see {@link HandshakeChannel}. */
    public void peerTransportParameters(byte[] encoded, long now) {
        if (state.isClosingOrClosed()) {
            return;
        }
        try {
            if (peerParameters != null) {
                throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                        "transport parameters received twice");
            }
            TransportParameters p = TransportParameters.decode(ByteBuffer.wrap(encoded), role.peer());
            // RFC 9000 §7.3: the connection IDs of both handshakes are authenticated by the parameters.
            if (role == Role.CLIENT) {
                p.authenticateServerConnectionIds(peerInitialSourceId, originalDestinationId, retrySourceId);
            } else {
                p.authenticateClientConnectionIds(peerInitialSourceId);
            }
            applyPeerParameters(p, now);
        } catch (QuicProtocolException e) {
            closeWithError(e.errorCode(), e.frameType(), e.reason(), now);
        }
    }

    private void applyPeerParameters(TransportParameters p, long now) throws QuicProtocolException {
        peerParameters = p;
        peerAckDelayExponent = p.ackDelayExponent();
        peerMaxAckDelayNanos = p.maxAckDelay() * 1_000_000L;
        peerGreasesQuicBit = p.greaseQuicBit() && config.greaseQuicBit();
        setMaxDatagramSize((int) Math.min(config.maxDatagramSize(), p.maxUdpPayloadSize()));
        int ceiling = (int) Math.min(config.pathMtuCeiling(), p.maxUdpPayloadSize());
        if (ceiling > maxDatagramSize) {
            pathMtu = new PathMtuSearch(maxDatagramSize, ceiling, now);
        }
        recovery.setMaxAckDelay(peerMaxAckDelayNanos);
        // RFC 9000 §10.1: the idle timeout is the smaller of both, when both advertise one.
        long local = config.maxIdleTimeoutMillis();
        long peer = p.maxIdleTimeout();
        long millis = local == 0 ? peer : peer == 0 ? local : Math.min(local, peer);
        idleTimeoutNanos = millis * 1_000_000L;
        capPtoPeriod();
        restartIdleTimer(lastReceiveTime);
        streams.setPeerLimits(p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni(), p.initialMaxStreamsBidi(),
                p.initialMaxStreamsUni());
        localIds.setPeerActiveConnectionIdLimit(p.activeConnectionIdLimit());
        if (role == Role.CLIENT && p.statelessResetToken() != null) {
            peerIds.setInitialStatelessResetToken(p.statelessResetToken());
        }
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
        events.add(new ConnectionEvent.HandshakeCompleted(applicationProtocol));
        if (role == Role.SERVER) {
            // RFC 9001 §4.1.2: the server's handshake is confirmed once complete; it says so with
            // HANDSHAKE_DONE.
            handshakeDonePending = true;
            confirmHandshake();
        }
    }

    /** The TLS handshake failed with {@code alert}: closes with its CRYPTO_ERROR (RFC 9001 §4.8). */
    public void handshakeFailed(int alert, String reason, long now) {
        closeWithError(TransportErrorCode.cryptoError(alert), 0, reason, now);
    }

    /** {@return whether the handshake is still under way} */
    public boolean isHandshaking() {
        return state == ConnectionState.HANDSHAKING;
    }

    private void confirmHandshake() {
        if (state == ConnectionState.CONFIRMED) {
            return;
        }
        state = ConnectionState.CONFIRMED;
        recovery.setHandshakeConfirmed();
        // RFC 9001 §4.9.2: Handshake keys go once the handshake is confirmed.
        discardSpace(spaces[1]);
        discardSpace(spaces[0]);
        events.add(new ConnectionEvent.HandshakeConfirmed());
    }

    private void discardSpace(PacketSpace space) {
        if (space.discarded) {
            return;
        }
        outcome.clear();
        recovery.discardSpace(space.id, outcome);
        leaveFlight(null);
        space.discard();
        // The last packets built in the space keep it and its sealer: let the discarded keys go (idle memory).
        for (PacketLayout l : layouts) {
            if (l.space == space) {
                l.set(null, null, 0, 0, 0, 0, 0, false, false, false, null);
            }
        }
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
            receive(datagram, now);
        } catch (RuntimeException e) {
            fail(e, now);
        }
    }

    /**
     * Processes one datagram that came from an address other than the peer's current one. Its packets count only
     * if they authenticate; the peer is taken to have moved there (RFC 9000 §9.3) only if one of them is a 1-RTT
     * packet with a non-probing frame and the highest packet number received yet. Then what is sent to the new
     * address is limited to three times what arrived from it (§8.1, §9.3.1) until a PATH_CHALLENGE this sends
     * there is answered (§8.2); the caller sends to the new address from then on. A client drops datagrams from
     * anywhere but its server (only clients migrate, §9). Never throws (see {@link #handleDatagram}).
     *
     * @return true if the peer moved to the datagram's source address
     */
    public boolean handleDatagramFromNewAddress(ByteBuffer datagram, long now) {
        if (role == Role.CLIENT) {
            datagramsFromUnknownAddresses++;
            return false;
        }
        int length = datagram.remaining();
        receivingFromNewAddress = true;
        peerMoved = false;
        try {
            receive(datagram, now);
        } catch (RuntimeException e) {
            fail(e, now);
        } finally {
            receivingFromNewAddress = false;
        }
        if (!peerMoved || state.isClosingOrClosed()) {
            return false;
        }
        peerMoved = false;
        peerAddressChanges++;
        pathValidated = false;
        pathBytesReceived = length;
        pathBytesSent = 0;
        pathChallengePending = true;
        pathChallengeSent = false;
        pathChallengeData = random.nextLong();
        return true;
    }

    /** {@return how often the peer's address changed (RFC 9000 §9.3)} */
    public long peerAddressChanges() {
        return peerAddressChanges;
    }

    /** {@return whether the peer's current address is validated: by the handshake, or by a PATH_CHALLENGE it answered} */
    public boolean isPeerAddressValidated() {
        return pathValidated;
    }

    /** {@return datagrams a client dropped because they came from somewhere other than its server} */
    public long datagramsFromUnknownAddresses() {
        return datagramsFromUnknownAddresses;
    }

    /** Acts on every deadline that {@code now} has reached. Never throws (see {@link #handleDatagram}). */
    public void handleTimeout(long now) {
        try {
            onTimeout(now);
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
            return send(out, now);
        } catch (RuntimeException e) {
            out.position(start);
            fail(e, now);
            return 0;
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
            datagramNotSent(now);
        } catch (RuntimeException e) {
            fail(e, now);
        }
    }

    private void datagramNotSent(long now) {
        bytesSent -= lastDatagramLength;
        pathBytesSent -= lastDatagramLength;
        lastDatagramLength = 0;
        for (int i = 0; i < lastDatagramPackets; i++) {
            PacketNumberSpace id = lastDatagramSpaces[i];
            long pn = lastDatagramNumbers[i];
            outcome.clear();
            if (!recovery.onPacketNotSent(id, pn, outcome)) {
                continue;
            }
            if (pathMtu != null && id == PacketNumberSpace.APPLICATION && pathMtu.isProbe(pn)) {
                pathMtu.onProbeRefused(now);
            }
            leaveFlight(spaces[id.ordinal()]);
        }
        outcome.clear();
        lastDatagramPackets = 0;
    }

    /**
     * Takes the packets {@link #outcome} lists as discarded out of flight, without a congestion reaction (they were
     * never sent, or their keys are gone); their frames are queued again in {@code resend}, or forgotten if it is null.
     */
    private void leaveFlight(PacketSpace resend) {
        for (int i = 0; i < outcome.discardedCount(); i++) {
            SentPacket p = outcome.discarded(i);
            if (p.isInFlight()) {
                congestion.onPacketDiscarded(p.sentBytes());
            }
            if (resend != null) {
                onFramesLost(resend, (SentFrames) p.frames());
            }
            releaseFrames(p);
        }
    }

    private void rememberSent(PacketNumberSpace id, long packetNumber) {
        lastDatagramSpaces[lastDatagramPackets] = id;
        lastDatagramNumbers[lastDatagramPackets] = packetNumber;
        lastDatagramPackets++;
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
            enterClosing(ConnectionError.transport(TransportErrorCode.INTERNAL_ERROR, 0, "internal error", false),
                    now);
        } else if (state != ConnectionState.CLOSED) {
            // A fault while closing or draining: give up at once rather than fail again.
            enterClosed();
        }
    }

    private void receive(ByteBuffer datagram, long now) {
        if (state == ConnectionState.CLOSED || state == ConnectionState.DRAINING) {
            return;
        }
        int length = datagram.remaining();
        bytesReceived += length;
        if (!pathValidated && !receivingFromNewAddress) {
            pathBytesReceived += length;
        }
        if (state == ConnectionState.CLOSING) {
            // RFC 9000 §10.2.1: answer what arrives with CONNECTION_CLOSE, ever more sparsely.
            closeTriggers++;
            if (Integer.bitCount(closeTriggers) == 1 && closesSent < MAX_CLOSE_REPEATS) {
                closePending = true;
            }
            return;
        }
        // Packets are found by index in the caller's buffer, whose position and limit nothing here moves:
        // the datagram runs from its position to its limit.
        ByteBuffer buf = datagram;
        int first = buf.position();
        int offset = first;
        boolean processedAny = false;
        int firstDcidOffset = -1;
        int firstDcidLength = 0;
        while (offset < buf.limit() && !state.isClosingOrClosed()) {
            ParseStatus status = PacketParser.parse(buf, offset, config.connectionIdLength(),
                    config.greaseQuicBit(), header);
            if (status == ParseStatus.VERSION_NEGOTIATION) {
                if (offset == first) {
                    onVersionNegotiation(buf);
                }
                break;
            }
            if (status != ParseStatus.OK) {
                packetsDropped++;
                break;
            }
            // RFC 9000 §12.2: coalesced packets with another Destination Connection ID are dropped.
            if (firstDcidOffset < 0) {
                firstDcidOffset = header.dcidOffset();
                firstDcidLength = header.dcidLength();
            } else if (!sameBytes(buf, header.dcidOffset(), header.dcidLength(), firstDcidOffset, firstDcidLength)) {
                packetsDropped++;
                offset = header.packetEnd();
                continue;
            }
            int end = header.packetEnd();
            currentDatagram = buf;
            if (processPacket(buf, header, now)) {
                processedAny = true;
            }
            offset = end;
        }
        if (processedAny) {
            lastReceiveTime = now;
            ackElicitingSentSinceReceive = false;
            restartIdleTimer(now);
        } else if (state == ConnectionState.CONFIRMED || state == ConnectionState.ESTABLISHED) {
            // RFC 9000 §10.3.1: a datagram we cannot process may be a stateless reset.
            handleStatelessReset(datagram, now);
        }
    }

    private static boolean sameBytes(ByteBuffer buf, int a, int aLength, int b, int bLength) {
        if (aLength != bLength) {
            return false;
        }
        for (int i = 0; i < aLength; i++) {
            if (buf.get(a + i) != buf.get(b + i)) {
                return false;
            }
        }
        return true;
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
        enterDraining(new ConnectionError(ConnectionError.Kind.STATELESS_RESET, 0, 0, "stateless reset received",
                true), now);
        return true;
    }

    /** {@return true if the packet was opened and processed} */
    private boolean processPacket(ByteBuffer buf, PacketHeaderView view, long now) {
        PacketType type = view.type();
        if (type == PacketType.RETRY) {
            onRetry(buf, view);
            return false;
        }
        if (type == PacketType.ZERO_RTT) {
            // 0-RTT is not offered: RFC 9000 §17.2.3 lets it be dropped here.
            packetsDropped++;
            return false;
        }
        if (view.isLongHeader() && view.quicVersion() != version) {
            packetsDropped++;
            return false;
        }
        PacketSpace space = spaceOf(type);
        if (space.discarded) {
            packetsDropped++;
            return false;
        }
        boolean keysReady = type == PacketType.ONE_RTT ? oneRtt.canReceive() : space.opener != null;
        if (!keysReady) {
            if (!space.pending.add(buf, view.packetStart(), view.packetEnd())) {
                packetsDropped++;
            }
            return false;
        }
        PacketProtection hp = type == PacketType.ONE_RTT ? oneRtt.opener : space.opener;
        if (!hp.removeHeaderProtection(buf, view.packetStart(), view.pnOffset(), view.packetEnd(),
                space.largestReceived, opened)) {
            packetsDropped++;
            return false;
        }
        int n = type == PacketType.ONE_RTT
                ? oneRtt.decrypt(buf, opened, now, recovery.rtt().pto(peerMaxAckDelayNanos, true))
                : space.opener.decryptPayload(buf, opened);
        if (n < 0) {
            packetsDropped++;
            return false;
        }
        long pn = opened.packetNumber();
        if (space.acks.isDuplicate(pn)) {
            packetsDropped++;
            return false;
        }
        packetsReceived++;
        // RFC 9000 §7.2: a client takes the server's first Source Connection ID as its destination, once it opens.
        if (role == Role.CLIENT && type == PacketType.INITIAL && !peerSourceIdLearned) {
            ConnectionId scid = view.scid(buf);
            peerIds.replaceInitial(scid);
            peerInitialSourceId = scid;
            peerSourceIdLearned = true;
        }
        boolean highest = pn > space.largestReceived;
        packetNonProbing = false;
        try {
            // RFC 9000 §17.2, §17.3.1: reserved bits are 0 once header protection is off.
            if (opened.reservedBits() != 0) {
                throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, "reserved bits set");
            }
            boolean ackEliciting = processFrames(buf, opened, type, space, now);
            if (highest) {
                space.largestReceived = pn;
            }
            // RFC 9000 §9.3: the peer moved only if an authenticated packet from its new address is the highest
            // numbered yet and carries a non-probing frame. Only 1-RTT packets count: a peer migrates once the
            // handshake is confirmed (§9), and a Handshake packet from elsewhere moves nothing.
            if (receivingFromNewAddress && highest && packetNonProbing && type == PacketType.ONE_RTT) {
                peerMoved = true;
            }
            space.acks.onPacketReceived(pn, ackEliciting, now);
        } catch (QuicProtocolException e) {
            // The closing period starts now: a connection idle for longer than three PTOs would otherwise go
            // CLOSED before its CONNECTION_CLOSE left.
            closeWithError(e.errorCode(), e.frameType(), e.reason(), now);
            return true;
        }
        if (type == PacketType.HANDSHAKE && role == Role.SERVER) {
            // RFC 9000 §8.1: a Handshake packet from the client proves its address; RFC 9001 §4.9.1: the
            // server discards Initial keys when it first processes one.
            addressValidated = true;
            recovery.setPeerCompletedAddressValidation(true);
            discardSpace(spaces[0]);
        }
        // A client does not take a Handshake packet from the server as proof that the server validated its address:
        // a server stopped by its anti-amplification limit sends Handshake packets too. Only an ACK of one of our
        // Handshake packets, or handshake confirmation, proves it (RFC 9002 §6.2.2.1, Appendix A.8); the loss
        // detector sees both itself. Until then the client's anti-deadlock PTO keeps it sending.
        return true;
    }

    private boolean processFrames(ByteBuffer buf, OpenedPacket packet, PacketType type, PacketSpace space, long now)
            throws QuicProtocolException {
        if (buf != rxSource) {
            rxSource = buf;
            rxView = buf.asReadOnlyBuffer();
        }
        ByteBuffer payload = rxView;
        int next = packet.payloadOffset();
        int end = next + packet.payloadLength();
        if (next == end) {
            // RFC 9000 §12.4: a packet without frames is a PROTOCOL_VIOLATION.
            throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, "packet without frames");
        }
        FrameReader f = frames;
        boolean ackEliciting = false;
        while (next < end) {
            // The view may have been pointed at the last frame's data: back to the rest of the payload.
            payload.limit(end).position(next);
            FrameType frameType = f.read(payload, type);
            next = f.frameEnd();
            // RFC 9000 §9.1: PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID and PADDING are probing frames.
            if (frameType != FrameType.PADDING && frameType != FrameType.PATH_CHALLENGE
                    && frameType != FrameType.PATH_RESPONSE && frameType != FrameType.NEW_CONNECTION_ID) {
                packetNonProbing = true;
            }
            switch (frameType) {
                case PADDING -> { }
                case PING -> ackEliciting = true;
                case ACK -> onAck(space, now);
                case CRYPTO -> {
                    ackEliciting = true;
                    space.crypto.receive(f.offset(), f.positionOnData(payload));
                }
                case CONNECTION_CLOSE -> {
                    onPeerClose(ConnectionError.transport(TransportErrorCode.of(f.errorCode()), f.errorFrameType(),
                            reason(f.positionOnData(payload)), true), now);
                    return false;
                }
                case APPLICATION_CLOSE -> {
                    onPeerClose(ConnectionError.application(f.errorCode(), reason(f.positionOnData(payload)), true),
                            now);
                    return false;
                }
                default -> {
                    ackEliciting = true;
                    onApplicationFrame(f, payload, now);
                }
            }
        }
        return ackEliciting;
    }

    /**
     * Acts on the ack-eliciting frame {@code f} holds, other than PING and CRYPTO; {@code payload} is the
     * read-only view it was read from, which may be pointed at the frame's data and handed on.
     */
    private void onApplicationFrame(FrameReader f, ByteBuffer payload, long now) throws QuicProtocolException {
        switch (f.type()) {
            case STREAM -> streams.onStreamFrame(f.streamId(), f.offset(), f.positionOnData(payload), f.fin(),
                    now);
            case RESET_STREAM -> streams.onResetStream(f.streamId(), f.errorCode(), f.finalSize());
            case STOP_SENDING -> streams.onStopSending(f.streamId(), f.errorCode());
            case MAX_DATA -> streams.onMaxData(f.maximum());
            case MAX_STREAM_DATA -> streams.onMaxStreamData(f.streamId(), f.maximum());
            case MAX_STREAMS -> streams.onMaxStreams(f.bidirectional(), f.maximum());
            case DATA_BLOCKED -> streams.onDataBlocked(f.maximum());
            case STREAM_DATA_BLOCKED -> streams.onStreamDataBlocked(f.streamId(), f.maximum());
            case STREAMS_BLOCKED -> streams.onStreamsBlocked(f.bidirectional(), f.maximum());
            case NEW_CONNECTION_ID -> {
                // Rare: the ID and its token outlive the packet, so they are copied out.
                byte[] id = new byte[f.dataLength()];
                payload.get(f.dataOffset(), id);
                byte[] token = new byte[StatelessResetToken.LENGTH];
                payload.get(f.statelessResetTokenOffset(), token);
                peerIds.onNewConnectionId(f.sequenceNumber(), f.retirePriorTo(), ConnectionId.of(id),
                        StatelessResetToken.of(token));
            }
            case RETIRE_CONNECTION_ID -> localIds.onRetireConnectionId(f.sequenceNumber(),
                    header.dcid(currentDatagram));
            case PATH_CHALLENGE -> {
                pathResponsePending = true;
                pathResponseData = f.pathData();
            }
            case PATH_RESPONSE -> {
                // RFC 9000 §8.2.2: the echo of our challenge validates the peer's new address; §19.18: any other
                // PATH_RESPONSE is ignored.
                if (!pathValidated && pathChallengeSent && f.pathData() == pathChallengeData) {
                    pathValidated = true;
                    pathChallengePending = false;
                }
            }
            case NEW_TOKEN -> {
                // RFC 9000 §19.7: only servers send NEW_TOKEN.
                if (role == Role.SERVER) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.NEW_TOKEN.firstCode(), "NEW_TOKEN from a client");
                }
            }
            case HANDSHAKE_DONE -> {
                // RFC 9000 §19.20: a server receiving HANDSHAKE_DONE closes with PROTOCOL_VIOLATION.
                if (role == Role.SERVER) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.HANDSHAKE_DONE.firstCode(), "HANDSHAKE_DONE from a client");
                }
                if (state == ConnectionState.ESTABLISHED) {
                    confirmHandshake();
                }
            }
            case DATAGRAM -> {
                // RFC 9221 §3: beyond the max_datagram_frame_size we advertised (0: none at all), the frame
                // (type, Length and data together) is a PROTOCOL_VIOLATION.
                int size = f.frameEnd() - f.frameStart();
                if (config.maxDatagramFrameSize() == 0 || size > config.maxDatagramFrameSize()) {
                    throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                            FrameType.DATAGRAM.firstCode(), config.maxDatagramFrameSize() == 0
                                    ? "DATAGRAM frame without max_datagram_frame_size"
                                    : "DATAGRAM frame of " + size + " bytes, above max_datagram_frame_size "
                                            + config.maxDatagramFrameSize());
                }
                datagrams.onReceived(payload, f.dataOffset(), f.dataLength());
            }
            case PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE, APPLICATION_CLOSE ->
                throw new IllegalStateException("frame handled by the packet loop: " + f);
        }
    }

    private static String reason(ByteBuffer phrase) {
        ByteBuffer b = phrase.duplicate();
        byte[] bytes = new byte[Math.min(b.remaining(), 1024)];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Acts on the ACK frame {@link #frames} holds. */
    private void onAck(PacketSpace space, long now) throws QuicProtocolException {
        FrameReader ack = frames;
        // RFC 9000 §19.3: the delay is scaled by the sender's exponent; Initial ACKs carry none (§5.3 of 9002).
        long ackDelayNanos = space.id == PacketNumberSpace.INITIAL ? 0
                : Math.min(ack.ackDelay() << Math.min(peerAckDelayExponent, 20), Long.MAX_VALUE / 2000) * 1000;
        outcome.clear();
        recovery.onAckReceived(space.id, ack.ackRanges(), ack.ackRangeCount(), ack.typeCode(), ackDelayNanos, now,
                outcome);
        if (space.id == PacketNumberSpace.APPLICATION) {
            oneRtt.onAcknowledged(recovery.largestAcked(space.id));
        }
        RttEstimator rtt = recovery.rtt();
        for (int i = 0; i < outcome.ackedCount(); i++) {
            SentPacket p = outcome.acked(i);
            if (pathMtu != null && space.id == PacketNumberSpace.APPLICATION && pathMtu.isProbe(p.packetNumber())
                    && pathMtu.onProbeAcked(now)) {
                setMaxDatagramSize(pathMtu.current());
            }
            if (p.isInFlight()) {
                // The controller wants the sample this ACK produced, once, or 0 (qsock.core.cc contract).
                long sample = outcome.rttSampleTaken() ? rtt.latestRtt() : 0;
                congestion.onPacketAcked(now, p.timeSent(), p.sentBytes(), sample, rtt.smoothedRtt(), rtt.minRtt());
            }
            onFramesAcked(space, (SentFrames) p.frames());
            releaseFrames(p);
        }
        if (outcome.ackedCount() > 0) {
            congestion.onAckProcessed(now);
        }
        if (outcome.rttSampleTaken()) {
            streams.onRttUpdated(rtt.smoothedRtt());
        }
        onLost(now);
    }

    private void onLost(long now) {
        if (outcome.lostCount() == 0) {
            return;
        }
        long lostBytes = outcome.lostBytesInFlight();
        for (int i = 0; i < outcome.lostCount(); i++) {
            SentPacket p = outcome.lost(i);
            if (pathMtu != null && outcome.space() == PacketNumberSpace.APPLICATION
                    && pathMtu.isProbe(p.packetNumber())) {
                // RFC 9000 §14.4: a lost probe says the size is too large, not that the path is congested.
                pathMtu.onProbeLost(now);
                congestion.onPacketDiscarded(p.sentBytes());
                lostBytes -= p.sentBytes();
            }
            onFramesLost(spaces[outcome.space().ordinal()], (SentFrames) p.frames());
            releaseFrames(p);
        }
        if (lostBytes > 0) {
            congestion.onPacketsLost(now, outcome.newestLostSentTime(), lostBytes);
        }
        if (outcome.persistentCongestion()) {
            congestion.onPersistentCongestion(now);
            if (pathMtu != null && pathMtu.onBlackHole(now)) {
                setMaxDatagramSize(pathMtu.current());
            }
        }
    }

    private void onFramesAcked(PacketSpace space, SentFrames f) {
        if (f == null) {
            return;
        }
        for (int i = 0; i < f.cryptoCount; i++) {
            space.crypto.onAcked(f.cryptoOffsets[i], f.cryptoLengths[i]);
        }
        for (int i = 0; i < f.streamCount; i++) {
            streams.onStreamFrameAcked(f.streamIds[i], f.streamOffsets[i], f.streamLengths[i], f.streamFins[i]);
        }
        for (int i = 0; i < f.controlCount; i++) {
            streams.onControlFrameAcked(CONTROL_FRAMES[f.controlKinds[i]], f.controlIds[i], f.controlValues[i]);
        }
        for (int i = 0; i < f.newConnectionIdCount; i++) {
            localIds.onNewConnectionIdAcked(f.newConnectionIdSequences[i]);
        }
        for (int i = 0; i < f.retireConnectionIdCount; i++) {
            peerIds.onRetireConnectionIdAcked(f.retireConnectionIdSequences[i]);
        }
        if (f.ackLargest >= 0) {
            // RFC 9000 §13.2.4: once an ACK frame is acknowledged, the ranges it covered need not be repeated.
            space.acks.onAckOfOurAckFrame(f.ackLargest);
        }
    }

    private void onFramesLost(PacketSpace space, SentFrames f) {
        if (f == null) {
            return;
        }
        if (!space.discarded) {
            for (int i = 0; i < f.cryptoCount; i++) {
                space.crypto.onLost(f.cryptoOffsets[i], f.cryptoLengths[i]);
            }
        }
        for (int i = 0; i < f.streamCount; i++) {
            streams.onStreamFrameLost(f.streamIds[i], f.streamOffsets[i], f.streamLengths[i], f.streamFins[i]);
        }
        for (int i = 0; i < f.controlCount; i++) {
            streams.onControlFrameLost(CONTROL_FRAMES[f.controlKinds[i]], f.controlIds[i], f.controlValues[i]);
        }
        for (int i = 0; i < f.newConnectionIdCount; i++) {
            localIds.onNewConnectionIdLost(f.newConnectionIdSequences[i]);
        }
        for (int i = 0; i < f.retireConnectionIdCount; i++) {
            peerIds.onRetireConnectionIdLost(f.retireConnectionIdSequences[i]);
        }
        if (f.handshakeDone) {
            handshakeDonePending = true;
        }
        if (f.pathChallenge && !pathValidated) {
            pathChallengePending = true;
        }
    }

    private void releaseFrames(SentPacket p) {
        Object frames = p.frames();
        if (frames instanceof SentFrames f) {
            f.clear();
            framePool.add(f);
            p.setFrames(null);
        }
    }

    private void processPending(PacketSpace space, long now) {
        int n = space.pending.size();
        if (n == 0) {
            return;
        }
        // Copy out first: processing may buffer again only for another level, never this one.
        for (int i = 0; i < n && !state.isClosingOrClosed(); i++) {
            ByteBuffer packet = space.pending.packet(i);
            ParseStatus status = PacketParser.parse(packet, 0, config.connectionIdLength(), config.greaseQuicBit(),
                    header);
            if (status == ParseStatus.OK) {
                processPacket(packet, header, now);
            }
        }
        space.pending.clear();
    }

    /**
     * A client's answer to a Retry (RFC 9000 §8.1.2, §17.2.5): the first valid one makes the client start over with
     * the token it carries, addressing the connection ID the server chose, under Initial keys derived from that ID
     * (RFC 9001 §5.2); everything sent so far leaves recovery (RFC 9002 §6.3) and the ClientHello goes again in
     * new Initial packets, whose numbers continue (§17.2.5.3). The server's transport parameters must then name
     * the Retry's Source Connection ID (§7.3). Any other Retry is dropped.
     */
    private void onRetry(ByteBuffer buf, PacketHeaderView view) {
        // §17.2.5.2: at most one Retry, none after any packet from the server; servers never take one.
        if (role != Role.CLIENT || retrySourceId != null || packetsReceived > 0 || view.quicVersion() != version
                || view.tokenLength() == 0) {
            packetsDropped++;
            return;
        }
        ByteBuffer packet = buf.duplicate().limit(view.packetEnd()).position(view.packetStart());
        ConnectionId scid = view.scid(buf);
        if (!RetryIntegrity.verify(version, originalDestinationId, packet) || scid.equals(originalDestinationId)
                || !view.dcid(buf).equals(localIds.initial())) {
            packetsDropped++;
            return;
        }
        retrySourceId = scid;
        retryToken = ByteBuffer.wrap(view.token(buf)).asReadOnlyBuffer();
        peerIds.replaceInitial(scid);
        PacketSpace initial = spaces[0];
        initial.sealer = PacketProtection.initial(version, scid, Role.CLIENT);
        initial.opener = PacketProtection.initial(version, scid, Role.SERVER);
        outcome.clear();
        recovery.onRetry(outcome);
        // Only Initial packets were sent (no 0-RTT is offered), so their frames are the Initial CRYPTO data.
        leaveFlight(initial);
        outcome.clear();
        // Whatever was not yet acknowledged goes again; the server processed none of it.
        initial.crypto.retransmitUnacked();
        retries++;
    }

    /** {@return the versions a Version Negotiation packet lists, in hex, at most eight of them} */
    private static String versionList(int[] versions) {
        if (versions.length == 0) {
            return "no version";
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(versions.length, 8); i++) {
            s.append(i == 0 ? "" : ", ").append(String.format("0x%08x", versions[i]));
        }
        return versions.length > 8 ? s.append(" and ").append(versions.length - 8).append(" more").toString()
                : s.toString();
    }

    private void onVersionNegotiation(ByteBuffer buf) {
        // RFC 9000 §6.2: a client that has received any packet ignores Version Negotiation; one that lists
        // our version is ignored too.
        if (role != Role.CLIENT || packetsReceived > 0 || retrySourceId != null) {
            return;
        }
        VersionNegotiationPacket vn = VersionNegotiationPacket.from(buf, header);
        if (vn.lists(version.wireValue()) || !ConnectionId.of(vn.dcid()).equals(localIds.initial())
                || !ConnectionId.of(vn.scid()).equals(originalDestinationId)) {
            return;
        }
        closeError = new ConnectionError(ConnectionError.Kind.VERSION_NEGOTIATION, 0, 0,
                "the server offers " + versionList(vn.versions()) + ", none of ours", true);
        state = ConnectionState.CLOSED;
        events.add(new ConnectionEvent.Closed(closeError));
        localIds.unregisterAll();
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
        enterClosing(ConnectionError.application(applicationErrorCode, reason, false), now);
    }

    /**
     * Closes the connection with a transport error (CONNECTION_CLOSE type 0x1c); the closing period starts at
     * {@code now}.
     */
    public void closeWithError(TransportErrorCode code, long frameType, String reason, long now) {
        if (state.isClosingOrClosed()) {
            return;
        }
        enterClosing(ConnectionError.transport(code, frameType, reason, false), now);
    }

    /**
     * Ends the connection at once without sending anything, as an endpoint that sheds it must: a server's
     * half-open connection dropped to make room for newer clients (RFC 9000 §5.2.2 lets a server drop what it
     * cannot take). The state becomes CLOSED with {@code error} and a {@link ConnectionEvent.Closed}; its
     * connection IDs are unregistered. Nothing happens if it is already closed.
     */
    public void abandon(ConnectionError error) {
        Objects.requireNonNull(error, "error");
        if (state == ConnectionState.CLOSED) {
            return;
        }
        if (!state.isClosingOrClosed()) {
            closeError = error;
            events.add(new ConnectionEvent.Closed(error));
        }
        enterClosed();
    }

    private void enterClosing(ConnectionError error, long now) {
        closeError = error;
        state = ConnectionState.CLOSING;
        closePending = true;
        closeDeadline = now + 3 * recovery.rtt().pto(peerMaxAckDelayNanos, true);
        events.add(new ConnectionEvent.Closed(error));
    }

    private void onPeerClose(ConnectionError error, long now) {
        enterDraining(error, now);
    }

    private void enterDraining(ConnectionError error, long now) {
        if (state.isClosingOrClosed()) {
            return;
        }
        closeError = error;
        state = ConnectionState.DRAINING;
        closeDeadline = now + 3 * recovery.rtt().pto(peerMaxAckDelayNanos, true);
        events.add(new ConnectionEvent.Closed(error));
    }

    private void enterClosed() {
        state = ConnectionState.CLOSED;
        localIds.unregisterAll();
    }

    // ------------------------------------------------------------------------------------------------
    // Timers

    /** {@return when {@link #handleTimeout} must be called next, or {@code Long.MAX_VALUE} for never} */
    public long nextDeadline() {
        if (state == ConnectionState.CLOSED) {
            return Long.MAX_VALUE;
        }
        if (state == ConnectionState.CLOSING || state == ConnectionState.DRAINING) {
            return closeDeadline;
        }
        long d = Math.min(idleDeadline, recovery.lossDetectionDeadline());
        d = Math.min(d, spaces[2].acks.ackDeadline());
        d = Math.min(d, keepAliveDeadline);
        d = Math.min(d, pacingDeadline);
        d = Math.min(d, oneRtt.previousDiscardDeadline);
        return d;
    }

    private void onTimeout(long now) {
        if (state == ConnectionState.CLOSED) {
            return;
        }
        if (state == ConnectionState.CLOSING || state == ConnectionState.DRAINING) {
            if (now - closeDeadline >= 0) {
                enterClosed();
            }
            return;
        }
        if (now - idleDeadline >= 0) {
            // RFC 9000 §10.1: silently closed.
            closeError = new ConnectionError(ConnectionError.Kind.IDLE_TIMEOUT, 0, 0,
                    "no packet for " + idleTimeoutNanos / 1_000_000 + " ms", false);
            events.add(new ConnectionEvent.Closed(closeError));
            enterClosed();
            return;
        }
        if (now - pacingDeadline >= 0) {
            pacingDeadline = Long.MAX_VALUE;
        }
        oneRtt.onTimeout(now);
        if (now - keepAliveDeadline >= 0) {
            pingPending = true;
            keepAliveDeadline = Long.MAX_VALUE;
        }
        if (now - recovery.lossDetectionDeadline() >= 0) {
            outcome.clear();
            recovery.onLossDetectionTimeout(now, outcome);
            if (outcome.lostCount() > 0) {
                onLost(now);
            }
            if (outcome.probeCount() > 0) {
                PacketSpace space = spaces[outcome.ptoSpace().ordinal()];
                space.probesPending = Math.max(space.probesPending, outcome.probeCount());
                if (pathMtu != null && recovery.ptoCount() >= BLACK_HOLE_PTOS && pathMtu.onBlackHole(now)) {
                    // RFC 8899 §4.3: nothing acknowledged through several PTOs while sending above the base size
                    // may be a path that shrank; its losses are never acknowledged, so persistent congestion
                    // cannot tell. The probes go out at the base size, which every path carries.
                    setMaxDatagramSize(pathMtu.current());
                }
                queueProbeData(space);
                // RFC 9002 §6.2.4: the sender SHOULD also send ack-eliciting packets from the other spaces with
                // data in flight, coalesced. A Handshake PTO of a client whose request went in 1-RTT packets the
                // server could not yet read (or lost) thus repairs the request too, where waiting for confirmation
                // (no Application Data PTO before it, §6.2.1) could leave it lost until the peer gives up.
                for (PacketSpace other : spaces) {
                    if (other != space && canSendIn(other)
                            && recovery.log(other.id).ackElicitingInFlight() > 0) {
                        other.probesPending = Math.max(other.probesPending, 1);
                        queueProbeData(other);
                    }
                }
            }
        }
    }

    /** The most in-flight packets whose frames one PTO queues again, as many as the probes it sends. */
    private static final int PROBE_REPEATS = 2;
    private final SentPacket[] probeSources = new SentPacket[PROBE_REPEATS];

    /** {@return whether packets of {@code space} can be sealed now: its keys are there and not discarded} */
    private boolean canSendIn(PacketSpace space) {
        return space.id == PacketNumberSpace.APPLICATION ? oneRtt.canSend() && !space.discarded : space.canSend();
    }

    /**
     * Makes a PTO probe carry data rather than a bare PING (RFC 9002 §6.2.4: new or previously sent unacknowledged
     * data MUST be sent): the unacknowledged CRYPTO data of a handshake level; in 1-RTT, new data if there is some,
     * else the frames of the oldest ack-eliciting packets in flight. Those stay in flight: whichever copy is
     * acknowledged first counts, and the buffers ignore the other.
     */
    private void queueProbeData(PacketSpace space) {
        if (space.id != PacketNumberSpace.APPLICATION) {
            space.crypto.retransmitUnacked();
            return;
        }
        if (state.isEstablished() && (streams.hasPendingFrames() || datagrams.hasOutgoing())) {
            // New data is there to carry the probe; resending in-flight data would only displace it.
            return;
        }
        int n = recovery.oldestAckElicitingInFlight(space.id, probeSources);
        for (int i = 0; i < n; i++) {
            if (probeSources[i].frames() instanceof SentFrames f) {
                onFramesLost(space, f);
            }
            probeSources[i] = null;
        }
    }

    /** At least four probes go out within an idle timeout, however many were lost before (see LossDetector). */
    private void capPtoPeriod() {
        recovery.setMaxPtoPeriod(idleTimeoutNanos > 0 ? Math.max(1, idleTimeoutNanos / 4) : Long.MAX_VALUE);
    }

    private void restartIdleTimer(long now) {
        if (idleTimeoutNanos == 0) {
            idleDeadline = Long.MAX_VALUE;
            return;
        }
        // RFC 9000 §10.1: at least three PTOs, so that probes get their chance.
        long timeout = Math.max(idleTimeoutNanos, 3 * recovery.rtt().pto(peerMaxAckDelayNanos, true));
        idleDeadline = now + timeout;
        if (config.keepAliveMillis() > 0) {
            keepAliveDeadline = now + config.keepAliveMillis() * 1_000_000L;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Sending

    /** A packet being built in the datagram, sealed once every packet of the datagram is laid out. */
    private static final class PacketLayout {
        PacketSpace space;
        PacketProtection sealer;
        int start;
        int pnOffset;
        int pnLength;
        long packetNumber;
        int payloadEnd;
        boolean longHeader;
        boolean ackEliciting;
        boolean inFlight;
        SentFrames frames;

        void set(PacketSpace space, PacketProtection sealer, int start, int pnOffset, int pnLength, long packetNumber,
                 int payloadEnd, boolean longHeader, boolean ackEliciting, boolean inFlight, SentFrames frames) {
            this.space = space;
            this.sealer = sealer;
            this.start = start;
            this.pnOffset = pnOffset;
            this.pnLength = pnLength;
            this.packetNumber = packetNumber;
            this.payloadEnd = payloadEnd;
            this.longHeader = longHeader;
            this.ackEliciting = ackEliciting;
            this.inFlight = inFlight;
            this.frames = frames;
        }
    }

    private final PacketLayout[] layouts = {new PacketLayout(), new PacketLayout(), new PacketLayout()};

    private int send(ByteBuffer out, long now) {
        if (state == ConnectionState.CLOSED || state == ConnectionState.DRAINING) {
            return 0;
        }
        int start = out.position();
        int budget = Math.min(maxDatagramSize, out.remaining());
        if (!addressValidated) {
            long allowed = 3 * bytesReceived - bytesSent;
            budget = (int) Math.min(budget, Math.max(0, allowed));
        }
        if (!pathValidated) {
            // RFC 9000 §9.3.1: a new peer address gets at most three times what arrived from it until validated.
            budget = (int) Math.min(budget, Math.max(0, 3 * pathBytesReceived - pathBytesSent));
        }
        if (budget < ConnectionConfig.MIN_DATAGRAM_SIZE && !(addressValidated && budget > 0)) {
            // Anti-amplification blocks us (RFC 9000 §8.1): wait for the client to send more.
            setAmplificationLimited(!addressValidated);
            return 0;
        }
        setAmplificationLimited(false);
        if (state == ConnectionState.CLOSING) {
            return closePending ? writeClose(out, start, budget, now) : 0;
        }
        if (state == ConnectionState.CONFIRMED && oneRtt.canSend()) {
            // RFC 9001 §6.6: a new write key before the current one nears its confidentiality limit; §6.1: only
            // once the handshake is confirmed.
            oneRtt.maybeInitiate(config.keyUpdateInterval());
        }
        if (pathMtuProbeDue(out, now)) {
            return sendPathMtuProbe(out, now);
        }
        boolean congestionBlocked = !congestion.canSend(maxDatagramSize) && !probesPending();
        if (!congestionBlocked && !probesPending()) {
            long release = pacer.nextSendTime(now, maxDatagramSize, congestion.congestionWindow(),
                    recovery.rtt().smoothedRtt());
            if (release - now > 0 && !ackDue(now)) {
                // RFC 9002 §7.7: paced; an ACK that is due still leaves at once.
                pacingDeadline = release;
                return 0;
            }
        }
        int limit = start + budget;
        int count = 0;
        boolean padDatagram = false;
        for (PacketNumberSpace id : SPACES) {
            PacketSpace space = spaces[id.ordinal()];
            if (!canSendIn(space)) {
                continue;
            }
            // Handshake bytes of lower levels leave before any application data (DESIGN: no overtaking).
            boolean lowerCryptoPending = id == PacketNumberSpace.APPLICATION
                    && (spaces[0].canSend() && spaces[0].crypto.hasPendingSend()
                        || spaces[1].canSend() && spaces[1].crypto.hasPendingSend());
            if (!wantsToSend(space, now, congestionBlocked)) {
                continue;
            }
            int room = limit - out.position();
            if (room < 64) {
                break;
            }
            PacketLayout layout = layouts[count];
            if (buildPacket(out, space, limit, layout, now, congestionBlocked, lowerCryptoPending)) {
                count++;
                if (layout.frames.pathChallenge && limit - start >= ConnectionConfig.MIN_DATAGRAM_SIZE) {
                    // RFC 9000 §8.2.1: a PATH_CHALLENGE goes in a datagram of at least 1200 bytes, unless the
                    // anti-amplification limit allows less.
                    padDatagram = true;
                }
                if (id == PacketNumberSpace.INITIAL && (role == Role.CLIENT || layout.ackEliciting)) {
                    // RFC 9000 §14.1: datagrams carrying a client Initial, or an ack-eliciting server
                    // Initial, are at least 1200 bytes.
                    padDatagram = true;
                }
            }
        }
        if (count == 0) {
            return 0;
        }
        PacketLayout last = layouts[count - 1];
        if (padDatagram) {
            int target = start + ConnectionConfig.MIN_DATAGRAM_SIZE - TAG;
            if (last.payloadEnd < target) {
                out.position(last.payloadEnd);
                FrameEncoder.writePadding(out, target - last.payloadEnd);
                last.payloadEnd = target;
                last.inFlight = true;
            }
        }
        lastDatagramPackets = 0;
        for (int i = 0; i < count; i++) {
            seal(out, layouts[i], now);
            rememberSent(layouts[i].space.id, layouts[i].packetNumber);
        }
        int length = layouts[count - 1].payloadEnd + TAG - start;
        out.position(start + length);
        bytesSent += length;
        pathBytesSent += length;
        lastDatagramLength = length;
        if (!handshakePacketSent && role == Role.CLIENT) {
            for (int i = 0; i < count; i++) {
                if (layouts[i].space.id == PacketNumberSpace.HANDSHAKE) {
                    // RFC 9001 §4.9.1: a client discards Initial keys when it first sends a Handshake packet.
                    handshakePacketSent = true;
                    discardSpace(spaces[0]);
                    break;
                }
            }
        }
        return length;
    }

    private void setMaxDatagramSize(int size) {
        maxDatagramSize = size;
        congestion.setMaxDatagramSize(size);
        pacer.setMaxDatagramSize(size);
    }

    /**
     * {@return whether a path MTU probe goes out now} Only once the handshake is confirmed (RFC 9000 §14.3 lets
     * probes wait for that; the peer's parameters are known by then), and only when congestion control and pacing
     * let a datagram of the current size leave. Asking room for the probe's own size would starve the search on a
     * side that only acknowledges: its window stays at the initial ten datagrams, below a jumbo probe.
     */
    private boolean pathMtuProbeDue(ByteBuffer out, long now) {
        if (pathMtu == null || state != ConnectionState.CONFIRMED || !oneRtt.canSend() || spaces[2].discarded
                || !pathValidated || !pathMtu.wantsProbe(now)) {
            return false;
        }
        return out.remaining() >= pathMtu.nextProbeSize() && congestion.canSend(maxDatagramSize)
                && pacer.nextSendTime(now, maxDatagramSize, congestion.congestionWindow(),
                        recovery.rtt().smoothedRtt()) - now <= 0;
    }

    /**
     * Sends a path MTU probe: one 1-RTT packet of PING and PADDING filling a datagram of the probed size
     * (RFC 9000 §14.4), alone in its datagram so that only its size decides whether it arrives.
     */
    private int sendPathMtuProbe(ByteBuffer out, long now) {
        int start = out.position();
        int size = pathMtu.nextProbeSize();
        PacketSpace space = spaces[2];
        long pn = space.nextPacketNumber;
        int pnLength = PacketNumber.encodedLength(pn, recovery.largestAcked(space.id));
        boolean fixedBit = !peerGreasesQuicBit || greaseBit();
        PacketProtection sealer = oneRtt.sealer;
        int pnOffset = PacketHeaderWriter.writeShortHeader(out, peerIds.current(), false, sealer.keyPhase() == 1, pn,
                pnLength, fixedBit);
        out.put((byte) 0x01); // PING (RFC 9000 §19.2)
        int payloadEnd = start + size - TAG;
        FrameEncoder.writePadding(out, payloadEnd - out.position());
        space.nextPacketNumber++;
        PacketLayout layout = layouts[0];
        layout.set(space, sealer, start, pnOffset, pnLength, pn, payloadEnd, false, true, true,
                framePool.isEmpty() ? new SentFrames() : framePool.poll());
        seal(out, layout, now);
        out.position(start + size);
        bytesSent += size;
        pathBytesSent += size;
        pathMtu.onProbeSent(pn, size);
        lastDatagramPackets = 0;
        rememberSent(PacketNumberSpace.APPLICATION, pn);
        lastDatagramLength = size;
        return size;
    }

    private void setAmplificationLimited(boolean limited) {
        if (limited != amplificationLimited) {
            amplificationLimited = limited;
            recovery.setAmplificationLimited(limited);
        }
    }

    private boolean probesPending() {
        return spaces[0].probesPending > 0 || spaces[1].probesPending > 0 || spaces[2].probesPending > 0;
    }

    private boolean ackDue(long now) {
        for (PacketSpace s : spaces) {
            if (!s.discarded && s.acks.hasSomethingToAck()
                    && (s.acks.ackNow() || s.acks.ackDeadline() - now <= 0)) {
                return true;
            }
        }
        return false;
    }

    private boolean wantsToSend(PacketSpace space, long now, boolean congestionBlocked) {
        // RFC 9000 §13.2.1: only ack-eliciting packets call for an ACK of their own; what else is unacknowledged
        // rides along with the next packet sent anyway. (Answering ACK-only packets with ACKs ping-pongs.)
        boolean ack = space.acks.hasSomethingToAck()
                && (space.acks.ackNow() || space.acks.ackDeadline() - now <= 0);
        if (ack || space.probesPending > 0) {
            return true;
        }
        if (space.id != PacketNumberSpace.APPLICATION && space.crypto.hasPendingSend()) {
            // Handshake data is not held back by the congestion window: 1-RTT data the peer cannot yet
            // acknowledge (it has no 1-RTT keys before the handshake ends, RFC 9001 §5.7) may fill the window,
            // and with no PTO for application data before confirmation (RFC 9002 §6.2.1) a lost Finished
            // would then never be sent again. Handshake flights are small and bounded by the TLS stack.
            return true;
        }
        if (congestionBlocked) {
            return false;
        }
        if (space.crypto.hasPendingSend()) {
            return true;
        }
        if (space.id == PacketNumberSpace.APPLICATION) {
            return handshakeDonePending || pathResponsePending || pathChallengePending || pingPending
                    || localIds.hasPending()
                    || peerIds.hasPending()
                    || (state.isEstablished() && (streams.hasPendingFrames() || datagrams.hasOutgoing()));
        }
        return false;
    }

    private boolean buildPacket(ByteBuffer out, PacketSpace space, int limit, PacketLayout layout, long now,
                                boolean congestionBlocked, boolean lowerCryptoPending) {
        int start = out.position();
        long pn = space.nextPacketNumber;
        long largestAcked = recovery.largestAcked(space.id);
        int pnLength = PacketNumber.encodedLength(pn, largestAcked);
        boolean fixedBit = !peerGreasesQuicBit || greaseBit();
        ConnectionId dcid = peerIds.current();
        PacketProtection sealer;
        int pnOffset;
        boolean longHeader = space.id != PacketNumberSpace.APPLICATION;
        int lengthFieldSize = limit - start > 16000 ? 4 : 2;
        if (longHeader) {
            sealer = space.sealer;
            pnOffset = PacketHeaderWriter.writeLongHeader(out, version, space.level.packetType(), dcid,
                    localIds.initial(), tokenFor(space), pn, pnLength, lengthFieldSize, fixedBit);
        } else {
            sealer = oneRtt.sealer;
            pnOffset = PacketHeaderWriter.writeShortHeader(out, dcid, false, sealer.keyPhase() == 1, pn, pnLength,
                    fixedBit);
        }
        int payloadStart = out.position();
        int payloadLimit = limit - TAG;
        SentFrames frames = framePool.isEmpty() ? new SentFrames() : framePool.poll();
        boolean ackEliciting = false;
        // ACK first: it is small and never congestion controlled (RFC 9002 §7).
        if (space.acks.hasSomethingToAck()) {
            int ackLength = space.acks.ackFrameLength(now, config.ackDelayExponent());
            if (ackLength <= payloadLimit - out.position()) {
                space.acks.writeAck(out, now, config.ackDelayExponent());
                frames.ackLargest = space.acks.largestReceived();
            }
        }
        boolean mayAddData = !congestionBlocked || space.probesPending > 0;
        if (space.probesPending > 0 && space.id != PacketNumberSpace.APPLICATION && !space.crypto.hasPendingSend()
                && space.crypto.hasUnacked()) {
            // Every probe of a handshake level carries the unacknowledged CRYPTO data again, the second of a pair
            // too, rather than a PING: a peer may ignore a PING-only Initial (Kwik does, for 2 s), and each copy
            // is one more chance for the flight to get through a lossy path (RFC 9002 §6.2.4).
            space.crypto.retransmitUnacked();
        }
        if (space.crypto.hasPendingSend() && (mayAddData || space.id != PacketNumberSpace.APPLICATION)
                && space.crypto.writeFrames(out, payloadLimit, frames)) {
            ackEliciting = true;
        }
        if (mayAddData) {
            if (space.id == PacketNumberSpace.APPLICATION) {
                ackEliciting |= writeApplicationFrames(out, payloadLimit, frames, now, lowerCryptoPending);
            }
            if (space.probesPending > 0 || (pingPending && space.id == PacketNumberSpace.APPLICATION)) {
                if (!ackEliciting && out.position() < payloadLimit) {
                    out.put((byte) 0x01); // PING (RFC 9000 §19.2)
                    ackEliciting = true;
                }
                if (space.probesPending > 0) {
                    space.probesPending--;
                }
                if (space.id == PacketNumberSpace.APPLICATION) {
                    pingPending = false;
                }
            }
        }
        int payloadEnd = out.position();
        if (payloadEnd == payloadStart) {
            out.position(start);
            framePool.add(frames);
            return false;
        }
        boolean padded = false;
        if (payloadEnd - pnOffset < MIN_PN_AND_PAYLOAD) {
            FrameEncoder.writePadding(out, MIN_PN_AND_PAYLOAD - (payloadEnd - pnOffset));
            payloadEnd = out.position();
            padded = true;
        }
        space.nextPacketNumber++;
        layout.set(space, sealer, start, pnOffset, pnLength, pn, payloadEnd, longHeader, ackEliciting,
                ackEliciting || padded, frames);
        // Leave room for the tag; sealing fills it.
        out.position(payloadEnd + TAG);
        if (longHeader) {
            lengthFieldSizes[space.id.ordinal()] = lengthFieldSize;
        }
        return true;
    }

    /** {@return the token an Initial packet carries: a client's Retry token, else none} */
    private ByteBuffer tokenFor(PacketSpace space) {
        return space.id == PacketNumberSpace.INITIAL && retryToken != null ? retryToken : null;
    }

    private final int[] lengthFieldSizes = new int[3];
    private long greaseBits;
    private int greaseBitsLeft;

    /**
     * {@return a random fixed bit for a peer that greases it (RFC 9287 §3)} The bits come 64 at a time from the
     * connection's generator: drawing one per packet from a secure generator cost ~4% of a bulk sender's CPU.
     */
    private boolean greaseBit() {
        if (greaseBitsLeft == 0) {
            greaseBits = random.nextLong();
            greaseBitsLeft = 64;
        }
        greaseBitsLeft--;
        boolean bit = (greaseBits & 1) != 0;
        greaseBits >>>= 1;
        return bit;
    }

    private boolean writeApplicationFrames(ByteBuffer out, int limit, SentFrames frames, long now,
                                           boolean lowerCryptoPending) {
        boolean wrote = false;
        if (handshakeDonePending && out.position() < limit) {
            out.put((byte) 0x1e); // HANDSHAKE_DONE (RFC 9000 §19.20)
            frames.handshakeDone = true;
            handshakeDonePending = false;
            wrote = true;
        }
        if (pathChallengePending && limit - out.position() >= 9) {
            out.put((byte) 0x1a); // PATH_CHALLENGE (RFC 9000 §19.17)
            out.putLong(pathChallengeData);
            frames.pathChallenge = true;
            pathChallengePending = false;
            pathChallengeSent = true;
            wrote = true;
        }
        if (pathResponsePending && limit - out.position() >= 9) {
            out.put((byte) 0x1b); // PATH_RESPONSE (RFC 9000 §19.18)
            out.putLong(pathResponseData);
            pathResponsePending = false;
            wrote = true;
        }
        if (localIds.hasPending()) {
            wrote |= localIds.writeFrames(out, limit - out.position(), frames::addNewConnectionId) > 0;
        }
        if (peerIds.hasPending()) {
            wrote |= peerIds.writeFrames(out, limit - out.position(), frames::addRetireConnectionId) > 0;
        }
        if (state.isEstablished() && !lowerCryptoPending && datagrams.hasOutgoing()) {
            wrote |= datagrams.writeFrames(out, limit, largestDatagramFrame());
        }
        if (state.isEstablished() && !lowerCryptoPending && streams.hasPendingFrames()) {
            int before = out.position();
            streams.writeFrames(out, limit - out.position(), frames, now);
            wrote |= out.position() > before;
        }
        return wrote;
    }

    private void seal(ByteBuffer out, PacketLayout l, long now) {
        if (l.longHeader) {
            PacketHeaderWriter.setLength(out, l.pnOffset, lengthFieldSizes[l.space.id.ordinal()], l.payloadEnd + TAG);
        }
        int size = l.sealer.seal(out, l.start, l.pnOffset, l.pnLength, l.packetNumber, l.payloadEnd);
        packetsSent++;
        if (!l.longHeader) {
            oneRtt.onPacketSealed(l.packetNumber);
        }
        SentPacket sent = recovery.onPacketSent(l.space.id, l.packetNumber, now, size, l.ackEliciting, l.inFlight);
        if (l.frames.ackLargest >= 0) {
            l.space.acks.onAckSent(l.packetNumber);
        }
        sent.setFrames(l.frames);
        if (l.inFlight) {
            congestion.onPacketSent(now, size);
            pacer.onPacketSent(now, size, congestion.congestionWindow(), recovery.rtt().smoothedRtt());
        }
        if (l.ackEliciting && !ackElicitingSentSinceReceive) {
            // RFC 9000 §10.1: sending the first ack-eliciting packet after receiving restarts the idle timer.
            ackElicitingSentSinceReceive = true;
            restartIdleTimer(now);
        }
    }

    private int writeClose(ByteBuffer out, int start, int budget, long now) {
        closePending = false;
        closesSent++;
        int limit = start + budget;
        int count = 0;
        for (PacketNumberSpace id : SPACES) {
            PacketSpace space = spaces[id.ordinal()];
            if (!canSendIn(space) || limit - out.position() < 128) {
                continue;
            }
            PacketLayout l = layouts[count];
            int pStart = out.position();
            long pn = space.nextPacketNumber;
            int pnLength = PacketNumber.encodedLength(pn, recovery.largestAcked(id));
            boolean longHeader = id != PacketNumberSpace.APPLICATION;
            int pnOffset = longHeader
                    ? PacketHeaderWriter.writeLongHeader(out, version, space.level.packetType(), peerIds.current(),
                            localIds.initial(), tokenFor(space), pn, pnLength, 2, true)
                    : PacketHeaderWriter.writeShortHeader(out, peerIds.current(), false,
                            oneRtt.sealer.keyPhase() == 1, pn, pnLength, true);
            int room = limit - TAG - out.position();
            writeCloseFrame(out, id, room);
            if (out.position() - pnOffset < MIN_PN_AND_PAYLOAD) {
                FrameEncoder.writePadding(out, MIN_PN_AND_PAYLOAD - (out.position() - pnOffset));
            }
            space.nextPacketNumber++;
            l.space = space;
            l.sealer = longHeader ? space.sealer : oneRtt.sealer;
            l.start = pStart;
            l.pnOffset = pnOffset;
            l.pnLength = pnLength;
            l.packetNumber = pn;
            l.payloadEnd = out.position();
            l.longHeader = longHeader;
            lengthFieldSizes[id.ordinal()] = 2;
            out.position(l.payloadEnd + TAG);
            count++;
        }
        if (count == 0) {
            return 0;
        }
        boolean hasInitial = layouts[0].space.id == PacketNumberSpace.INITIAL;
        PacketLayout last = layouts[count - 1];
        if (hasInitial && role == Role.CLIENT) {
            int target = start + ConnectionConfig.MIN_DATAGRAM_SIZE - TAG;
            if (last.payloadEnd < target && target + TAG <= limit) {
                out.position(last.payloadEnd);
                FrameEncoder.writePadding(out, target - last.payloadEnd);
                last.payloadEnd = target;
            }
        }
        for (int i = 0; i < count; i++) {
            PacketLayout l = layouts[i];
            if (l.longHeader) {
                PacketHeaderWriter.setLength(out, l.pnOffset, 2, l.payloadEnd + TAG);
            }
            l.sealer.seal(out, l.start, l.pnOffset, l.pnLength, l.packetNumber, l.payloadEnd);
            packetsSent++;
        }
        int length = last.payloadEnd + TAG - start;
        out.position(start + length);
        bytesSent += length;
        pathBytesSent += length;
        // Closing packets are not tracked by recovery: if one is refused, the next trigger sends another.
        lastDatagramPackets = 0;
        lastDatagramLength = length;
        return length;
    }

    private void writeCloseFrame(ByteBuffer out, PacketNumberSpace id, int room) {
        ConnectionError e = closeError;
        byte[] reason = e.reason().getBytes(StandardCharsets.UTF_8);
        int maxReason = Math.max(0, Math.min(reason.length, room - 24));
        ByteBuffer phrase = ByteBuffer.wrap(reason, 0, maxReason);
        Frame frame;
        if (e.kind() == ConnectionError.Kind.APPLICATION) {
            if (id == PacketNumberSpace.APPLICATION) {
                frame = new ApplicationCloseFrame(e.code(), phrase);
            } else {
                // RFC 9000 §10.2.3: in Initial and Handshake packets an application close becomes
                // APPLICATION_ERROR, without the application's reason.
                frame = new ConnectionCloseFrame(TransportErrorCode.APPLICATION_ERROR, 0, ByteBuffer.allocate(0));
            }
        } else {
            frame = new ConnectionCloseFrame(TransportErrorCode.of(e.code()), e.frameType(), phrase);
        }
        FrameEncoder.encode(out, frame);
    }

    // ------------------------------------------------------------------------------------------------

    private PacketSpace spaceOf(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> spaces[0];
            case HANDSHAKE -> spaces[1];
            case EARLY_DATA, APPLICATION -> spaces[2];
        };
    }

    private PacketSpace spaceOf(PacketType type) {
        return spaces[PacketNumberSpace.of(type).ordinal()];
    }

    @Override
    public String toString() {
        return "QuicConnection[" + role + ", " + state + ", local " + localIds.initial() + "]";
    }
}
