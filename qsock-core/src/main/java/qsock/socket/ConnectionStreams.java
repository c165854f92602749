package qsock.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongPredicate;
import qsock.api.Role;
import qsock.core.error.StreamResetException;
import qsock.core.stream.RecvStream;
import qsock.core.stream.RecvStreamState;
import qsock.core.stream.SendStream;
import qsock.core.stream.StreamManager;
import qsock.core.stream.StreamRead;

/**
 * A socket's view of its connection's streams: what its calls do to the {@link StreamManager}, and the little the
 * socket remembers about them (the stream it opened last). Readable streams are served in turn as the manager keeps
 * them ({@link StreamManager#readableNext()}), each read reporting its end with its last bytes. Every call is made
 * with the endpoint's lock held; none of them waits or sends.
 */
final class ConnectionStreams {

    private final StreamManager streams;
    private final Role role;
    /**
     * The kernel's active stream: the one a send with stream ID -1 names. The stream we opened last, or the bidirectional
     * stream the peer opened last, until its FIN is queued or it is reset; -1 for none.
     */
    private long active = -1;
    /** Where input is dropped after a shutdown for reading; made on first use. */
    private ByteBuffer discard;
    /** The streams peeled off as channels of their own, which {@link #readNext} passes by. */
    private final PeeledStreams peeled = new PeeledStreams();
    /** Whether the connection forgot a stream (both parts ended, RFC 9000 §3.3): made once, for {@link #peeled}. */
    private final LongPredicate forgotten = this::isForgotten;

    ConnectionStreams(StreamManager streams, Role role) {
        this.streams = streams;
        this.role = role;
    }

    /**
     * Opens the next stream of a direction; {@code reportBlocked} false keeps STREAMS_BLOCKED from leaving when the
     * peer's limit refuses it. {@return the new stream's ID, or -1 if the peer's limit allows none now}
     */
    long open(boolean bidirectional, boolean reportBlocked) {
        long id = streams.openStream(bidirectional, reportBlocked);
        if (id >= 0) {
            active = id;
        }
        return id;
    }

    /**
     * Corks the connection's stream data or not (StreamFlags.MORE): while corked, new data leaves only in packets of
     * {@code fullPacket} bytes of it.
     */
    void cork(boolean corked, int fullPacket) {
        if (corked || streams.isCorked()) {
            streams.setFullPacket(fullPacket);
            streams.setCorked(corked);
        }
    }

    /** {@return the active stream (see {@link #active}), or -1} */
    long active() {
        return active;
    }

    /** The peer opened stream {@code id}: a bidirectional one becomes the active stream, as in the kernel. */
    void peerOpened(long id) {
        if (StreamIds.isBidirectional(id)) {
            active = id;
        }
    }

    /** Stream {@code id}'s sending part is over (FIN queued, reset, or the stream closed): it is no longer active. */
    void sendingEnded(long id) {
        if (active == id) {
            active = -1;
        }
    }

    /** {@return the ID the next stream of this direction opened by us ({@code local}) or by the peer will have} */
    long nextStreamId(boolean bidirectional, boolean local) {
        return streams.nextStreamId(bidirectional, local);
    }

    /** {@return the sending part of stream {@code id}, or null if it has none or is unknown} */
    qsock.core.stream.SendStream sendPart(long id) {
        return streams.sendStream(id);
    }

    /** Records a wish to open a stream of this direction beyond the peer's limit (see StreamManager.refuseOpen). */
    void refuseOpen(boolean bidirectional, boolean reportBlocked) {
        streams.refuseOpen(bidirectional, reportBlocked);
    }

    /** {@return the receiving part of stream {@code id}, or null if it has none or is unknown} */
    qsock.core.stream.RecvStream recvPart(long id) {
        return streams.recvStream(id);
    }

    /** {@return the peer's limit on the streams of this direction we open} */
    long peerMaxStreams(boolean bidirectional) {
        return streams.peerMaxStreams(bidirectional);
    }

    /** {@return true if stream {@code id}'s queued data waits for the peer's flow control credit} */
    boolean isFlowControlBlocked(long id) {
        return streams.isFlowControlBlocked(id);
    }

    /** {@return true if the connection's flow control credit is used up} */
    boolean isConnectionFlowControlBlocked() {
        return streams.isConnectionFlowControlBlocked();
    }

    /** {@return true if stream {@code id} has a sending part still open} */
    boolean canSendOn(long id) {
        return streams.sendStream(id) != null;
    }

    /**
     * Queues what the stream and the connection's send bound allow of {@code src}.
     *
     * @return the bytes taken
     * @throws StreamResetException if the peer asked us to stop sending
     * @throws IllegalStateException if the stream cannot be written (unknown, receive-only, finished)
     */
    int write(long id, ByteBuffer src, boolean fin) throws StreamResetException {
        refuseIfPeeled(id);
        return streams.write(id, src, fin);
    }

    /**
     * Queues a region of {@code file} on stream {@code id}, unread, as much as the bounds let in now ({@link
     * StreamManager#writeFile}).
     *
     * @return the bytes taken
     * @throws StreamResetException if the peer asked us to stop sending
     * @throws IllegalStateException if the stream cannot be written (unknown, receive-only, finished)
     */
    long writeFile(long id, java.nio.channels.FileChannel file, long position, long count, boolean fin)
            throws StreamResetException {
        refuseIfPeeled(id);
        return streams.writeFile(id, file, position, count, fin);
    }

    /** {@return the bytes queued on all streams that the peer has not acknowledged} */
    long sendBuffered() {
        return streams.sendBuffered();
    }

    /**
     * Reads the next readable stream, its turn taken.
     *
     * @return what was read, or null when no stream has anything
     * @throws StreamResetException if the peer reset the stream whose turn it was
     */
    StreamMessage readNext(ByteBuffer dst) throws StreamResetException {
        for (long id = streams.readableNext(); id >= 0; id = streams.readableNext()) {
            if (peeled.contains(id)) {
                continue; // its channel reads it
            }
            long read = streams.recv(id, dst);
            int n = StreamRead.length(read);
            boolean fin = StreamRead.fin(read);
            if (n > 0 || fin) {
                return new StreamMessage(id, n, fin);
            }
        }
        return null;
    }

    /**
     * Reads one stream, for its input stream; {@code seen} remembers that the stream was seen open, so that its
     * disappearance then means its end, not "not opened yet".
     *
     * @return the bytes read, -1 at the stream's end, 0 if nothing is there yet
     * @throws StreamResetException if the peer reset the stream
     */
    int read(long id, ByteBuffer dst, boolean[] seen) throws StreamResetException {
        refuseIfPeeled(id);
        return readOne(id, dst, seen);
    }

    private int readOne(long id, ByteBuffer dst, boolean[] seen) throws StreamResetException {
        if (streams.recvStream(id) != null) {
            seen[0] = true;
            return streams.read(id, dst);
        }
        // Ours and forgotten, or read to its end before: nothing more comes.
        return seen[0] || StreamIds.isInitiatedBy(id, role) ? -1 : 0;
    }

    /**
     * After a shutdown for reading: reads and drops what arrived, so that flow control keeps the peer going.
     *
     * @return true if something was read, which may have opened flow control windows
     */
    boolean discardInput() {
        boolean read = false;
        for (long id = streams.readableNext(); id >= 0; id = streams.readableNext()) {
            if (peeled.contains(id)) {
                continue; // its channel reads it, or drops it (discardPeeledInput)
            }
            read = true;
            drop(id);
        }
        return read;
    }

    /** Reads and drops what stream {@code id} has to read: data, its end, its reset. */
    private void drop(long id) {
        if (discard == null) {
            discard = ByteBuffer.allocate(16 * 1024);
        }
        try {
            // Bounded by what the stream's flow control window let in.
            while (true) {
                discard.clear();
                long got = streams.recv(id, discard);
                if (StreamRead.length(got) == 0 || StreamRead.fin(got)) {
                    break;
                }
            }
        } catch (StreamResetException e) {
            // Dropped as the data is.
        }
    }

    /**
     * Resets our sending part of a stream.
     *
     * @throws IllegalStateException if the stream is unknown or receive-only
     */
    void reset(long id, long errorCode) {
        streams.reset(id, errorCode);
    }

    /**
     * Asks the peer to stop sending on a stream.
     *
     * @throws IllegalStateException if the stream is unknown or send-only
     */
    void stopSending(long id, long errorCode) {
        streams.stopSending(id, errorCode);
    }

    // ------------------------------------------------------------------------------------------------
    // Peeled-off streams (QuicSocket#peelOff)

    /** {@return true if the connection knows stream {@code id}: opened, and not yet forgotten} */
    boolean knows(long id) {
        return !isForgotten(id);
    }

    private boolean isForgotten(long id) {
        return streams.sendStream(id) == null && streams.recvStream(id) == null;
    }

    /** {@return true if stream {@code id} is peeled off} */
    boolean isPeeled(long id) {
        return peeled.contains(id);
    }

    /**
     * Marks stream {@code id}, which the connection knows, as peeled off: the socket's own reads pass it by from now
     * on. When the bound is reached, the streams the connection forgot make room first.
     *
     * @throws IllegalStateException if it is peeled off already (the kernel's EBUSY)
     * @throws IOException if {@link PeeledStreams#MAX} streams are peeled off and open (the kernel's EMFILE)
     */
    void peel(long id) throws IOException {
        if (peeled.contains(id)) {
            throw new IllegalStateException("stream " + id + " is peeled off already (EBUSY)");
        }
        if (peeled.size() == PeeledStreams.MAX) {
            peeled.removeIf(forgotten, false);
        }
        if (!peeled.add(id)) {
            throw new IOException("too many streams peeled off: " + PeeledStreams.MAX + " are open (EMFILE)");
        }
    }

    /** Refuses the socket's own reads and writes on a peeled stream, which belongs to its channel. */
    private void refuseIfPeeled(long id) {
        if (peeled.contains(id)) {
            throw new IllegalStateException("stream " + id + " is peeled off: use its QuicStreamChannel");
        }
    }

    /**
     * Reads a peeled stream, for its channel, as {@link #read} does for an input stream; {@code seen} is true from
     * the peel on, the stream known then.
     */
    int readPeeled(long id, ByteBuffer dst, boolean[] seen) throws StreamResetException {
        return readOne(id, dst, seen);
    }

    /** Writes a peeled stream, for its channel, as {@link #write} does for the socket. */
    int writePeeled(long id, ByteBuffer src, boolean fin) throws StreamResetException {
        return streams.write(id, src, fin);
    }

    /**
     * Ends the sending part of a peeled stream with FIN, if it is still open: not finished, not reset (by us, or
     * after the peer's STOP_SENDING), and still known.
     *
     * @return true if the FIN was queued
     */
    boolean finishPeeled(long id) throws StreamResetException {
        SendStream s = streams.sendStream(id);
        if (s == null || !s.isSending() || s.isFinished()) {
            return false;
        }
        streams.write(id, ByteBuffer.allocate(0), true);
        return true;
    }

    /** Drops from now on whatever arrives on a peeled stream ({@link #discardPeeledInput}): its input was given up. */
    void discardPeeled(long id) {
        peeled.discard(id);
    }

    /**
     * Asks the peer to stop sending on a peeled stream (RFC 9000 §3.5), if its receiving part still receives (Recv
     * or Size Known: not all data in, no reset).
     *
     * @return true if STOP_SENDING was queued
     */
    boolean stopPeeled(long id, long errorCode) {
        RecvStream r = streams.recvStream(id);
        // RFC 9000 §3.5: STOP_SENDING only for a part in Recv or Size Known, whose peer may still be sending.
        if (r == null || (r.state() != RecvStreamState.RECV && r.state() != RecvStreamState.SIZE_KNOWN)) {
            return false;
        }
        streams.stopSending(id, errorCode);
        return true;
    }

    /** Forgets stream {@code id} as peeled if the connection forgot it; its channel closed. */
    void unpeelIfForgotten(long id) {
        if (isForgotten(id) && peeled.contains(id)) {
            peeled.removeIf(forgotten, false);
        }
    }

    /**
     * Drops what arrived on the peeled streams whose channels gave their input up, and forgets those the connection
     * forgot; cheap when there are none. Called as events are drained, on the I/O thread among others.
     *
     * @return true if something was read, which may have opened flow control windows
     */
    boolean discardPeeledInput() {
        if (!peeled.anyDiscarding()) {
            return false;
        }
        boolean read = false;
        for (int i = 0; i < peeled.size(); i++) {
            if (!peeled.discarding(i)) {
                continue;
            }
            RecvStream r = streams.recvStream(peeled.id(i));
            if (r != null && r.isReadable()) {
                read = true;
                drop(peeled.id(i));
            }
        }
        peeled.removeIf(forgotten, true);
        return read;
    }
}
