package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;

/**
 * {@link QuicEndpoint#pollDatagram(QuicConnection, ByteBuffer, long)}: an application thread sends what its own
 * connection queued, and only that; the other connections' datagrams stay for the endpoint's owner.
 */
class ConnectionPollTest {

    private static final long NOW = 1_000_000_000L;

    private static InetSocketAddress address(int last) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last}), 4433);
    }

    @Test
    void pollingOneConnectionSendsItsDatagramsAndLeavesTheOthersToTheOwner() throws Exception {
        QuicEndpoint endpoint = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(1));
        InetSocketAddress first = address(1);
        InetSocketAddress second = address(2);
        QuicConnection a = endpoint.connect(first, NOW);
        QuicConnection b = endpoint.connect(second, NOW);
        for (QuicConnection c : new QuicConnection[] {a, b}) {
            c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[100]), NOW);
            endpoint.touched(c);
        }
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(first, endpoint.pollDatagram(a, out, NOW), "a's Initial");
        out.clear();
        assertNull(endpoint.pollDatagram(a, out, NOW), "a has nothing more");
        assertEquals(0, out.position());
        assertEquals(second, endpoint.pollDatagram(out, NOW), "b's Initial waited for the owner");
        out.clear();
        assertNull(endpoint.pollDatagram(out, NOW), "a, polled already, has nothing left either");
    }

    @Test
    void aConnectionNotOnTheEndpointHasNothingToSend() throws Exception {
        QuicEndpoint endpoint = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(2));
        QuicEndpoint other = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                new SplittableRandom(3));
        QuicConnection stranger = other.connect(address(3), NOW);
        stranger.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[100]), NOW);
        assertNull(endpoint.pollDatagram(stranger, ByteBuffer.allocate(1500), NOW));
    }
}
