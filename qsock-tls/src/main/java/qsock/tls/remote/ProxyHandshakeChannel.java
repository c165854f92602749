package qsock.tls.remote;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.remote.Codes;
import qsock.socket.remote.FrameChannel;
import qsock.socket.remote.FrameType;
import qsock.socket.remote.Hello;
import qsock.socket.remote.PayloadWriter;
import qsock.socket.remote.RemoteProtocolException;

/**
 * The application's connection as the daemon's TLS engine sees it: what the driver writes, installs and reports is
 * queued as frames in its order, to leave with the turn; what it reads comes from the handshake bytes the
 * application relayed, in the order they arrived; the transport's state is the one the application last reported.
 * An I/O error while queuing surfaces as {@link UncheckedIOException}, which ends the session.
 */
final class ProxyHandshakeChannel implements HandshakeChannel {

    /** Handshake bytes queued from the application at most; it sends at most 32 chunks a turn (see RemoteHandshake). */
    static final int MAX_QUEUED_BYTES = 64 * FrameChannel.MAX_CHUNK;

    /** One relayed run of handshake bytes. */
    private static final class Chunk {
        final EncryptionLevel level;
        final byte[] data;
        int offset;

        Chunk(EncryptionLevel level, byte[] data) {
            this.level = level;
            this.data = data;
        }
    }

    private final boolean client;
    private final FrameChannel frames;
    private final ArrayDeque<Chunk> input = new ArrayDeque<>();
    private int queuedBytes;
    private byte[] localTransportParameters;
    private int attempt;
    private int quicVersion;
    private boolean handshaking = true;
    private boolean closed;

    ProxyHandshakeChannel(Hello hello, FrameChannel frames) {
        this.client = hello.client();
        this.frames = frames;
        this.localTransportParameters = hello.localTransportParameters().clone();
        this.attempt = hello.attempt();
        this.quicVersion = hello.quicVersion();
    }

    /**
     * Queues handshake bytes the application relayed.
     *
     * @throws RemoteProtocolException past {@link #MAX_QUEUED_BYTES} unread
     */
    void offer(EncryptionLevel level, byte[] data) throws RemoteProtocolException {
        if (data.length == 0) {
            return;
        }
        if (queuedBytes + data.length > MAX_QUEUED_BYTES) {
            throw new RemoteProtocolException("more than " + MAX_QUEUED_BYTES + " handshake bytes queued unread");
        }
        input.add(new Chunk(level, data));
        queuedBytes += data.length;
    }

    /** {@return whether relayed handshake bytes wait to be read} */
    boolean hasInput() {
        return !input.isEmpty();
    }

    /** Takes the transport's state the application reported. */
    void state(int flags, int attempt, int quicVersion, byte[] newTransportParameters) {
        this.handshaking = (flags & FrameType.STATE_HANDSHAKING) != 0;
        this.closed = (flags & FrameType.STATE_CLOSED) != 0;
        this.quicVersion = quicVersion;
        if (attempt != this.attempt && newTransportParameters.length > 0) {
            localTransportParameters = newTransportParameters;
        }
        this.attempt = attempt;
    }

    /** {@return whether the application said its connection is closing or closed} */
    boolean closed() {
        return closed;
    }

    @Override
    public boolean isClient() {
        return client;
    }

    @Override
    public EncryptionLevel readHandshake(ByteBuffer dst) {
        Chunk head = input.peek();
        if (head == null) {
            return null;
        }
        int n = Math.min(dst.remaining(), head.data.length - head.offset);
        dst.put(head.data, head.offset, n);
        head.offset += n;
        queuedBytes -= n;
        if (head.offset == head.data.length) {
            input.poll();
        }
        return head.level;
    }

    @Override
    public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
        // Bounded: each pass consumes up to a chunk.
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), FrameChannel.MAX_CHUNK);
            byte[] chunk = new byte[n];
            data.get(chunk);
            send(FrameType.WRITE, new PayloadWriter().u8(Codes.code(level)).bytes(chunk));
        }
    }

    @Override
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
        PayloadWriter w = new PayloadWriter().u8(Codes.code(level)).u8(Codes.code(direction)).u16(suite.code())
                .bytes(secret);
        try {
            send(FrameType.SECRET, w);
        } finally {
            // RFC 9001 §9: no copy of a secret outlives its trip.
            w.wipe();
        }
    }

    @Override
    public byte[] localTransportParameters() {
        return localTransportParameters.clone();
    }

    @Override
    public void peerTransportParameters(byte[] encoded) {
        send(FrameType.PEER_PARAMETERS, new PayloadWriter().bytes(encoded));
    }

    @Override
    public void handshakeComplete(String applicationProtocol) {
        send(FrameType.COMPLETE, new PayloadWriter().str8(applicationProtocol));
    }

    @Override
    public void handshakeFailed(int alert, String reason) {
        send(FrameType.ALERT, new PayloadWriter().u8(alert & 0xFF).str16(reason));
        handshaking = false;
    }

    @Override
    public void protocolViolation(String reason) {
        send(FrameType.VIOLATION, new PayloadWriter().str16(reason));
        handshaking = false;
    }

    @Override
    public void earlyDataAttempt(byte[] rememberedTransportParameters) {
        send(FrameType.EARLY_DATA_ATTEMPT, new PayloadWriter().bytes(rememberedTransportParameters));
    }

    @Override
    public void earlyDataStatus(boolean accepted) {
        send(FrameType.EARLY_DATA_STATUS, new PayloadWriter().u8(accepted ? 1 : 0));
    }

    @Override
    public boolean isHandshaking() {
        return handshaking;
    }

    @Override
    public int handshakeAttempt() {
        return attempt;
    }

    @Override
    public int quicVersion() {
        return quicVersion;
    }

    private void send(FrameType type, PayloadWriter payload) {
        try {
            frames.write(type, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
