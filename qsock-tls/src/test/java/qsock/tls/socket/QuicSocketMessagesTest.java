package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.error.StreamResetException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;

/**
 * The socket's receive of whole messages (the kernel's recvmsg): events turned on by the EVENT option, ahead of the
 * data; datagrams and events read in parts with an end-of-record flag; peeking; the event listener.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketMessagesTest {

    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1500).build();

    /** Resets a stream of the client's towards the server: the server sees RECV_RESET_RECVD (the peer's reset). */
    private static long resetOneStream(Loopback.Connection c) throws Exception {
        long id = c.client().openStream(-1, 0);
        c.client().send(ByteBuffer.allocate(10), id, 0);
        c.client().resetStream(id, 7);
        return id;
    }

    @Test
    void eventsAreOffUntilTheirKindIsTurnedOn() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket server = c.server();
            assertEquals(Set.of(), server.getOption(QuicSocketOptions.EVENT), "all off by default, as in the kernel");
            long first = resetOneStream(c);
            Waits.until("the reset arrived", () -> server.statistics().packetsReceived() > 0 && readsReset(server));
            assertNull(server.pollEvent(), "no event for a kind that is off");

            server.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            assertEquals(Set.of(QuicEvent.Type.STREAM_UPDATE), server.getOption(QuicSocketOptions.EVENT));
            long second = resetOneStream(c);
            awaitReset(server, second);
            assertTrue(first != second);

            server.setOption(QuicSocketOptions.EVENT, Set.of());
            resetOneStream(c);
            Waits.until("the third reset arrived", () -> readsReset(server));
            assertNull(server.pollEvent(), "turned off again");
        }
    }

    /** {@return true if a receive on {@code s} reports a reset stream now} */
    private static boolean readsReset(QuicSocket s) {
        try {
            s.configureBlocking(false);
            s.receive(ByteBuffer.allocate(100));
            return false;
        } catch (StreamResetException e) {
            return true;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            s.configureBlocking(true);
        }
    }

    /**
     * Waits for the event of the peer's reset of stream {@code id} (code 7, 10 bytes): only the stream's RECV_RECV, for
     * its data that came first, may come before it.
     */
    private static void awaitReset(QuicSocket s, long id) {
        QuicEvent.StreamUpdate reset = new QuicEvent.StreamUpdate(id, QuicEvent.StreamState.RECV_RESET_RECVD, 7, 10);
        QuicEvent.StreamUpdate data = new QuicEvent.StreamUpdate(id, QuicEvent.StreamState.RECV_RECV, 0, 0);
        for (int i = 0; i < 2; i++) {
            QuicEvent e = awaitEvent(s);
            if (e.equals(reset)) {
                return;
            }
            assertEquals(data, e, "before the reset, only its data's arrival");
        }
        throw new AssertionError("no reset event");
    }

    private static QuicEvent awaitEvent(QuicSocket s) {
        QuicEvent[] got = {null};
        Waits.until("an event", () -> (got[0] = s.pollEvent()) != null);
        return got[0];
    }

    @Test
    void receiveReturnsEventsAheadOfDataAsNotificationsThenTheData() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket server = c.server();
            server.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            long data = c.client().openStream(-1, 0);
            c.client().send(ByteBuffer.wrap(new byte[] {1, 2, 3}), data, StreamFlags.FIN);
            long reset = resetOneStream(c);
            // Wait until all arrived (the client's packets acknowledged), so that the order is the socket's, not the
            // network's: the events of both streams (RECV_RECV and RECV_RECVD of the first, RECV_RECV and the reset's
            // of the second), then the data.
            Waits.until("the server has all", () -> c.client().statistics().bytesInFlight() == 0
                    && peekIsEvent(server));
            QuicEvent.StreamUpdate update = new QuicEvent.StreamUpdate(reset, QuicEvent.StreamState.RECV_RESET_RECVD,
                    7, 10);
            ByteBuffer buf = ByteBuffer.allocate(256);
            QuicMessage m = null;
            for (int i = 0; i < 4 && (m == null || !update.equals(m.event())); i++) {
                buf.clear();
                m = server.receive(buf, 0);
                assertTrue(m.isEvent() && m.endOfRecord() && !m.isDatagram(), m.toString());
                assertEquals(-1, m.streamId());
            }
            assertEquals(update, m.event());
            // The kernel's layout: the type's code, then struct quic_stream_update (id, state, errcode, finalsz).
            buf.flip().order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(25, m.length());
            assertEquals(QuicEvent.Type.STREAM_UPDATE.code(), buf.get());
            assertEquals(reset, buf.getLong());
            assertEquals(QuicEvent.StreamState.RECV_RESET_RECVD.code(), buf.get());
            buf.position(buf.position() + 3);
            assertEquals(7, buf.getInt());
            assertEquals(10, buf.getLong());
            // Then the data, still there after the event (maybe in pieces: the peeks above may have held one).
            int length = 0;
            for (int i = 0; i < 4; i++) {
                buf.clear();
                QuicMessage d = server.receive(buf, 0);
                assertTrue(d.isStreamData() && !d.endOfRecord(), d.toString());
                assertEquals(data, d.streamId());
                length += d.length();
                if (d.fin()) {
                    break;
                }
            }
            assertEquals(3, length);
        }
    }

    private static boolean peekIsEvent(QuicSocket s) {
        try {
            QuicMessage m = s.receive(ByteBuffer.allocate(1), StreamFlags.PEEK | StreamFlags.DONTWAIT);
            return m != null && m.isEvent();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anEventLargerThanTheBufferComesInPartsEndingWithEndOfRecord() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket server = c.server();
            server.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            resetOneStream(c);
            Waits.until("the event", () -> peekIsEvent(server));
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            List<QuicMessage> parts = new ArrayList<>();
            ByteBuffer small = ByteBuffer.allocate(10);
            for (int i = 0; i < 10; i++) {
                small.clear();
                QuicMessage m = server.receive(small, 0);
                parts.add(m);
                whole.write(small.array(), 0, m.length());
                if (m.endOfRecord()) {
                    break;
                }
            }
            assertEquals(3, parts.size(), "25 bytes in parts of 10: " + parts);
            assertFalse(parts.get(0).endOfRecord());
            assertFalse(parts.get(1).endOfRecord());
            assertTrue(parts.get(2).endOfRecord());
            for (QuicMessage m : parts) {
                assertTrue(m.isEvent());
                assertInstanceOf(QuicEvent.StreamUpdate.class, m.event());
            }
            assertEquals(25, whole.size());
            assertEquals(QuicEvent.Type.STREAM_UPDATE.code(), whole.toByteArray()[0]);
        }
    }

    @Test
    void aDatagramLargerThanTheBufferComesInPartsAndPeekLeavesItThere() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            byte[] payload = new byte[300];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) i;
            }
            c.client().sendDatagram(ByteBuffer.wrap(payload), 0);
            QuicSocket server = c.server();
            ByteBuffer peeked = ByteBuffer.allocate(100);
            QuicMessage p = server.receive(peeked, StreamFlags.PEEK);
            assertTrue(p.isDatagram() && !p.endOfRecord());
            assertEquals(100, p.length());
            ByteBuffer again = ByteBuffer.allocate(400);
            QuicMessage whole = server.receive(again, StreamFlags.PEEK);
            assertTrue(whole.isDatagram() && whole.endOfRecord());
            assertEquals(300, whole.length(), "a peek takes nothing: the whole datagram is still there");

            ByteArrayOutputStream read = new ByteArrayOutputStream();
            ByteBuffer part = ByteBuffer.allocate(128);
            int parts = 0;
            while (true) {
                part.clear();
                QuicMessage m = server.receive(part, 0);
                parts++;
                assertTrue(m.isDatagram());
                read.write(part.array(), 0, m.length());
                if (m.endOfRecord()) {
                    break;
                }
                assertTrue(parts < 5);
            }
            assertEquals(3, parts, "300 bytes in parts of 128");
            assertArrayEquals(payload, read.toByteArray());
            assertArrayEquals(java.util.Arrays.copyOf(payload, 100), java.util.Arrays.copyOf(peeked.array(), 100));
            assertNull(server.receive(ByteBuffer.allocate(10), StreamFlags.DONTWAIT), "nothing left");
        }
    }

    @Test
    void peekedStreamDataIsReadAgainByTheNextReceive() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            long id = c.client().openStream(-1, 0);
            c.client().send(ByteBuffer.wrap(new byte[] {9, 8, 7, 6}), id, StreamFlags.FIN);
            QuicSocket server = c.server();
            ByteBuffer first = ByteBuffer.allocate(16);
            QuicMessage peeked = server.receive(first, StreamFlags.PEEK);
            assertEquals(id, peeked.streamId());
            // Stream data may come in more than one piece; a peek shows the first, and the receive gets it again.
            ByteBuffer second = ByteBuffer.allocate(16);
            QuicMessage read = server.receive(second, 0);
            assertEquals(peeked.length(), read.length());
            assertEquals(id, read.streamId());
            assertArrayEquals(java.util.Arrays.copyOf(first.array(), peeked.length()),
                    java.util.Arrays.copyOf(second.array(), read.length()));
            assertEquals(9, second.get(0));
        }
    }

    @Test
    void aListenerHearsEventsAsTheyHappenInsteadOfTheQueue() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket server = c.server();
            server.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            List<QuicEvent> heard = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            server.setEventListener(e -> {
                heard.add(e);
                threads.add(Thread.currentThread());
            });
            long reset = resetOneStream(c);
            Waits.until("the listener heard the reset", () -> heard.contains(new QuicEvent.StreamUpdate(reset,
                    QuicEvent.StreamState.RECV_RESET_RECVD, 7, 10)));
            assertNull(server.pollEvent(), "heard, not queued");
            assertTrue(threads.get(0).getName().contains("qsock"), "on the I/O thread: " + threads.get(0));
            // A listener that throws is removed: events queue again, and the I/O thread lives on.
            server.setEventListener(e -> {
                throw new IllegalStateException("a broken listener");
            });
            resetOneStream(c);
            long third = resetOneStream(c);
            Waits.until("the third reset's event is queued", () -> {
                for (QuicEvent e = server.pollEvent(); e != null; e = server.pollEvent()) {
                    if (e instanceof QuicEvent.StreamUpdate u && u.streamId() == third) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    @Test
    void anAcceptedSocketStartsWithTheListenersEvents() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            loopback.listener.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE,
                    QuicEvent.Type.KEY_UPDATE));
            try (Loopback.Connection c = loopback.connect()) {
                assertEquals(EnumSet.of(QuicEvent.Type.CONNECTION_CLOSE, QuicEvent.Type.KEY_UPDATE),
                        c.server().getOption(QuicSocketOptions.EVENT));
                assertEquals(Set.of(), c.client().getOption(QuicSocketOptions.EVENT));
                c.client().close(3, "done");
                QuicEvent e = awaitEvent(c.server());
                QuicEvent.ConnectionClose close = assertInstanceOf(QuicEvent.ConnectionClose.class, e);
                assertEquals(3, close.error().code());
                assertEquals("done", close.error().reason());
                assertTrue(close.error().byPeer());
            }
        }
    }
}
