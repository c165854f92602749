package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.error.TransportErrorCode;

/**
 * A failure inside one connection's processing, an OutOfMemoryError included, fails that connection only:
 * it closes with INTERNAL_ERROR and the endpoint goes on serving the others (issue 9, finding 2).
 */
class QuicEndpointFailureTest {

    private static final long NOW = 1_000_000_000L;
    private static final InetSocketAddress SERVER = address(1);

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last}), 4433);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The endpoint's randomness, which runs out of memory at the next {@code failures} calls of {@code nextLong()},
     * which only a connection that greases the QUIC bit makes (RFC 9287), one per 64 packets it sends.
     */
    private static final class FailingRandom implements RandomGenerator {
        private final SplittableRandom random = new SplittableRandom(1);
        private final OutOfMemoryError error = new OutOfMemoryError("test: a connection ran out of memory");
        private int failures;

        @Override
        public long nextLong() {
            if (failures > 0) {
                failures--;
                throw error;
            }
            return random.nextLong();
        }

        @Override
        public int nextInt() {
            return random.nextInt();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            random.nextBytes(bytes);
        }
    }

    /** A client and its first Initial to the server. */
    private record Client(QuicEndpoint endpoint, QuicConnection connection, InetSocketAddress address,
                          ByteBuffer initial) {
        static Client connect(int last) {
            QuicEndpoint endpoint = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(last));
            QuicConnection c = endpoint.connect(SERVER, NOW);
            c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1, 2, 3}), NOW);
            ByteBuffer out = ByteBuffer.allocate(1500);
            assertEquals(SERVER, endpoint.pollDatagram(out, NOW));
            return new Client(endpoint, c, QuicEndpointFailureTest.address(last), out.flip());
        }
    }

    /** A server with two new connections, the first of which greases and so draws randomness for its next packet. */
    private final FailingRandom random = new FailingRandom();
    private final QuicEndpoint server = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
            random);
    private final Client a = Client.connect(10);
    private final Client b = Client.connect(11);
    private QuicConnection failing;
    private QuicConnection healthy;
    private int toA;
    private int toB;

    private void twoConnections() {
        server.listen(4);
        server.handleDatagram(a.address(), a.initial(), NOW);
        failing = server.accept();
        server.handleDatagram(b.address(), b.initial(), NOW);
        healthy = server.accept();
        assertNotNull(failing);
        assertNotNull(healthy);
        failing.peerTransportParameters(a.connection().localTransportParameters(), NOW);
        failing.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(bytes("server hello a")), NOW);
        healthy.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(bytes("server hello b")), NOW);
    }

    /** Polls the server until it has nothing to send, delivering to the clients; {@return the errors thrown} */
    private int send() {
        int errors = 0;
        for (int i = 0; i < 20; i++) {
            ByteBuffer out = ByteBuffer.allocate(1500);
            InetSocketAddress to;
            try {
                to = server.pollDatagram(out, NOW);
            } catch (OutOfMemoryError e) {
                assertSame(random.error, e, "the error reaches the caller, to be reported");
                errors++;
                continue;
            }
            if (to == null) {
                break;
            }
            out.flip();
            if (to.equals(a.address())) {
                toA++;
                a.endpoint().handleDatagram(SERVER, out, NOW);
            } else {
                assertEquals(b.address(), to);
                toB++;
                b.endpoint().handleDatagram(SERVER, out, NOW);
            }
        }
        return errors;
    }

    /** The healthy connection goes on: its flight left, and reached its client. */
    private void assertHealthyServed() {
        assertEquals(ConnectionState.HANDSHAKING, healthy.state());
        assertNull(healthy.closeError());
        assertTrue(toB > 0);
        ByteBuffer read = ByteBuffer.allocate(100);
        assertEquals(EncryptionLevel.INITIAL, b.connection().readHandshake(read));
        assertEquals("server hello b", new String(read.array(), 0, read.position(), StandardCharsets.US_ASCII));
    }

    @Test
    void anOutOfMemoryErrorWhileOneConnectionSendsClosesThatConnectionOnly() {
        twoConnections();
        random.failures = 1;
        assertEquals(1, send());

        // The failed connection closes with INTERNAL_ERROR, and says so to its peer.
        assertEquals(ConnectionState.CLOSING, failing.state());
        assertEquals(TransportErrorCode.INTERNAL_ERROR.value(), failing.closeError().code());
        assertTrue(toA > 0, "the CONNECTION_CLOSE left");
        ConnectionError heard = a.connection().closeError();
        assertNotNull(heard, "the client heard of the close");
        assertEquals(TransportErrorCode.INTERNAL_ERROR.value(), heard.code());
        assertTrue(heard.byPeer());
        assertHealthyServed();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
