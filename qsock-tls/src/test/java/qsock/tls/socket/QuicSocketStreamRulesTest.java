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
 * receive"; the kernel's quic_msghdr_parse, quic_stream_get and quic_sock_send_stream), on real sockets, beyond what
 * its functional tests check ({@link KernelFunctionalStreamTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSocketStreamRulesTest {

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
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
    void streamControlsRefuseStreamsNotOpenClosedResetOrOfTheWrongKind() throws Exception {
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
    void aRefusedOpenNamesThePeersLimitAndABlockingOneGoesOnWhenItRises() throws Exception {
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

    /**
     * RFC 9000 §4.6: a peer's stream whose reset the application read is over, and its slot goes back through
     * MAX_STREAMS at once, from the receive that reported the reset, even on a connection that has nothing else to
     * send (the MAX_STREAMS frame used to wait for the next packet, so a peer blocked on the limit stayed blocked).
     */
    @Test
    void readingThePeersResetHandsItsStreamBackAtOnce() throws Exception {
        ConnectionConfig oneUni = ConnectionConfig.builder().maxStreamsUni(1).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", oneUni, 16); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            client.send(text("reset me"), 2, StreamFlags.NEW);
            client.resetStream(2, 5);
            assertThrows(StreamLimitException.class, () -> client.openStream(6, StreamFlags.DONTWAIT));
            // Both ends idle first: no packet of the server's is due that the MAX_STREAMS frame could ride along with.
            Waits.until("everything either side sent is acknowledged", () -> client.statistics().bytesInFlight() == 0
                    && c.server().statistics().bytesInFlight() == 0);
            StreamResetException reset = assertThrows(StreamResetException.class, () -> {
                ByteBuffer buf = ByteBuffer.allocate(100);
                while (true) {
                    buf.clear();
                    c.server().receive(buf); // the data that arrived before the reset may come first
                }
            });
            assertEquals(2, reset.streamId());
            // Tried without waiting, so that the client sends nothing the server would answer (no STREAMS_BLOCKED).
            Waits.until("the limit rose once the server read the reset", () -> opens(client, 6));
        }
    }

    /** {@return true if stream {@code id} opens now; false while the peer's limit holds it back} */
    private static boolean opens(QuicSocket client, long id) {
        try {
            return client.openStream(id, StreamFlags.DONTWAIT) == id;
        } catch (StreamLimitException notYet) {
            return false;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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
