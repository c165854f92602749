package qsock.core.frame;

/**
 * MAX_STREAM_DATA (RFC 9000 §19.10): a stream-level flow control limit.
 *
 * @param streamId the stream
 * @param maximumStreamData how many bytes may be sent on the stream
 */
public record MaxStreamDataFrame(long streamId, long maximumStreamData) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public MaxStreamDataFrame {
        FrameChecks.varint(streamId, "streamId");
        FrameChecks.varint(maximumStreamData, "maximumStreamData");
    }

    @Override
    public FrameType type() {
        return FrameType.MAX_STREAM_DATA;
    }

    @Override
    public long typeCode() {
        return 0x11;
    }
}
