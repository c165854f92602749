package qsock.core.frame;

/**
 * PATH_CHALLENGE (RFC 9000 §19.17): checks reachability of the peer or validates a path; the peer echoes {@code data}.
 *
 * @param data the 8 bytes of the Data field, as a big-endian long (any value is valid)
 */
public record PathChallengeFrame(long data) implements Frame {

    @Override
    public FrameType type() {
        return FrameType.PATH_CHALLENGE;
    }

    @Override
    public long typeCode() {
        return 0x1a;
    }
}
