package qsock.socket;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import qsock.api.ConnectionState;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.socket.remote.Codes;
import qsock.socket.remote.Frame;
import qsock.socket.remote.FrameChannel;
import qsock.socket.remote.FrameType;
import qsock.socket.remote.Hello;
import qsock.socket.remote.PayloadReader;
import qsock.socket.remote.PayloadWriter;
import qsock.socket.remote.RemoteProtocolException;
import qsock.socket.remote.Verdict;

/**
 * One handshake relayed to {@code qsock handshaked}, in the application's process: the counterpart of the daemon's
 * proxy {@link HandshakeChannel}. It sends the HELLO, then applies each daemon turn's items to the connection's
 * channel in their order (bytes to send, secrets, the peer's transport parameters, completion or an alert) and, when
 * the daemon awaits input, answers with the handshake bytes the connection has received and its state, waiting for
 * new ones as {@code QuicHandshake} does for a local engine. Blocking; every wait ends by the request's deadline.
 */
final class RemoteHandshake {

    /** More frames than a handshake can need; a daemon that sends more is broken. */
    private static final int MAX_FRAMES = 100_000;
    /** Handshake-byte chunks sent in one turn at most; the rest goes at the next (the daemon bounds its queue). */
    private static final int MAX_CHUNKS_PER_TURN = 32;
    /** How often a wait for the peer's flight looks whether the daemon is still there. */
    private static final long DAEMON_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** AWAIT's max wait meaning "as long as the request's timeout allows". */
    private static final long WAIT_UNBOUNDED = 0xFFFF_FFFFL;

    private final QuicSocket socket;
    private final HandshakeChannel channel;
    private final FrameChannel frames;
    private final HandshakeRequest request;
    private final Duration timeout;
    private final long deadline;
    private final AtomicBoolean timedOut;
    private final ByteBuffer input = ByteBuffer.allocate(FrameChannel.MAX_CHUNK);
    private int sentAttempt;

    RemoteHandshake(QuicSocket socket, HandshakeChannel channel, FrameChannel frames, HandshakeRequest request,
                    Duration timeout, long deadline, AtomicBoolean timedOut) {
        this.socket = socket;
        this.channel = channel;
        this.frames = frames;
        this.request = request;
        this.timeout = timeout;
        this.deadline = deadline;
        this.timedOut = timedOut;
    }

    /**
     * {@return the socket, established}
     *
     * @throws HandshakeFailedException why not; the socket is closed then
     */
    QuicSocket run() throws HandshakeFailedException {
        try {
            QuicConfig config = socket.getOption(QuicSocketOptions.CONFIG);
            CipherSuite preferred = config.payloadCipher().cipherSuite();
            sentAttempt = channel.handshakeAttempt();
            Hello hello = new Hello(channel.isClient(), Math.max(1, timeout.toMillis()), request,
                    socket.getOption(QuicSocketOptions.ALPN), preferred == null ? 0 : preferred.code(),
                    config.certificateRequest(), channel.quicVersion(), sentAttempt,
                    channel.localTransportParameters());
            frames.write(FrameType.HELLO, hello.encode());
            frames.flush();
            for (int i = 0; i < MAX_FRAMES; i++) {
                Frame frame = frames.read();
                if (frame.type().fromApplication()) {
                    throw new RemoteProtocolException(frame.type() + " frame comes from an application, not the "
                            + "daemon");
                }
                switch (frame.type()) {
                    case AWAIT -> answer(frame);
                    case ESTABLISHED, FAILED -> {
                        return finish(Verdict.decode(frame));
                    }
                    default -> apply(frame);
                }
            }
            throw new RemoteProtocolException("the daemon sent more than " + MAX_FRAMES + " frames");
        } catch (HandshakeFailedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    /** Applies one of the daemon's items to the connection. */
    private void apply(Frame frame) throws IOException {
        PayloadReader r = frame.reader();
        switch (frame.type()) {
            case WRITE -> {
                EncryptionLevel level = Codes.level(r.u8("level"));
                channel.writeHandshake(level, ByteBuffer.wrap(r.rest()));
            }
            case SECRET -> {
                EncryptionLevel level = Codes.level(r.u8("level"));
                var direction = Codes.direction(r.u8("direction"));
                int code = r.u16("cipher suite");
                CipherSuite suite = CipherSuite.fromCode(code);
                byte[] secret = r.rest();
                try {
                    if (suite == null || secret.length == 0 || secret.length > 64) {
                        throw new RemoteProtocolException("SECRET with cipher suite 0x" + Integer.toHexString(code)
                                + " and " + secret.length + " bytes");
                    }
                    channel.installSecret(level, direction, suite, secret);
                } finally {
                    // RFC 9001 §9: the transport derived its keys; no copy of the secret stays here.
                    Arrays.fill(secret, (byte) 0);
                    Arrays.fill(frame.payload(), (byte) 0);
                }
            }
            case PEER_PARAMETERS -> channel.peerTransportParameters(r.rest());
            case EARLY_DATA_ATTEMPT -> channel.earlyDataAttempt(r.rest());
            case EARLY_DATA_STATUS -> {
                boolean accepted = r.u8("accepted") != 0;
                r.end();
                channel.earlyDataStatus(accepted);
            }
            case COMPLETE -> {
                String alpn = r.str8("ALPN");
                r.end();
                channel.handshakeComplete(alpn);
            }
            case ALERT -> {
                int alert = r.u8("alert");
                String reason = r.str16("reason");
                r.end();
                channel.handshakeFailed(alert, reason == null ? "" : reason);
            }
            case VIOLATION -> {
                String reason = r.str16("reason");
                r.end();
                channel.protocolViolation(reason == null ? "" : reason);
            }
            default -> throw new RemoteProtocolException(frame.type() + " frame out of place");
        }
    }

    /** The daemon awaits input: sends what the connection received (waiting for it if nothing yet) and its state. */
    private void answer(Frame frame) throws IOException {
        PayloadReader r = frame.reader();
        long maxWait = r.u32("max wait");
        r.end();
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw timeout();
        }
        if (drain() == 0 && maxWait > 0) {
            long wait = maxWait == WAIT_UNBOUNDED ? remaining
                    : Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(maxWait));
            awaitInput(wait);
            drain();
        }
        int attempt = channel.handshakeAttempt();
        int flags = (channel.isHandshaking() ? FrameType.STATE_HANDSHAKING : 0)
                | (socket.state().isClosingOrClosed() ? FrameType.STATE_CLOSED : 0);
        PayloadWriter state = new PayloadWriter().u8(flags).u32(attempt & 0xFFFF_FFFFL)
                .u32(channel.quicVersion() & 0xFFFF_FFFFL);
        if (attempt != sentAttempt) {
            // RFC 9368 §2.1: a new attempt starts a new ClientHello with our transport parameters as they are now.
            state.bytes(channel.localTransportParameters());
            sentAttempt = attempt;
        }
        frames.write(FrameType.STATE, state);
        frames.flush();
    }

    /**
     * Waits up to {@code waitNanos} for handshake input, in slices, so that a daemon that goes away meanwhile (its
     * socket closed) fails the handshake at once rather than at the deadline.
     */
    private void awaitInput(long waitNanos) throws IOException {
        long until = System.nanoTime() + waitNanos;
        // Bounded by the wait: each pass waits up to a slice of it.
        while (true) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                if (deadline - System.nanoTime() <= 0) {
                    throw timeout();
                }
                return;
            }
            if (socket.awaitHandshakeInput(Math.min(left, DAEMON_CHECK_NANOS))) {
                return;
            }
            if (frames.peerClosed()) {
                throw new EOFException("the handshake daemon closed the request");
            }
        }
    }

    /** Queues CRYPTO frames of what the connection received; {@return how many} */
    private int drain() throws IOException {
        int chunks = 0;
        while (chunks < MAX_CHUNKS_PER_TURN) {
            input.clear();
            EncryptionLevel level = channel.readHandshake(input);
            if (level == null) {
                break;
            }
            input.flip();
            if (!input.hasRemaining()) {
                continue;
            }
            PayloadWriter w = new PayloadWriter().u8(Codes.code(level));
            w.bytes(input.array(), 0, input.limit());
            frames.write(FrameType.CRYPTO, w);
            chunks++;
        }
        return chunks;
    }

    private QuicSocket finish(Verdict verdict) throws IOException {
        switch (verdict) {
            case Verdict.Failed failed -> {
                if (failed.failure() == null) {
                    throw closedUnder(failed.message());
                }
                if (failed.closeCode() >= 0) {
                    socket.close(failed.closeCode(), "authentication refused");
                } else {
                    socket.close();
                }
                throw new HandshakeFailedException(failed.failure(), failed.message(), null);
            }
            case Verdict.Established established -> {
                // As QuicHandshake: a server is established once confirmed, a client once its side completed.
                while (!socket.state().isEstablished()) {
                    ConnectionState state = socket.state();
                    if (state.isClosingOrClosed()) {
                        ConnectionError error = socket.closeError();
                        if (error != null && error.byPeer()
                                && (error.kind() == ConnectionError.Kind.APPLICATION || error.code() == 0)) {
                            // The peer completed and closed at once: the handshake succeeded.
                            return socket;
                        }
                        throw closedUnder("the connection closed after the handshake completed");
                    }
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0 || !socket.awaitHandshakeInput(remaining)) {
                        throw timeout();
                    }
                }
                // Post-handshake messages (session tickets) are the daemon's business; it has what it waited for.
                // Read and dropped here, they do not fill the connection's CRYPTO buffer (RFC 9000 §7.5).
                ByteBuffer sink = ByteBuffer.allocate(256);
                socket.setPostHandshakeReader(() -> {
                    for (int i = 0; i < 256; i++) {
                        sink.clear();
                        if (channel.readHandshake(sink) == null) {
                            return;
                        }
                    }
                });
                return socket;
            }
        }
    }

    /** {@return the typed failure of a connection that closed under the handshake, from how it closed} */
    private HandshakeFailedException closedUnder(String message) {
        ConnectionError error = socket.closeError();
        socket.close();
        HandshakeFailure reason = HandshakeFailure.CONNECTION_FAILED;
        if (error != null && error.kind() == ConnectionError.Kind.TRANSPORT
                && TransportErrorCode.of(error.code()).isCryptoError()) {
            // RFC 9001 §4.8: a TLS alert travels as CRYPTO_ERROR 0x100 + the alert.
            reason = error.byPeer() ? HandshakeFailure.PEER_REJECTED : HandshakeFailure.AUTHENTICATION_FAILED;
        }
        return new HandshakeFailedException(reason, side() + " handshake: " + message
                + (error == null ? "" : " (" + error + ")"), null);
    }

    private HandshakeFailedException timeout() {
        socket.close(0, "handshake timeout");
        timedOut.set(true);
        return new HandshakeFailedException(HandshakeFailure.TIMEOUT, side() + " handshake through the handshake "
                + "daemon timed out after " + timeout, null);
    }

    /** {@return the typed failure of an exception out of the relay}; the socket is closed */
    private HandshakeFailedException failure(Exception e) {
        if (timedOut.get()) {
            return timeout();
        }
        if (e instanceof IllegalStateException && socket.state().isClosingOrClosed()) {
            // The connection refused an item (keys on a closed connection): it closed under the handshake.
            return closedUnder(e.getMessage());
        }
        socket.close();
        if (e instanceof RemoteProtocolException) {
            return new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION, side() + " handshake: the "
                    + "handshake daemon's answer broke its protocol: " + e.getMessage(), e);
        }
        if (e instanceof EOFException) {
            return new HandshakeFailedException(HandshakeFailure.CONNECTION_FAILED, side() + " handshake: the "
                    + "handshake daemon closed the request before it ended", e);
        }
        return new HandshakeFailedException(HandshakeFailure.CONNECTION_FAILED, side() + " handshake: " + e, e);
    }

    private String side() {
        return channel.isClient() ? "client" : "server";
    }
}
