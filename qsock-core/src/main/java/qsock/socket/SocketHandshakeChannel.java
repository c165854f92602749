package qsock.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.runtime.IoEndpoint;

/**
 * A socket's connection as a {@link HandshakeChannel} for a TLS engine running on the application's thread
 * ({@link QuicSocket#handshakeChannel()}): each call goes to the connection under the endpoint's lock with the time
 * of the call, tells the endpoint that the connection moved, and sends what it queued from the calling thread. What
 * one flight writes leaves at the driver's next call on the channel, so that the flight's messages share datagrams.
 */
final class SocketHandshakeChannel implements HandshakeChannel {

    /** What {@link #awaitInput} checks before each wait: the socket is still open. */
    @FunctionalInterface
    interface OpenCheck {
        void ensureOpen() throws IOException;
    }

    private final QuicConnection connection;
    private final IoEndpoint io;
    private final SocketLock lock;
    /** The socket's options: the server parameters set for 0-RTT ({@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}). */
    private final SocketOptionTable options;
    /** The handshake wrote its first bytes: the options that choose what it starts with are fixed. */
    private volatile boolean started;
    /** The TLS stack said the handshake completed: the options read what it negotiated. */
    private volatile boolean completed;
    // What the last readHandshake saw, so that awaitInput misses nothing.
    private long packetsAtRead = -1;
    /** The connection's state at the last readHandshake, so that a selector hears of a change since. */
    private ConnectionState stateAtRead;
    private boolean flushPending;

    SocketHandshakeChannel(QuicConnection connection, IoEndpoint io, SocketLock lock, SocketOptionTable options) {
        this.connection = connection;
        this.io = io;
        this.lock = lock;
        this.options = options;
    }

    /** {@return whether the handshake wrote its first bytes (a client's ClientHello)} */
    boolean started() {
        return started;
    }

    /** {@return whether the TLS stack said the handshake completed} */
    boolean completed() {
        return completed;
    }

    @Override
    public boolean isClient() {
        return connection.role() == Role.CLIENT;
    }

    @Override
    public EncryptionLevel readHandshake(ByteBuffer dst) {
        return lock.get(() -> {
            flushIfPending();
            packetsAtRead = connection.packetsReceived();
            stateAtRead = connection.state();
            return connection.readHandshake(dst);
        });
    }

    @Override
    public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
        lock.run(() -> {
            started = true;
            connection.writeHandshake(level, data, System.nanoTime());
            touched();
            if (completed) {
                // A post-handshake message (a server's NewSessionTicket, RFC 9001 §4.1.3) has no later step of the
                // handshake to take it out: it leaves now, not at the I/O thread's next timer (the idle timeout, on
                // a quiet connection).
                flushIfPending();
            }
        });
    }

    @Override
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
        lock.run(() -> {
            connection.installSecret(level, direction, suite, secret, System.nanoTime());
            touched();
        });
    }

    @Override
    public byte[] localTransportParameters() {
        return lock.get(connection::localTransportParameters);
    }

    @Override
    public void peerTransportParameters(byte[] encoded) {
        lock.run(() -> {
            connection.peerTransportParameters(encoded, System.nanoTime());
            touched();
        });
    }

    @Override
    public void handshakeComplete(String applicationProtocol) {
        lock.run(() -> {
            completed = true;
            connection.handshakeComplete(applicationProtocol, System.nanoTime());
            touched();
            flushIfPending();
            lock.signalAll();
        });
    }

    @Override
    public void handshakeFailed(int alert, String reason) {
        lock.run(() -> {
            connection.handshakeFailed(alert, reason, System.nanoTime());
            touched();
            flushIfPending();
            lock.signalAll();
        });
    }

    @Override
    public void protocolViolation(String reason) {
        lock.run(() -> {
            connection.handshakeViolation(reason, System.nanoTime());
            touched();
            flushIfPending();
            lock.signalAll();
        });
    }

    /**
     * {@inheritDoc} The server parameters set with {@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}, if any, are
     * the remembered ones in place of the TLS stack's (the session ticket's).
     */
    @Override
    public void earlyDataAttempt(byte[] rememberedTransportParameters) {
        byte[] set = options.rememberedPeerParameters();
        byte[] remembered = set != null ? set : rememberedTransportParameters;
        lock.run(() -> {
            connection.earlyDataAttempt(remembered, System.nanoTime());
            touched();
        });
    }

    @Override
    public void earlyDataStatus(boolean accepted) {
        lock.run(() -> {
            connection.earlyDataStatus(accepted, System.nanoTime());
            touched();
            lock.signalAll();
        });
    }

    @Override
    public boolean isHandshaking() {
        return lock.get(() -> {
            flushIfPending();
            return connection.isHandshaking();
        });
    }

    @Override
    public int handshakeAttempt() {
        return lock.get(connection::handshakeAttempt);
    }

    @Override
    public int quicVersion() {
        return lock.get(() -> connection.version().wireValue());
    }

    /**
     * Waits until handshake input may be readable (a packet arrived since the last {@link #readHandshake}) or the
     * connection's state changed; see {@link QuicSocket#awaitHandshakeInput}.
     *
     * @return true if there may be something new, false if {@code timeoutNanos} passed first
     */
    boolean awaitInput(long timeoutNanos, OpenCheck open) throws IOException {
        return lock.call(() -> {
            flushIfPending();
            long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
            ConnectionState start = connection.state();
            // A close before this call (a Version Negotiation closes a client at once) is news too: waiting for a
            // change after it would wait for the whole timeout.
            while (connection.packetsReceived() == packetsAtRead && connection.state() == start
                    && !start.isClosingOrClosed()) {
                open.ensureOpen();
                if (!lock.await(deadline)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The connection moved: the endpoint reads its deadline again, and what it queued leaves with the flight. */
    private void touched() {
        io.endpoint().touched(connection);
        flushPending = true;
    }

    private void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            io.flush(connection);
        }
    }

    /**
     * {@return whether a handshake driver waiting for input has something to do now: handshake bytes wait, a packet
     * arrived or the connection's state changed since its last {@link #readHandshake}, or the connection is closing
     * or closed} The level-triggered form of {@link #awaitInput}, for a selector's OP_CONNECT; the lock is held.
     */
    boolean inputMayBeReady() {
        ConnectionState state = connection.state();
        return connection.packetsReceived() != packetsAtRead || state != stateAtRead || state.isClosingOrClosed()
                || connection.hasHandshakeInput();
    }
}
