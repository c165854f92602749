package qsock.core.frame;

/**
 * RESET_STREAM (RFC 9000 §19.4): the sender abruptly ends the sending part of a stream.
 *
 * @param streamId the stream being terminated
 * @param applicationProtocolErrorCode why, in the application protocol's error space
 * @param finalSize the final size of the stream in bytes
 */
public record ResetStreamFrame(long streamId, long applicationProtocolErrorCode, long finalSize) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public ResetStreamFrame {
        FrameChecks.varint(streamId, "streamId");
        FrameChecks.varint(applicationProtocolErrorCode, "applicationProtocolErrorCode");
        FrameChecks.varint(finalSize, "finalSize");
    }

    @Override
    public FrameType type() {
        return FrameType.RESET_STREAM;
    }

    @Override
    public long typeCode() {
        return 0x04;
    }
}
