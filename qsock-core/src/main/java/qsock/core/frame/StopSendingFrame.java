package qsock.core.frame;

/**
 * STOP_SENDING (RFC 9000 §19.5): the receiver asks the peer to stop sending on a stream.
 *
 * @param streamId the stream being ignored
 * @param applicationProtocolErrorCode why, in the application protocol's error space
 */
public record StopSendingFrame(long streamId, long applicationProtocolErrorCode) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public StopSendingFrame {
        FrameChecks.varint(streamId, "streamId");
        FrameChecks.varint(applicationProtocolErrorCode, "applicationProtocolErrorCode");
    }

    @Override
    public FrameType type() {
        return FrameType.STOP_SENDING;
    }

    @Override
    public long typeCode() {
        return 0x05;
    }
}
