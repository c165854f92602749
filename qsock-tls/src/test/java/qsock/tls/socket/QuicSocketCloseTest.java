package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.socket.ClosedConnectionException;
import qsock.socket.ConnectionCloseInfo;
import qsock.socket.QuicEvent;
import qsock.socket.StreamLimitException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.ShutdownHow;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/** Closing, shutdown, non-blocking mode, timeouts and failed handshakes over real UDP on loopback. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketCloseTest {

    @Test
    void closeWithCodeAndReasonIsSeenByThePeer() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.server().setOption(QuicSocketOptions.EVENT, java.util.Set.of(QuicEvent.Type.CONNECTION_CLOSE));
            Future<IOException> blocked = loopback.background(() -> expectFailure(c.server()));
            c.client().close(42, "bye now");
            ClosedConnectionException e = assertInstanceOf(ClosedConnectionException.class, blocked.get(10, TimeUnit.SECONDS));
            ConnectionError error = e.error();
            assertEquals(ConnectionError.Kind.APPLICATION, error.kind());
            assertEquals(42, error.code());
            assertEquals("bye now", error.reason());
            assertTrue(error.byPeer());
            assertEquals(new ConnectionCloseInfo(42, 0, "bye now"), c.server().getOption(QuicSocketOptions.CONNECTION_CLOSE));
            assertInstanceOf(QuicEvent.ConnectionClose.class, lastEvent(c.server()));
            assertThrows(ClosedChannelException.class, () -> c.client().send(ByteBuffer.allocate(1), -1, StreamFlags.NEW));
        }
    }

    @Test
    void closeSendsTheConnectionCloseOption() throws Exception {
        try (Loopback loopback = Loopback.listen("::1"); Loopback.Connection c = loopback.connect()) {
            c.server().setOption(QuicSocketOptions.CONNECTION_CLOSE, ConnectionCloseInfo.of(7, "server done"));
            Future<IOException> blocked = loopback.background(() -> expectFailure(c.client()));
            c.server().close();
            ClosedConnectionException e = assertInstanceOf(ClosedConnectionException.class, blocked.get(10, TimeUnit.SECONDS));
            assertEquals(7, e.error().code());
            assertEquals("server done", e.error().reason());
        }
    }

    /**
     * The close information set reads back without its frame type, as in the kernel: close() sends an application's
     * CONNECTION_CLOSE, which has none (RFC 9000 §19.19), so the option reads what is sent.
     */
    @Test
    void theCloseOptionDropsTheFrameTypeAnApplicationCloseCannotCarry() throws Exception {
        try (QuicSocket socket = QuicSocket.open()) {
            socket.setOption(QuicSocketOptions.CONNECTION_CLOSE, new ConnectionCloseInfo(10, 1, "app err"));
            assertEquals(new ConnectionCloseInfo(10, 0, "app err"),
                    socket.getOption(QuicSocketOptions.CONNECTION_CLOSE));
        }
    }

    @Test
    void shutdownBothWakesABlockedReceiveAndThePeerSeesTheClose() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<IOException> local = loopback.background(() -> expectFailure(c.client()));
            Waits.untilBlocked(c.client());
            Future<IOException> remote = loopback.background(() -> expectFailure(c.server()));
            c.client().setOption(QuicSocketOptions.CONNECTION_CLOSE, ConnectionCloseInfo.of(3, "shutting down"));
            c.client().shutdown(ShutdownHow.BOTH);
            IOException woken = local.get(10, TimeUnit.SECONDS);
            assertTrue(woken instanceof AsynchronousCloseException || woken instanceof ClosedConnectionException,
                    woken.toString());
            ClosedConnectionException seen = assertInstanceOf(ClosedConnectionException.class, remote.get(10, TimeUnit.SECONDS));
            assertEquals(3, seen.error().code());
            assertThrows(ClosedConnectionException.class,
                    () -> c.client().send(ByteBuffer.allocate(1), -1, StreamFlags.NEW));
        }
    }

    @Test
    void shutdownReadWakesABlockedReceiveAndLeavesSendingAlone() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<IOException> blocked = loopback.background(() -> expectFailure(c.client()));
            Waits.untilBlocked(c.client());
            c.client().shutdown(ShutdownHow.READ);
            assertInstanceOf(AsynchronousCloseException.class, blocked.get(10, TimeUnit.SECONDS));
            assertThrows(ClosedChannelException.class, () -> c.client().receive(ByteBuffer.allocate(10)));
            byte[] hello = {1, 2, 3};
            c.client().send(ByteBuffer.wrap(hello), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals(3, EchoServer.receiveStream(c.server(), new long[] {-1}).length);
            assertTrue(c.client().state().isEstablished());
        }
    }

    @Test
    void interruptingABlockedReceiveLeavesTheConnectionUsable() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Thread[] receiver = new Thread[1];
            Future<IOException> blocked = loopback.background(() -> {
                receiver[0] = Thread.currentThread();
                return expectFailure(c.client());
            });
            Waits.untilBlocked(c.client());
            receiver[0].interrupt();
            assertInstanceOf(java.io.InterruptedIOException.class, blocked.get(10, TimeUnit.SECONDS));
            c.server().send(ByteBuffer.wrap(new byte[] {7}), -1, StreamFlags.NEW | StreamFlags.UNI | StreamFlags.FIN);
            assertEquals(1, EchoServer.receiveStream(c.client(), new long[] {-1}).length);
        }
    }

    @Test
    void shutdownBothWakesABlockedAccept() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            Future<IOException> blocked = loopback.background(() -> {
                try {
                    loopback.listener.accept();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            Waits.untilBlocked(loopback.listener);
            loopback.listener.shutdown(ShutdownHow.BOTH);
            assertInstanceOf(AsynchronousCloseException.class, blocked.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void nonBlockingCallsReturnAtOnce() throws Exception {
        ConnectionConfig twoStreams = ConnectionConfig.builder().maxStreamsBidi(2).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", twoStreams, 16); Loopback.Connection c = loopback.connect()) {
            loopback.listener.configureBlocking(false);
            assertNull(loopback.listener.accept());
            c.client().configureBlocking(false);
            assertNull(c.client().receive(ByteBuffer.allocate(10)));
            assertEquals(0, c.client().openStream(StreamFlags.NEW));
            assertEquals(4, c.client().openStream(StreamFlags.NEW));
            assertThrows(StreamLimitException.class, () -> c.client().openStream(StreamFlags.NEW),
                    "the server allows two streams");
            // Stream 4 is the active one, open and unused: NEW names it, and the send takes all.
            assertThrows(StreamLimitException.class, () -> c.client().send(ByteBuffer.allocate(10), 8,
                    StreamFlags.NEW));
            // Blocking mode with DONTWAIT does not wait either.
            c.client().configureBlocking(true);
            assertThrows(StreamLimitException.class, () -> c.client().openStream(StreamFlags.NEW | StreamFlags.DONTWAIT));
            assertEquals(3, c.client().send(ByteBuffer.allocate(3), 4, StreamFlags.DONTWAIT | StreamFlags.FIN));
        }
    }

    @Test
    void refusedOpenIsFollowedByAMaxStreamsEventOnceStreamsClose() throws Exception {
        ConnectionConfig twoStreams = ConnectionConfig.builder().maxStreamsBidi(2).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", twoStreams, 16); Loopback.Connection c = loopback.connect()) {
            c.client().setOption(QuicSocketOptions.EVENT, java.util.Set.of(QuicEvent.Type.STREAM_MAX_STREAM));
            assertEquals(1, c.client().send(ByteBuffer.wrap(new byte[] {1}), -1, StreamFlags.NEW | StreamFlags.FIN));
            assertEquals(1, c.client().send(ByteBuffer.wrap(new byte[] {2}), -1, StreamFlags.NEW | StreamFlags.FIN));
            assertThrows(StreamLimitException.class, () -> c.client().openStream(StreamFlags.NEW | StreamFlags.DONTWAIT));
            // Only now does the server answer, so that the streams cannot have closed before the refusal.
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            for (int i = 0; i < 2; i++) {
                EchoServer.receiveStream(c.client(), new long[] {-1});
            }
            // Both streams closed at both ends: the server raises its limit, and the refused open may go on.
            assertEquals(8, c.client().openStream(StreamFlags.NEW));
            QuicEvent.MaxStreams raised = null;
            for (QuicEvent e = c.client().pollEvent(); e != null; e = c.client().pollEvent()) {
                if (e instanceof QuicEvent.MaxStreams m) {
                    raised = m;
                }
            }
            assertTrue(raised != null && raised.bidirectional() && raised.maxStreams() >= 3, String.valueOf(raised));
            c.client().close();
            assertEquals(2, echo.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void blockingCallsTimeOut() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.client().setOption(QuicSocketOptions.TIMEOUT, Duration.ofMillis(200));
            assertThrows(SocketTimeoutException.class, () -> c.client().receive(ByteBuffer.allocate(10)));
            loopback.listener.setOption(QuicSocketOptions.TIMEOUT, Duration.ofMillis(200));
            assertThrows(SocketTimeoutException.class, loopback.listener::accept);
            assertTrue(c.client().state().isEstablished(), "a timeout leaves the connection alone");
        }
    }

    @Test
    void handshakeTimesOutWhenNobodyListensAndClosesTheConnection() throws Exception {
        try (QuicSocket deaf = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket client = QuicSocket.open()) {
            client.connect(deaf.localAddress());
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> QuicHandshake.clientHandshake(client, Loopback.clientTls(), Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            // The message says what was awaited and what the connection saw: nothing came back.
            assertTrue(e.getMessage().contains("client handshake in WAIT_SERVER_HELLO"), e.getMessage());
            assertTrue(e.getMessage().contains("packetsReceived=0"), e.getMessage());
            assertThrows(ClosedChannelException.class, () -> client.receive(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void handshakeWithAnUntrustedCertificateFailsOnBothSidesNamingTheAlert() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            Future<IOException> server = loopback.background(() -> {
                try (QuicSocket s = loopback.listener.accept()) {
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loopback.address);
                IOException clientError = assertThrows(IOException.class,
                        () -> QuicHandshake.clientHandshake(client, Loopback.clientTls("rsa"), Loopback.HANDSHAKE_TIMEOUT));
                IOException serverError = server.get(10, TimeUnit.SECONDS);
                assertTrue(serverError != null, "the server's handshake must fail too");
                String alert = "unknown_ca";
                assertTrue(clientError.getMessage().contains("sent TLS alert " + alert), clientError.getMessage());
                assertTrue(serverError.getMessage().contains("peer sent TLS alert " + alert), serverError.getMessage());
            }
        }
    }

    /** Blocks in receive until it fails; {@return the failure} */
    private static IOException expectFailure(QuicSocket socket) {
        try {
            socket.receive(ByteBuffer.allocate(100));
            throw new AssertionError("receive returned");
        } catch (IOException e) {
            return e;
        }
    }

    private static QuicEvent lastEvent(QuicSocket socket) {
        QuicEvent last = null;
        for (QuicEvent e = socket.pollEvent(); e != null; e = socket.pollEvent()) {
            last = e;
        }
        return last;
    }

    static {
        // Referenced so that a failing future shows its cause in the assertion message.
        ExecutionException.class.getName();
    }
}
