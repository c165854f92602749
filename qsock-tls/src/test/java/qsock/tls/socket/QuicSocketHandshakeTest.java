package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionState;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/** Handshakes and a first echo between two QuicSockets over real UDP on loopback, IPv4 and IPv6. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketHandshakeTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void handshakeEstablishesBothSidesWithAlpnAndAddresses(String host) throws Exception {
        try (Loopback loopback = Loopback.listen(host); Loopback.Connection c = loopback.connect()) {
            assertTrue(c.client().state().isEstablished(), "client " + c.client().state());
            assertEquals(ConnectionState.CONFIRMED, c.server().state());
            assertEquals("echo", c.client().applicationProtocol());
            assertEquals("echo", c.server().applicationProtocol());
            assertEquals(loopback.address, c.client().remoteAddress());
            assertEquals(c.client().localAddress(), c.server().remoteAddress());
            assertEquals(loopback.address, c.server().localAddress());
            assertEquals(Loopback.address(host), ((InetSocketAddress) c.client().localAddress()).getAddress());
            assertNotEquals(0, ((InetSocketAddress) c.client().localAddress()).getPort());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void echoOfOneMessageOnABidirectionalStream(String host) throws Exception {
        try (Loopback loopback = Loopback.listen(host); Loopback.Connection c = loopback.connect()) {
            byte[] hello = "hello over QUIC".getBytes(StandardCharsets.UTF_8);
            int sent = c.client().send(ByteBuffer.wrap(hello), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals(hello.length, sent);

            ByteBuffer in = ByteBuffer.allocate(100);
            StreamMessage m = receiveAll(c.server(), in);
            assertEquals(0, m.streamId(), "the client's first bidirectional stream");
            assertEquals("hello over QUIC", new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));

            in.flip();
            c.server().send(in, m.streamId(), StreamFlags.FIN);
            ByteBuffer back = ByteBuffer.allocate(100);
            StreamMessage echo = receiveAll(c.client(), back);
            assertEquals(0, echo.streamId());
            assertEquals("hello over QUIC", new String(back.array(), 0, back.position(), StandardCharsets.UTF_8));
        }
    }

    /**
     * A handshake message written after the handshake completed (a server's NewSessionTicket, RFC 9001 §4.1.3) leaves
     * at once, although nothing else is to be sent and the I/O thread sleeps until the idle timeout (30 s): no step of
     * the handshake follows to take it out. Through the out-of-process handshake service the ticket is the last thing
     * the daemon writes; a client waiting for it waited until its request's timeout when it stayed queued.
     */
    @org.junit.jupiter.api.Test
    void aPostHandshakeMessageLeavesAtOnceOnAQuietConnection() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            // Quiet: the handshake's packets acknowledged both ways, nothing left to send.
            Waits.untilConfirmed(c.client(), c.server());
            Thread.sleep(500);
            long before = c.client().statistics().packetsReceived();
            // Bytes the client's TLS stack will refuse (not a TLS message): what matters is that they arrive.
            c.server().handshakeChannel().writeHandshake(qsock.core.handshake.EncryptionLevel.APPLICATION,
                    ByteBuffer.wrap(new byte[] {4, 0, 0, 0}));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (c.client().statistics().packetsReceived() == before && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            assertNotEquals(before, c.client().statistics().packetsReceived(),
                    "the post-handshake bytes left within 5 s, not at the server's next timer");
        }
    }

    /** Receives until a message with FIN; every message must be of the same stream. */
    static StreamMessage receiveAll(qsock.socket.QuicSocket socket, ByteBuffer into) throws Exception {
        while (true) {
            StreamMessage m = socket.receive(into);
            if (m.fin()) {
                return m;
            }
        }
    }
}
