package qsock.core.frame;

/** HANDSHAKE_DONE (RFC 9000 §19.20): no content; a server confirms the handshake to the client. */
public record HandshakeDoneFrame() implements Frame {

    /** The HANDSHAKE_DONE frame; all are equal, and the decoder returns this one. */
    public static final HandshakeDoneFrame INSTANCE = new HandshakeDoneFrame();

    @Override
    public FrameType type() {
        return FrameType.HANDSHAKE_DONE;
    }

    @Override
    public long typeCode() {
        return 0x1e;
    }
}
