package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.error.StreamResetException;
import qsock.socket.FlowControlBlockedException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamAlreadyOpenException;
import qsock.socket.StreamClosedException;
import qsock.socket.StreamFlags;
import qsock.socket.StreamLimitException;
import qsock.socket.StreamNotOpenException;
import qsock.socket.WouldBlockException;

/**
 * The kernel's rules for naming, opening and closing streams through the socket (KERNEL-BEHAVIOURS "Send and
 * receive"; the kernel's quic_msghdr_parse, quic_stream_get and quic_sock_send_stream), on real sockets.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketStreamRulesTest {

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void newOnTheActiveStreamIsRefusedUntilItsFinIsSent() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            assertEquals(5, client.send(text("quic "), -1, StreamFlags.NEW), "opens stream 0");
            assertThrows(StreamAlreadyOpenException.class, () -> client.send(text("test1"), -1, StreamFlags.NEW),
                    "-1 names the active stream 0, which is in use");
            // -1 without NEW goes on with the active stream; its FIN ends it.
            assertEquals(5, client.send(text("test2"), -1, StreamFlags.FIN));
            long[] id = {-1};
            assertArrayEquals("quic test2".getBytes(StandardCharsets.US_ASCII), EchoServer.receiveStream(client, id));
            assertEquals(0, id[0]);
            // With no active stream, -1 and NEW open the next one, of the direction UNI picks.
            client.send(text("uni"), -1, StreamFlags.NEW | StreamFlags.UNI | StreamFlags.FIN);
            client.send(text("bidi"), -1, StreamFlags.NEW | StreamFlags.FIN);
            id[0] = -1;
            byte[] first = EchoServer.receiveStream(client, id);
            long firstId = id[0];
            id[0] = -1;
            byte[] second = EchoServer.receiveStream(client, id);
            long secondId = id[0];
            // The echoes may come in either order: the uni stream's on the server's stream 3, the bidi one's on 4.
            if (firstId == 4) {
                assertEquals("bidi", new String(first, StandardCharsets.US_ASCII));
                assertEquals(3, secondId);
            } else {
                assertEquals(3, firstId);
                assertEquals("uni", new String(first, StandardCharsets.US_ASCII));
                assertEquals(4, secondId);
                assertEquals("bidi", new String(second, StandardCharsets.US_ASCII));
            }
            client.close();
            assertEquals(3, echo.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void sendingToAStreamNotOpenWithoutNewIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            assertThrows(StreamNotOpenException.class, () -> client.send(text("x"), 8, 0));
            assertThrows(StreamNotOpenException.class, () -> client.send(text("x"), -1, 0),
                    "no stream is active: -1 names the next, which is not open");
            assertThrows(StreamNotOpenException.class, () -> c.server().send(text("x"), 0, 0),
                    "the client's stream 0 is the client's to open");
            assertThrows(IllegalArgumentException.class, () -> c.server().send(text("x"), 2, StreamFlags.NEW),
                    "the client's unidirectional stream 2 is receive-only for the server");
        }
    }

    @Test
    void openingAStreamOpensTheLowerOnesOfItsType() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            assertEquals(1, client.send(text("x"), 8, StreamFlags.NEW));
            // 0 and 4 are open too (RFC 9000 §3.2), unused: a send without NEW works on them, and NEW too.
            assertEquals(1, client.send(text("y"), 4, 0));
            assertEquals(1, client.send(text("z"), 0, StreamFlags.NEW | StreamFlags.FIN));
            assertEquals(12, client.openStream(-1, 0), "the next bidirectional stream is 12");
        }
    }

    @Test
    void newTwiceOnOneStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            assertEquals(5, client.send(text("quic "), 12, StreamFlags.NEW));
            assertThrows(StreamAlreadyOpenException.class, () -> client.send(text("test10"), 12, StreamFlags.NEW));
            assertEquals(6, client.send(text("test11"), 12, StreamFlags.FIN), "the stream itself goes on");
        }
    }

    @Test
    void openStreamOpensAGivenIdTheNextBidirectionalAndTheNextUnidirectional() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            assertEquals(6, client.openStream(6, 0), "uni stream 6, with 2 before it");
            assertEquals(0, client.openStream(-1, 0));
            assertEquals(10, client.openStream(-1, StreamFlags.UNI));
            assertEquals(1, client.send(text("x"), 2, 0), "stream 2 was opened with 6");
            // Opened and unused: opening it again returns it, as the kernel's STREAM_OPEN does.
            assertEquals(10, client.openStream(10, 0));
            // The active stream is the one opened last: -1 names it.
            assertEquals(1, client.send(text("y"), -1, StreamFlags.FIN));
            assertThrows(StreamClosedException.class, () -> client.send(text("z"), 10, 0), "10 got the FIN");
            assertThrows(IllegalArgumentException.class, () -> client.openStream(1, 0), "1 is the server's");
        }
    }

    @Test
    void openingOrNewOnAClosedStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            client.send(text("one"), -1, StreamFlags.NEW | StreamFlags.FIN);
            EchoServer.receiveStream(client, new long[] {-1});
            assertThrows(StreamClosedException.class, () -> client.openStream(0, 0));
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), 0, StreamFlags.NEW));
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), 0, 0));
            client.close();
            echo.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sendingOnAStreamResetLocallyOrStoppedByThePeerIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            long reset = client.openStream(-1, 0);
            client.send(text("data"), reset, 0);
            client.resetStream(reset, 5);
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), reset, 0));
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), reset, StreamFlags.FIN));
            assertThrows(StreamNotOpenException.class, () -> client.send(text("x"), -1, 0),
                    "a reset stream is no longer active");

            long stopped = client.openStream(-1, 0);
            client.send(text("data"), stopped, 0);
            // The server reads until the second stream's data (the first one's reset comes before it, maybe).
            for (int i = 0; i < 10; i++) {
                try {
                    if (c.server().receive(ByteBuffer.allocate(100)).streamId() == stopped) {
                        break;
                    }
                } catch (StreamResetException firstStream) {
                    assertEquals(reset, firstStream.streamId());
                }
            }
            c.server().stopSending(stopped, 9);
            Waits.until("the STOP_SENDING arrived", () -> {
                try {
                    client.send(text("x"), stopped, 0);
                    return false;
                } catch (StreamResetException e) {
                    return e.errorCode() == 9;
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
            StreamResetException e = assertThrows(StreamResetException.class,
                    () -> client.send(ByteBuffer.allocate(0), stopped, StreamFlags.FIN));
            assertEquals(9, e.errorCode());
        }
    }

    @Test
    void resettingAClosedOrNeverOpenedStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            assertThrows(StreamNotOpenException.class, () -> client.resetStream(4, 1), "never opened");
            client.send(text("done"), -1, StreamFlags.NEW | StreamFlags.FIN);
            EchoServer.receiveStream(client, new long[] {-1});
            Waits.until("stream 0 is closed at both ends", () -> {
                try {
                    client.resetStream(0, 1);
                    throw new AssertionError("a reset of stream 0 was taken");
                } catch (StreamClosedException closed) {
                    return true;
                } catch (java.io.IOException other) {
                    throw new AssertionError(other);
                }
            });
            long open = client.openStream(-1, 0);
            client.send(text("x"), open, 0);
            client.resetStream(open, 1);
            assertThrows(StreamClosedException.class, () -> client.resetStream(open, 2), "reset already");
            assertThrows(StreamNotOpenException.class, () -> client.stopSending(9, 1), "never opened");
            assertThrows(IllegalArgumentException.class, () -> client.stopSending(2, 1),
                    "our unidirectional stream has no receiving part");
            client.close();
            // The echo server ends at the reset stream or at the close; either way it ends.
            assertThrows(java.util.concurrent.ExecutionException.class, () -> echo.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void opensBeyondThePeersLimitWaitOrFailAtOnceAndGoOnWhenItRises() throws Exception {
        ConnectionConfig twoStreams = ConnectionConfig.builder().maxStreamsBidi(2).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", twoStreams, 16); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            client.send(text("a"), 0, StreamFlags.NEW | StreamFlags.FIN);
            client.send(text("b"), 4, StreamFlags.NEW | StreamFlags.FIN);
            StreamLimitException refused = assertThrows(StreamLimitException.class,
                    () -> client.send(text("c"), 8, StreamFlags.NEW | StreamFlags.FIN | StreamFlags.DONTWAIT));
            assertEquals(2, refused.maxStreams());
            assertThrows(StreamLimitException.class, () -> client.openStream(8, StreamFlags.DONTWAIT));
            assertTrue(refused instanceof WouldBlockException, "the kernel's EAGAIN");
            // A blocking send waits for the limit to rise: the server's echoes close streams 0 and 4.
            Future<Integer> blocked = loopback.background(() -> client.send(text("c"), 8,
                    StreamFlags.NEW | StreamFlags.FIN));
            Waits.untilBlocked(client);
            assertFalse(blocked.isDone());
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            assertEquals(1, blocked.get(10, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                EchoServer.receiveStream(client, new long[] {-1});
            }
            client.close();
            assertEquals(3, echo.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aNonBlockingSendHeldByFlowControlFailsWithTheKernelsError() throws Exception {
        // The server lets no byte of a stream in: what the client's stream buffer (4 KiB) takes stays there.
        ConnectionConfig server = ConnectionConfig.builder().initialMaxStreamData(0).build();
        ConnectionConfig client = ConnectionConfig.builder().streamSendBufferSize(4096).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect(client)) {
            QuicSocket sender = c.client();
            long id = sender.openStream(-1, 0);
            ByteBuffer data = ByteBuffer.allocate(64 << 10);
            int taken = sender.send(data, id, StreamFlags.DONTWAIT);
            assertEquals(4096, taken, "what fitted");
            FlowControlBlockedException e = assertThrows(FlowControlBlockedException.class,
                    () -> sender.send(data, id, StreamFlags.DONTWAIT));
            assertEquals(id, e.streamId());
            assertEquals(0, sender.trySend(data, id, 0), "trySend says 0 instead");
            sender.configureBlocking(false);
            assertThrows(FlowControlBlockedException.class, () -> sender.send(data, id, 0),
                    "non-blocking mode is DONTWAIT");
        }
    }

    @Test
    void anEmptySendEndsAStreamOnlyWithFin() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            long id = client.openStream(-1, 0);
            assertThrows(IllegalArgumentException.class, () -> client.send(ByteBuffer.allocate(0), id, 0));
            assertEquals(0, client.send(ByteBuffer.allocate(0), id, StreamFlags.FIN));
            long[] got = {-1};
            assertEquals(0, EchoServer.receiveStream(c.server(), got).length);
            assertEquals(id, got[0]);
        }
    }
}
