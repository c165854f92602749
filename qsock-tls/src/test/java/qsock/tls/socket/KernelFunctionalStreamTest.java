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
import qsock.socket.QuicSocket;
import qsock.socket.StreamAlreadyOpenException;
import qsock.socket.StreamClosedException;
import qsock.socket.StreamFlags;
import qsock.socket.StreamLimitException;
import qsock.socket.StreamNotOpenException;
import qsock.socket.WouldBlockException;

/**
 * The kernel module's functional tests of streams (tests/func_test.c, do_client_stream_test; lines 1 to 10 of the list
 * in KERNEL-BEHAVIOURS.md), one test per line, on real sockets on loopback against an echo server: what the kernel
 * refuses with an errno, qsock refuses with the exception that names it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KernelFunctionalStreamTest {

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@return the next stream the echo server answered, as text; its ID in {@code id[0]}} */
    private static String echo(QuicSocket client, long[] id) throws Exception {
        id[0] = -1;
        return new String(EchoServer.receiveStream(client, id), StandardCharsets.US_ASCII);
    }

    /** Line 1: opening a new stream is refused while the last opened stream is not closed (sid -1 semantics). */
    @Test
    void openingANewStreamIsRefusedWhileTheLastOpenedStreamIsNotClosed() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            assertEquals(5, client.send(text("quic "), -1, StreamFlags.NEW), "opens stream 0");
            assertThrows(StreamAlreadyOpenException.class, () -> client.send(text("test1"), -1, StreamFlags.NEW),
                    "-1 names the active stream 0, in use: no new stream while it is open");
            assertEquals(5, client.send(text("test2"), -1, StreamFlags.FIN), "-1 goes on with stream 0");
            long[] id = {-1};
            assertEquals("quic test2", echo(client, id));
            assertEquals(0, id[0]);
            client.close();
            assertEquals(1, echo.get(10, TimeUnit.SECONDS));
        }
    }

    /** Line 2: the new-stream flag opens a stream; again the next one; again the next bidirectional one. */
    @Test
    void theNewStreamFlagOpensAStreamThenTheNextThenTheNextBidirectional() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            long[] id = {-1};
            client.send(text("quic test2"), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals("quic test2", echo(client, id));
            assertEquals(0, id[0]);
            client.send(text("quic test3"), -1, StreamFlags.NEW | StreamFlags.FIN | StreamFlags.UNI);
            assertEquals("quic test3", echo(client, id));
            assertEquals(3, id[0], "stream 2 echoed on the server's first unidirectional stream");
            client.send(text("quic test4"), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals("quic test4", echo(client, id));
            assertEquals(4, id[0], "the next bidirectional stream");
        }
    }

    /** Line 3: STREAM_OPEN on a closed stream is refused. */
    @Test
    void streamOpenOnAClosedStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            client.send(text("quic test2"), -1, StreamFlags.NEW | StreamFlags.FIN);
            echo(client, new long[1]);
            assertThrows(StreamClosedException.class, () -> client.openStream(0, 0));
        }
    }

    /** Line 4: STREAM_OPEN opens a given ID, the next bidirectional, the next unidirectional. */
    @Test
    void streamOpenOpensAGivenIdTheNextBidirectionalAndTheNextUnidirectional() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            long[] id = {-1};
            assertEquals(6, client.openStream(6, 0));
            client.send(text("quic test6"), -1, StreamFlags.FIN);
            assertEquals("quic test6", echo(client, id));
            assertEquals(0, client.openStream(-1, 0), "the next bidirectional");
            client.send(text("quic test7"), -1, StreamFlags.FIN);
            assertEquals("quic test7", echo(client, id));
            assertEquals(0, id[0]);
            assertEquals(10, client.openStream(-1, StreamFlags.UNI), "6 then 10: 2 was opened with 6");
            client.send(text("quic test8"), -1, StreamFlags.FIN);
            assertEquals("quic test8", echo(client, id));
        }
    }

    /** Line 5: the new-stream flag on a closed stream, or twice on one stream, is refused. */
    @Test
    void theNewStreamFlagOnAClosedStreamOrTwiceOnOneStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            long[] id = {-1};
            client.send(text("quic test2"), -1, StreamFlags.NEW | StreamFlags.FIN);
            echo(client, id);
            assertThrows(StreamClosedException.class, () -> client.send(text("quic "), 0, StreamFlags.NEW));
            assertEquals(5, client.send(text("quic "), 12, StreamFlags.NEW));
            assertThrows(StreamAlreadyOpenException.class, () -> client.send(text("test10"), 12, StreamFlags.NEW));
            client.send(text("test11"), 12, StreamFlags.FIN);
            assertEquals("quic test11", echo(client, id));
            assertEquals(12, id[0]);
        }
    }

    /**
     * Line 6: a send with a given stream ID works; sid -1 with the new-stream flag is refused while the old stream is
     * open; sid -1 opens the next unidirectional and the next bidirectional stream.
     */
    @Test
    void sendWithAGivenIdWorksAndMinusOneOpensTheNextUniAndBidiButNotWhileTheOldIsOpen() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            long[] id = {-1};
            client.send(text("quic test11"), 12, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals("quic test11", echo(client, id));
            assertEquals(12, id[0]);
            client.send(text("quic "), -1, StreamFlags.NEW | StreamFlags.UNI);
            assertThrows(StreamAlreadyOpenException.class,
                    () -> client.send(text("test12"), -1, StreamFlags.NEW | StreamFlags.UNI));
            client.send(text("test13"), -1, StreamFlags.FIN);
            assertEquals("quic test13", echo(client, id));
            assertEquals(3, id[0], "the client's uni stream 2 echoed on the server's 3");
            client.send(text("quic test14"), -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals("quic test14", echo(client, id));
            assertEquals(16, id[0], "the next bidirectional after 12");
        }
    }

    /** Line 7: several streams open; sends on the first and on the second work; sending on a closed one is refused. */
    @Test
    void severalStreamsOpenSendsOnEachWorkAndSendingOnAClosedOneIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            long[] id = {-1};
            assertEquals(18, client.openStream(18, StreamFlags.UNI));
            assertEquals(20, client.openStream(20, 0));
            client.send(text("quic test15"), 18, StreamFlags.FIN);
            assertEquals("quic test15", echo(client, id));
            client.send(text("quic test16"), 20, StreamFlags.FIN);
            assertEquals("quic test16", echo(client, id));
            assertEquals(20, id[0]);
            assertThrows(StreamClosedException.class, () -> client.send(text("quic test17"), 20, StreamFlags.FIN));
        }
    }

    /**
     * Line 8: sends with IDs above the original bidirectional and unidirectional limits block, or fail with "try
     * again" (DONTWAIT), and work once the peer raised the limits; the same through STREAM_OPEN.
     */
    @Test
    void sendsAboveThePeersLimitsBlockOrFailWithTryAgainAndWorkOnceTheyRise() throws Exception {
        ConnectionConfig small = ConnectionConfig.builder().maxStreamsBidi(2).maxStreamsUni(2).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", small, 4); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            // Bidirectional 0 and 4, unidirectional 2 and 6 fill the limits; 8 and 10 are beyond them.
            client.send(text("a"), 4, StreamFlags.NEW);
            client.send(text("b"), 6, StreamFlags.NEW);
            assertThrows(StreamLimitException.class,
                    () -> client.send(text("c"), 8, StreamFlags.NEW | StreamFlags.FIN | StreamFlags.DONTWAIT));
            assertThrows(StreamLimitException.class,
                    () -> client.send(text("c"), 10, StreamFlags.NEW | StreamFlags.FIN | StreamFlags.DONTWAIT));
            assertThrows(StreamLimitException.class, () -> client.openStream(8, StreamFlags.DONTWAIT));
            WouldBlockException tryAgain = assertThrows(StreamLimitException.class,
                    () -> client.openStream(10, StreamFlags.DONTWAIT));
            assertTrue(tryAgain.getMessage().contains("unidirectional"), tryAgain.getMessage());
            // A blocking send waits; the streams end at both sides, the server raises its limits, and it goes on.
            Future<Integer> bidi = loopback.background(() -> client.send(text("quic test21"), 8,
                    StreamFlags.NEW | StreamFlags.FIN));
            Future<Long> uni = loopback.background(() -> client.openStream(10, 0));
            Waits.until("both wait for the limits", () -> client.blockedCalls() >= 2);
            assertFalse(bidi.isDone() || uni.isDone());
            loopback.background(() -> EchoServer.run(c.server()));
            for (long s : new long[] {0, 2, 4, 6}) {
                client.send(ByteBuffer.allocate(0), s, StreamFlags.FIN);
            }
            assertEquals(11, bidi.get(10, TimeUnit.SECONDS));
            assertEquals(10, uni.get(10, TimeUnit.SECONDS));
        }
    }

    /** Line 9: resetting a closed or never-opened stream is refused; resetting an open one works. */
    @Test
    void resettingAClosedOrNeverOpenedStreamIsRefusedAndAnOpenOneWorks() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            loopback.background(() -> EchoServer.run(c.server()));
            QuicSocket client = c.client();
            client.send(text("done"), -1, StreamFlags.NEW | StreamFlags.FIN);
            echo(client, new long[1]);
            Waits.until("stream 0 is closed at both ends", () -> refusedAsClosed(client, 0));
            assertThrows(StreamNotOpenException.class, () -> client.resetStream(444, 1), "never opened");
            client.send(text("client reset"), 8, StreamFlags.NEW);
            client.resetStream(8, 1);
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), 8, 0), "reset");
        }
    }

    /** {@return true if a reset of stream {@code id} is refused because the stream is closed} */
    private static boolean refusedAsClosed(QuicSocket client, long id) {
        try {
            client.resetStream(id, 1);
            throw new AssertionError("a reset of stream " + id + " was taken");
        } catch (StreamClosedException closed) {
            return true;
        } catch (java.io.IOException other) {
            throw new AssertionError(other);
        }
    }

    /** Line 10: sending, with or without FIN, on a stream reset locally or stopped by the peer is refused. */
    @Test
    void sendingOnAStreamResetLocallyOrStoppedByThePeerIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            client.send(text("client reset"), 0, StreamFlags.NEW);
            client.resetStream(0, 1);
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), 0, 0));
            assertThrows(StreamClosedException.class, () -> client.send(text("x"), 0, StreamFlags.FIN));

            client.send(text("stop me"), 4, StreamFlags.NEW);
            Waits.until("the server read stream 4", () -> readsStream(c.server(), 4));
            c.server().stopSending(4, 9);
            Waits.until("the STOP_SENDING arrived", () -> stopped(client, 4));
            StreamResetException e = assertThrows(StreamResetException.class,
                    () -> client.send(ByteBuffer.allocate(0), 4, StreamFlags.FIN));
            assertEquals(9, e.errorCode());
        }
    }

    /** {@return true if a receive on the server gives stream {@code id}'s data; a reset of another is skipped} */
    private static boolean readsStream(QuicSocket server, long id) {
        try {
            return server.receive(ByteBuffer.allocate(100)).streamId() == id;
        } catch (StreamResetException other) {
            return false;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {@return true once a send on {@code id} throws the peer's STOP_SENDING} */
    private static boolean stopped(QuicSocket client, long id) {
        try {
            client.send(text("x"), id, 0);
            return false;
        } catch (StreamResetException e) {
            return true;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
