package qsock.interop.peer;

import java.io.IOException;
import qsock.interop.support.Received;

/** One client connection to an interop server, with the ALPN it was opened with. */
public interface InteropClient extends AutoCloseable {

    /** The ALPN the handshake agreed on. */
    String applicationProtocol();

    /**
     * hq-interop: requests {@code path} on a new bidirectional stream and takes the body up to the server's FIN.
     *
     * @throws IOException on a reset stream, a closed connection or when the body does not end in time
     */
    Received get(String path) throws IOException;

    /**
     * echo: sends {@code data} and FIN on a new bidirectional stream and returns what came back up to the FIN.
     *
     * @throws IOException on a reset stream, a closed connection or when the answer does not end in time
     */
    byte[] echo(byte[] data) throws IOException;

    /** Closes the connection with application error 0 and waits briefly for it to go. */
    @Override
    void close();
}
