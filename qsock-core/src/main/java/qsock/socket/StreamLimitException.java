package qsock.socket;

/**
 * Opening the stream would pass the peer's limit on the streams we may open (RFC 9000 §4.6), and the call must not
 * wait: the kernel's {@code EAGAIN} from a send with {@link StreamFlags#NEW} or {@code STREAM_OPEN} with
 * {@link StreamFlags#DONTWAIT}. {@link QuicEvent.MaxStreams} tells when the peer raises the limit.
 */
public final class StreamLimitException extends WouldBlockException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final long streamId;
    private final long maxStreams;

    /**
     * @param streamId the stream that could not be opened
     * @param maxStreams the peer's limit on streams of its direction
     */
    public StreamLimitException(long streamId, long maxStreams) {
        super("stream " + streamId + " is beyond the peer's limit of " + maxStreams + " "
                + (StreamIds.isBidirectional(streamId) ? "bidirectional" : "unidirectional") + " streams");
        this.streamId = streamId;
        this.maxStreams = maxStreams;
    }

    /** {@return the stream that could not be opened} */
    public long streamId() {
        return streamId;
    }

    /** {@return the peer's limit on streams of that direction, when the call was refused} */
    public long maxStreams() {
        return maxStreams;
    }
}
