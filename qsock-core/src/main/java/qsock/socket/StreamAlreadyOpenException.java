package qsock.socket;

/**
 * {@link StreamFlags#NEW} named a stream that is in use already: data was sent on it, or it is the stream opened last
 * and not yet finished, which a send with stream ID -1 and {@code NEW} names (the kernel's {@code EINVAL}). Finish or
 * reset that stream first, or name the next one.
 */
public final class StreamAlreadyOpenException extends StreamStateException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** @param streamId the stream in use */
    public StreamAlreadyOpenException(long streamId) {
        super(streamId, "stream " + streamId + " is open already: StreamFlags.NEW opens a new stream only");
    }
}
