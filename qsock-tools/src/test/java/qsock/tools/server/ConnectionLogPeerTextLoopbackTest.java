package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/**
 * What a peer chose reaches the server's connection log escaped, on one line (issue 9, finding 4): a
 * CONNECTION_CLOSE reason and ALPN names, both sent before anything could vouch for the peer.
 */
class ConnectionLogPeerTextLoopbackTest {

    /** A newline, a line made to look like the server's own, and terminal control sequences. */
    private static final String FORGED = "bye\nconnection 10.0.0.9:443 alpn=hq-interop suite=TLS_AES_128_GCM_SHA256 "
            + "closed: local application close 0\u001b[2J\u001b]0;owned\u0007";

    @TempDir
    Path temp;
    private LoopbackServer server;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackServer(temp);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void assertOneSafeLine(String text) {
        text.chars().forEach(c -> assertTrue(c >= 0x20 && c != 0x7F, () -> "a raw 0x" + Integer.toHexString(c)
                + " in: " + text));
    }

    @Test
    void aPeersCloseReasonIsLoggedEscapedOnOneLine() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            QuicHandshake.clientHandshake(socket, LoopbackServer.clientConfig(EchoHandler.ALPN), LoopbackServer.timeout());
            // One echo first, so that the server is past its handshake and in its handler when the close comes.
            long id = socket.openStream(StreamFlags.NEW);
            socket.send(ByteBuffer.wrap(new byte[] {1}), id, StreamFlags.FIN);
            try (InputStream in = socket.inputStream(id)) {
                assertEquals(1, in.readAllBytes().length);
            }
            socket.close(7, FORGED);
        }
        ConnectionLogLine line = server.nextLine();
        assertOneSafeLine(line.format());
        assertEquals("closed: peer application close 7: bye\\nconnection 10.0.0.9:443 alpn=hq-interop "
                + "suite=TLS_AES_128_GCM_SHA256 closed: local application close 0\\x1b[2J\\x1b]0;owned\\x07",
                line.outcome());
    }

    @Test
    void offeredAlpnNamesAreLoggedEscapedOnOneLine() throws Exception {
        String alpn = "h3\r\nconnection 10.0.0.9:443 alpn=hq-interop\u001b[31m";
        IOException clientError;
        try (QuicSocket socket = QuicSocket.open()) {
            socket.connect(server.server().localAddress());
            clientError = assertThrows(IOException.class, () -> QuicHandshake.clientHandshake(socket,
                    LoopbackServer.clientConfig(alpn), LoopbackServer.timeout()));
        }
        ConnectionLogLine line = server.nextLine();
        assertNull(line.applicationProtocol());
        assertOneSafeLine(line.format());
        assertTrue(line.outcome().endsWith("no ALPN in common: client offers [h3\\r\\nconnection 10.0.0.9:443 "
                + "alpn=hq-interop\\x1b[31m]"), line.outcome());
        // The server's alert reason went back to the client, which shows it escaped too.
        assertOneSafeLine(clientError.getMessage());
        assertTrue(clientError.getMessage().contains("peer sent TLS alert no_application_protocol"),
                clientError.getMessage());
    }
}
