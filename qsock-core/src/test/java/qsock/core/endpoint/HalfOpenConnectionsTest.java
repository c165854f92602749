package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.core.connection.ConnectionEvent;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.error.TransportErrorCode;
import qsock.core.params.TransportParameters;
import qsock.core.wire.ConnectionId;

/**
 * Valid Initials can come in a flood (anyone can compute Initial keys): the connections whose handshake has not
 * completed are bounded, and the oldest of them makes room for a newcomer, dropped without a word.
 */
class HalfOpenConnectionsTest {

    private static final long NOW = 1_000_000_000L;
    private static final byte[] HELLO = {1, 0, 0, 4, 't', 'e', 's', 't'};

    private static QuicEndpoint server(int maxHalfOpen, int backlog) {
        QuicEndpoint e = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32])
                .withMaxHalfOpenConnections(maxHalfOpen), new SplittableRandom(1));
        e.listen(backlog);
        return e;
    }

    private static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 3, 0, (byte) i}), 50_000 + i);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client's connection IDs and its first Initial. */
    private record Client(ConnectionId dcid, ConnectionId scid, InetSocketAddress address) {
        ByteBuffer initial(long pn) {
            return ClientPackets.initialWithCrypto(dcid, scid, pn, 0, HELLO);
        }
    }

    private static Client client(int i) {
        SplittableRandom r = new SplittableRandom(100 + i);
        byte[] d = new byte[8];
        byte[] s = new byte[8];
        r.nextBytes(d);
        r.nextBytes(s);
        return new Client(ConnectionId.of(d), ConnectionId.of(s), address(i));
    }

    /** Accepts the connection {@code c}'s Initial just made, as a server that starts each handshake at once. */
    private static QuicConnection arrive(QuicEndpoint server, Client c) {
        server.handleDatagram(c.address(), c.initial(0), NOW);
        QuicConnection accepted = server.accept();
        assertNotNull(accepted, "the Initial of " + c.address() + " made a connection");
        return accepted;
    }

    @Test
    void theOldestHalfOpenConnectionMakesRoomForANewcomer() {
        QuicEndpoint server = server(3, 100);
        QuicConnection[] c = new QuicConnection[5];
        for (int i = 0; i < 5; i++) {
            c[i] = arrive(server, client(i));
            assertTrue(server.connectionCount() <= 3, "bounded after " + (i + 1) + " clients");
        }
        assertEquals(3, server.connectionCount());
        assertEquals(3, server.halfOpenConnections());
        assertEquals(2, server.halfOpenEvicted());
        for (int i = 0; i < 2; i++) {
            // Dropped silently, and said so to whoever runs its handshake.
            assertEquals(ConnectionState.CLOSED, c[i].state(), "client " + i);
            ConnectionError error = c[i].closeError();
            assertEquals(ConnectionError.Kind.TRANSPORT, error.kind());
            assertEquals(TransportErrorCode.CONNECTION_REFUSED, error.transportCode());
            assertTrue(!error.byPeer() && error.reason().contains("half-open"), error.toString());
            assertTrue(drainEvents(c[i]) instanceof ConnectionEvent.Closed, "a Closed event tells of it");
            assertNull(server.peerAddress(c[i]), "its route is gone");
            assertEquals(0, c[i].pollDatagram(ByteBuffer.allocate(1500), NOW), "it sends nothing");
        }
        for (int i = 2; i < 5; i++) {
            assertEquals(ConnectionState.HANDSHAKING, c[i].state(), "client " + i);
        }
        // Nothing leaves for the dropped clients: what is sent goes to the three that stay.
        ByteBuffer out = ByteBuffer.allocate(1500);
        for (InetSocketAddress to = server.pollDatagram(out.clear(), NOW); to != null;
                to = server.pollDatagram(out.clear(), NOW)) {
            assertNotEquals(address(0), to);
            assertNotEquals(address(1), to);
        }
    }

    @Test
    void aDroppedClientThatTriesAgainGetsANewConnection() {
        QuicEndpoint server = server(1, 100);
        Client first = client(0);
        QuicConnection dropped = arrive(server, first);
        arrive(server, client(1));
        assertEquals(ConnectionState.CLOSED, dropped.state());
        // Its Destination Connection ID routes nowhere now: its next Initial is a new attempt.
        QuicConnection again = arrive(server, new Client(first.dcid(), first.scid(), first.address()));
        assertNotSame(dropped, again);
        assertEquals(ConnectionState.HANDSHAKING, again.state());
        assertEquals(1, server.connectionCount());
    }

    @Test
    void aConnectionWhoseHandshakeCompletedIsNeverDropped() {
        QuicEndpoint server = server(2, 100);
        Client a = client(0);
        QuicConnection established = arrive(server, a);
        // The handshake completes (the TLS stack's part, done by hand).
        established.peerTransportParameters(TransportParameters.builder().initialSourceConnectionId(a.scid())
                .build().toBytes(), NOW);
        established.handshakeComplete("echo", NOW);
        assertTrue(established.state().isEstablished());
        QuicConnection[] c = new QuicConnection[4];
        for (int i = 0; i < 4; i++) {
            c[i] = arrive(server, client(1 + i));
        }
        assertTrue(established.state().isEstablished(), "never counted as half-open");
        assertEquals(2, server.halfOpenConnections());
        assertEquals(3, server.connectionCount());
        assertEquals(ConnectionState.CLOSED, c[0].state());
        assertEquals(ConnectionState.CLOSED, c[1].state());
        assertSame(ConnectionState.HANDSHAKING, c[3].state());
    }

    private static ConnectionEvent drainEvents(QuicConnection c) {
        ConnectionEvent last = null;
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            last = e;
        }
        return last;
    }
}
