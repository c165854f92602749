package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.core.connection.ConnectionEvent;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.error.StreamResetException;
import qsock.core.error.TransportErrorCode;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.stream.StreamEvent;

/** How connections and streams end: idle timeout, both kinds of close, stateless reset, stream reset, stop-sending. */
class LifetimeSimulationTest {

    private static ConnectionPair established(long seed, ConnectionConfig client, ConnectionConfig server)
            throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(seed).clientConfig(client).serverConfig(server).build().connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        return pair;
    }

    private static List<ConnectionEvent> events(QuicConnection c) {
        List<ConnectionEvent> list = new ArrayList<>();
        for (ConnectionEvent e = c.pollEvent(); e != null; e = c.pollEvent()) {
            list.add(e);
        }
        return list;
    }

    private static ConnectionError closedWith(QuicConnection c) {
        ConnectionError error = null;
        for (ConnectionEvent e : events(c)) {
            if (e instanceof ConnectionEvent.Closed(ConnectionError err)) {
                error = err;
            }
        }
        return error;
    }

    @Test
    void idleConnectionsCloseAfterTheSmallerOfBothTimeouts() throws Exception {
        ConnectionPair pair = established(21, ConnectionConfig.builder().maxIdleTimeoutMillis(5_000).build(),
                ConnectionConfig.builder().maxIdleTimeoutMillis(2_000).build());
        long idleFrom = pair.network.now();
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        pair.runUntil(() -> client.state() == ConnectionState.CLOSED && server.state() == ConnectionState.CLOSED,
                30 * SECOND, 100_000);
        assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, client.closeError().kind());
        assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, server.closeError().kind());
        long idle = pair.network.now() - idleFrom;
        // min(5 s, 2 s) = 2 s, and never less than three PTOs; both sides are gone within 2.5 s.
        assertTrue(idle >= 2 * SECOND - 100 * MS && idle < 2_500 * MS, idle / MS + " ms; " + pair.describe());
    }

    @Test
    void keepAlivePingsKeepAnIdleConnectionOpen() throws Exception {
        ConnectionConfig keepAlive = ConnectionConfig.builder().maxIdleTimeoutMillis(2_000).keepAliveMillis(500)
                .build();
        ConnectionPair pair = established(22, keepAlive, ConnectionConfig.builder().maxIdleTimeoutMillis(2_000).build());
        pair.network.runFor(10 * SECOND, 100_000);
        assertEquals(ConnectionState.CONFIRMED, pair.clientSession.connection.state());
        assertEquals(ConnectionState.CONFIRMED, pair.serverSession().connection.state());
    }

    @Test
    void anApplicationCloseReachesThePeerWithItsCodeAndReason() throws Exception {
        ConnectionPair pair = established(23, ConnectionConfig.defaults(), ConnectionConfig.defaults());
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        events(server);
        client.close(42, "bye now", pair.network.now());
        assertEquals(ConnectionState.CLOSING, client.state());
        pair.runUntil(() -> server.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        ConnectionError seen = closedWith(server);
        assertNotNull(seen, pair.describe());
        assertEquals(ConnectionError.Kind.APPLICATION, seen.kind());
        assertEquals(42, seen.code());
        assertEquals("bye now", seen.reason());
        assertTrue(seen.byPeer());
        // Closing and draining last three PTOs, then both are gone.
        pair.runUntil(() -> client.state() == ConnectionState.CLOSED && server.state() == ConnectionState.CLOSED,
                10 * SECOND, 10_000);
        assertEquals(0, pair.client.endpoint.connectionCount());
        assertEquals(0, pair.server.endpoint.connectionCount());
    }

    @Test
    void aTransportCloseReachesThePeerWithItsCodeAndFrameType() throws Exception {
        ConnectionPair pair = established(24, ConnectionConfig.defaults(), ConnectionConfig.defaults());
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        events(client);
        server.closeWithError(TransportErrorCode.PROTOCOL_VIOLATION, 0x08, "test close", pair.network.now());
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        ConnectionError seen = closedWith(client);
        assertEquals(ConnectionError.Kind.TRANSPORT, seen.kind());
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, seen.transportCode());
        assertEquals(0x08, seen.frameType());
        assertEquals("test close", seen.reason());
        assertTrue(seen.byPeer());
    }

    @Test
    void aServerThatLostItsStateAnswersWithAStatelessResetTheClientDetects() throws Exception {
        ConnectionPair pair = established(25, ConnectionConfig.defaults(), ConnectionConfig.defaults());
        QuicConnection client = pair.clientSession.connection;
        // The server "reboots": its endpoint forgets the connection (closed without a word), keeping its reset key.
        QuicConnection server = pair.serverSession().connection;
        assertNotNull(server.peerTransportParameters());
        pair.server.restart();
        events(client);
        // The client sends something; the server finds no connection for it and resets.
        long stream = client.streams().openStream(true);
        client.streams().write(stream, ByteBuffer.wrap(new byte[100]), false);
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING || client.state() == ConnectionState.CLOSED,
                5 * SECOND, 10_000);
        ConnectionError seen = client.closeError();
        assertEquals(ConnectionError.Kind.STATELESS_RESET, seen.kind(), pair.describe());
        assertTrue(pair.server.endpoint.statelessResetsSent() > 0, "the rebooted server sent the reset");
    }

    /** Runs until {@code c} reports a stream event of {@code type}, and returns it. */
    private static <T extends StreamEvent> T awaitStreamEvent(ConnectionPair pair, QuicConnection c, Class<T> type) {
        List<StreamEvent> seen = new ArrayList<>();
        pair.runUntil(() -> {
            for (StreamEvent e = c.streams().pollEvent(); e != null; e = c.streams().pollEvent()) {
                seen.add(e);
            }
            return seen.stream().anyMatch(type::isInstance);
        }, 5 * SECOND, 10_000);
        return seen.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void aStreamResetReachesTheReaderWithItsCode() throws Exception {
        ConnectionPair pair = established(26, ConnectionConfig.defaults(), ConnectionConfig.defaults());
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        long id = client.streams().openStream(true);
        client.streams().write(id, ByteBuffer.wrap(new byte[5000]), false);
        pair.network.runFor(100 * MS, 10_000);
        client.streams().reset(id, 77);
        StreamEvent.ResetReceived reset = awaitStreamEvent(pair, server, StreamEvent.ResetReceived.class);
        assertEquals(id, reset.streamId());
        assertEquals(77, reset.errorCode());
        assertEquals(5000, reset.finalSize());
        StreamResetException e = assertThrows(StreamResetException.class,
                () -> server.streams().read(id, ByteBuffer.allocate(10_000)));
        assertEquals(77, e.errorCode());
    }

    @Test
    void stopSendingMakesTheSenderResetWithTheSameCode() throws Exception {
        ConnectionPair pair = established(27, ConnectionConfig.defaults(), ConnectionConfig.defaults());
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        long id = client.streams().openStream(true);
        client.streams().write(id, ByteBuffer.wrap(new byte[1000]), false);
        pair.network.runFor(100 * MS, 10_000);
        server.streams().stopSending(id, 99);
        StreamEvent.StopSendingReceived stop = awaitStreamEvent(pair, client, StreamEvent.StopSendingReceived.class);
        assertEquals(99, stop.errorCode());
        StreamResetException e = assertThrows(StreamResetException.class,
                () -> client.streams().write(id, ByteBuffer.wrap(new byte[10]), false));
        assertEquals(99, e.errorCode());
        // The RESET_STREAM the client sent in answer reaches the server with the same code.
        assertEquals(99, awaitStreamEvent(pair, server, StreamEvent.ResetReceived.class).errorCode());
    }
}
