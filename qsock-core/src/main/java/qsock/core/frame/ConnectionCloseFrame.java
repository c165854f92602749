package qsock.core.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import qsock.core.error.TransportErrorCode;

/**
 * CONNECTION_CLOSE of type 0x1c (RFC 9000 §19.19): the connection ends with a transport error, or
 * without error (NO_ERROR). Permitted in every packet type; an application error during the handshake
 * goes out as this frame with APPLICATION_ERROR (§10.2.3). Type 0x1d is {@link ApplicationCloseFrame}.
 *
 * @param errorCode the transport error code
 * @param frameType the type of the frame that triggered the error, 0 when unknown or not tied to a frame
 * @param reasonPhrase the Reason Phrase, a read-only view (see {@link Frame}); should be UTF-8, may be empty
 */
public record ConnectionCloseFrame(TransportErrorCode errorCode, long frameType, ByteBuffer reasonPhrase)
        implements Frame {

    /**
     * Keeps a read-only view of the bytes between {@code reasonPhrase}'s position and limit.
     *
     * @throws IllegalArgumentException if the frame type is not a varint
     */
    public ConnectionCloseFrame {
        Objects.requireNonNull(errorCode, "errorCode");
        FrameChecks.varint(frameType, "frameType");
        reasonPhrase = FrameBytes.view(reasonPhrase, "reasonPhrase");
    }

    /**
     * {@return the Reason Phrase: a new read-only buffer over the frame's bytes each call, position 0 and limit
     * at the end}; moving it does not change the frame
     */
    @Override
    public ByteBuffer reasonPhrase() {
        return reasonPhrase.duplicate();
    }

    /** The record's own view, for the encoder; never handed out. */
    ByteBuffer reasonPhraseView() {
        return reasonPhrase;
    }

    /** {@return a frame with {@code reason} encoded as UTF-8} */
    public static ConnectionCloseFrame of(TransportErrorCode errorCode, long frameType, String reason) {
        return new ConnectionCloseFrame(errorCode, frameType,
                ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@return the reason phrase decoded as UTF-8, malformed bytes replaced; for logs, not for decisions} */
    public String reason() {
        return StandardCharsets.UTF_8.decode(reasonPhrase.duplicate()).toString();
    }

    @Override
    public FrameType type() {
        return FrameType.CONNECTION_CLOSE;
    }

    @Override
    public long typeCode() {
        return 0x1c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionCloseFrame f && errorCode.equals(f.errorCode) && frameType == f.frameType
                && FrameBytes.contentEquals(reasonPhrase, f.reasonPhrase);
    }

    @Override
    public int hashCode() {
        return (errorCode.hashCode() * 31 + Long.hashCode(frameType)) * 31 + FrameBytes.contentHash(reasonPhrase);
    }

    @Override
    public String toString() {
        return "ConnectionCloseFrame[errorCode=" + errorCode + ", frameType=0x" + Long.toHexString(frameType)
                + ", reasonPhrase=" + FrameBytes.toHex(reasonPhrase) + "]";
    }
}
