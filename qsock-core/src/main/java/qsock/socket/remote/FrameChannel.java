package qsock.socket.remote;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Objects;

/**
 * Frames of the handshake daemon's protocol over a blocking stream channel (a Unix domain socket): reads one frame
 * at a time, checking its type and length before it allocates; queues frames to write and sends a turn's worth at
 * once. The bytes it sent are overwritten with zeros afterwards, since they may hold traffic secrets (RFC 9001 §9).
 *
 * <p>Not thread-safe: one session's thread uses it. A read blocks without a limit: the caller bounds it in time by
 * closing the channel (see {@link Deadlines}).
 */
public final class FrameChannel implements AutoCloseable {

    /** The largest payload a frame may have: a transport-parameter set (at most 65535 bytes) and then some. */
    public static final int MAX_PAYLOAD = 1 << 17;

    /** The largest handshake-byte chunk one CRYPTO or WRITE frame carries; longer runs go in several frames. */
    public static final int MAX_CHUNK = 1 << 14;

    /** A turn's frames are sent once this many bytes are queued, without waiting for the end of the turn. */
    private static final int FLUSH_THRESHOLD = 1 << 18;

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(4);
    private byte[] out = new byte[4096];
    private int outLength;

    /** @param channel a connected, blocking stream channel */
    public FrameChannel(SocketChannel channel) {
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    /**
     * {@return the next frame}
     *
     * @throws EOFException if the other side closed before a frame began
     * @throws RemoteProtocolException if the frame's type is unknown, or its length over {@link #MAX_PAYLOAD}, or
     *     the stream ends inside it
     */
    public Frame read() throws IOException {
        header.clear();
        if (!readFully(header, true)) {
            throw new EOFException("the other side closed the handshake daemon's socket");
        }
        int code = header.get(0) & 0xFF;
        int length = ((header.get(1) & 0xFF) << 16) | ((header.get(2) & 0xFF) << 8) | (header.get(3) & 0xFF);
        FrameType type = FrameType.fromCode(code);
        if (type == null) {
            throw new RemoteProtocolException("unknown frame type 0x" + Integer.toHexString(code)
                    + " (not the handshake daemon's protocol?)");
        }
        if (length > MAX_PAYLOAD) {
            throw new RemoteProtocolException(type + " frame of " + length + " bytes, over the bound of "
                    + MAX_PAYLOAD);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(payload, false);
        return new Frame(type, payload.array());
    }

    /** @return false if the stream ended before the first byte (only when {@code eofAllowed}) */
    private boolean readFully(ByteBuffer dst, boolean eofAllowed) throws IOException {
        // Bounded: each pass reads at least one byte or ends the loop.
        while (dst.hasRemaining()) {
            int n = channel.read(dst);
            if (n < 0) {
                if (eofAllowed && dst.position() == 0) {
                    return false;
                }
                throw new RemoteProtocolException("the stream ended inside a frame");
            }
        }
        return true;
    }

    /** Queues a frame; it leaves at the next {@link #flush()} (or now, if much is queued). */
    public void write(FrameType type, PayloadWriter payload) throws IOException {
        byte[] b = payload.toByteArray();
        try {
            write(type, b);
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    /** Queues a frame; it leaves at the next {@link #flush()} (or now, if much is queued). */
    public void write(FrameType type, byte[] payload) throws IOException {
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a frame's payload is at most " + MAX_PAYLOAD + " bytes");
        }
        int need = outLength + 4 + payload.length;
        if (need > out.length) {
            byte[] bigger = Arrays.copyOf(out, Math.max(need, out.length * 2));
            // What was queued may hold a secret (RFC 9001 §9): the old array leaves no copy behind.
            Arrays.fill(out, (byte) 0);
            out = bigger;
        }
        out[outLength++] = (byte) type.code();
        out[outLength++] = (byte) (payload.length >>> 16);
        out[outLength++] = (byte) (payload.length >>> 8);
        out[outLength++] = (byte) payload.length;
        System.arraycopy(payload, 0, out, outLength, payload.length);
        outLength += payload.length;
        if (outLength >= FLUSH_THRESHOLD) {
            flush();
        }
    }

    /**
     * {@return whether the other side closed} Looks without blocking, for a side that waits for something else
     * while it is the other side's turn to be silent.
     *
     * @throws RemoteProtocolException if the other side sent a byte out of its turn
     */
    public boolean peerClosed() throws IOException {
        synchronized (channel.blockingLock()) {
            channel.configureBlocking(false);
            try {
                ByteBuffer one = ByteBuffer.allocate(1);
                int n = channel.read(one);
                if (n > 0) {
                    throw new RemoteProtocolException("a frame arrived out of turn");
                }
                return n < 0;
            } finally {
                channel.configureBlocking(true);
            }
        }
    }

    /** Sends what is queued, then overwrites it with zeros. */
    public void flush() throws IOException {
        try {
            ByteBuffer b = ByteBuffer.wrap(out, 0, outLength);
            // Bounded: a blocking channel writes at least one byte a pass or throws.
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } finally {
            Arrays.fill(out, 0, outLength, (byte) 0);
            outLength = 0;
        }
    }

    /**
     * Ends a session this side refused: sends nothing more, and reads and drops what the other side still sends (at
     * most 64 KiB) until it closes, so that the refusal just sent is not lost to a reset (a socket closed with
     * unread bytes resets the connection). The caller bounds it in time as it bounds reads.
     */
    public void drainAfterRefusal() throws IOException {
        channel.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(4096);
        for (int total = 0; total < 1 << 16; ) {
            sink.clear();
            int n = channel.read(sink);
            if (n < 0) {
                return;
            }
            total += n;
        }
    }

    /** Closes the channel; a read blocked on it ends with an exception. */
    @Override
    public void close() throws IOException {
        Arrays.fill(out, (byte) 0);
        channel.close();
    }
}
