package qsock.core.frame;

/**
 * STREAM_DATA_BLOCKED (RFC 9000 §19.13): the sender is blocked by a stream's flow control.
 *
 * @param streamId the blocked stream
 * @param maximumStreamData the stream offset at which blocking occurred
 */
public record StreamDataBlockedFrame(long streamId, long maximumStreamData) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public StreamDataBlockedFrame {
        FrameChecks.varint(streamId, "streamId");
        FrameChecks.varint(maximumStreamData, "maximumStreamData");
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_DATA_BLOCKED;
    }

    @Override
    public long typeCode() {
        return 0x15;
    }
}
