package qsock.core.frame;

/**
 * PATH_RESPONSE (RFC 9000 §19.18): answers a PATH_CHALLENGE with its data.
 *
 * @param data the 8 bytes of the Data field, as a big-endian long (any value is valid)
 */
public record PathResponseFrame(long data) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.PATH_RESPONSE;
    }

    @Override
    public long typeCode() {
        return 0x1b;
    }
}
