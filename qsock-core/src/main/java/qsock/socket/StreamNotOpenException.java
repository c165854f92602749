package qsock.socket;

/**
 * A call named a stream that is not open yet: a send to a stream of ours without {@link StreamFlags#NEW}, which alone
 * opens one (a stream is opened on purpose, never by a typo in its ID), a reset of one, or a call on a stream of the
 * peer's it has not opened (the kernel's {@code EINVAL} from {@code quic_stream_get}).
 */
public final class StreamNotOpenException extends StreamStateException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** @param streamId the stream that is not open */
    public StreamNotOpenException(long streamId) {
        super(streamId, "stream " + streamId + " is not open: send with StreamFlags.NEW to open it");
    }

    /**
     * @param streamId the stream that is not open
     * @param message why, where the peer is the one to open it
     */
    public StreamNotOpenException(long streamId, String message) {
        super(streamId, message);
    }
}
