package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.StreamResetException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.QuicStreamChannel;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.socket.StreamClosedException;
import qsock.socket.StreamNotOpenException;

/** Streams peeled off as channels of their own (the draft's QUIC_SOCKOPT_STREAM_PEELOFF), over real UDP on loopback. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicStreamChannelTest {

    /** More than any test sends on one stream: a read loop past it has gone wrong. */
    private static final int MAX_READ = 1 << 20;

    @Test
    void aPeeledBidirectionalStreamCarriesBytesBothWays() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel client = c.client().peelOff(id);
            assertEquals(id, client.streamId());
            assertSame(c.client(), client.socket());
            assertTrue(client.isOpen());
            assertEquals(5, client.write(ascii("hello")));

            // The server hears of the stream from its first bytes, then peels it off for the rest.
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            StreamMessage first = receiveFrom(c.server(), id, got);
            assertFalse(first.fin());
            QuicStreamChannel server = c.server().peelOff(id);
            readExactly(server, 5 - got.size(), got);
            assertEquals("hello", got.toString(StandardCharsets.US_ASCII));

            assertEquals(5, server.write(ascii("world")));
            assertEquals("world", readExactly(client, 5, new ByteArrayOutputStream()).toString(StandardCharsets.US_ASCII));
            assertEquals(5, client.write(ascii("again")));
            assertEquals("again", readExactly(server, 5, new ByteArrayOutputStream()).toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aReadAfterThePeersFinReturnsMinusOne() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel client = c.client().peelOff(id);
            client.write(ascii("?"));
            receiveFrom(c.server(), id, new ByteArrayOutputStream());
            c.server().send(ascii("the answer"), id, StreamFlags.FIN);

            assertEquals("the answer", readToEnd(client).toString(StandardCharsets.US_ASCII));
            assertEquals(-1, client.read(ByteBuffer.allocate(10)), "the end stays the end");
        }
    }

    @Test
    void theSocketsReceivePassesAPeeledStreamByWhileOthersStillCome() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long peeledId = c.client().openStream(0);
            long otherId = c.client().openStream(0);
            c.client().send(ascii("x"), peeledId, 0);
            c.client().send(ascii("y"), otherId, 0);
            QuicStreamChannel peeled = c.client().peelOff(peeledId);
            java.util.Set<Long> heard = new java.util.HashSet<>();
            for (int i = 0; i < 100 && heard.size() < 2; i++) {
                StreamMessage m = c.server().receive(ByteBuffer.allocate(100));
                heard.add(m.streamId());
            }
            assertEquals(java.util.Set.of(peeledId, otherId), heard, "the server knows both streams");

            // The peeled stream has bytes waiting (one read of a thousand) before the other stream's arrive, so a
            // receive that did not pass it by would return them first.
            c.server().send(ByteBuffer.wrap(new byte[1000]), peeledId, 0);
            assertEquals(1, peeled.read(ByteBuffer.allocate(1)));
            c.server().send(ascii("other"), otherId, StreamFlags.FIN);
            ByteArrayOutputStream other = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int i = 0; i < 100; i++) {
                buf.clear();
                StreamMessage m = c.client().receive(buf);
                assertEquals(otherId, m.streamId(), "the socket's receive returned the peeled stream's data");
                other.write(buf.array(), 0, m.length());
                if (m.fin()) {
                    break;
                }
            }
            assertEquals("other", other.toString(StandardCharsets.US_ASCII));
            c.client().configureBlocking(false);
            assertNull(c.client().receive(buf), "nothing for the socket, though the peeled stream has bytes");
            assertEquals(999, readExactly(peeled, 999, new ByteArrayOutputStream()).size());
        }
    }

    @Test
    void theSocketRefusesToSendOnAPeeledStream() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            c.client().peelOff(id);
            IOException refused = assertThrows(IOException.class, () -> c.client().send(ascii("no"), id, 0));
            assertTrue(refused.getMessage().contains("peeled off"), refused.getMessage());
        }
    }

    @Test
    void aNonBlockingChannelReadsZeroAndWritesWhatFits() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicStreamChannel ch = c.client().peelOff(c.client().openStream(0));
            ch.configureBlocking(false);
            assertFalse(ch.isBlocking());
            assertTrue(c.client().isBlocking(), "the socket keeps its own mode");

            assertEquals(0, ch.read(ByteBuffer.allocate(100)), "nothing is there");
            // More than the stream's send buffer (1 MiB by default) can hold: what fits is taken, the rest left.
            ByteBuffer big = ByteBuffer.allocate(4 << 20);
            int n = ch.write(big);
            assertTrue(n > 0 && n < big.capacity(), "took " + n);
            assertEquals(big.capacity() - n, big.remaining());
        }
    }

    @Test
    void aBlockingChannelWaitsOnANonBlockingSocketPastTheSocketsTimeout() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("?"));
            receiveFrom(c.server(), id, new ByteArrayOutputStream());
            c.client().configureBlocking(false);
            c.client().setOption(QuicSocketOptions.TIMEOUT, Duration.ofMillis(1));

            Future<Integer> read = loopback.background(() -> ch.read(ByteBuffer.allocate(100)));
            Waits.untilBlocked(c.client());
            c.server().send(ascii("late"), id, 0);
            assertEquals(4, read.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void theChannelsOwnTimeoutEndsABlockedRead() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicStreamChannel ch = c.client().peelOff(c.client().openStream(0));
            ch.setTimeout(Duration.ofMillis(200));
            assertEquals(Duration.ofMillis(200), ch.timeout());
            assertNull(c.client().getOption(QuicSocketOptions.TIMEOUT), "the socket waits for ever");
            assertThrows(SocketTimeoutException.class, () -> ch.read(ByteBuffer.allocate(10)));
            assertTrue(ch.isOpen(), "a timeout leaves the channel usable");
            assertThrows(IllegalArgumentException.class, () -> ch.setTimeout(Duration.ZERO));
        }
    }

    @Test
    void shutdownInputReachesThePeerAsStopSendingWithItsCode() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("x"));
            receiveFrom(c.server(), id, new ByteArrayOutputStream());

            ch.shutdownInput(42);
            assertEquals(-1, ch.read(ByteBuffer.allocate(10)), "no more input");
            StreamResetException e = assertThrows(StreamResetException.class, () -> {
                for (int i = 0; i < 10_000; i++) {
                    c.server().send(ByteBuffer.allocate(10_000), id, 0);
                }
            });
            assertEquals(id, e.streamId());
            assertEquals(42, e.errorCode());
            // The other direction is untouched.
            assertEquals(2, ch.write(ascii("ok")));
        }
    }

    @Test
    void shutdownOutputReachesThePeerAsFin() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("bye"));
            ch.shutdownOutput();
            assertThrows(ClosedChannelException.class, () -> ch.write(ascii("more")));

            assertEquals("bye", receiveStreamToEnd(c.server(), id).toString(StandardCharsets.US_ASCII));
            // The other direction is untouched.
            c.server().send(ascii("reply"), id, StreamFlags.FIN);
            assertEquals("reply", readToEnd(ch).toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void closeSendsFinAndStopSendingWithTheCloseErrorCode() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.server().setOption(qsock.socket.QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.setCloseErrorCode(9);
            ch.write(ascii("last"));
            ch.close();
            assertFalse(ch.isOpen());
            assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(10)));
            assertThrows(ClosedChannelException.class, () -> ch.write(ascii("x")));

            assertEquals("last", receiveStreamToEnd(c.server(), id).toString(StandardCharsets.US_ASCII));
            // The server's sending part, never used, was reset by the STOP_SENDING (RFC 9000 §3.5). Its send would
            // fail only until the stream ends and is forgotten, which may come first: the event stays.
            QuicEvent stopped = new QuicEvent.StreamUpdate(id, QuicEvent.StreamState.SEND_RESET_SENT, 9, 0);
            java.util.List<QuicEvent> events = new java.util.ArrayList<>();
            Waits.until("the server hears STOP_SENDING with code 9", () -> {
                for (QuicEvent e = c.server().pollEvent(); e != null; e = c.server().pollEvent()) {
                    events.add(e);
                }
                return events.contains(stopped);
            }, events::toString);
        }
    }

    @Test
    void closingAFinishedStreamSendsNothing() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("q"));
            ch.shutdownOutput();
            receiveStreamToEnd(c.server(), id);
            c.server().send(ascii("a"), id, StreamFlags.FIN);

            // Once everything either side sent is acknowledged, the client has its FIN acknowledged and the answer
            // with its FIN in (unread), and nothing else to send: a packet it sends now can only be one the close
            // made, a FIN or a STOP_SENDING the stream's state does not permit.
            Waits.until("nothing is in flight either way", () -> c.client().statistics().bytesInFlight() == 0
                    && c.server().statistics().bytesInFlight() == 0);
            long sent = c.client().statistics().packetsSent();
            ch.close();
            assertEquals(sent, c.client().statistics().packetsSent(), "the close sent a packet");
            assertFalse(ch.isOpen());
            // The unread answer was dropped, so the stream ended and the connection forgot it.
            assertThrows(StreamClosedException.class, () -> c.client().peelOff(id));
        }
    }

    @Test
    void closingAStreamResetBothWaysSendsNothing() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("x"));
            receiveFrom(c.server(), id, new ByteArrayOutputStream());
            // Our sending part reset through the socket, the peer's too: neither a FIN nor a STOP_SENDING is due.
            c.client().resetStream(id, 5);
            c.server().resetStream(id, 6);

            Waits.until("nothing is in flight either way", () -> c.client().statistics().bytesInFlight() == 0
                    && c.server().statistics().bytesInFlight() == 0);
            long sent = c.client().statistics().packetsSent();
            ch.close();
            assertEquals(sent, c.client().statistics().packetsSent(), "the close sent a packet");
            // The peer's reset, unread, was taken in by the close: the stream ended and the connection forgot it.
            assertThrows(StreamClosedException.class, () -> c.client().peelOff(id));
        }
    }

    @Test
    void aPeersResetFailsEveryReadWithItsCode() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            QuicStreamChannel ch = c.client().peelOff(id);
            ch.write(ascii("x"));
            receiveFrom(c.server(), id, new ByteArrayOutputStream());
            c.server().send(ascii("partial"), id, 0);
            c.server().resetStream(id, 77);

            StreamResetException e = assertThrows(StreamResetException.class, () -> readToEnd(ch));
            assertEquals(77, e.errorCode());
            StreamResetException again = assertThrows(StreamResetException.class,
                    () -> ch.read(ByteBuffer.allocate(10)));
            assertEquals(77, again.errorCode());
        }
    }

    @Test
    void unidirectionalStreamsAreWriteOnlyForTheirOpenerAndReadOnlyForThePeer() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(StreamFlags.UNI);
            QuicStreamChannel client = c.client().peelOff(id);
            assertThrows(NonReadableChannelException.class, () -> client.read(ByteBuffer.allocate(10)));
            client.write(ascii("abc"));

            ByteArrayOutputStream got = new ByteArrayOutputStream();
            receiveFrom(c.server(), id, got);
            QuicStreamChannel server = c.server().peelOff(id);
            assertThrows(NonWritableChannelException.class, () -> server.write(ascii("no")));
            client.write(ascii("def"));
            client.close(); // FIN
            got.write(readToEnd(server).toByteArray());
            assertEquals("abcdef", got.toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void peelingAStreamTwiceOrOneTheConnectionDoesNotKnowIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(0);
            assertEquals(0, id);
            c.client().peelOff(id);
            assertThrows(IllegalStateException.class, () -> c.client().peelOff(id));

            // The server's first bidirectional stream, which it has not opened; our next one, not opened either.
            StreamNotOpenException peers = assertThrows(StreamNotOpenException.class, () -> c.client().peelOff(1));
            assertEquals(1, peers.streamId());
            StreamNotOpenException ours = assertThrows(StreamNotOpenException.class, () -> c.client().peelOff(4));
            assertEquals(4, ours.streamId());
            assertThrows(IllegalArgumentException.class, () -> c.client().peelOff(-1));
        }
    }

    @Test
    void aBlockedReadWakesWhenTheSocketCloses() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicStreamChannel ch = c.client().peelOff(c.client().openStream(0));
            Future<Integer> read = loopback.background(() -> ch.read(ByteBuffer.allocate(10)));
            Waits.untilBlocked(c.client());
            c.client().close();
            ExecutionException woken = assertThrows(ExecutionException.class, () -> read.get(20, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, woken.getCause());
            assertFalse(ch.isOpen());
            assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(10)));
            ch.close(); // a no-op after the socket's close
        }
    }

    @Test
    void aBlockedReadWakesWhenTheChannelCloses() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicStreamChannel ch = c.client().peelOff(c.client().openStream(0));
            Future<Integer> read = loopback.background(() -> ch.read(ByteBuffer.allocate(10)));
            Waits.untilBlocked(c.client());
            ch.close();
            ExecutionException woken = assertThrows(ExecutionException.class, () -> read.get(20, TimeUnit.SECONDS));
            assertInstanceOf(AsynchronousCloseException.class, woken.getCause());
            assertTrue(c.client().state().isEstablished(), "the connection lives on");
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Receives through the socket until a message of stream {@code id} (the first bytes of a stream the socket has not
     * seen, for a peel-off), adding its bytes to {@code into}; fails on any other stream's.
     */
    private static StreamMessage receiveFrom(QuicSocket socket, long id, ByteArrayOutputStream into)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        for (int i = 0; i < 100; i++) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            assertEquals(id, m.streamId(), "data of another stream");
            into.write(buf.array(), 0, m.length());
            if (m.length() > 0 || m.fin()) {
                return m;
            }
        }
        throw new AssertionError("no data of stream " + id);
    }

    /** {@return everything of stream {@code id} through the socket's receive, until its FIN} */
    private static ByteArrayOutputStream receiveStreamToEnd(QuicSocket socket, long id) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (out.size() <= MAX_READ) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            assertEquals(id, m.streamId(), "data of another stream");
            out.write(buf.array(), 0, m.length());
            if (m.fin()) {
                return out;
            }
        }
        throw new AssertionError("stream " + id + " did not end");
    }

    /** Reads exactly {@code n} bytes from a blocking channel into {@code into}; fails at an early end. */
    private static ByteArrayOutputStream readExactly(QuicStreamChannel ch, int n, ByteArrayOutputStream into)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new AssertionError("stream " + ch.streamId() + " ended early");
            }
        }
        into.write(buf.array(), 0, n);
        return into;
    }

    /** {@return everything a blocking channel reads until -1} */
    private static ByteArrayOutputStream readToEnd(QuicStreamChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (out.size() <= MAX_READ) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return out;
            }
            out.write(buf.array(), 0, n);
        }
        throw new AssertionError("stream " + ch.streamId() + " did not end");
    }
}
