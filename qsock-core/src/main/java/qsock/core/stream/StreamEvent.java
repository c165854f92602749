package qsock.core.stream;

/**
 * Something the application may want to act on, from {@link StreamManager#pollEvent()}. Readable and
 * writable events are not repeated while one for the same stream waits in the queue, so the queue holds
 * at most a few events per open stream. They are edge-triggered: after a {@link Readable}, read until
 * {@link StreamManager#read} returns 0 or -1; the next one comes when more arrives.
 */
public sealed interface StreamEvent {

    /** {@return the stream concerned, or -1 for {@link StreamsAvailable}} */
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
}
