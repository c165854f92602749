package qsock.socket;

/**
 * A send or stream control named a stream whose sending part is over: its FIN was sent, we reset it, or it was
 * closed and forgotten (the kernel's {@code EINVAL} for a finished or reset stream, {@code ENOSTR} for a forgotten
 * one). A stream the peer's STOP_SENDING reset is reported by {@link qsock.core.error.StreamResetException} instead,
 * which carries the peer's code.
 */
public final class StreamClosedException extends StreamStateException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param streamId the stream
     * @param why what ended it
     */
    public StreamClosedException(long streamId, String why) {
        super(streamId, "stream " + streamId + " is closed: " + why);
    }
}
