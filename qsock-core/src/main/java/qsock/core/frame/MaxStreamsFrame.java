package qsock.core.frame;

/**
 * MAX_STREAMS (RFC 9000 §19.11): the cumulative number of streams of one type the peer may open.
 *
 * @param bidirectional true for bidirectional streams (type 0x12), false for unidirectional (0x13)
 * @param maximumStreams the stream count, at most 2^60
 */
public record MaxStreamsFrame(boolean bidirectional, long maximumStreams) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public MaxStreamsFrame {
        FrameChecks.streamCount(maximumStreams);
    }

    @Override
    public FrameType type() {
        return FrameType.MAX_STREAMS;
    }

    @Override
    public long typeCode() {
        return bidirectional ? 0x12 : 0x13;
    }
}
