package qsock.core.frame;

/**
 * A QUIC frame (RFC 9000 §12.4, §19; RFC 9221 §4): one record per frame type, so that a handler's
 * {@code switch} over a frame is exhaustive and a new frame type does not compile until it is handled.
 *
 * <p>Records check their values when built and refuse, with {@link IllegalArgumentException}, anything
 * that could not be encoded: every frame that exists can be sent.
 *
 * <p>Frames that carry bytes (STREAM, CRYPTO, DATAGRAM, NEW_TOKEN, CONNECTION_CLOSE reason phrases) are
 * built from the bytes between a {@link java.nio.ByteBuffer}'s position and limit and keep a read-only
 * view of them, not a copy: a decoded frame shares the packet payload it was read from, and is valid as
 * long as that buffer's content is. Their accessors return a new read-only buffer over the bytes on each
 * call (position 0, limit at the end), which the caller may read and move freely. Equality, hash code
 * and text go by the bytes' content.
 *
 * @see FrameDecoder
 * @see FrameEncoder
 */
public sealed interface Frame
        permits PaddingFrame, PingFrame, AckFrame, ResetStreamFrame, StopSendingFrame, CryptoFrame,
                NewTokenFrame, StreamFrame, MaxDataFrame, MaxStreamDataFrame, MaxStreamsFrame,
                DataBlockedFrame, StreamDataBlockedFrame, StreamsBlockedFrame, NewConnectionIdFrame,
                RetireConnectionIdFrame, PathChallengeFrame, PathResponseFrame, ConnectionCloseFrame,
                ApplicationCloseFrame, HandshakeDoneFrame, DatagramFrame {

    /** {@return the frame's type, with its permitted packet types and recovery properties} */
    FrameType type();

    /**
     * {@return the type code {@link FrameEncoder#encode(java.nio.ByteBuffer, Frame)} writes for this
     * frame}; for STREAM and DATAGRAM that is the form with a Length field, and for STREAM the Offset
     * field is present only when the offset is not zero.
     */
    long typeCode();
}
