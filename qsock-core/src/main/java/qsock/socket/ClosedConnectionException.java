package qsock.socket;

import java.io.IOException;
import java.util.Objects;
import qsock.core.error.ConnectionError;

/**
 * The connection of the socket ended (closed by either side, idle timeout, stateless reset): no more data
 * moves. {@link #error()} says why, with the code and reason of the CONNECTION_CLOSE if there was one.
 */
public class ClosedConnectionException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient ConnectionError error;

    /** @param error why the connection ended */
    public ClosedConnectionException(ConnectionError error) {
        super("connection closed: " + Objects.requireNonNull(error, "error"));
        this.error = error;
    }

    /** {@return why the connection ended} */
    public ConnectionError error() {
        return error;
    }
}
