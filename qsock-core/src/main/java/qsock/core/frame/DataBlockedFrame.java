package qsock.core.frame;

/**
 * DATA_BLOCKED (RFC 9000 §19.12): the sender is blocked by connection-level flow control.
 *
 * @param maximumData the connection-level limit at which blocking occurred
 */
public record DataBlockedFrame(long maximumData) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public DataBlockedFrame {
        FrameChecks.varint(maximumData, "maximumData");
    }

    @Override
    public FrameType type() {
        return FrameType.DATA_BLOCKED;
    }

    @Override
    public long typeCode() {
        return 0x14;
    }
}
