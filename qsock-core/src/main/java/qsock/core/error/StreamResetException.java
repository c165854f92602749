package qsock.core.error;

import java.io.IOException;

/**
 * A stream operation failed because the stream was reset: the peer sent RESET_STREAM (on a read), or the
 * peer's STOP_SENDING made us reset our sending part (on a write). Carries the application error code.
 */
public final class StreamResetException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final long streamId;
    private final long errorCode;

    /**
     * @param streamId the stream
     * @param errorCode the application protocol error code of the RESET_STREAM or STOP_SENDING frame
     */
    public StreamResetException(long streamId, long errorCode) {
        super("stream " + streamId + " reset with application error code " + errorCode);
        this.streamId = streamId;
        this.errorCode = errorCode;
    }

    /** {@return the stream} */
    public long streamId() {
        return streamId;
    }

    /** {@return the application protocol error code} */
    public long errorCode() {
        return errorCode;
    }
}
