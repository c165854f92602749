package qsock.core.stream;

/**
 * Receives a note of each frame {@link StreamManager#writeFrames} puts in a packet, so that the connection
 * can keep it with the sent packet and report it back through {@code onStreamFrameAcked/Lost} or
 * {@code onControlFrameAcked/Lost}.
 */
public interface SentFrameSink {

    /** A STREAM frame carrying {@code [offset, offset + length)} of stream {@code id}, with the FIN bit or not. */
    void streamFrame(long id, long offset, int length, boolean fin);

    /**
     * Another stream or flow-control frame.
     *
     * @param streamIdOrMinus1 the stream it names, or -1 for a connection-level frame
     * @param value the frame's value, as {@link ControlFrame} documents per kind
     */
    void controlFrame(ControlFrame kind, long streamIdOrMinus1, long value);
}
