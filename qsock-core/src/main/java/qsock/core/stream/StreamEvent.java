package qsock.core.stream;

/**
 * Something the application may want to act on, from {@link StreamManager#pollEvent()}. Readable and
 * writable events are not repeated while one for the same stream waits in the queue, so the queue holds
 * at most a few events per open stream. They are edge-triggered: after a {@link Readable}, read until
 * {@link StreamManager#read} returns 0 or -1; the next one comes when more arrives. The {@link Notification}s
 * come only when asked for ({@link StreamManager#setStateEvents}), and keep that bound.
 */
public sealed interface StreamEvent {

    /** {@return the stream concerned, or -1 for {@link StreamsAvailable} and {@link MaxStreamsRaised}} */
    long streamId();

    /** The peer opened stream {@code streamId} (directly or by opening a later one, RFC 9000 §3.2). */
    record Opened(long streamId) implements StreamEvent {}

    /** Stream {@code streamId} has data, its end, or a reset to read. */
    record Readable(long streamId) implements StreamEvent {}

    /**
     * Room freed for stream {@code streamId} after a write was refused in part: in its send buffer, or in the
     * connection's bound on what all streams queue.
     */
    record Writable(long streamId) implements StreamEvent {}

    /** The peer reset its sending part of stream {@code streamId} (RESET_STREAM). */
    record ResetReceived(long streamId, long errorCode, long finalSize) implements StreamEvent {}

    /**
     * The peer asked us to stop sending on stream {@code streamId} (STOP_SENDING); we reset our sending
     * part with the same code (RFC 9000 §3.5).
     */
    record StopSendingReceived(long streamId, long errorCode) implements StreamEvent {}

    /** Both parts of stream {@code streamId} reached a terminal state; the stream is forgotten. */
    record Closed(long streamId) implements StreamEvent {}

    /**
     * The peer raised its stream limit after {@link StreamManager#openStream} returned -1: streams of
     * this direction can be opened again.
     */
    record StreamsAvailable(boolean bidirectional) implements StreamEvent {
        @Override
        public long streamId() {
            return -1;
        }
    }

    /**
     * The notifications an application asks for with {@link StreamManager#setStateEvents} (the socket draft's
     * QUIC_EVENT_STREAM_UPDATE states, QUIC_EVENT_STREAM_MAX_DATA and QUIC_EVENT_STREAM_MAX_STREAM, §6): none is
     * generated unless enabled, so a consumer that never enables them may pass over them all with one case.
     */
    sealed interface Notification extends StreamEvent
            permits DataAcknowledged, ResetAcknowledged, FirstDataReceived, SizeKnown, AllDataReceived,
            MaxStreamDataRaised, MaxStreamsRaised {}

    /**
     * The sending part of stream {@code streamId} reached Data Recvd (RFC 9000 §3.1): the peer acknowledged all its
     * data and the FIN; the socket draft's QUIC_STREAM_SEND_STATE_RECVD. Comes with the last acknowledgement, not
     * before.
     */
    record DataAcknowledged(long streamId) implements Notification {}

    /**
     * The sending part of stream {@code streamId} reached Reset Recvd (RFC 9000 §3.1): the peer acknowledged our
     * RESET_STREAM; the socket draft's QUIC_STREAM_SEND_STATE_RESET_RECVD.
     *
     * @param errorCode the application error code our RESET_STREAM carried
     * @param finalSize the final size it declared (RFC 9000 §4.5)
     */
    record ResetAcknowledged(long streamId, long errorCode, long finalSize) implements Notification {}

    /**
     * The first data (or a FIN) of the receiving part of stream {@code streamId} arrived: it is in Recv (RFC 9000
     * §3.2) with something received; the socket draft's QUIC_STREAM_RECV_STATE_RECV. Once per stream, before the
     * {@link SizeKnown} or {@link AllDataReceived} the same frame may bring.
     */
    record FirstDataReceived(long streamId) implements Notification {}

    /**
     * A STREAM frame with the FIN bit fixed the final size of stream {@code streamId} while data before it is still
     * missing: the receiving part is in Size Known (RFC 9000 §3.2); the socket draft's
     * QUIC_STREAM_RECV_STATE_SIZE_KNOWN. Only for a FIN that arrives out of order: an in-order FIN completes the
     * data at once and brings {@link AllDataReceived} alone.
     */
    record SizeKnown(long streamId, long finalSize) implements Notification {}

    /**
     * Every byte of stream {@code streamId} up to its final size was received, not necessarily read: the receiving
     * part is in Data Recvd (RFC 9000 §3.2); the socket draft's QUIC_STREAM_RECV_STATE_RECVD.
     */
    record AllDataReceived(long streamId, long finalSize) implements Notification {}

    /**
     * A MAX_STREAM_DATA frame (RFC 9000 §19.10) raised the peer's limit on what we may send on stream
     * {@code streamId} to {@code maxData}; the socket draft's QUIC_EVENT_STREAM_MAX_DATA. Coalesced: while one waits
     * in the queue for a stream, later raises only update the limit it reports when polled, the latest.
     */
    record MaxStreamDataRaised(long streamId, long maxData) implements Notification {}

    /**
     * A MAX_STREAMS frame (RFC 9000 §19.11) raised the peer's limit on the streams of one direction we may open, to
     * {@code maxStreams} (a count: stream indexes below it may be opened); the socket draft's
     * QUIC_EVENT_STREAM_MAX_STREAM. Every raise, whether or not an open was refused (which {@link StreamsAvailable}
     * also reports). Coalesced per direction as {@link MaxStreamDataRaised} is per stream.
     */
    record MaxStreamsRaised(boolean bidirectional, long maxStreams) implements Notification {
        @Override
        public long streamId() {
            return -1;
        }
    }
}
