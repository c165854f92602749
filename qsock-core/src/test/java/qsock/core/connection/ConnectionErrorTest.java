package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;

class ConnectionErrorTest {

    /** A reason a peer may put in a CONNECTION_CLOSE (in an Initial, before anything is authenticated). */
    private static final String FORGED = "bye\nconnection 10.0.0.9:443 alpn=hq-interop closed: local application close 0"
            + "\u001b[2J\u001b[31m";

    @Test
    void toStringEscapesThePeersReasonOnOneLine() {
        ConnectionError error = ConnectionError.application(7, FORGED, true);
        String line = error.toString();
        assertEquals("peer application close 7: bye\\nconnection 10.0.0.9:443 alpn=hq-interop closed: local "
                + "application close 0\\x1b[2J\\x1b[31m", line);
        assertFalse(line.contains("\n") || line.contains("\u001b"), line);
        ConnectionError transport = ConnectionError.transport(TransportErrorCode.PROTOCOL_VIOLATION, 0x08,
                "\r\u202eevil", true);
        assertEquals("peer transport error PROTOCOL_VIOLATION (frame 0x8): \\r\\u202eevil", transport.toString());
    }

    @Test
    void theRawReasonStaysAvailable() {
        assertEquals(FORGED, ConnectionError.application(7, FORGED, true).reason());
    }
}
