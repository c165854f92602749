package qsock.socket;

import java.io.IOException;

/**
 * The connection does not know the stream a call named: the peer has not opened it yet, we have not opened it, or it
 * ended and was forgotten (RFC 9000 §3.3, both parts in a terminal state). The kernel module answers such a stream ID
 * with EINVAL (not opened) or ENOSTR (closed); qsock cannot always tell the two apart once a stream is forgotten, so
 * it has this one exception for both. {@link QuicSocket#peelOff} throws it.
 */
public final class UnknownStreamException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final long streamId;

    /**
     * @param streamId the stream
     * @param message what the stream is not
     */
    public UnknownStreamException(long streamId, String message) {
        super(message);
        this.streamId = streamId;
    }

    /** {@return the stream the call named} */
    public long streamId() {
        return streamId;
    }
}
