package qsock.socket;

import java.io.IOException;

/**
 * A call that must not wait ({@link StreamFlags#DONTWAIT}, or a socket in non-blocking mode) could not go on without
 * waiting and took nothing: the kernel's {@code EAGAIN}. Try again once the socket is writable (a
 * {@link QuicSelector}, a ready handler, or an event says when). Subclasses name the cause where the kernel does.
 */
public class WouldBlockException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** @param message what would have waited, and for what */
    public WouldBlockException(String message) {
        super(message);
    }
}
