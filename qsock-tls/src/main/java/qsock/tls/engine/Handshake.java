package qsock.tls.engine;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.error.PeerText;
import qsock.tls.KeyLogSink;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsEngine;
import qsock.tls.TlsEvent;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeFramer;

/**
 * What the client and server state machines share: the input framers per encryption level, the event
 * queue, the transcript and key schedule, delegated tasks, the key log, and failing for good after an
 * alert.
 */
abstract sealed class Handshake implements TlsEngine permits ClientHandshake, ServerHandshake {

    /** The largest handshake message accepted; certificate chains are the only big ones. */
    static final int MAX_MESSAGE_LENGTH = 64 * 1024;

    /**
     * The most input held unprocessed, in all framers together. Outside a delegated task the engine handles
     * every whole message at once, so only a partial one is held, which its framer bounds. While a task
     * runs, input waits: a legitimate peer then has at most two messages left to send (the server's
     * CertificateVerify and Finished while the client validates; nothing while the server signs).
     */
    static final int MAX_HELD_INPUT = 2 * (MAX_MESSAGE_LENGTH + FramedMessage.HEADER_LENGTH);

    /** A step that may fail with an alert: the rest of the handshake after a task. */
    @FunctionalInterface
    interface Step {
        void run() throws TlsAlertException;
    }

    final SecureRandom random;
    final KeyLogSink keyLog;
    final boolean quic;
    final TranscriptHash transcript = new TranscriptHash();
    KeySchedule schedule;
    CipherSuite cipherSuite;
    byte[] clientRandom;
    String applicationProtocol;
    NamedGroup keyExchangeGroup;
    List<X509Certificate> peerCertificates = List.of();
    /** The identity of the external PSK used, reported on completion; null for none. */
    String pskIdentity;
    /** True once a handshake that resumed with a ticket completed. */
    boolean resumed;

    private final Map<EncryptionLevel, HandshakeFramer> framers = new EnumMap<>(EncryptionLevel.class);
    private final ArrayDeque<TlsEvent> events = new ArrayDeque<>();
    private Status status = Status.IN_PROGRESS;
    private TlsAlertException failure;
    /** Bytes received and not yet handed to {@link #handle}: what the framers hold. */
    private long heldInput;
    private Runnable pendingTask;
    private volatile boolean taskDone;
    private volatile TlsAlertException taskFailure;
    private Step afterTask;

    Handshake(SecureRandom random, KeyLogSink keyLog, boolean quic) {
        this.random = random;
        this.keyLog = keyLog;
        this.quic = quic;
        for (EncryptionLevel level : EncryptionLevel.values()) {
            framers.put(level, new HandshakeFramer(MAX_MESSAGE_LENGTH));
        }
    }

    // ---- the state machine's contract ----------------------------------------------------------

    /** {@return the level the next message must come at, or null when none is expected} */
    abstract EncryptionLevel expectedLevel();

    /** Handles one complete message that arrived at {@link #expectedLevel()}. */
    abstract void handle(FramedMessage message) throws TlsAlertException;

    // ---- TlsEngine -------------------------------------------------------------------------------

    @Override
    public final void receive(EncryptionLevel level, ByteBuffer data) throws TlsAlertException {
        checkUsable();
        guard(() -> {
            if (!data.hasRemaining()) {
                return;
            }
            if (!acceptsAt(level)) {
                // RFC 8446 §5.1 / RFC 9001 §4.1.3: handshake data at a level where none can come now.
                throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                        "handshake data at " + level + " in state " + stateName());
            }
            heldInput += data.remaining();
            framers.get(level).feed(data);
            // While a task runs, input waits in the framer until resume(), within MAX_HELD_INPUT.
            processInput();
            if (heldInput > MAX_HELD_INPUT) {
                // No alert names "too much at once"; a peer can only get here by sending messages this state
                // does not take yet, so the alert is the one those messages would get.
                throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, heldInput
                        + " bytes of handshake data waiting in state " + stateName() + ", more than " + MAX_HELD_INPUT);
            }
        });
    }

    /** {@return true if the peer may still send handshake bytes at {@code level}} */
    abstract boolean acceptsAt(EncryptionLevel level);

    /** {@return the current state's name, for error messages} */
    abstract String stateName();

    /** {@return the side and the state, e.g. "server handshake in WAIT_FINISHED", for diagnostics} */
    @Override
    public final String toString() {
        return (isClient() ? "client" : "server") + " handshake in " + stateName();
    }

    @Override
    public final TlsEvent poll() {
        return events.poll();
    }

    @Override
    public final Status status() {
        return status;
    }

    @Override
    public final Runnable delegatedTask() {
        return status == Status.TASK_PENDING && !taskDone ? pendingTask : null;
    }

    @Override
    public final void resume() throws TlsAlertException {
        checkUsable();
        if (status != Status.TASK_PENDING || !taskDone) {
            throw new IllegalStateException("no delegated task has run");
        }
        status = Status.IN_PROGRESS;
        pendingTask = null;
        Step next = afterTask;
        afterTask = null;
        TlsAlertException taskError = taskFailure;
        guard(() -> {
            if (taskError != null) {
                throw taskError;
            }
            next.run();
            processInput();
        });
    }

    @Override
    public final String applicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public final NamedGroup keyExchangeGroup() {
        return keyExchangeGroup;
    }

    @Override
    public final CipherSuite cipherSuite() {
        return cipherSuite;
    }

    @Override
    public final List<X509Certificate> peerCertificates() {
        return peerCertificates;
    }

    @Override
    public final String pskIdentity() {
        return pskIdentity;
    }

    @Override
    public final boolean resumed() {
        return resumed;
    }

    // ---- for the state machines -----------------------------------------------------------------

    /** Runs {@code work} now, or as a delegated task when configured so, then {@code next}. */
    final void runTask(boolean delegate, Step work, Step next) throws TlsAlertException {
        if (!delegate) {
            work.run();
            next.run();
            return;
        }
        taskDone = false;
        taskFailure = null;
        afterTask = next;
        pendingTask = () -> {
            if (taskDone) {
                throw new IllegalStateException("the task already ran");
            }
            try {
                work.run();
            } catch (TlsAlertException e) {
                taskFailure = e;
            } catch (RuntimeException e) {
                taskFailure = new TlsAlertException(TlsAlert.INTERNAL_ERROR,
                        "delegated task failed: " + PeerText.escape(e.toString()), e);
            } finally {
                taskDone = true;
            }
        };
        status = Status.TASK_PENDING;
    }

    /** Queues handshake bytes to send at {@code level} and adds them to the transcript. */
    final void send(EncryptionLevel level, byte[] message) {
        transcript.add(message);
        events.add(new TlsEvent.HandshakeData(level, message));
    }

    /** Queues a secret for the transport and writes it to the key log under {@code keyLogLabel}. */
    final void installSecret(EncryptionLevel level, KeyDirection direction, byte[] secret, String keyLogLabel) {
        events.add(new TlsEvent.SecretReady(level, direction, cipherSuite, secret.clone()));
        logKey(keyLogLabel, secret);
    }

    /** As {@link #installSecret(EncryptionLevel, KeyDirection, byte[], String)}, under {@code suite}: 0-RTT's. */
    final void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret,
                             String keyLogLabel) {
        events.add(new TlsEvent.SecretReady(level, direction, suite, secret.clone()));
        logKey(keyLogLabel, secret);
    }

    /** Writes one key log line, if a sink is configured. */
    final void logKey(String keyLogLabel, byte[] secret) {
        if (keyLog != null && clientRandom != null) {
            String line = keyLogLabel + " " + HexFormat.of().formatHex(clientRandom) + " "
                    + HexFormat.of().formatHex(secret);
            try {
                keyLog.log(line);
            } catch (RuntimeException e) {
                // A debugging aid must not break connections: a failing key log loses lines, nothing more.
            }
        }
    }

    final void emit(TlsEvent event) {
        events.add(event);
    }

    final void complete() {
        status = Status.COMPLETE;
    }

    /** Throws unexpected_message if bytes are left at {@code level}, which is now closed. */
    final void requireDrained(EncryptionLevel level) throws TlsAlertException {
        HandshakeFramer framer = framers.get(level);
        boolean left = !framer.isEmpty();
        if (!left) {
            // A framer that refused an oversized header holds no bytes, so isEmpty() is true, yet the peer did
            // send more at this level: next() reports that refusal, which must not be lost with the level.
            try {
                framer.next();
            } catch (TlsAlertException refused) {
                left = true;
            }
        }
        if (left) {
            // RFC 8446 §5.1: handshake messages MUST NOT span key changes.
            throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                    "handshake data left at " + level + " after the key change");
        }
    }

    // ---- internals -------------------------------------------------------------------------------

    private void processInput() throws TlsAlertException {
        while (status == Status.IN_PROGRESS || status == Status.COMPLETE) {
            EncryptionLevel level = expectedLevel();
            if (level == null) {
                return;
            }
            FramedMessage message = framers.get(level).next();
            if (message == null) {
                return;
            }
            heldInput -= FramedMessage.HEADER_LENGTH + message.bodyLength();
            handle(message);
        }
    }

    private void checkUsable() throws TlsAlertException {
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs a step; any failure fails the engine for good and is rethrown as an alert. */
    private void guard(Step step) throws TlsAlertException {
        try {
            step.run();
        } catch (TlsAlertException e) {
            fail(e);
            throw e;
        } catch (RuntimeException e) {
            TlsAlertException alert = new TlsAlertException(TlsAlert.INTERNAL_ERROR,
                    "internal error: " + PeerText.escape(e.toString()), e);
            fail(alert);
            throw alert;
        }
    }

    private void fail(TlsAlertException e) {
        failure = e;
        status = Status.FAILED;
        events.clear();
    }
}
