package qsock.socket;

import java.io.IOException;

/**
 * A stream call was refused because of the stream's state, where the kernel's QUIC socket fails with {@code EINVAL}
 * (or {@code ENOSTR} for a stream already closed): see the subclasses for each case. The connection is unharmed and
 * nothing was sent.
 */
public class StreamStateException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final long streamId;

    /**
     * @param streamId the stream the call named
     * @param message what was refused and why
     */
    public StreamStateException(long streamId, String message) {
        super(message);
        this.streamId = streamId;
    }

    /** {@return the stream the refused call named} */
    public long streamId() {
        return streamId;
    }
}
