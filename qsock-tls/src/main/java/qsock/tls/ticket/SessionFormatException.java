package qsock.tls.ticket;

import java.io.IOException;

/**
 * Bytes that are not a resumable session this library can load ({@link ClientTicket#decode}): truncated, of another
 * format or format version, longer than the bound, with a field out of its range or bytes after the end, or a ticket
 * already expired. The message says which. Loading a session is the only place this is thrown: a caller that gets
 * it starts a full handshake instead.
 */
public final class SessionFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}, which says what is wrong with the bytes. */
    public SessionFormatException(String message) {
        super(message);
    }

    /** An exception with {@code message}, caused by {@code cause}. */
    public SessionFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
