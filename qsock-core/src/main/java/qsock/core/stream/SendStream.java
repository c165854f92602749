package qsock.core.stream;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import qsock.core.error.StreamResetException;

/**
 * The sending part of a stream (RFC 9000 §3.1): its state, its {@link SendBuffer}, the peer's
 * MAX_STREAM_DATA limit and the FIN and RESET_STREAM bookkeeping. Connection-level credit is the
 * {@link StreamManager}'s business; this class only hears how much of it a frame may use.
 */
public final class SendStream {

    private final long id;
    private final SendBuffer buffer;
    private SendStreamState state = SendStreamState.READY;
    private long maxStreamData;
    private long blockedReportedAt = -1;
    private boolean finQueued;
    private boolean finSent;
    private boolean finAcked;
    private long finalSize = -1;
    private long resetCode = -1;
    private boolean resetByPeer;
    /** Why a file region queued on this stream could not be read, which reset it; null if none failed. */
    private String fileFailure;

    /**
     * @param id the stream
     * @param bufferSize the send buffer capacity
     * @param maxStreamData the peer's initial limit for this stream
     */
    public SendStream(long id, int bufferSize, long maxStreamData) {
        this.id = id;
        this.buffer = new SendBuffer(bufferSize);
        this.maxStreamData = maxStreamData;
    }

    /** {@return the stream ID} */
    public long id() {
        return id;
    }

    /** {@return the state (RFC 9000 §3.1)} */
    public SendStreamState state() {
        return state;
    }

    /** {@return the buffer of data to send} */
    public SendBuffer buffer() {
        return buffer;
    }

    /** {@return the peer's limit on this stream's data (MAX_STREAM_DATA)} */
    public long maxStreamData() {
        return maxStreamData;
    }

    /** {@return the final size once known (FIN queued or reset), else -1} */
    public long finalSize() {
        return finalSize;
    }

    /** {@return the application error code of our RESET_STREAM, or -1 if not reset} */
    public long resetCode() {
        return resetCode;
    }

    /** {@return true if we reset the stream because the peer's STOP_SENDING asked us to (RFC 9000 §3.5)} */
    public boolean isResetByPeer() {
        return resetByPeer;
    }

    /**
     * {@return why a file region queued on this stream could not be read when a packet was built, which reset the
     * stream; null if none failed}
     */
    public String fileFailure() {
        return fileFailure;
    }

    /** {@return true if the application ended the stream (FIN queued)} */
    public boolean isFinished() {
        return finQueued;
    }

    /**
     * Queues bytes of {@code src} up to the buffer's room, and the end of the stream if {@code fin} and every
     * byte was taken.
     *
     * @return the bytes taken
     * @throws StreamResetException if the sending part was reset after the peer's STOP_SENDING
     * @throws IllegalStateException if the stream was already finished or reset by the application
     */
    public int write(ByteBuffer src, boolean fin) throws StreamResetException {
        return write(src, fin, Integer.MAX_VALUE);
    }

    /**
     * Queues bytes of {@code src} up to the buffer's room and at most {@code max} (what the connection lets
     * this stream add), and the end of the stream if {@code fin} and every byte was taken.
     *
     * @return the bytes taken
     * @throws StreamResetException if the sending part was reset after the peer's STOP_SENDING
     * @throws IllegalStateException if the stream was already finished or reset by the application
     */
    public int write(ByteBuffer src, boolean fin, int max) throws StreamResetException {
        checkWritable();
        int n = buffer.append(src, max);
        if (fin && !src.hasRemaining()) {
            finQueued = true;
            finalSize = buffer.writeOffset();
            buffer.finish();
        }
        return n;
    }

    /**
     * Queues the region {@code [position, position + count)} of {@code file} up to the buffer's room and at most
     * {@code max}, unread (see {@link SendBuffer#appendFile}), and the end of the stream if {@code fin} and the
     * whole region was taken.
     *
     * @return the bytes taken
     * @throws StreamResetException if the sending part was reset after the peer's STOP_SENDING
     * @throws IllegalStateException if the stream was already finished or reset by the application, or because
     *     a file region queued on it could not be read
     */
    public long writeFile(FileChannel file, long position, long count, boolean fin, int max)
            throws StreamResetException {
        checkWritable();
        long n = buffer.appendFile(file, position, count, max);
        if (fin && n == count) {
            finQueued = true;
            finalSize = buffer.writeOffset();
            buffer.finish();
        }
        return n;
    }

    private void checkWritable() throws StreamResetException {
        if (resetByPeer) {
            throw new StreamResetException(id, resetCode);
        }
        if (fileFailure != null) {
            throw new IllegalStateException("stream " + id + " was reset because a file region queued on it"
                    + " could not be read: " + fileFailure);
        }
        if (resetCode >= 0) {
            throw new IllegalStateException("stream " + id + " was reset");
        }
        if (finQueued) {
            throw new IllegalStateException("stream " + id + " was finished");
        }
    }

    /**
     * Resets the sending part because a file region queued on it could not be read when a packet was built
     * (the application closed or truncated the file): what is queued cannot be sent, so the peer hears
     * RESET_STREAM with {@code errorCode}, and the application's next write on the stream says why.
     *
     * @return false if the part was already reset or all its data acknowledged
     */
    boolean resetForFile(long errorCode, String why) {
        if (!reset(errorCode, false)) {
            return false;
        }
        fileFailure = why;
        return true;
    }

    /**
     * Raises the peer's limit (MAX_STREAM_DATA); a lower value is ignored (RFC 9000 §4.1).
     *
     * @return true if the limit rose
     */
    public boolean onMaxStreamData(long max) {
        if (max > maxStreamData) {
            maxStreamData = max;
            return true;
        }
        return false;
    }

    /** {@return true if the sending part may still send data or the FIN} */
    public boolean isSending() {
        return state.isSending();
    }

    /** {@return true if a FIN must be sent on its own: no data waits, and the FIN is unsent or was lost} */
    public boolean finOnlyPending() {
        return state.isSending() && finQueued && !finSent && !finAcked && buffer.nextSendOffset() < 0;
    }

    /** {@return true if bytes declared lost wait to be sent again} */
    public boolean hasRetransmission() {
        return state.isSending() && buffer.hasLost() && buffer.nextSendOffset() >= 0
                && buffer.nextSendOffset() < buffer.sendOffset();
    }

    /** {@return how many new bytes the stream's own limit lets it send now} */
    public long newDataAllowed() {
        if (!state.isSending()) {
            return 0;
        }
        long end = Math.min(buffer.writeOffset(), maxStreamData);
        return Math.max(0, end - buffer.sendOffset());
    }

    /** {@return true if unsent data waits on the peer's stream limit} */
    public boolean isBlockedByStreamLimit() {
        return state.isSending() && buffer.writeOffset() > buffer.sendOffset()
                && buffer.sendOffset() >= maxStreamData;
    }

    /**
     * {@return true if STREAM_DATA_BLOCKED should be sent for the current limit, which is then recorded as
     * reported: once per limit value}
     */
    public boolean takeBlockedReport() {
        if (isBlockedByStreamLimit() && blockedReportedAt != maxStreamData) {
            blockedReportedAt = maxStreamData;
            return true;
        }
        return false;
    }

    /** {@return the limit a STREAM_DATA_BLOCKED would report, if it is still blocked at it; else -1} */
    public long blockedAt() {
        return isBlockedByStreamLimit() ? maxStreamData : -1;
    }

    /** Records a STREAM frame put in a packet. */
    public void onFrameSent(long offset, int length, boolean fin) {
        buffer.onSent(offset, length);
        if (state == SendStreamState.READY) {
            state = SendStreamState.SEND;
        }
        if (fin) {
            finSent = true;
            if (state == SendStreamState.SEND) {
                state = SendStreamState.DATA_SENT;
            }
        }
    }

    /** Records STREAM_DATA_BLOCKED sent: it too moves READY to SEND (RFC 9000 §3.1). */
    public void onBlockedSent() {
        if (state == SendStreamState.READY) {
            state = SendStreamState.SEND;
        }
    }

    /**
     * Records an acknowledged STREAM frame.
     *
     * @return true if room freed in the send buffer
     */
    public boolean onFrameAcked(long offset, int length, boolean fin) {
        if (!state.isSending()) {
            return false;
        }
        boolean freed = buffer.onAcked(offset, length);
        if (fin) {
            finAcked = true;
        }
        if (state == SendStreamState.DATA_SENT && finAcked && buffer.allAcked()) {
            state = SendStreamState.DATA_RECVD;
        }
        return freed;
    }

    /** Records a lost STREAM frame: its unacknowledged bytes, and its FIN, are sent again. */
    public void onFrameLost(long offset, int length, boolean fin) {
        if (!state.isSending()) {
            return;
        }
        buffer.onLost(offset, length);
        if (fin && !finAcked) {
            finSent = false;
        }
    }

    /**
     * Resets the sending part: the buffer is dropped and RESET_STREAM is due with the final size, the
     * flow-control credit used so far (RFC 9000 §4.5).
     *
     * @param errorCode the application error code
     * @param byPeer true if this answers the peer's STOP_SENDING (later writes then throw
     *     {@link StreamResetException})
     * @return false if the part was already reset or all its data acknowledged (nothing changes)
     */
    public boolean reset(long errorCode, boolean byPeer) {
        if (!state.isSending()) {
            return false;
        }
        finalSize = buffer.sendOffset();
        resetCode = errorCode;
        resetByPeer = byPeer;
        buffer.discard();
        state = SendStreamState.RESET_SENT;
        return true;
    }

    /** Records that the peer acknowledged our RESET_STREAM. */
    public void onResetAcked() {
        if (state == SendStreamState.RESET_SENT) {
            state = SendStreamState.RESET_RECVD;
        }
    }

    /**
     * The peer never saw what was sent (its 0-RTT packets were rejected, RFC 9001 §4.6.2): everything unacknowledged,
     * the FIN included, is unsent again, and the stream's credit is none until the peer's new limit is applied.
     * A part already reset is left as it is.
     */
    void rewind() {
        if (!state.isSending()) {
            return;
        }
        buffer.rewind();
        if (!finAcked) {
            finSent = false;
            if (state == SendStreamState.DATA_SENT) {
                state = SendStreamState.SEND;
            }
        }
        maxStreamData = 0;
        blockedReportedAt = -1;
    }

    @Override
    public String toString() {
        return "SendStream[" + id + ", " + state + ", max=" + maxStreamData + ", " + buffer + "]";
    }
}
