package qsock.socket.remote;

import java.util.Objects;

/**
 * One frame of the handshake daemon's protocol as read: its type and payload.
 *
 * @param type the frame's type
 * @param payload its payload, at most {@link FrameChannel#MAX_PAYLOAD} bytes
 */
public record Frame(FrameType type, byte[] payload) {

    /** @throws IllegalArgumentException if the payload is over its bound */
    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (payload.length > FrameChannel.MAX_PAYLOAD) {
            throw new IllegalArgumentException("a frame's payload is at most " + FrameChannel.MAX_PAYLOAD
                    + " bytes: " + payload.length);
        }
    }

    /** {@return a reader over the payload} */
    public PayloadReader reader() {
        return new PayloadReader(type, payload);
    }
}
