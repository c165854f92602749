package qsock.core.frame;

/** PING (RFC 9000 §19.2): no content; it makes its packet ack-eliciting. */
public record PingFrame() implements Frame {

    /** The PING frame; all are equal, and the decoder returns this one. */
    public static final PingFrame INSTANCE = new PingFrame();

    @Override
    public FrameType type() {
        return FrameType.PING;
    }

    @Override
    public long typeCode() {
        return 0x01;
    }
}
