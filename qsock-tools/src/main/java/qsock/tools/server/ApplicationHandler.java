package qsock.tools.server;

import java.io.IOException;
import qsock.socket.QuicSocket;

/**
 * What a server does with one connection after the handshake chose the handler's ALPN protocol. The server
 * calls it on the connection's own virtual thread and closes the connection when it returns.
 */
@FunctionalInterface
public interface ApplicationHandler {

    /**
     * Serves the connection until the peer closes it (a {@link qsock.socket.ClosedConnectionException} from
     * the socket ends the call normally) or the handler gives up.
     *
     * @param traffic where to count the stream bytes moved
     */
    void serve(QuicSocket connection, Traffic traffic) throws IOException;
}
