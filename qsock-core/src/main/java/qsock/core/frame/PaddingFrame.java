package qsock.core.frame;

/**
 * PADDING (RFC 9000 §19.1): a run of {@code length} consecutive PADDING frames, each one zero byte.
 * The decoder reads a whole run as one of these, so a padded packet costs one record, not hundreds.
 *
 * @param length how many zero bytes, at least 1
 */
public record PaddingFrame(int length) implements Frame {

    /**
     * Checks the length.
     *
     * @throws IllegalArgumentException if {@code length} is below 1
     */
    public PaddingFrame {
        if (length < 1) {
            throw new IllegalArgumentException("padding length must be at least 1: " + length);
        }
    }

    @Override
    public FrameType type() {
        return FrameType.PADDING;
    }

    @Override
    public long typeCode() {
        return 0x00;
    }
}
