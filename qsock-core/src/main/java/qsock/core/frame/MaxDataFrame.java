package qsock.core.frame;

/**
 * MAX_DATA (RFC 9000 §19.9): the connection-level flow control limit.
 *
 * @param maximumData how many bytes may be sent on the whole connection
 */
public record MaxDataFrame(long maximumData) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public MaxDataFrame {
        FrameChecks.varint(maximumData, "maximumData");
    }

    @Override
    public FrameType type() {
        return FrameType.MAX_DATA;
    }

    @Override
    public long typeCode() {
        return 0x10;
    }
}
