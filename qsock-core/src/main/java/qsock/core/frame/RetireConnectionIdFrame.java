package qsock.core.frame;

/**
 * RETIRE_CONNECTION_ID (RFC 9000 §19.16): the sender will no longer use a connection ID the peer issued.
 *
 * @param sequenceNumber the sequence number of the connection ID being retired
 */
public record RetireConnectionIdFrame(long sequenceNumber) implements Frame {

    /**
     * Checks that every value fits its field.
     *
     * @throws IllegalArgumentException if a value does not fit its field
     */
    public RetireConnectionIdFrame {
        FrameChecks.varint(sequenceNumber, "sequenceNumber");
    }

    @Override
    public FrameType type() {
        return FrameType.RETIRE_CONNECTION_ID;
    }

    @Override
    public long typeCode() {
        return 0x19;
    }
}
