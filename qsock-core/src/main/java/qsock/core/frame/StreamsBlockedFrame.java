package qsock.core.frame;

/**
 * STREAMS_BLOCKED (RFC 9000 §19.14): the sender could not open a stream because of the peer's limit.
 *
 * @param bidirectional true for bidirectional streams (type 0x16), false for unidirectional (0x17)
 * @param maximumStreams the stream limit at the time the frame was sent, at most 2^60
 */
public record StreamsBlockedFrame(boolean bidirectional, long maximumStreams) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public StreamsBlockedFrame {
        FrameChecks.streamCount(maximumStreams);
    }

    @Override
    public FrameType type() {
        return FrameType.STREAMS_BLOCKED;
    }

    @Override
    public long typeCode() {
        return bidirectional ? 0x16 : 0x17;
    }
}
