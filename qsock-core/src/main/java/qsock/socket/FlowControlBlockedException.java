package qsock.socket;

/**
 * A send that must not wait took nothing because the stream's data waits for the peer's flow control credit
 * (MAX_STREAM_DATA or MAX_DATA, RFC 9000 §4.1): the kernel's {@code ENOSPC}, which tells a scheduler to serve another
 * stream meanwhile. {@link QuicEvent.MaxStreamData} tells when the peer raises a stream's limit. A subclass of
 * {@link WouldBlockException}, as the kernel reports {@code EAGAIN} where it has no stream to name.
 */
public final class FlowControlBlockedException extends WouldBlockException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final long streamId;

    /**
     * @param streamId the stream
     * @param connection true if the connection's limit (MAX_DATA) holds it back, false for the stream's own
     */
    public FlowControlBlockedException(long streamId, boolean connection) {
        super("stream " + streamId + " is blocked by the peer's " + (connection ? "connection" : "stream")
                + " flow control limit");
        this.streamId = streamId;
    }

    /** {@return the stream} */
    public long streamId() {
        return streamId;
    }
}
