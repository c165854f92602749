package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.socket.QuicSocket;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsAlert;

/** What a failed handshake's exception says when the peer chose the words (issue 9, finding 4). */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeFailureMessageTest {

    @Test
    void aPeersAlertReasonAppearsEscapedOnOneLine() throws Exception {
        String reason = "no\nconnection 10.0.0.1:1 closed\u001b[2J";
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            // A server that refuses the ClientHello with a reason of its choosing, as a hostile one may.
            Future<Void> server = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                s.handshakeChannel().handshakeFailed(TlsAlert.NO_APPLICATION_PROTOCOL.code(), reason);
                return null;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loopback.address);
                IOException e = assertThrows(IOException.class,
                        () -> QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT));
                server.get(10, TimeUnit.SECONDS);
                assertEquals("QUIC client handshake failed: peer sent TLS alert no_application_protocol(120): "
                        + "no\\nconnection 10.0.0.1:1 closed\\x1b[2J", e.getMessage());
                assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\u001b"), e.getMessage());
                assertEquals(reason, client.closeError().reason(), "the raw reason stays available");
                assertTrue(client.closeError().byPeer());
            }
        }
    }
}
