package qsock.core.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * CONNECTION_CLOSE of type 0x1d (RFC 9000 §19.19): the application closes the connection with an error
 * code of its own protocol. Only in 0-RTT and 1-RTT packets (§12.5); type 0x1c is
 * {@link ConnectionCloseFrame}.
 *
 * @param errorCode the application protocol error code
 * @param reasonPhrase the Reason Phrase, a read-only view (see {@link Frame}); should be UTF-8, may be empty
 */
public record ApplicationCloseFrame(long errorCode, ByteBuffer reasonPhrase) implements Frame {

    /**
     * Keeps a read-only view of the bytes between {@code reasonPhrase}'s position and limit.
     *
     * @throws IllegalArgumentException if the error code is not a varint
     */
    public ApplicationCloseFrame {
        FrameChecks.varint(errorCode, "errorCode");
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
    public static ApplicationCloseFrame of(long errorCode, String reason) {
        return new ApplicationCloseFrame(errorCode, ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@return the reason phrase decoded as UTF-8, malformed bytes replaced; for logs, not for decisions} */
    public String reason() {
        return StandardCharsets.UTF_8.decode(reasonPhrase.duplicate()).toString();
    }

    @Override
    public FrameType type() {
        return FrameType.APPLICATION_CLOSE;
    }

    @Override
    public long typeCode() {
        return 0x1d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApplicationCloseFrame f && errorCode == f.errorCode
                && FrameBytes.contentEquals(reasonPhrase, f.reasonPhrase);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(errorCode) * 31 + FrameBytes.contentHash(reasonPhrase);
    }

    @Override
    public String toString() {
        return "ApplicationCloseFrame[errorCode=" + errorCode + ", reasonPhrase=" + FrameBytes.toHex(reasonPhrase)
                + "]";
    }
}
