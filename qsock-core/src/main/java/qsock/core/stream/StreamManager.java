package qsock.core.stream;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Objects;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameEncoder;
import qsock.core.wire.VarInt;

/**
 * All streams of one connection, and its stream and connection flow control (RFC 9000 §2-§4): the
 * contract between the connection and the application's streams.
 *
 * <p>The connection feeds in the peer's frames ({@code on*} methods; a violation throws
 * {@link QuicProtocolException} with the RFC's code), asks for frames to fill a packet
 * ({@link #hasPendingFrames()}, {@link #writeFrames}), each of which it records through a
 * {@link SentFrameSink}, and reports their fate ({@code on*Acked}, {@code on*Lost}). The application
 * opens, writes, reads, resets streams and polls {@link StreamEvent}s; it finds the streams with something to
 * read in turn through {@link #readableNext()} and reads each with {@link #recv}, which reports the end with the
 * last bytes.
 *
 * <p>No method scans all streams: streams with data to send wait in a round-robin queue, streams held
 * back only by the connection's credit in another, streams with a control frame due in a third, and each
 * is in a queue at most once. Bounds: the peer cannot have more of its streams open than our MAX_STREAMS
 * (which rises only as its streams close), nor make a stream hold more than its window, nor the
 * connection more than the connection window, each of which auto-tunes up to a configured cap.
 *
 * <p>What the application queues for sending is bounded twice: per stream by its send buffer
 * ({@link StreamConfig#sendBufferSize()}), and for the connection by {@link StreamConfig#connectionSendBufferSize()}:
 * a write takes only what both allow, and bytes leave the count when the peer acknowledges them (or the
 * stream is reset). The connection's room is shared: while a stream waits for it (its last write was cut
 * short by the connection's bound), no stream may grow past its fair share, the bound divided by the
 * streams that hold bytes or wait; so the room acknowledgements free goes to the streams holding least, and
 * one stream cannot keep the others out by writing again the moment room frees.
 *
 * <p>Locally initiated streams can be opened only after {@link #setPeerLimits} (the peer's transport
 * parameters, or remembered ones for 0-RTT). A stream is forgotten, and for a peer's stream its slot
 * handed back through MAX_STREAMS, once both of its parts are terminal: all data acknowledged or the reset
 * acknowledged on the sending part, the end or the reset read by the application on the receiving part.
 * So the application must finish or reset the sending part of every bidirectional stream, the peer's
 * included, and read every receiving part to its end.
 */
public final class StreamManager {

    /**
     * The application error code of the RESET_STREAM sent when a file region queued on a stream cannot be read
     * as a packet is built ({@link #writeFile}: the application closed or truncated the file): "sf" in ASCII, a
     * code of qsock's own, as hq-interop and HTTP/3 define none for it (RFC 9000 §20.2 leaves the codes to the
     * application).
     */
    public static final long FILE_UNREADABLE = 0x7366;

    /** RFC 9002 §6.2.2: the RTT assumed before a sample. */
    private static final long INITIAL_RTT_NANOS = 333_000_000L;
    private static final long MAX_STREAMS = 1L << 60;
    private static final long STREAM_FRAME = 0x08;

    private final Role role;
    private final StreamConfig config;
    private final LongMap<StreamEntry> streams = new LongMap<>();
    // Small at first (they grow as streams come): an idle connection keeps these queues, mostly empty.
    private final ArrayDeque<StreamEntry> flushable = new ArrayDeque<>(2);
    private final ArrayDeque<StreamEntry> connBlocked = new ArrayDeque<>(2);
    private final ArrayDeque<StreamEntry> control = new ArrayDeque<>(2);
    private final ArrayDeque<StreamEvent> events = new ArrayDeque<>(2);
    // Which notifications the application asked for (setStateEvents): all off at first, and nothing of them is done.
    private boolean stateEvents;
    private boolean maxStreamDataEvents;
    private boolean maxStreamsEvents;
    /** A {@link StreamEvent.MaxStreamsRaised} waits in the queue, per direction: later raises coalesce into it. */
    private final boolean[] maxStreamsEventQueued = new boolean[2];
    /** The streams with something to read, oldest first: a list through the entries ({@link #readableNext}). */
    private StreamEntry readableHead;
    private StreamEntry readableTail;

    private long smoothedRttNanos = INITIAL_RTT_NANOS;

    // Streams we open, limited by the peer (index 0 bidirectional, 1 unidirectional).
    private boolean peerLimitsKnown;
    private long peerMaxStreamDataBidiLocal;
    private long peerMaxStreamDataBidiRemote;
    private long peerMaxStreamDataUni;
    private final long[] peerMaxStreams = new long[2];
    private final long[] nextLocalIndex = new long[2];
    private final long[] streamsBlockedReportedAt = {-1, -1};
    private final boolean[] streamsBlockedPending = new boolean[2];
    private final boolean[] openRefused = new boolean[2];

    // Streams the peer opens, limited by us.
    private final long[] localMaxStreams = new long[2];
    private final long[] nextPeerIndex = new long[2];
    private final long[] closedPeerStreams = new long[2];
    private final boolean[] maxStreamsPending = new boolean[2];

    // Connection-level flow control, receiving.
    private final FlowWindow connWindow;
    private long connReceived;
    private boolean maxDataPending;

    // What the application queued on all streams, acknowledgement pending, against the connection's bound.
    private long sendBuffered;
    /** A file region failed while this packet's frames were written ({@link #failFileStream}). */
    private boolean fileFailed;
    /** Streams that hold queued bytes or wait for the connection's room: those that share the bound. */
    private int sendSharers;
    /** Streams whose last write the connection's bound cut short. */
    private int sendWaiters;
    /** Waiting streams not yet told (by {@link StreamEvent.Writable}) that the connection's room grew. */
    private final ArrayDeque<StreamEntry> roomWaiters = new ArrayDeque<>(1);

    /** STREAMS_BLOCKED frames received (RFC 9000 §19.14), for statistics. */
    private long streamsBlockedReceived;
    /** DATA_BLOCKED frames received (RFC 9000 §19.12), for statistics. */
    private long dataBlockedReceived;

    // Holding small new data back to fill packets: the socket's cork (MSG_MORE) and Nagle's algorithm.
    private boolean corked;
    private boolean nagle;
    private int fullPacket = 1200;
    /** Stream bytes sent and neither acknowledged nor declared lost, for Nagle's algorithm. */
    private long streamBytesInFlight;

    // Connection-level flow control, sending.
    private long peerMaxData;
    private long connSent;
    private long dataBlockedReportedAt = -1;
    private boolean dataBlockedPending;

    /**
     * @param role our role, which fixes the IDs of the streams we open
     * @param localConfig our limits, as sent in our transport parameters
     */
    public StreamManager(Role role, StreamConfig localConfig) {
        this.role = Objects.requireNonNull(role, "role");
        this.config = Objects.requireNonNull(localConfig, "localConfig");
        this.connWindow = new FlowWindow(localConfig.initialMaxData(), localConfig.maxConnectionWindow());
        this.localMaxStreams[0] = localConfig.initialMaxStreamsBidi();
        this.localMaxStreams[1] = localConfig.initialMaxStreamsUni();
    }

    /**
     * Takes the peer's limits from its transport parameters (RFC 9000 §18.2). Limits only rise: streams
     * opened under remembered 0-RTT limits keep what they had.
     */
    public void setPeerLimits(long initialMaxData, long bidiLocal, long bidiRemote, long uni, long maxStreamsBidi,
            long maxStreamsUni) {
        peerLimitsKnown = true;
        peerMaxData = Math.max(peerMaxData, initialMaxData);
        peerMaxStreamDataBidiLocal = bidiLocal;
        peerMaxStreamDataBidiRemote = bidiRemote;
        peerMaxStreamDataUni = uni;
        long[] before = peerMaxStreams.clone();
        peerMaxStreams[0] = Math.max(peerMaxStreams[0], maxStreamsBidi);
        peerMaxStreams[1] = Math.max(peerMaxStreams[1], maxStreamsUni);
        for (int dir = 0; dir < 2; dir++) {
            releaseHeld(dir, before[dir]);
        }
        streams.forEach(e -> {
            if (e.send != null && e.send.onMaxStreamData(initialSendCredit(e.id))) {
                updateFlushable(e);
            }
        });
        // Existing streams may wait on connection credit too.
        drainConnBlocked();
    }

    /**
     * The server rejected 0-RTT (RFC 9001 §4.6.2): it never saw what the 0-RTT packets carried, and the remembered
     * limits no longer hold (RFC 9000 §7.4.1: they applied to 0-RTT only). Every stream's data becomes unsent again,
     * the connection credit used goes back to what was acknowledged (nothing, in practice), and the peer's limits
     * are none until the server's own transport parameters are applied by {@link #setPeerLimits}, which then sets
     * them exactly. Streams opened beyond the server's new stream limit stay held back: they send nothing, not even
     * a control frame, until MAX_STREAMS covers them, so no frame names a stream the server does not allow.
     */
    public void onEarlyDataRejected() {
        peerMaxData = 0;
        peerMaxStreamDataBidiLocal = 0;
        peerMaxStreamDataBidiRemote = 0;
        peerMaxStreamDataUni = 0;
        peerMaxStreams[0] = 0;
        peerMaxStreams[1] = 0;
        dataBlockedReportedAt = -1;
        dataBlockedPending = false;
        for (int dir = 0; dir < 2; dir++) {
            streamsBlockedReportedAt[dir] = -1;
            streamsBlockedPending[dir] = false;
        }
        long[] sent = {0};
        streams.forEach(e -> {
            if (e.send != null) {
                e.send.rewind();
                sent[0] += e.send.buffer().sendOffset();
                e.streamDataBlockedPending = false;
            }
        });
        connSent = sent[0];
    }

    /**
     * {@return whether {@code e} is a stream of ours beyond the peer's stream limit} Only after a 0-RTT rejection
     * lowered the limit below streams already opened (see {@link #onEarlyDataRejected}).
     */
    private boolean heldBack(StreamEntry e) {
        return !e.peerInitiated && StreamId.index(e.id) >= peerMaxStreams[dir(StreamId.isBidirectional(e.id))];
    }

    /**
     * Lets the held-back streams of direction {@code dir} that the peer's limit, raised from {@code before}, now
     * covers send again, and asks for more streams (RFC 9000 §4.6: STREAMS_BLOCKED) while some are still held back.
     * Only streams opened at or past the old limit are visited: none, unless a 0-RTT rejection lowered it.
     */
    private void releaseHeld(int dir, long before) {
        long opened = nextLocalIndex[dir];
        long limit = peerMaxStreams[dir];
        boolean bidirectional = dir == 0;
        for (long i = before; i < Math.min(opened, limit); i++) {
            StreamEntry e = streams.get(StreamId.of(role, bidirectional, i));
            if (e == null) {
                continue;
            }
            if (!e.inFlushable && !e.inConnBlocked) {
                updateFlushable(e);
            }
            if (!e.inControl && (e.resetPending || e.stopSendingPending || e.streamDataBlockedPending)) {
                queueControl(e);
            }
        }
        if (opened > limit && streamsBlockedReportedAt[dir] != limit) {
            streamsBlockedReportedAt[dir] = limit;
            streamsBlockedPending[dir] = true;
        }
    }

    /** Sets the smoothed RTT (RFC 9002 §5.3) that window auto-tuning compares with. */
    public void onRttUpdated(long smoothedRttNanos) {
        if (smoothedRttNanos > 0) {
            this.smoothedRttNanos = smoothedRttNanos;
        }
    }

    // ---------------------------------------------------------------- application side

    /**
     * Opens a stream.
     *
     * @return its ID, or -1 when the peer's stream limit (or its unknown limits) forbids it; STREAMS_BLOCKED
     *     is then queued once per limit value, and a {@link StreamEvent.StreamsAvailable} follows when
     *     the peer raises the limit
     */
    public long openStream(boolean bidirectional) {
        return openStream(bidirectional, true);
    }

    /**
     * Opens a stream, as {@link #openStream(boolean)} does; {@code reportBlocked} false sends no STREAMS_BLOCKED when
     * the peer's limit refuses it (the socket draft's open with DONTWAIT and without SNDBLOCK: a probe, not a wish to
     * wait), though {@link StreamEvent.StreamsAvailable} still follows a raised limit.
     */
    public long openStream(boolean bidirectional, boolean reportBlocked) {
        int dir = dir(bidirectional);
        if (!peerLimitsKnown) {
            return -1;
        }
        long index = nextLocalIndex[dir];
        if (index >= peerMaxStreams[dir]) {
            refuseOpen(bidirectional, reportBlocked);
            return -1;
        }
        nextLocalIndex[dir] = index + 1;
        long id = StreamId.of(role, bidirectional, index);
        createEntry(id);
        return id;
    }

    /**
     * Records that the application wished to open a stream of this direction beyond the peer's limit: a
     * {@link StreamEvent.StreamsAvailable} follows when the limit rises, and with {@code reportBlocked}, STREAMS_BLOCKED
     * is queued once per limit value (RFC 9000 §4.6).
     */
    public void refuseOpen(boolean bidirectional, boolean reportBlocked) {
        int dir = dir(bidirectional);
        openRefused[dir] = true;
        // RFC 9000 §4.6: STREAMS_BLOCKED when we wish to open a stream but cannot.
        if (reportBlocked && streamsBlockedReportedAt[dir] != peerMaxStreams[dir]) {
            streamsBlockedReportedAt[dir] = peerMaxStreams[dir];
            streamsBlockedPending[dir] = true;
        }
    }

    /**
     * {@return the ID the next stream of this direction opened by us ({@code local}) or by the peer will have} The
     * streams below it were opened (RFC 9000 §3.2: opening one opens those before it), and may be closed since.
     */
    public long nextStreamId(boolean bidirectional, boolean local) {
        int dir = dir(bidirectional);
        return StreamId.of(local ? role : role.peer(), bidirectional, local ? nextLocalIndex[dir] : nextPeerIndex[dir]);
    }

    /**
     * {@return true if stream {@code id}'s queued data waits for the peer's flow control credit}: the stream's limit
     * (MAX_STREAM_DATA) or, with data left to send, the connection's (MAX_DATA) (RFC 9000 §4.1)
     */
    public boolean isFlowControlBlocked(long id) {
        StreamEntry e = streams.get(id);
        if (e == null || e.send == null) {
            return false;
        }
        return e.send.isBlockedByStreamLimit() || (connCredit() == 0 && e.send.buffer().writeOffset()
                > e.send.buffer().sendOffset());
    }

    /** {@return the STREAMS_BLOCKED frames the peer sent (RFC 9000 §19.14)} */
    public long streamsBlockedReceived() {
        return streamsBlockedReceived;
    }

    /** {@return the DATA_BLOCKED frames the peer sent (RFC 9000 §19.12)} */
    public long dataBlockedReceived() {
        return dataBlockedReceived;
    }

    /** {@return true if the connection's flow control credit (MAX_DATA, RFC 9000 §4.1) is used up} */
    public boolean isConnectionFlowControlBlocked() {
        return connCredit() == 0;
    }

    /**
     * Queues bytes of {@code src} for stream {@code id}, as many as its send buffer and the connection's
     * bound (see the class comment) have room for, and the end of the stream if {@code fin} and all were
     * taken. A partial write arms a {@link StreamEvent.Writable} for when room frees.
     *
     * @return the bytes taken
     * @throws StreamResetException if the peer's STOP_SENDING made us reset the stream
     * @throws IllegalStateException if the stream is unknown, receive-only, finished or reset by us
     */
    public int write(long id, ByteBuffer src, boolean fin) throws StreamResetException {
        StreamEntry e = existing(id);
        if (e.send == null) {
            throw new IllegalStateException("stream " + id + " is receive-only");
        }
        SendBuffer b = e.send.buffer();
        long held = b.held();
        boolean waiting = e.sendWaiting;
        int n = e.send.write(src, fin, sendAllowance(e, held));
        if (src.hasRemaining()) {
            e.writeBlocked = true;
        }
        // Cut short with room left in its own buffer: the connection's bound stopped it.
        e.sendWaiting = src.hasRemaining() && b.available() > 0;
        if (e.sendWaiting && !e.inRoomWaiters) {
            e.inRoomWaiters = true;
            roomWaiters.add(e);
        }
        accountSend(e, held, waiting);
        updateFlushable(e);
        return n;
    }

    /**
     * Queues the region {@code [position, position + count)} of {@code file} for stream {@code id}, unread, under
     * the same bounds as {@link #write}: the region's bytes count as held until acknowledged, and are read from
     * the file into each packet that carries them (see {@link SendBuffer#appendFile}). If the file cannot supply
     * them then, the stream is reset with {@link #FILE_UNREADABLE}.
     *
     * @return the bytes taken
     * @throws StreamResetException if the peer's STOP_SENDING made us reset the stream
     * @throws IllegalStateException if the stream is unknown, receive-only, finished or reset by us
     */
    public long writeFile(long id, FileChannel file, long position, long count, boolean fin)
            throws StreamResetException {
        StreamEntry e = existing(id);
        if (e.send == null) {
            throw new IllegalStateException("stream " + id + " is receive-only");
        }
        SendBuffer b = e.send.buffer();
        long held = b.held();
        boolean waiting = e.sendWaiting;
        long n = e.send.writeFile(file, position, count, fin, sendAllowance(e, held));
        boolean rest = n < count;
        if (rest) {
            e.writeBlocked = true;
        }
        e.sendWaiting = rest && b.available() > 0;
        if (e.sendWaiting && !e.inRoomWaiters) {
            e.inRoomWaiters = true;
            roomWaiters.add(e);
        }
        accountSend(e, held, waiting);
        updateFlushable(e);
        return n;
    }

    /** {@return the bytes queued for sending on all streams and not yet acknowledged (nor reset)} */
    public long sendBuffered() {
        return sendBuffered;
    }

    /**
     * {@return how many bytes a write on stream {@code e}, which holds {@code held}, may add under the
     * connection's bound: what is free, and while other streams wait for room, no more than takes the stream
     * to its fair share}
     */
    private int sendAllowance(StreamEntry e, long held) {
        long bound = config.connectionSendBufferSize();
        long allowed = bound - sendBuffered;
        if (sendWaiters > (e.sendWaiting ? 1 : 0)) {
            int sharers = sendSharers + (held > 0 || e.sendWaiting ? 0 : 1);
            allowed = Math.min(allowed, bound / sharers - held);
        }
        return (int) Math.clamp(allowed, 0, Integer.MAX_VALUE);
    }

    /**
     * Brings the connection's count up to date after stream {@code e}'s held bytes or waiting changed from
     * {@code heldBefore} and {@code waitingBefore}; when room freed, the waiting streams hear of it.
     */
    private void accountSend(StreamEntry e, long heldBefore, boolean waitingBefore) {
        long held = e.send.buffer().held();
        sendBuffered += held - heldBefore;
        boolean wasSharing = heldBefore > 0 || waitingBefore;
        boolean sharing = held > 0 || e.sendWaiting;
        if (wasSharing != sharing) {
            sendSharers += sharing ? 1 : -1;
        }
        if (waitingBefore != e.sendWaiting) {
            sendWaiters += e.sendWaiting ? 1 : -1;
        }
        if (held < heldBefore && sendBuffered < config.connectionSendBufferSize()) {
            while (!roomWaiters.isEmpty()) {
                StreamEntry w = roomWaiters.poll();
                w.inRoomWaiters = false;
                if (w.sendWaiting && !w.removed) {
                    queueWritable(w);
                }
            }
        }
    }

    /**
     * Reads in-order bytes of stream {@code id} into {@code dst}.
     *
     * @return the bytes read, 0 if none is ready, -1 at the end of the stream
     * @throws StreamResetException if the peer reset the stream
     * @throws IllegalStateException if the stream is unknown (never opened, or closed and forgotten) or
     *     send-only
     */
    public int read(long id, ByteBuffer dst) throws StreamResetException {
        StreamEntry e = receiving(id);
        RecvStream r = e.recv;
        long before = r.consumedCredit();
        try {
            return r.read(dst);
        } finally {
            afterRead(e, before);
        }
    }

    /**
     * Reads in-order bytes of stream {@code id} into {@code dst} and says in the same call whether they end the
     * stream (quiche's {@code stream_recv}): the stream reaches Data Read with its last bytes, not with a read
     * after them.
     *
     * @return the bytes read and whether the end was reached, as {@link StreamRead} encodes them: 0 bytes without
     *     the end if none is ready
     * @throws StreamResetException if the peer reset the stream
     * @throws IllegalStateException if the stream is unknown or send-only
     */
    public long recv(long id, ByteBuffer dst) throws StreamResetException {
        StreamEntry e = receiving(id);
        RecvStream r = e.recv;
        long before = r.consumedCredit();
        try {
            int n = r.read(dst);
            return n < 0 ? StreamRead.of(0, true) : StreamRead.of(n, r.finishRead());
        } finally {
            afterRead(e, before);
        }
    }

    /**
     * {@return the next stream with something to read (data, its end, or a reset), or -1 if none} (quiche's
     * {@code stream_readable_next}) The stream leaves the queue of readable streams, which holds them in the order
     * they became readable; a read that leaves something to read puts it back at the end, so that streams read one
     * call each take turns.
     */
    public long readableNext() {
        StreamEntry e = readableHead;
        if (e == null) {
            return -1;
        }
        unlinkReadable(e);
        return e.id;
    }

    private StreamEntry receiving(long id) {
        StreamEntry e = existing(id);
        if (e.recv == null) {
            throw new IllegalStateException("stream " + id + " is send-only");
        }
        return e;
    }

    /** What every read of {@code e} is followed by: credit released, its place among readable streams, removal. */
    private void afterRead(StreamEntry e, long consumedBefore) {
        RecvStream r = e.recv;
        onConsumed(r.consumedCredit() - consumedBefore);
        if (r.wantsWindowUpdate()) {
            e.maxStreamDataPending = true;
            queueControl(e);
        }
        if (r.isReadable()) {
            linkReadable(e);
        } else {
            unlinkReadable(e);
        }
        maybeRemove(e);
    }

    /**
     * Resets the sending part of stream {@code id} with {@code errorCode} (RESET_STREAM, RFC 9000 §19.4);
     * nothing happens if it was already reset or all its data acknowledged.
     *
     * @throws IllegalStateException if the stream is unknown or receive-only
     */
    public void reset(long id, long errorCode) {
        StreamEntry e = existing(id);
        if (e.send == null) {
            throw new IllegalStateException("stream " + id + " is receive-only");
        }
        checkVarint(errorCode);
        long held = e.send.buffer().held();
        if (e.send.reset(errorCode, false)) {
            stopWaiting(e, held);
            e.resetPending = true;
            queueControl(e);
        }
    }

    /** The sending part of {@code e}, which held {@code heldBefore}, ended: it no longer shares the bound. */
    private void stopWaiting(StreamEntry e, long heldBefore) {
        boolean waiting = e.sendWaiting;
        e.sendWaiting = false;
        accountSend(e, heldBefore, waiting);
    }

    /**
     * Asks the peer to stop sending on stream {@code id} (STOP_SENDING, RFC 9000 §19.5); nothing happens
     * if the stream's data or reset already arrived.
     *
     * @throws IllegalStateException if the stream is unknown or send-only
     */
    public void stopSending(long id, long errorCode) {
        StreamEntry e = existing(id);
        if (e.recv == null) {
            throw new IllegalStateException("stream " + id + " is send-only");
        }
        checkVarint(errorCode);
        if (!e.stopSendingRequested && stopSendingRelevant(e)) {
            e.stopSendingRequested = true;
            e.stopSendingCode = errorCode;
            e.stopSendingPending = true;
            queueControl(e);
        }
    }

    /**
     * Turns the {@link StreamEvent.Notification}s on or off: the socket draft's QUIC_EVENT_STREAM_UPDATE states,
     * QUIC_EVENT_STREAM_MAX_DATA and QUIC_EVENT_STREAM_MAX_STREAM (§6). All are off at first, and while off nothing
     * of them is computed, allocated or queued: the frames of the peer cost what they cost without them. Turning a
     * kind off leaves those already queued to be polled.
     *
     * <p>The queue stays bounded whatever the peer sends. A stream's states only move forward, so each state event
     * comes at most once per stream; the limit events are coalesced rather than queued per frame: while a {@link
     * StreamEvent.MaxStreamDataRaised} waits in the queue for a stream, or a {@link StreamEvent.MaxStreamsRaised} for
     * a direction, later raises only change the limit it carries when polled, the latest. A flood of MAX_STREAM_DATA
     * or MAX_STREAMS frames thus leaves one event per stream or direction, and the peer cannot have more streams
     * than our MAX_STREAMS, which rises only as the application finishes them.
     *
     * @param streamStates the sending part's Data Recvd and Reset Recvd ({@link StreamEvent.DataAcknowledged},
     *     {@link StreamEvent.ResetAcknowledged}), the receiving part's Recv, Size Known and Data Recvd ({@link
     *     StreamEvent.FirstDataReceived}, {@link StreamEvent.SizeKnown}, {@link StreamEvent.AllDataReceived}); RFC
     *     9000 §3
     * @param maxStreamData {@link StreamEvent.MaxStreamDataRaised}, when a MAX_STREAM_DATA frame raises a stream's
     *     send limit
     * @param maxStreams {@link StreamEvent.MaxStreamsRaised}, when a MAX_STREAMS frame raises the peer's limit on
     *     our streams of a direction
     */
    public void setStateEvents(boolean streamStates, boolean maxStreamData, boolean maxStreams) {
        this.stateEvents = streamStates;
        this.maxStreamDataEvents = maxStreamData;
        this.maxStreamsEvents = maxStreams;
    }

    /**
     * {@return the next event, or null} A coalesced {@link StreamEvent.MaxStreamDataRaised} or {@link
     * StreamEvent.MaxStreamsRaised} carries the latest limit (see {@link #setStateEvents}).
     */
    public StreamEvent pollEvent() {
        StreamEvent ev = events.poll();
        switch (ev) {
            case StreamEvent.Readable(long id) -> {
                StreamEntry e = streams.get(id);
                if (e != null) {
                    e.readableQueued = false;
                }
            }
            case StreamEvent.Writable(long id) -> {
                StreamEntry e = streams.get(id);
                if (e != null) {
                    e.writableQueued = false;
                }
            }
            case StreamEvent.MaxStreamDataRaised(long id, long max) -> {
                StreamEntry e = streams.get(id);
                if (e != null && e.maxDataEventQueued) {
                    e.maxDataEventQueued = false;
                    long latest = e.send.maxStreamData();
                    if (latest > max) {
                        ev = new StreamEvent.MaxStreamDataRaised(id, latest);
                    }
                }
            }
            case StreamEvent.MaxStreamsRaised(boolean bidirectional, long max) -> {
                int dir = dir(bidirectional);
                maxStreamsEventQueued[dir] = false;
                if (peerMaxStreams[dir] > max) {
                    ev = new StreamEvent.MaxStreamsRaised(bidirectional, peerMaxStreams[dir]);
                }
            }
            case null, default -> {
            }
        }
        return ev;
    }

    /** {@return the number of events waiting to be polled} For tests of the queue's bound. */
    int queuedEvents() {
        return events.size();
    }

    /** {@return the sending part of stream {@code id}, or null if it has none or is unknown} */
    public SendStream sendStream(long id) {
        StreamEntry e = streams.get(id);
        return e == null ? null : e.send;
    }

    /** {@return the receiving part of stream {@code id}, or null if it has none or is unknown} */
    public RecvStream recvStream(long id) {
        StreamEntry e = streams.get(id);
        return e == null ? null : e.recv;
    }

    /** {@return the number of streams not yet closed and forgotten} */
    public int streamCount() {
        return streams.size();
    }

    /**
     * {@return the reassembly storage all receiving streams hold now, in bytes} Bounded by the connection's receive
     * window (each stream's storage spans at most what it received, whose highest offsets connection flow control
     * sums, RFC 9000 §4.1) plus a chunk per stream. Walks every stream: for counters and tests, not the hot path.
     */
    public long receiveBytesHeld() {
        long[] sum = {0};
        streams.forEach(e -> {
            if (e.recv != null) {
                sum[0] += e.recv.bytesHeld();
            }
        });
        return sum[0];
    }

    /** {@return our current limit on the peer's streams of one direction (the MAX_STREAMS we advertise)} */
    public long localMaxStreams(boolean bidirectional) {
        return localMaxStreams[dir(bidirectional)];
    }

    /** {@return the peer's current limit on our streams of one direction} */
    public long peerMaxStreams(boolean bidirectional) {
        return peerMaxStreams[dir(bidirectional)];
    }

    /** {@return our current connection limit (the MAX_DATA we advertise)} */
    public long localMaxData() {
        return connWindow.limit();
    }

    /** {@return the connection's receive window} */
    public FlowWindow connectionWindow() {
        return connWindow;
    }

    /** {@return the peer's connection limit (MAX_DATA)} */
    public long peerMaxData() {
        return peerMaxData;
    }

    /** {@return the stream bytes sent for the first time, summed over streams: the connection credit used} */
    public long connectionDataSent() {
        return connSent;
    }

    /** {@return the highest offsets received, summed over streams: the connection credit the peer used} */
    public long connectionDataReceived() {
        return connReceived;
    }

    // ---------------------------------------------------------------- frames from the peer

    /**
     * Takes a STREAM frame (RFC 9000 §19.8).
     *
     * @param data the frame's data, position to limit; consumed
     * @throws QuicProtocolException STREAM_STATE_ERROR for a send-only or not yet opened stream of ours,
     *     STREAM_LIMIT_ERROR past our stream limit, FLOW_CONTROL_ERROR past a stream or the connection
     *     limit, FINAL_SIZE_ERROR when the final size is broken
     */
    public void onStreamFrame(long id, long offset, ByteBuffer data, boolean fin, long now)
            throws QuicProtocolException {
        StreamEntry e = streamForFrame(id, STREAM_FRAME, true, false);
        if (e == null) {
            // A stream already closed and forgotten: a late retransmission.
            data.position(data.limit());
            return;
        }
        RecvStream r = e.recv;
        connWindow.start(now);
        r.window().start(now);
        RecvStreamState was = r.state();
        // Nothing received yet (no byte, no final size): this frame may be the first (RFC 9000 §3.2, Recv).
        boolean first = stateEvents && r.highestOffset() == 0 && r.finalSize() < 0;
        // RFC 9000 §4.1, §21.7: data past our MAX_DATA is refused before the stream stores it, so that what a peer
        // makes us hold never exceeds the window we advertised, not even for the frame that breaks it.
        if (connReceived + Math.max(0, offset + data.remaining() - r.highestOffset()) > connWindow.limit()) {
            throw new QuicProtocolException(TransportErrorCode.FLOW_CONTROL_ERROR, STREAM_FRAME,
                    "connection data past its limit " + connWindow.limit());
        }
        long grew = r.onData(offset, data, fin);
        onReceived(grew, STREAM_FRAME);
        if (stateEvents) {
            noteReceiveState(r, was, first);
        }
        if (r.isReadable()) {
            queueReadable(e);
        }
    }

    /**
     * Queues the receive-state events a STREAM frame brought to {@code r}, which was in {@code was} before it and had
     * received nothing if {@code first}; the conditions are the kernel module's (inqueue.c): Recv for the first frame
     * that carries data or a FIN, Size Known for a FIN that leaves data before it missing, Data Recvd when the data up
     * to the final size is complete (RFC 9000 §3.2).
     */
    private void noteReceiveState(RecvStream r, RecvStreamState was, boolean first) {
        if (first && (r.highestOffset() > 0 || r.finalSize() >= 0)) {
            events.add(new StreamEvent.FirstDataReceived(r.id()));
        }
        RecvStreamState state = r.state();
        if (state == was) {
            return;
        }
        if (state == RecvStreamState.SIZE_KNOWN) {
            events.add(new StreamEvent.SizeKnown(r.id(), r.finalSize()));
        } else if (state == RecvStreamState.DATA_RECVD) {
            events.add(new StreamEvent.AllDataReceived(r.id(), r.finalSize()));
        }
    }

    /**
     * Takes a RESET_STREAM frame (RFC 9000 §19.4).
     *
     * @throws QuicProtocolException as {@link #onStreamFrame}, STREAM_STATE_ERROR for a send-only stream
     */
    public void onResetStream(long id, long errorCode, long finalSize) throws QuicProtocolException {
        long frameType = ControlFrame.RESET_STREAM.typeCode();
        StreamEntry e = streamForFrame(id, frameType, true, false);
        if (e == null) {
            return;
        }
        RecvStream r = e.recv;
        RecvStreamState was = r.state();
        long before = r.consumedCredit();
        long grew = r.onReset(errorCode, finalSize);
        onReceived(grew, frameType);
        if (r.state() != was) {
            // RFC 9000 §4.5: the bytes up to the final size count as consumed; release their credit.
            onConsumed(r.consumedCredit() - before);
            events.add(new StreamEvent.ResetReceived(id, errorCode, finalSize));
            queueReadable(e);
        }
    }

    /**
     * Takes a STOP_SENDING frame (RFC 9000 §19.5): the sending part is reset with the same code (§3.5).
     *
     * @throws QuicProtocolException STREAM_STATE_ERROR for a receive-only or not yet opened stream of ours,
     *     STREAM_LIMIT_ERROR past our limit
     */
    public void onStopSending(long id, long errorCode) throws QuicProtocolException {
        StreamEntry e = streamForFrame(id, ControlFrame.STOP_SENDING.typeCode(), false, true);
        if (e == null) {
            return;
        }
        // RFC 9000 §3.5: an endpoint that receives STOP_SENDING MUST send RESET_STREAM if the stream is in
        // Ready or Send; it may defer in Data Sent, but resetting there too frees the buffer sooner.
        long held = e.send.buffer().held();
        if (e.send.reset(errorCode, true)) {
            stopWaiting(e, held);
            e.resetPending = true;
            queueControl(e);
            events.add(new StreamEvent.StopSendingReceived(id, errorCode));
        }
    }

    /** Takes a MAX_DATA frame (RFC 9000 §19.9); a lower limit than the current one is ignored. */
    public void onMaxData(long max) {
        if (max > peerMaxData) {
            peerMaxData = max;
            drainConnBlocked();
        }
    }

    /**
     * Takes a MAX_STREAM_DATA frame (RFC 9000 §19.10); a lower limit is ignored.
     *
     * @throws QuicProtocolException STREAM_STATE_ERROR for a receive-only or not yet opened stream of ours,
     *     STREAM_LIMIT_ERROR past our limit
     */
    public void onMaxStreamData(long id, long max) throws QuicProtocolException {
        StreamEntry e = streamForFrame(id, ControlFrame.MAX_STREAM_DATA.typeCode(), false, true);
        if (e != null && e.send.onMaxStreamData(max)) {
            updateFlushable(e);
            if (maxStreamDataEvents && !e.maxDataEventQueued) {
                // Coalesced: one waits per stream at most, and reports the latest limit when polled.
                e.maxDataEventQueued = true;
                events.add(new StreamEvent.MaxStreamDataRaised(id, max));
            }
        }
    }

    /** Takes a MAX_STREAMS frame (RFC 9000 §19.11); a lower limit is ignored (§4.6). */
    public void onMaxStreams(boolean bidirectional, long max) {
        int dir = dir(bidirectional);
        if (max > peerMaxStreams[dir]) {
            long before = peerMaxStreams[dir];
            peerMaxStreams[dir] = max;
            releaseHeld(dir, before);
            if (openRefused[dir]) {
                openRefused[dir] = false;
                events.add(new StreamEvent.StreamsAvailable(bidirectional));
            }
            if (maxStreamsEvents && !maxStreamsEventQueued[dir]) {
                // Coalesced: one waits per direction at most, and reports the latest limit when polled.
                maxStreamsEventQueued[dir] = true;
                events.add(new StreamEvent.MaxStreamsRaised(bidirectional, max));
            }
        }
    }

    /**
     * Takes a DATA_BLOCKED frame (RFC 9000 §19.12): if our limit is already above the one the peer is
     * blocked at, our MAX_DATA was probably lost, so it is sent again.
     */
    public void onDataBlocked(long limit) {
        dataBlockedReceived++;
        if (connWindow.limit() > limit) {
            maxDataPending = true;
        }
    }

    /**
     * Takes a STREAM_DATA_BLOCKED frame (RFC 9000 §19.13), answered like {@link #onDataBlocked}.
     *
     * @throws QuicProtocolException STREAM_STATE_ERROR for a send-only or not yet opened stream of ours,
     *     STREAM_LIMIT_ERROR past our limit
     */
    public void onStreamDataBlocked(long id, long limit) throws QuicProtocolException {
        StreamEntry e = streamForFrame(id, ControlFrame.STREAM_DATA_BLOCKED.typeCode(), true, false);
        if (e != null && e.recv.isReceiving() && e.recv.window().limit() > limit) {
            e.maxStreamDataPending = true;
            queueControl(e);
        }
    }

    /** Takes a STREAMS_BLOCKED frame (RFC 9000 §19.14), answered like {@link #onDataBlocked}. */
    public void onStreamsBlocked(boolean bidirectional, long limit) {
        streamsBlockedReceived++;
        int dir = dir(bidirectional);
        if (localMaxStreams[dir] > limit) {
            maxStreamsPending[dir] = true;
        }
    }

    // ---------------------------------------------------------------- frames to send

    /** {@return true if {@link #writeFrames} has a control frame or stream data (within credit) to write} */
    public boolean hasPendingFrames() {
        pruneBlockedFrames();
        if (maxDataPending || maxStreamsPending[0] || maxStreamsPending[1] || dataBlockedPending
                || streamsBlockedPending[0] || streamsBlockedPending[1]) {
            return true;
        }
        // Drop entries that went stale at the heads of the queues, so that the answer is exact.
        while (!control.isEmpty() && !hasControl(control.peek())) {
            StreamEntry e = control.poll();
            e.inControl = false;
            maybeRemove(e);
        }
        while (!flushable.isEmpty() && !canFlush(flushable.peek())) {
            StreamEntry e = flushable.poll();
            e.inFlushable = false;
            park(e);
        }
        return !control.isEmpty() || (!flushable.isEmpty() && (!holdingNewData() || hasRetransmission()));
    }

    /**
     * Holds new stream data back until a packet's worth waits (the socket draft's MSG_MORE, the kernel's
     * {@code force_delay}): while corked, new data and FINs leave only in full packets; uncorking lets what waits go.
     * Retransmissions and control frames are never held.
     */
    public void setCorked(boolean corked) {
        this.corked = corked;
    }

    /** {@return whether new stream data is held back until a packet's worth waits} */
    public boolean isCorked() {
        return corked;
    }

    /**
     * Turns Nagle's algorithm on or off (the socket draft's {@code stream_data_nodelay} off or on): with it, while
     * stream data is in flight, new data smaller than a packet waits for the acknowledgements, as the kernel's
     * {@code quic_outq_delay_check} does.
     */
    public void setNagle(boolean on) {
        nagle = on;
    }

    /** {@return whether Nagle's algorithm holds small new data while data is in flight} */
    public boolean isNagle() {
        return nagle;
    }

    /** Sets the new data a full packet carries, which cork and Nagle's algorithm wait for; at least 1. */
    public void setFullPacket(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("a packet carries at least a byte: " + bytes);
        }
        fullPacket = bytes;
    }

    /** {@return true if new stream data waits for more (cork or Nagle) rather than leave in a small packet} */
    private boolean holdingNewData() {
        if (!corked && !(nagle && streamBytesInFlight > 0)) {
            return false;
        }
        long unsent = 0;
        for (StreamEntry e : flushable) {
            if (e.send != null) {
                unsent += e.send.newDataAllowed();
                if (unsent >= fullPacket) {
                    return false;
                }
            }
        }
        return Math.min(unsent, connCredit()) < fullPacket;
    }

    /** {@return true if a queued stream has bytes to send again} */
    private boolean hasRetransmission() {
        for (StreamEntry e : flushable) {
            if (e.send != null && e.send.hasRetransmission()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes as many frames as fit in {@code min(maxBytes, packet.remaining())} bytes at the packet's
     * position: control frames first (connection-level, then per stream), then STREAM frames taken
     * round-robin from the streams with data to send, one frame per stream per turn. STREAM frames always
     * carry a Length field, so the caller may put anything after them. Each frame is reported to
     * {@code sink}.
     *
     * @return the bytes written
     */
    public int writeFrames(ByteBuffer packet, int maxBytes, SentFrameSink sink, long now) {
        int start = packet.position();
        int end = start + Math.min(maxBytes, packet.remaining());
        writeConnectionControl(packet, end, sink, now);
        writeStreamControl(packet, end, sink, now);
        writeStreamData(packet, end, sink);
        if (fileFailed) {
            // A stream reset as its file failed: its RESET_STREAM goes in this packet if it fits.
            fileFailed = false;
            writeStreamControl(packet, end, sink, now);
        }
        return packet.position() - start;
    }

    /** Drops blocked frames made moot since they were queued: a raised limit, or nothing left waiting. */
    private void pruneBlockedFrames() {
        if (dataBlockedPending && (connCredit() > 0 || dataBlockedReportedAt != peerMaxData)) {
            dataBlockedPending = false;
        }
        for (int dir = 0; dir < 2; dir++) {
            if (streamsBlockedPending[dir] && (nextLocalIndex[dir] < peerMaxStreams[dir]
                    || streamsBlockedReportedAt[dir] != peerMaxStreams[dir])) {
                streamsBlockedPending[dir] = false;
            }
        }
    }

    private void writeConnectionControl(ByteBuffer packet, int end, SentFrameSink sink, long now) {
        pruneBlockedFrames();
        if (maxDataPending && room(packet, end) >= 1 + 8) {
            long value = connWindow.shouldUpdate() ? connWindow.update(now, smoothedRttNanos) : connWindow.limit();
            putFrame(packet, ControlFrame.MAX_DATA, -1, value, -1);
            sink.controlFrame(ControlFrame.MAX_DATA, -1, value);
            maxDataPending = false;
        }
        for (int dir = 0; dir < 2; dir++) {
            ControlFrame kind = dir == 0 ? ControlFrame.MAX_STREAMS_BIDI : ControlFrame.MAX_STREAMS_UNI;
            long value = localMaxStreams[dir];
            if (maxStreamsPending[dir] && fits(packet, end, 1 + VarInt.size(value))) {
                putFrame(packet, kind, -1, value, -1);
                sink.controlFrame(kind, -1, value);
                maxStreamsPending[dir] = false;
            }
        }
        if (dataBlockedPending) {
            if (fits(packet, end, 1 + VarInt.size(peerMaxData))) {
                putFrame(packet, ControlFrame.DATA_BLOCKED, -1, peerMaxData, -1);
                sink.controlFrame(ControlFrame.DATA_BLOCKED, -1, peerMaxData);
                dataBlockedPending = false;
            }
        }
        for (int dir = 0; dir < 2; dir++) {
            if (!streamsBlockedPending[dir]) {
                continue;
            }
            ControlFrame kind = dir == 0 ? ControlFrame.STREAMS_BLOCKED_BIDI : ControlFrame.STREAMS_BLOCKED_UNI;
            long value = peerMaxStreams[dir];
            if (fits(packet, end, 1 + VarInt.size(value))) {
                putFrame(packet, kind, -1, value, -1);
                sink.controlFrame(kind, -1, value);
                streamsBlockedPending[dir] = false;
            }
        }
    }

    private void writeStreamControl(ByteBuffer packet, int end, SentFrameSink sink, long now) {
        for (int turns = control.size(); turns > 0 && !control.isEmpty(); turns--) {
            StreamEntry e = control.poll();
            e.inControl = false;
            if (e.removed || !hasControl(e)) {
                maybeRemove(e);
                continue;
            }
            long id = e.id;
            int idSize = VarInt.size(id);
            if (e.resetPending) {
                long code = e.send.resetCode();
                long finalSize = e.send.finalSize();
                if (fits(packet, end, 1 + idSize + VarInt.size(code) + VarInt.size(finalSize))) {
                    putFrame(packet, ControlFrame.RESET_STREAM, id, code, finalSize);
                    sink.controlFrame(ControlFrame.RESET_STREAM, id, code);
                    e.resetPending = false;
                }
            }
            if (e.stopSendingPending) {
                long code = e.stopSendingCode;
                if (fits(packet, end, 1 + idSize + VarInt.size(code))) {
                    putFrame(packet, ControlFrame.STOP_SENDING, id, code, -1);
                    sink.controlFrame(ControlFrame.STOP_SENDING, id, code);
                    e.stopSendingPending = false;
                }
            }
            if (e.maxStreamDataPending && room(packet, end) >= 1 + idSize + 8) {
                RecvStream r = e.recv;
                long value = r.wantsWindowUpdate() ? updateStreamWindow(r, now) : r.window().limit();
                putFrame(packet, ControlFrame.MAX_STREAM_DATA, id, value, -1);
                sink.controlFrame(ControlFrame.MAX_STREAM_DATA, id, value);
                e.maxStreamDataPending = false;
            }
            if (e.streamDataBlockedPending) {
                long value = e.send.blockedAt();
                if (fits(packet, end, 1 + idSize + VarInt.size(value))) {
                    putFrame(packet, ControlFrame.STREAM_DATA_BLOCKED, id, value, -1);
                    sink.controlFrame(ControlFrame.STREAM_DATA_BLOCKED, id, value);
                    e.streamDataBlockedPending = false;
                    e.send.onBlockedSent();
                }
            }
            if (hasControl(e)) {
                queueControl(e);
            } else {
                maybeRemove(e);
            }
        }
    }

    private long updateStreamWindow(RecvStream r, long now) {
        long limit = r.updateWindow(now, smoothedRttNanos);
        // As quiche does: keep the connection window ahead of any one stream's, so a single stream can use
        // its whole window.
        long wanted = r.window().window() + r.window().window() / 2;
        if (wanted > connWindow.window()) {
            connWindow.ensureWindow(wanted);
            if (connWindow.shouldUpdate()) {
                maxDataPending = true;
            }
        }
        return limit;
    }

    private void writeStreamData(ByteBuffer packet, int end, SentFrameSink sink) {
        if (holdingNewData()) {
            writeRetransmissions(packet, end, sink);
            return;
        }
        while (!flushable.isEmpty()) {
            StreamEntry e = flushable.poll();
            e.inFlushable = false;
            if (!canFlush(e)) {
                park(e);
                continue;
            }
            if (!writeStreamFrame(e, packet, end, sink)) {
                // No room left for this stream's next frame.
                flushable.addFirst(e);
                e.inFlushable = true;
                break;
            }
            updateFlushable(e);
        }
        if (connCredit() == 0) {
            // The connection credit ran out: streams that only have new data wait for MAX_DATA apart.
            for (int turns = flushable.size(); turns > 0; turns--) {
                StreamEntry e = flushable.poll();
                e.inFlushable = false;
                updateFlushable(e);
            }
        }
    }

    /** While new data is held back: only what is sent again leaves, each stream keeping its place in the queue. */
    private void writeRetransmissions(ByteBuffer packet, int end, SentFrameSink sink) {
        for (int turns = flushable.size(); turns > 0; turns--) {
            StreamEntry e = flushable.poll();
            boolean room = true;
            while (room && e.send != null && !e.removed && e.send.hasRetransmission()) {
                room = writeStreamFrame(e, packet, end, sink);
            }
            flushable.add(e);
            if (!room) {
                break;
            }
        }
    }

    private boolean writeStreamFrame(StreamEntry e, ByteBuffer packet, int end, SentFrameSink sink) {
        SendStream s = e.send;
        SendBuffer b = s.buffer();
        long offset = b.nextSendOffset();
        long dataEnd;
        boolean newData = false;
        if (offset >= 0 && offset < b.sendOffset()) {
            dataEnd = b.nextSendEnd();
        } else if (offset >= 0 && s.newDataAllowed() > 0 && connCredit() > 0) {
            dataEnd = Math.min(offset + s.newDataAllowed(), offset + connCredit());
            newData = true;
        } else if (s.finOnlyPending()) {
            offset = b.writeOffset();
            dataEnd = offset;
        } else {
            // canFlush promised one of the three cases above; going on would spin.
            throw new IllegalStateException("stream " + e.id + " queued with nothing to send: " + s);
        }
        int room = room(packet, end);
        int want = (int) Math.min(dataEnd - offset, room);
        int header = FrameEncoder.streamHeaderLength(e.id, offset, want, true);
        long available = dataEnd - offset;
        if (header + (available > 0 ? 1 : 0) > room) {
            return false;
        }
        int length = (int) Math.min(available, room - header);
        boolean fin = s.isFinished() && offset + length == s.finalSize();
        int frameStart = packet.position();
        FrameEncoder.writeStreamHeader(packet, e.id, offset, length, fin, true);
        try {
            b.write(packet, offset, length);
        } catch (UncheckedIOException failure) {
            // A file region the application closed or truncated: the frame is taken back and the stream reset.
            packet.position(frameStart);
            failFileStream(e, failure);
            return true;
        }
        long sentBefore = b.sendOffset();
        s.onFrameSent(offset, length, fin);
        if (newData) {
            connSent += b.sendOffset() - sentBefore;
        }
        sink.streamFrame(e.id, offset, length, fin);
        streamBytesInFlight += length;
        return true;
    }

    /**
     * Resets stream {@code e}'s sending part because a file region queued on it could not be read: RESET_STREAM
     * with {@link #FILE_UNREADABLE} goes to the peer, the application's next write says why.
     */
    private void failFileStream(StreamEntry e, UncheckedIOException failure) {
        long held = e.send.buffer().held();
        if (e.send.resetForFile(FILE_UNREADABLE, failure.getMessage())) {
            stopWaiting(e, held);
            if (e.writeBlocked) {
                // A writer waiting for room hears of the reset at once.
                e.writeBlocked = false;
                queueWritable(e);
            }
            e.resetPending = true;
            queueControl(e);
            fileFailed = true;
        }
    }

    // ---------------------------------------------------------------- fate of sent frames

    /** Records that a STREAM frame was acknowledged; may free send-buffer room and close the stream. */
    public void onStreamFrameAcked(long id, long offset, int length, boolean fin) {
        streamBytesInFlight = Math.max(0, streamBytesInFlight - length);
        StreamEntry e = streams.get(id);
        if (e == null || e.send == null) {
            return;
        }
        long held = e.send.buffer().held();
        SendStreamState was = e.send.state();
        if (e.send.onFrameAcked(offset, length, fin)) {
            if (e.writeBlocked) {
                e.writeBlocked = false;
                queueWritable(e);
            }
            accountSend(e, held, e.sendWaiting);
        }
        if (stateEvents && was != SendStreamState.DATA_RECVD && e.send.state() == SendStreamState.DATA_RECVD) {
            // RFC 9000 §3.1: all data and the FIN acknowledged, Data Recvd.
            events.add(new StreamEvent.DataAcknowledged(id));
        }
        maybeRemove(e);
    }

    /** Records that a STREAM frame was lost: its unacknowledged bytes and FIN are queued again. */
    public void onStreamFrameLost(long id, long offset, int length, boolean fin) {
        streamBytesInFlight = Math.max(0, streamBytesInFlight - length);
        StreamEntry e = streams.get(id);
        if (e == null || e.send == null) {
            return;
        }
        e.send.onFrameLost(offset, length, fin);
        updateFlushable(e);
    }

    /** Records that a control frame was acknowledged (a RESET_STREAM moves its stream to Reset Recvd). */
    public void onControlFrameAcked(ControlFrame kind, long id, long value) {
        if (kind == ControlFrame.RESET_STREAM) {
            StreamEntry e = streams.get(id);
            if (e != null && e.send != null) {
                SendStream s = e.send;
                SendStreamState was = s.state();
                s.onResetAcked();
                if (stateEvents && was == SendStreamState.RESET_SENT && s.state() == SendStreamState.RESET_RECVD) {
                    // RFC 9000 §3.1: our RESET_STREAM acknowledged, Reset Recvd.
                    events.add(new StreamEvent.ResetAcknowledged(id, s.resetCode(), s.finalSize()));
                }
                maybeRemove(e);
            }
        }
    }

    /**
     * Records that a control frame was lost: it is queued again, with the current value, if it still
     * matters (RFC 9000 §13.3: a newer MAX_* frame supersedes a lost one; blocked frames only while blocked).
     */
    public void onControlFrameLost(ControlFrame kind, long id, long value) {
        switch (kind) {
            case MAX_DATA -> maxDataPending |= value == connWindow.limit();
            case MAX_STREAMS_BIDI -> maxStreamsPending[0] |= value == localMaxStreams[0];
            case MAX_STREAMS_UNI -> maxStreamsPending[1] |= value == localMaxStreams[1];
            case DATA_BLOCKED -> dataBlockedPending |= connCredit() == 0 && value == peerMaxData;
            case STREAMS_BLOCKED_BIDI -> streamsBlockedPending[0] |= nextLocalIndex[0] >= value
                    && value == peerMaxStreams[0];
            case STREAMS_BLOCKED_UNI -> streamsBlockedPending[1] |= nextLocalIndex[1] >= value
                    && value == peerMaxStreams[1];
            case RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA, STREAM_DATA_BLOCKED -> {
                StreamEntry e = streams.get(id);
                if (e == null) {
                    return;
                }
                switch (kind) {
                    case RESET_STREAM -> e.resetPending |= e.send != null
                            && e.send.state() == SendStreamState.RESET_SENT;
                    case STOP_SENDING -> e.stopSendingPending |= stopSendingRelevant(e);
                    case MAX_STREAM_DATA -> e.maxStreamDataPending |= e.recv != null && e.recv.isReceiving()
                            && value == e.recv.window().limit();
                    default -> e.streamDataBlockedPending |= e.send != null && e.send.blockedAt() == value;
                }
                if (hasControl(e)) {
                    queueControl(e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- internals

    private static int dir(boolean bidirectional) {
        return bidirectional ? 0 : 1;
    }

    private StreamEntry existing(long id) {
        StreamEntry e = streams.get(id);
        if (e == null) {
            throw new IllegalStateException("unknown stream " + id);
        }
        return e;
    }

    private static void checkVarint(long value) {
        if (value < 0 || value > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("not a varint: " + value);
        }
    }

    /**
     * Finds the stream a frame names, opening the peer's streams up to it (RFC 9000 §3.2), or null if it
     * was closed and forgotten.
     */
    private StreamEntry streamForFrame(long id, long frameType, boolean needsRecv, boolean needsSend)
            throws QuicProtocolException {
        if (needsRecv && !StreamId.canReceive(id, role)) {
            // RFC 9000 §19.4, §19.8, §19.13: frames for the receiving part of a send-only stream.
            throw new QuicProtocolException(TransportErrorCode.STREAM_STATE_ERROR, frameType,
                    "stream " + id + " is send-only for us");
        }
        if (needsSend && !StreamId.canSend(id, role)) {
            // RFC 9000 §19.5, §19.10: frames for the sending part of a receive-only stream.
            throw new QuicProtocolException(TransportErrorCode.STREAM_STATE_ERROR, frameType,
                    "stream " + id + " is receive-only for us");
        }
        boolean bidi = StreamId.isBidirectional(id);
        int dir = dir(bidi);
        long index = StreamId.index(id);
        if (StreamId.isInitiatedBy(id, role)) {
            if (index >= nextLocalIndex[dir]) {
                // RFC 9000 §19.4/§19.5/§19.8/§19.10: a locally initiated stream not yet created.
                throw new QuicProtocolException(TransportErrorCode.STREAM_STATE_ERROR, frameType,
                        "stream " + id + " not opened yet");
            }
            return streams.get(id);
        }
        if (index >= localMaxStreams[dir]) {
            // RFC 9000 §4.6: a stream ID past the limit we sent.
            throw new QuicProtocolException(TransportErrorCode.STREAM_LIMIT_ERROR, frameType,
                    "stream " + id + " exceeds the stream limit " + localMaxStreams[dir]);
        }
        if (index >= nextPeerIndex[dir]) {
            // RFC 9000 §3.2: opening a stream opens every lower-numbered stream of the same type.
            for (long i = nextPeerIndex[dir]; i <= index; i++) {
                long opened = StreamId.of(role.peer(), bidi, i);
                createEntry(opened);
                events.add(new StreamEvent.Opened(opened));
            }
            nextPeerIndex[dir] = index + 1;
        }
        return streams.get(id);
    }

    private StreamEntry createEntry(long id) {
        boolean local = StreamId.isInitiatedBy(id, role);
        boolean bidi = StreamId.isBidirectional(id);
        SendStream send = null;
        RecvStream recv = null;
        if (StreamId.canSend(id, role)) {
            send = new SendStream(id, config.sendBufferSize(), initialSendCredit(id));
        }
        if (StreamId.canReceive(id, role)) {
            long window = local ? config.initialMaxStreamDataBidiLocal()
                    : bidi ? config.initialMaxStreamDataBidiRemote() : config.initialMaxStreamDataUni();
            recv = new RecvStream(id, window, config.maxStreamWindow(), config.maxReassemblyRanges());
        }
        StreamEntry e = new StreamEntry(id, send, recv, !local);
        streams.put(id, e);
        return e;
    }

    /** The peer's initial limit for our sending on stream {@code id} (RFC 9000 §18.2). */
    private long initialSendCredit(long id) {
        if (!StreamId.isBidirectional(id)) {
            return peerMaxStreamDataUni;
        }
        // The peer's bidi_local covers the streams it opened; its bidi_remote those we opened.
        return StreamId.isInitiatedBy(id, role) ? peerMaxStreamDataBidiRemote : peerMaxStreamDataBidiLocal;
    }

    private void onReceived(long grew, long frameType) throws QuicProtocolException {
        connReceived += grew;
        if (connReceived > connWindow.limit()) {
            // RFC 9000 §4.1: more data than the MAX_DATA we sent.
            throw new QuicProtocolException(TransportErrorCode.FLOW_CONTROL_ERROR, frameType,
                    "connection data past its limit " + connWindow.limit());
        }
    }

    private void onConsumed(long bytes) {
        if (bytes > 0) {
            connWindow.consume(bytes);
            if (connWindow.shouldUpdate()) {
                maxDataPending = true;
            }
        }
    }

    private long connCredit() {
        return peerMaxData - connSent;
    }

    private boolean canFlush(StreamEntry e) {
        if (e.removed || e.send == null || heldBack(e)) {
            return false;
        }
        SendStream s = e.send;
        return s.hasRetransmission() || s.finOnlyPending() || (s.newDataAllowed() > 0 && connCredit() > 0);
    }

    /** Puts a stream in the right send queue, or none, and queues the blocked frames its state calls for. */
    private void updateFlushable(StreamEntry e) {
        if (e.send == null || e.removed) {
            return;
        }
        if (canFlush(e)) {
            if (!e.inFlushable) {
                e.inFlushable = true;
                flushable.add(e);
            }
        } else {
            park(e);
        }
        SendStream s = e.send;
        if (s.takeBlockedReport()) {
            // RFC 9000 §4.1: STREAM_DATA_BLOCKED when the stream limit stops us, once per limit.
            e.streamDataBlockedPending = true;
            queueControl(e);
        }
        if (s.newDataAllowed() > 0 && connCredit() == 0 && dataBlockedReportedAt != peerMaxData) {
            // RFC 9000 §4.1: DATA_BLOCKED when the connection limit stops us, once per limit.
            dataBlockedReportedAt = peerMaxData;
            dataBlockedPending = true;
        }
    }

    /** Keeps a stream whose only sendable data waits on connection credit where MAX_DATA will find it. */
    private void park(StreamEntry e) {
        if (!e.removed && e.send != null && !e.inConnBlocked && e.send.newDataAllowed() > 0 && connCredit() == 0) {
            e.inConnBlocked = true;
            connBlocked.add(e);
        }
    }

    private void drainConnBlocked() {
        if (connCredit() <= 0) {
            return;
        }
        for (int turns = connBlocked.size(); turns > 0; turns--) {
            StreamEntry e = connBlocked.poll();
            e.inConnBlocked = false;
            updateFlushable(e);
        }
    }

    private static boolean stopSendingRelevant(StreamEntry e) {
        RecvStreamState st = e.recv.state();
        return st == RecvStreamState.RECV || st == RecvStreamState.SIZE_KNOWN;
    }

    /** Clears the per-stream frames that no longer matter; {@return true if one is still due} */
    private boolean hasControl(StreamEntry e) {
        if (e.removed) {
            return false;
        }
        if (heldBack(e)) {
            // Kept for when the limit covers the stream (releaseHeld), but nothing is due now.
            return false;
        }
        e.resetPending &= e.send != null && e.send.state() == SendStreamState.RESET_SENT;
        e.stopSendingPending &= e.recv != null && stopSendingRelevant(e);
        e.maxStreamDataPending &= e.recv != null && e.recv.isReceiving();
        e.streamDataBlockedPending &= e.send != null && e.send.blockedAt() >= 0;
        return e.resetPending || e.stopSendingPending || e.maxStreamDataPending || e.streamDataBlockedPending;
    }

    private void queueControl(StreamEntry e) {
        if (!e.inControl && !e.removed) {
            e.inControl = true;
            control.add(e);
        }
    }

    private void queueWritable(StreamEntry e) {
        if (!e.writableQueued) {
            e.writableQueued = true;
            events.add(new StreamEvent.Writable(e.id));
        }
    }

    private void queueReadable(StreamEntry e) {
        linkReadable(e);
        if (!e.readableQueued) {
            e.readableQueued = true;
            events.add(new StreamEvent.Readable(e.id));
        }
    }

    /** Puts {@code e} at the end of the readable streams, unless it is among them already. */
    private void linkReadable(StreamEntry e) {
        if (e.inReadable || e.removed) {
            return;
        }
        e.inReadable = true;
        e.readablePrev = readableTail;
        if (readableTail == null) {
            readableHead = e;
        } else {
            readableTail.readableNext = e;
        }
        readableTail = e;
    }

    private void unlinkReadable(StreamEntry e) {
        if (!e.inReadable) {
            return;
        }
        e.inReadable = false;
        if (e.readablePrev == null) {
            readableHead = e.readableNext;
        } else {
            e.readablePrev.readableNext = e.readableNext;
        }
        if (e.readableNext == null) {
            readableTail = e.readablePrev;
        } else {
            e.readableNext.readablePrev = e.readablePrev;
        }
        e.readablePrev = null;
        e.readableNext = null;
    }

    /** Forgets a stream once both parts are terminal and no frame of it is due (RFC 9000 §3.3). */
    private void maybeRemove(StreamEntry e) {
        if (e.removed || e.inControl) {
            return;
        }
        boolean sendDone = e.send == null || e.send.state().isTerminal();
        boolean recvDone = e.recv == null || e.recv.state().isTerminal();
        if (!sendDone || !recvDone || hasControl(e)) {
            return;
        }
        unlinkReadable(e);
        e.removed = true;
        streams.remove(e.id);
        if (e.sendWaiting) {
            stopWaiting(e, e.send.buffer().held());
        }
        if (e.inConnBlocked) {
            // That queue is only drained by MAX_DATA, which may never come: do not let it keep the stream.
            connBlocked.remove(e);
            e.inConnBlocked = false;
        }
        events.add(new StreamEvent.Closed(e.id));
        if (e.peerInitiated) {
            // RFC 9000 §4.6: raise the peer's limit as its streams close, keeping the initial number open.
            int dir = dir(StreamId.isBidirectional(e.id));
            closedPeerStreams[dir]++;
            long initial = dir == 0 ? config.initialMaxStreamsBidi() : config.initialMaxStreamsUni();
            long limit = Math.min(MAX_STREAMS, closedPeerStreams[dir] + initial);
            if (limit > localMaxStreams[dir]) {
                localMaxStreams[dir] = limit;
                maxStreamsPending[dir] = true;
            }
        }
    }

    private static int room(ByteBuffer packet, int end) {
        return end - packet.position();
    }

    private static boolean fits(ByteBuffer packet, int end, int length) {
        return room(packet, end) >= length;
    }

    /** Writes a control frame: the type, the stream ID if it has one, then one or two values. */
    private static void putFrame(ByteBuffer packet, ControlFrame kind, long id, long value, long second) {
        if (kind.hasStreamId()) {
            FrameEncoder.writeStreamControl(packet, kind.typeCode(), id, value, second);
        } else {
            FrameEncoder.writeConnectionLimit(packet, kind.typeCode(), value);
        }
    }

    /**
     * {@return whether a stream has something to read (data, its end, or a reset)} What {@link #readableNext} would
     * find, without taking a stream's turn: for a selector asking whether a receive would return at once.
     */
    public boolean hasReadable() {
        return readableHead != null;
    }

    /**
     * {@return whether the bytes queued on all streams are below the connection's send bound, so that a write may
     * take some} For a selector asking whether a send would take anything now; a stream's own bound and the
     * fair share among waiting streams may still hold a particular write back.
     */
    public boolean belowSendBound() {
        return sendBuffered < config.connectionSendBufferSize();
    }
}
