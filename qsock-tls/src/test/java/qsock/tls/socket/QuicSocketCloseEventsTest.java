package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.QuicHandshake;

/**
 * QUIC_EVENT_CONNECTION_CLOSE for the ends without a close call: the idle timeout and a failed handshake, each with
 * its cause. (A stateless reset's end is the same {@code Closed} event of the connection, with
 * {@link ConnectionError.Kind#STATELESS_RESET}: the simulation's LifetimeSimulationTest makes one.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketCloseEventsTest {

    private static QuicEvent.ConnectionClose awaitClose(QuicSocket s) {
        QuicEvent.ConnectionClose[] got = {null};
        Waits.until("the close event", () -> {
            for (QuicEvent e = s.pollEvent(); e != null; e = s.pollEvent()) {
                if (e instanceof QuicEvent.ConnectionClose c) {
                    got[0] = c;
                    return true;
                }
            }
            return false;
        });
        return got[0];
    }

    @Test
    void theIdleTimeoutEndsTheConnectionWithAnEventThatSaysSo() throws Exception {
        // One second, the kernel's least; both sides, so the effective timeout is one second (RFC 9000 §10.1).
        ConnectionConfig idle = ConnectionConfig.builder().maxIdleTimeoutMillis(1000).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", idle, 4);
             Loopback.Connection c = loopback.connect(idle)) {
            c.client().setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
            c.server().setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
            ConnectionError client = awaitClose(c.client()).error();
            ConnectionError server = awaitClose(c.server()).error();
            assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, client.kind());
            assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, server.kind());
            assertFalse(client.byPeer(), "each side timed out by itself");
        }
    }

    @Test
    void aFailedHandshakeEndsTheConnectionWithAnEventNamingTheAlertOnBothSides() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            loopback.listener.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
            Future<QuicSocket> server = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                try {
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                } catch (IOException expected) {
                    // The client refuses the certificate.
                }
                return s;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE));
                client.connect(loopback.address);
                assertThrows(IOException.class, () -> QuicHandshake.clientHandshake(client, Loopback.clientTls("rsa"),
                        Loopback.HANDSHAKE_TIMEOUT), "the server's certificate is of another CA");
                // RFC 9001 §4.8: a TLS alert is the transport error CRYPTO_ERROR, 0x100 plus the alert: unknown_ca, 48.
                ConnectionError ours = awaitClose(client).error();
                assertEquals(ConnectionError.Kind.TRANSPORT, ours.kind());
                assertEquals(0x100 + 48, ours.code());
                assertFalse(ours.byPeer());
                try (QuicSocket s = server.get(10, TimeUnit.SECONDS)) {
                    ConnectionError theirs = assertInstanceOf(QuicEvent.ConnectionClose.class, awaitClose(s)).error();
                    assertEquals(0x100 + 48, theirs.code());
                    assertTrue(theirs.byPeer(), "the server heard it from the client");
                }
            }
        }
    }
}
