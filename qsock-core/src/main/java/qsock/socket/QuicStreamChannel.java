package qsock.socket;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.time.Duration;
import java.util.Objects;
import qsock.core.error.StreamResetException;
import qsock.core.wire.VarInt;

/**
 * One stream of a connection peeled off as a channel of its own ({@link QuicSocket#peelOff}; the socket draft's
 * {@code QUIC_SOCKOPT_STREAM_PEELOFF}), so that an application reads and writes it as it would a TCP socket: no
 * stream IDs, no flags, one stream's bytes in order and {@code -1} at their end. Code written for a
 * {@link ByteChannel} (or a TCP {@code SocketChannel}) runs on a QUIC stream unchanged.
 *
 * <p>The channel has its own {@linkplain #configureBlocking blocking mode} and {@linkplain #setTimeout timeout},
 * whatever the socket's: a server may serve its connection's streams each on a blocking virtual thread while its
 * socket is non-blocking, or the other way round. A blocked call wakes with {@link AsynchronousCloseException} when
 * the channel or its socket is closed by another thread; later calls throw {@link ClosedChannelException}. A
 * connection that ended (closed by either side, idle timeout) fails the calls with
 * {@link ClosedConnectionException}, once what arrived before was read.
 *
 * <p>The socket's own {@link QuicSocket#receive} passes a peeled stream by, and the socket refuses sending on it
 * ({@link QuicSocket#send}, {@link QuicSocket#outputStream}) and reading it ({@link QuicSocket#inputStream}): the
 * stream's bytes are the channel's alone. The socket's stream controls stay: {@link QuicSocket#resetStream} resets
 * the stream's sending part (the channel's writes then fail), as the draft's {@code QUIC_SOCKOPT_STREAM_RESET} on the
 * parent socket does.
 *
 * <p>Directions: on a unidirectional stream the peer opened, {@link #write} throws
 * {@link NonWritableChannelException}; on one we opened, {@link #read} throws {@link NonReadableChannelException}
 * (RFC 9000 §2.1). The shutdowns and {@link #close()} do, as the draft says, what the stream's state and the socket's
 * permit: {@link #shutdownInput} sends STOP_SENDING (RFC 9000 §3.5) on a receiving part the peer may still be
 * sending on, {@link #shutdownOutput} sends FIN on a sending part still open, {@link #close()} both (STOP_SENDING
 * with the code of {@link #setCloseErrorCode}, 0 by default). A part already finished or reset sends nothing, and
 * neither does anything once the connection is closing; closing the channel after its socket is a no-op. What
 * arrives on a stream whose input was given up is dropped, so that the stream can end and the peer's stream limit
 * rise again.
 *
 * <p>After the draft's Appendix B: a client opens a unidirectional stream, peels it off, sends on it and closes it
 * (which sends the FIN); the server learns of the stream from its first bytes, which its socket's {@code receive}
 * returns with the stream's ID (qsock has no event for a stream opened by the peer yet), and peels it off for the
 * rest:
 * <pre>{@code
 * // Client
 * long id = client.openStream(StreamFlags.UNI);
 * try (QuicStreamChannel stream = client.peelOff(id)) {
 *     stream.write(ByteBuffer.wrap("hello quic server!".getBytes(StandardCharsets.US_ASCII)));
 * }
 *
 * // Server
 * ByteBuffer msg = ByteBuffer.allocate(4096);
 * StreamMessage first = server.receive(msg);
 * if (!first.fin()) {
 *     try (QuicStreamChannel stream = server.peelOff(first.streamId())) {
 *         while (msg.hasRemaining() && stream.read(msg) >= 0) {
 *             // until the FIN, or the buffer is full
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Close the channel when done with it: until then, nothing drops what arrives on the stream, which therefore may
 * never end and be forgotten, and the stream counts against the 1024 that may be peeled off at once. Inside the
 * socket's {@linkplain QuicSocket#setReadyHandler ready handler} the channel's calls never wait, as the socket's do
 * not. Thread-safe: every call takes the lock of the socket's UDP endpoint. A thread interrupted while waiting gets
 * an {@link java.io.InterruptedIOException}; the channel stays open.
 */
public final class QuicStreamChannel implements ByteChannel {

    private final QuicSocket socket;
    private final long streamId;
    private final boolean readable;
    private final boolean writable;

    // Guarded by the socket's lock.
    /** Seen open, so that the stream's disappearance means its end: it was known when peeled. */
    final boolean[] seen = {true};
    /** Read to its end (-1 returned). */
    boolean eof;
    /** The code of the peer's RESET_STREAM once a read reported it, else -1: later reads report it again. */
    long resetCode = -1;
    /** {@link #shutdownInput} ran: reads return -1. */
    boolean inputShut;
    /** {@link #shutdownOutput} ran: writes throw {@link ClosedChannelException}. */
    boolean outputShut;

    private volatile boolean closed;
    private volatile boolean blocking = true;
    private volatile Duration timeout;
    private volatile long closeErrorCode;

    QuicStreamChannel(QuicSocket socket, long streamId, boolean readable, boolean writable) {
        this.socket = socket;
        this.streamId = streamId;
        this.readable = readable;
        this.writable = writable;
    }

    /** {@return the stream's ID} It names the stream in the socket's events and stream controls. */
    public long streamId() {
        return streamId;
    }

    /** {@return the socket of the stream's connection} Its events and stream controls concern this stream too. */
    public QuicSocket socket() {
        return socket;
    }

    /**
     * Reads the stream's next bytes into {@code dst}. Blocking mode waits until there is at least one byte, the
     * stream's end or its reset; non-blocking mode returns 0 at once when nothing is there.
     *
     * @return the bytes read; -1 at the stream's end (after the peer's FIN), or once {@link #shutdownInput} ran; 0
     *     in non-blocking mode with nothing to read, or when {@code dst} has no room
     * @throws NonReadableChannelException if the stream is a unidirectional one of ours
     * @throws StreamResetException if the peer reset the stream (RESET_STREAM), with its application error code;
     *     every later read throws it again
     * @throws SocketTimeoutException if the channel's timeout passed first
     * @throws AsynchronousCloseException if the channel or the socket was closed while waiting
     * @throws ClosedChannelException if the channel or the socket is closed
     * @throws ClosedConnectionException if the connection ended and nothing is left to read
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        return socket.readPeeled(this, dst);
    }

    /**
     * Sends {@code src}'s remaining bytes on the stream. Blocking mode waits until every byte is taken, as the
     * peer's acknowledgements free room under the stream's and the connection's send bounds (see
     * {@link QuicSocket#send}); non-blocking mode takes what fits at once, maybe nothing.
     *
     * @return the bytes taken from {@code src}
     * @throws NonWritableChannelException if the stream is a unidirectional one the peer opened
     * @throws StreamResetException if the peer asked us to stop sending (STOP_SENDING), with its error code
     * @throws SocketTimeoutException if the channel's timeout passed before anything was taken
     * @throws AsynchronousCloseException if the channel or the socket was closed, or the channel shut down for
     *     writing, while waiting
     * @throws ClosedChannelException if the channel or the socket is closed, or the channel shut down for writing
     * @throws ClosedConnectionException if the connection ended
     */
    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        return socket.writePeeled(this, src);
    }

    /**
     * Stops reading (the draft's {@code shutdown(SHUT_RD)}): sends STOP_SENDING with {@code errorCode} (RFC 9000
     * §3.5) if the peer may still be sending, so that it resets its sending part with that code; later reads return
     * -1, and what still arrives is dropped. Nothing is sent on a stream whose data all arrived, that the peer
     * reset, or on a closing connection; a second call does nothing, as does a call on a stream we cannot read.
     *
     * @param errorCode the application protocol error code, 0 to 2^62-1
     * @return this
     * @throws ClosedChannelException if the channel or the socket is closed
     */
    public QuicStreamChannel shutdownInput(long errorCode) throws IOException {
        checkErrorCode(errorCode);
        ensureOpen();
        if (readable) {
            socket.shutdownPeeledInput(this, errorCode);
        }
        return this;
    }

    /**
     * Stops writing (the draft's {@code shutdown(SHUT_WR)}): sends FIN after what was written, if the sending part is
     * still open (not finished, not reset); later writes throw {@link ClosedChannelException}. A second call does
     * nothing, as does a call on a stream we cannot write.
     *
     * @return this
     * @throws ClosedChannelException if the channel or the socket is closed
     */
    public QuicStreamChannel shutdownOutput() throws IOException {
        ensureOpen();
        if (writable) {
            socket.shutdownPeeledOutput(this);
        }
        return this;
    }

    /**
     * Closes the channel: sends FIN on a sending part still open and STOP_SENDING (with the
     * {@linkplain #setCloseErrorCode close error code}) on a receiving part the peer may still be sending on, as far
     * as the stream's and the connection's states permit; nothing after the socket was closed. Blocked calls wake
     * with {@link AsynchronousCloseException}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            socket.closePeeled(this);
        }
    }

    /**
     * Sets the application error code of the STOP_SENDING that {@link #close()} sends on a receiving part not yet
     * finished; 0 by default.
     *
     * @param errorCode 0 to 2^62-1
     * @return this
     */
    public QuicStreamChannel setCloseErrorCode(long errorCode) {
        checkErrorCode(errorCode);
        closeErrorCode = errorCode;
        return this;
    }

    /** {@return the error code {@link #close()} stops the peer's sending with} */
    public long closeErrorCode() {
        return closeErrorCode;
    }

    /** {@return true until the channel or its socket is closed} */
    @Override
    public boolean isOpen() {
        return !closed && socket.isOpenForPeeled();
    }

    /**
     * Sets blocking (the default) or non-blocking mode for this channel's reads and writes, whatever the socket's
     * mode. Calls waiting when the channel turns non-blocking return as non-blocking ones do.
     *
     * @return this
     */
    public QuicStreamChannel configureBlocking(boolean block) {
        blocking = block;
        if (!block) {
            socket.wakePeeled();
        }
        return this;
    }

    /** {@return true in blocking mode} */
    public boolean isBlocking() {
        return blocking;
    }

    /**
     * Sets how long a blocking read or write waits before it throws {@link SocketTimeoutException}; null (the
     * default) waits for ever. The socket's {@link QuicSocketOptions#TIMEOUT} does not apply to the channel.
     *
     * @param timeout positive, or null for none
     * @return this
     */
    public QuicStreamChannel setTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, or null for none: " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    /** {@return the channel's timeout, or null for none} */
    public Duration timeout() {
        return timeout;
    }

    /** {@return the {@link System#nanoTime()} a call started now gives up at, or {@link Long#MAX_VALUE}} */
    long deadline() {
        Duration d = timeout;
        if (d == null) {
            return Long.MAX_VALUE;
        }
        try {
            return System.nanoTime() + d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** {@return true once {@link #close()} ran} */
    boolean isClosed() {
        return closed;
    }

    /** Marks the channel closed; the socket's lock is held. */
    void markClosed() {
        closed = true;
    }

    /** {@return whether a read is possible on the stream at all} */
    boolean isReadable() {
        return readable;
    }

    /** {@return whether a write is possible on the stream at all} */
    boolean isWritable() {
        return writable;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private static void checkErrorCode(long errorCode) {
        if (errorCode < 0 || errorCode > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("an application error code is 0 to 2^62-1: " + errorCode);
        }
    }

    @Override
    public String toString() {
        return "QuicStreamChannel[stream " + streamId + (readable ? "" : ", write-only")
                + (writable ? "" : ", read-only") + (isOpen() ? "" : ", closed") + "]";
    }
}
