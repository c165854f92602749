package qsock.core.stream;

import java.nio.ByteBuffer;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;

/**
 * The receiving part of a stream (RFC 9000 §3.2): its state, the {@link ReassemblyBuffer} that orders its
 * data, its {@link FlowWindow} (our MAX_STREAM_DATA), and the final-size rules of §4.5.
 *
 * <p>The connection-level limit is the {@link StreamManager}'s business: {@link #onData} and
 * {@link #onReset} return by how much the highest received offset grew, which is what the peer spends of
 * the connection's credit.
 */
public final class RecvStream {

    private static final long STREAM_FRAME = 0x08;
    private static final long RESET_STREAM_FRAME = 0x04;

    private final long id;
    private final ReassemblyBuffer buffer;
    private final FlowWindow window;
    private RecvStreamState state = RecvStreamState.RECV;
    private long highestOffset;
    private long finalSize = -1;
    private long resetCode = -1;

    /**
     * @param id the stream
     * @param initialWindow our initial MAX_STREAM_DATA for it
     * @param maxWindow the cap on its auto-tuned window
     * @param maxRanges the cap on received gaps
     */
    public RecvStream(long id, long initialWindow, long maxWindow, int maxRanges) {
        this.id = id;
        this.window = new FlowWindow(initialWindow, maxWindow);
        this.buffer = new ReassemblyBuffer(initialWindow, maxRanges);
    }

    /** {@return the stream ID} */
    public long id() {
        return id;
    }

    /** {@return the state (RFC 9000 §3.2)} */
    public RecvStreamState state() {
        return state;
    }

    /** {@return our flow-control window for this stream} */
    public FlowWindow window() {
        return window;
    }

    /** {@return the highest offset the peer reached, which it spent of the connection credit} */
    public long highestOffset() {
        return highestOffset;
    }

    /** {@return the final size once known, else -1} */
    public long finalSize() {
        return finalSize;
    }

    /** {@return the peer's RESET_STREAM code, or -1} */
    public long resetCode() {
        return resetCode;
    }

    /** {@return the bytes of reassembly storage this stream holds now (see {@link ReassemblyBuffer#bytesHeld()})} */
    public long bytesHeld() {
        return buffer.bytesHeld();
    }

    /** {@return the received ranges held for reassembly} */
    public int rangeCount() {
        return buffer.rangeCount();
    }

    /** {@return the offset of the next byte the application reads} */
    public long readOffset() {
        return buffer.readOffset();
    }

    /**
     * {@return the bytes that count as consumed for connection flow control: those read, and after a reset
     * everything up to the final size (RFC 9000 §4.5)}
     */
    public long consumedCredit() {
        return state == RecvStreamState.RESET_RECVD || state == RecvStreamState.RESET_READ
                ? finalSize : buffer.readOffset();
    }

    /**
     * Takes a STREAM frame's data.
     *
     * @param data the frame's data, position to limit; consumed
     * @return by how much the highest received offset grew
     * @throws QuicProtocolException FINAL_SIZE_ERROR if the data breaks the final size (RFC 9000 §4.5),
     *     FLOW_CONTROL_ERROR if it passes our limit (§4.1), PROTOCOL_VIOLATION if it is too fragmented
     */
    public long onData(long offset, ByteBuffer data, boolean fin) throws QuicProtocolException {
        long end = offset + data.remaining();
        if (finalSize >= 0) {
            // RFC 9000 §4.5: no data at or beyond the final size; a FIN must not change it.
            if (end > finalSize) {
                throw new QuicProtocolException(TransportErrorCode.FINAL_SIZE_ERROR, STREAM_FRAME,
                        "data past the final size of stream " + id);
            }
            if (fin && end != finalSize) {
                throw new QuicProtocolException(TransportErrorCode.FINAL_SIZE_ERROR, STREAM_FRAME,
                        "final size of stream " + id + " changed");
            }
        } else if (fin && end < highestOffset) {
            // RFC 9000 §4.5: a final size below data already received.
            throw new QuicProtocolException(TransportErrorCode.FINAL_SIZE_ERROR, STREAM_FRAME,
                    "final size of stream " + id + " below data received");
        }
        if (end > window.limit()) {
            // RFC 9000 §4.1: data past our MAX_STREAM_DATA.
            throw new QuicProtocolException(TransportErrorCode.FLOW_CONTROL_ERROR, STREAM_FRAME,
                    "stream " + id + " data past its limit");
        }
        if (state != RecvStreamState.RECV && state != RecvStreamState.SIZE_KNOWN) {
            data.position(data.limit());
            return 0;
        }
        if (buffer.insert(offset, data) == ReassemblyBuffer.TOO_FRAGMENTED) {
            // RFC 9000 §21.7: bound the state a sender can make us keep for gaps in stream data.
            throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION, STREAM_FRAME,
                    "stream " + id + " data too fragmented");
        }
        long grew = Math.max(0, end - highestOffset);
        highestOffset += grew;
        if (fin) {
            finalSize = end;
            state = RecvStreamState.SIZE_KNOWN;
        }
        if (state == RecvStreamState.SIZE_KNOWN && buffer.contiguousEnd() == finalSize) {
            state = RecvStreamState.DATA_RECVD;
        }
        return grew;
    }

    /**
     * Takes a RESET_STREAM frame.
     *
     * @return by how much the highest received offset grew
     * @throws QuicProtocolException FINAL_SIZE_ERROR or FLOW_CONTROL_ERROR as RFC 9000 §4.5 and §4.1 say
     */
    public long onReset(long errorCode, long finalSize) throws QuicProtocolException {
        if (this.finalSize >= 0 && finalSize != this.finalSize) {
            throw new QuicProtocolException(TransportErrorCode.FINAL_SIZE_ERROR, RESET_STREAM_FRAME,
                    "RESET_STREAM changes the final size of stream " + id);
        }
        if (finalSize < highestOffset) {
            throw new QuicProtocolException(TransportErrorCode.FINAL_SIZE_ERROR, RESET_STREAM_FRAME,
                    "RESET_STREAM final size below data received on stream " + id);
        }
        if (finalSize > window.limit()) {
            throw new QuicProtocolException(TransportErrorCode.FLOW_CONTROL_ERROR, RESET_STREAM_FRAME,
                    "RESET_STREAM final size past the limit of stream " + id);
        }
        if (state != RecvStreamState.RECV && state != RecvStreamState.SIZE_KNOWN) {
            // All data already arrived, or a repeated reset: RFC 9000 §3.2 lets us keep what we have.
            return 0;
        }
        long grew = finalSize - highestOffset;
        highestOffset = finalSize;
        this.finalSize = finalSize;
        this.resetCode = errorCode;
        buffer.discard(finalSize);
        state = RecvStreamState.RESET_RECVD;
        return grew;
    }

    /**
     * Reads in-order data into {@code dst}.
     *
     * @return the bytes read, 0 if none is ready, -1 at the end of the stream (which moves to DATA_READ)
     * @throws StreamResetException if the peer reset the stream (the first time moves to RESET_READ)
     */
    public int read(ByteBuffer dst) throws StreamResetException {
        switch (state) {
            case RESET_RECVD, RESET_READ -> {
                state = RecvStreamState.RESET_READ;
                throw new StreamResetException(id, resetCode);
            }
            case DATA_READ -> {
                return -1;
            }
            default -> {
            }
        }
        int n = buffer.read(dst);
        if (n > 0) {
            window.consume(n);
            return n;
        }
        if (state == RecvStreamState.DATA_RECVD && buffer.readOffset() == finalSize) {
            // Data Read only once the application saw the end, so the stream outlives its last bytes.
            state = RecvStreamState.DATA_READ;
            return -1;
        }
        return 0;
    }

    /**
     * After a {@link #read} that returned bytes: moves the stream to Data Read if they were its last, so that the
     * application learns of the end with them rather than by reading again.
     *
     * @return true if the stream is now in Data Read
     */
    public boolean finishRead() {
        if (state == RecvStreamState.DATA_RECVD && buffer.readOffset() == finalSize) {
            state = RecvStreamState.DATA_READ;
        }
        return state == RecvStreamState.DATA_READ;
    }

    /** {@return true if {@link #read} has something to report: data, the end, or a reset} */
    public boolean isReadable() {
        return switch (state) {
            case RECV, SIZE_KNOWN -> buffer.readable() > 0;
            case DATA_RECVD, RESET_RECVD -> true;
            case DATA_READ, RESET_READ -> false;
        };
    }

    /** {@return true if a larger MAX_STREAM_DATA is worth sending: size unknown, half the window consumed} */
    public boolean wantsWindowUpdate() {
        return state == RecvStreamState.RECV && window.shouldUpdate();
    }

    /** {@return true while MAX_STREAM_DATA or STOP_SENDING still matter: the final size is not known} */
    public boolean isReceiving() {
        return state == RecvStreamState.RECV;
    }

    /** Raises our limit to {@link FlowWindow#update}'s answer and lets the buffer hold up to it. */
    public long updateWindow(long nowNanos, long smoothedRttNanos) {
        long limit = window.update(nowNanos, smoothedRttNanos);
        buffer.setLimit(limit);
        return limit;
    }

    @Override
    public String toString() {
        return "RecvStream[" + id + ", " + state + ", " + window + ", " + buffer + "]";
    }
}
