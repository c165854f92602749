package qsock.tls;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Objects;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;

/**
 * Drives one {@link TlsEngine} over a connection's {@link HandshakeChannel}: the role libquic plays between
 * GnuTLS and the kernel's QUIC. {@link #step()} never blocks: it moves every handshake byte, secret and
 * transport parameter it can between the two, and says what it waits for. An event loop calls it whenever
 * the connection has received something; a blocking handshake call loops over it.
 *
 * <p>Certificate validation and signing run as delegated tasks: when {@link #step()} returns {@link
 * Step#TASK_PENDING}, run {@link #delegatedTask()} on any thread, then call {@link #step()} again from the
 * connection's thread.
 *
 * <p>Not thread-safe: one thread steps it, the one that owns the connection.
 */
public final class HandshakeDriver {

    /** What the handshake waits for after a step. */
    public enum Step {
        /** Handshake bytes from the peer. */
        NEEDS_INPUT,
        /** A delegated task to run, then another step. */
        TASK_PENDING,
        /** Nothing: the handshake is complete on this side (post-handshake messages are still handled). */
        COMPLETE,
        /** Nothing: the handshake failed, or the connection closed under it. */
        FAILED
    }

    /** Bounds one step, so that a peer feeding bytes as fast as we read cannot hold the thread. */
    private static final int MAX_ROUNDS_PER_STEP = 64;
    private static final int READ_CHUNK = 16 * 1024;
    /** What reads post-handshake messages (a session ticket: a few hundred bytes) once the handshake completed. */
    private static final int POST_HANDSHAKE_CHUNK = 256;

    private final HandshakeChannel channel;
    private TlsEngine engine;
    /** A client's configuration and randomness, for a new engine when the connection starts over; else null. */
    private final TlsClientConfig clientConfig;
    private final SecureRandom random;
    /** The connection attempt the engine belongs to ({@link HandshakeChannel#handshakeAttempt()}). */
    private int attempt;
    /**
     * Where handshake bytes are read, between the channel and the engine: 16 KiB, made by the first step, while
     * the handshake runs; then a small one, since a driver kept for post-handshake messages (an event loop keeps
     * one per connection) would otherwise hold 16 KiB per idle connection for the few bytes of a ticket (a
     * larger message takes more rounds); none once it failed.
     */
    private ByteBuffer input;
    private volatile boolean taskRan;
    private boolean complete;
    private boolean failed;
    private TlsAlertException failure;
    /** The client's 0-RTT attempt, or null when it made none. */
    private TlsEvent.EarlyDataAttempt earlyDataAttempt;
    /** Whether the server accepted early data; null until known or when none was offered. */
    private Boolean earlyDataAccepted;

    private HandshakeDriver(HandshakeChannel channel, TlsEngine engine, TlsClientConfig clientConfig,
                            SecureRandom random) {
        this.channel = channel;
        this.engine = engine;
        this.clientConfig = clientConfig;
        this.random = random;
        this.attempt = channel.handshakeAttempt();
    }

    /**
     * {@return a driver for the client side of {@code channel}; its ClientHello leaves on the first step} When the
     * connection starts over after Version Negotiation ({@link HandshakeChannel#handshakeAttempt()}), the next step
     * begins a new handshake with {@code config}.
     */
    public static HandshakeDriver client(HandshakeChannel channel, TlsClientConfig config, SecureRandom random) {
        requireRole(channel, true);
        return new HandshakeDriver(channel,
                TlsEngine.client(config, random, channel.localTransportParameters(), channel::quicVersion), config,
                random);
    }

    /**
     * {@return a driver for the server side of {@code channel}} Our transport parameters are asked for once the
     * client's have been handed over, since they may follow from them (the version the server moves the client to,
     * RFC 9368 §2.3).
     */
    public static HandshakeDriver server(HandshakeChannel channel, TlsServerConfig config, SecureRandom random) {
        requireRole(channel, false);
        return new HandshakeDriver(channel, TlsEngine.server(config, random, peer -> {
            channel.peerTransportParameters(peer);
            return channel.localTransportParameters();
        }, channel::quicVersion), null, random);
    }

    /**
     * The client's connection started a new attempt (RFC 9368 §2.1): a new engine sends a new ClientHello, with our
     * transport parameters as they are now; nothing of the previous attempt is kept.
     */
    private void startOver() {
        attempt = channel.handshakeAttempt();
        // The new attempt's version (RFC 9368 §2.1) is the one its ClientHello starts: only its tickets are offered.
        engine = TlsEngine.client(clientConfig, random, channel.localTransportParameters(), channel::quicVersion);
        taskRan = false;
        earlyDataAttempt = null;
        earlyDataAccepted = null;
    }

    private static void requireRole(HandshakeChannel channel, boolean client) {
        Objects.requireNonNull(channel, "channel");
        if (channel.isClient() != client) {
            throw new IllegalArgumentException("a " + (client ? "client" : "server") + " handshake needs a "
                    + (client ? "client" : "server") + " connection");
        }
    }

    /**
     * Moves what can be moved between the engine and the channel: events of the engine to the channel in
     * their order, then received handshake bytes to the engine, until neither side has anything new.
     *
     * @return what the handshake waits for now
     */
    public Step step() {
        if (failed) {
            return Step.FAILED;
        }
        if (clientConfig != null && !complete && channel.handshakeAttempt() != attempt) {
            startOver();
        }
        try {
            for (int round = 0; round < MAX_ROUNDS_PER_STEP; round++) {
                if (engine.status() == TlsEngine.Status.TASK_PENDING) {
                    if (!taskRan) {
                        return Step.TASK_PENDING;
                    }
                    taskRan = false;
                    engine.resume();
                }
                drainEvents();
                if (engine.status() == TlsEngine.Status.TASK_PENDING) {
                    return Step.TASK_PENDING;
                }
                if (input == null) {
                    input = ByteBuffer.allocate(READ_CHUNK);
                }
                input.clear();
                EncryptionLevel level = channel.readHandshake(input);
                if (level == null) {
                    break;
                }
                input.flip();
                engine.receive(level, input);
            }
            drainEvents();
        } catch (TlsAlertException e) {
            input = null;
            failed = true;
            failure = e;
            if (e.isQuicProtocolViolation()) {
                channel.protocolViolation(e.getMessage());
            } else {
                channel.handshakeFailed(e.alert().code(), e.getMessage());
            }
            return Step.FAILED;
        }
        if (engine.status() == TlsEngine.Status.TASK_PENDING) {
            return Step.TASK_PENDING;
        }
        if (!complete && !channel.isHandshaking()) {
            // The connection closed under the handshake; what had arrived before the close was read first,
            // so a peer that completes and closes at once still completes the handshake here.
            failed = true;
            input = null;
            return Step.FAILED;
        }
        if (complete) {
            if (input == null || input.capacity() != POST_HANDSHAKE_CHUNK) {
                input = ByteBuffer.allocate(POST_HANDSHAKE_CHUNK);
            }
            return Step.COMPLETE;
        }
        return Step.NEEDS_INPUT;
    }

    private void drainEvents() {
        for (TlsEvent event = engine.poll(); event != null; event = engine.poll()) {
            switch (event) {
                case TlsEvent.HandshakeData data -> channel.writeHandshake(data.level(), ByteBuffer.wrap(data.data()));
                case TlsEvent.SecretReady secret -> {
                    channel.installSecret(secret.level(), secret.direction(), secret.cipherSuite(), secret.secret());
                    // RFC 9001 §9: the event's copy of the secret is the driver's; the transport derived its keys.
                    java.util.Arrays.fill(secret.secret(), (byte) 0);
                }
                case TlsEvent.PeerTransportParameters parameters -> channel.peerTransportParameters(
                        parameters.encoded());
                // The transport keeps 0-RTT within the remembered limits (RFC 9000 §7.4.1); the event comes before
                // the 0-RTT write secret, so the limits are in place before the first 0-RTT packet can leave.
                case TlsEvent.EarlyDataAttempt attempt -> {
                    earlyDataAttempt = attempt;
                    channel.earlyDataAttempt(attempt.rememberedTransportParameters());
                }
                case TlsEvent.EarlyDataStatus status -> {
                    earlyDataAccepted = status.accepted();
                    channel.earlyDataStatus(status.accepted());
                }
                case TlsEvent.HandshakeComplete done -> {
                    complete = true;
                    channel.handshakeComplete(done.applicationProtocol());
                }
            }
        }
    }

    /**
     * {@return the pending certificate validation or signing, to run on any thread before the next step;
     * null when none is pending}
     */
    public Runnable delegatedTask() {
        Runnable task = engine.delegatedTask();
        if (task == null) {
            return null;
        }
        return () -> {
            task.run();
            taskRan = true;
        };
    }

    /** {@return the engine, for what it negotiated: ALPN, cipher suite, group, peer certificates} */
    public TlsEngine engine() {
        return engine;
    }

    /** {@return the alert that ended the handshake on this side, or null} */
    public TlsAlertException failure() {
        return failure;
    }

    /**
     * {@return the client's 0-RTT attempt (the remembered server transport parameters and the size limit),
     * or null when this handshake offered no early data}
     */
    public TlsEvent.EarlyDataAttempt earlyDataAttempt() {
        return earlyDataAttempt;
    }

    /** {@return whether the server accepted early data (RFC 8446 §4.2.10); null until known or if none was offered} */
    public Boolean earlyDataAccepted() {
        return earlyDataAccepted;
    }

    /** {@return true once the handshake completed on this side} */
    public boolean isComplete() {
        return complete;
    }
}
