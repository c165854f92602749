package qsock.core.frame;

import java.nio.ByteBuffer;

/**
 * NEW_TOKEN (RFC 9000 §19.7): a server gives the client a token for the Initial packets of a future
 * connection.
 *
 * <p>A decoded token shares the packet payload; a client that keeps it past the packet's processing
 * copies it.
 *
 * @param token the token, a read-only view (see {@link Frame}); never empty
 */
public record NewTokenFrame(ByteBuffer token) implements Frame {

    /**
     * Keeps a read-only view of the bytes between {@code token}'s position and limit, without copying.
     *
     * @throws IllegalArgumentException if the token is empty (RFC 9000 §19.7: it MUST NOT be)
     */
    public NewTokenFrame {
        token = FrameBytes.view(token, "token");
        if (token.capacity() == 0) {
            throw new IllegalArgumentException("NEW_TOKEN token must not be empty");
        }
    }

    /**
     * {@return the token: a new read-only buffer over the frame's bytes each call, position 0 and limit
     * at the end}; moving it does not change the frame
     */
    @Override
    public ByteBuffer token() {
        return token.duplicate();
    }

    /** The record's own view, for the encoder; never handed out. */
    ByteBuffer tokenView() {
        return token;
    }

    /** {@return a frame holding a copy of {@code token}} */
    public static NewTokenFrame of(byte[] token) {
        return new NewTokenFrame(FrameBytes.copyOf(token));
    }

    @Override
    public FrameType type() {
        return FrameType.NEW_TOKEN;
    }

    @Override
    public long typeCode() {
        return 0x07;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NewTokenFrame f && FrameBytes.contentEquals(token, f.token);
    }

    @Override
    public int hashCode() {
        return FrameBytes.contentHash(token);
    }

    @Override
    public String toString() {
        return "NewTokenFrame[token=" + FrameBytes.toHex(token) + "]";
    }
}
