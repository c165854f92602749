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
            QuicEvent e = awaitEvent(server, QuicSocketMessagesTest::isReset);
            assertEquals(new QuicEvent.StreamUpdate(second, QuicEvent.StreamState.RECV_RESET_RECVD, 7, 10), e);
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

    private static QuicEvent awaitEvent(QuicSocket s) {
        return awaitEvent(s, e -> true);
    }

    /** {@return the first event that {@code wanted} accepts; the others before it are dropped} */
    private static QuicEvent awaitEvent(QuicSocket s, java.util.function.Predicate<QuicEvent> wanted) {
        QuicEvent[] got = {null};
        Waits.until("an event", () -> {
            for (QuicEvent e = s.pollEvent(); e != null; e = s.pollEvent()) {
                if (wanted.test(e)) {
                    got[0] = e;
                    return true;
                }
            }
            return false;
        });
        return got[0];
    }

    /** {@return true for the update of a stream's receiving part reset by the peer} */
    private static boolean isReset(QuicEvent e) {
        return e instanceof QuicEvent.StreamUpdate u && u.state() == QuicEvent.StreamState.RECV_RESET_RECVD;
    }

    @Test
    void receiveReturnsEventsAheadOfDataAsNotificationsThenTheData() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 4);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            QuicSocket server = c.server();
            server.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_UPDATE));
            long data = c.client().openStream(-1, 0);
            c.client().send(ByteBuffer.wrap(new byte[] {1, 2, 3}), data, StreamFlags.FIN);
            long reset = resetOneStream(c);
            // A datagram sent last: once it is in, so is everything before it, and the order is the socket's.
            c.client().sendDatagram(ByteBuffer.wrap(new byte[] {42}), 0);
            assertEquals(1, server.receiveDatagram(ByteBuffer.allocate(8)));
            ByteBuffer buf = ByteBuffer.allocate(256);
            List<QuicEvent> events = new ArrayList<>();
            QuicMessage m = server.receive(buf, 0);
            QuicMessage resetMessage = null;
            ByteBuffer resetBytes = null;
            for (int i = 0; i < 10 && m.isEvent(); i++) {
                assertTrue(m.endOfRecord() && !m.isDatagram() && m.streamId() == -1, m.toString());
                events.add(m.event());
                if (isReset(m.event())) {
                    resetMessage = m;
                    resetBytes = ByteBuffer.wrap(java.util.Arrays.copyOf(buf.array(), m.length()));
                }
                buf.clear();
                m = server.receive(buf, 0);
            }
            // Every event came before the first stream data: the first data's stream received all its bytes.
            assertTrue(events.contains(new QuicEvent.StreamUpdate(data, QuicEvent.StreamState.RECV_RECV, 0, 0)),
                    events::toString);
            assertTrue(events.contains(new QuicEvent.StreamUpdate(data, QuicEvent.StreamState.RECV_RECVD, 0, 3)),
                    events::toString);
            assertEquals(new QuicEvent.StreamUpdate(reset, QuicEvent.StreamState.RECV_RESET_RECVD, 7, 10),
                    resetMessage.event());
            // The kernel's layout: the type's code, then struct quic_stream_update (id, state, errcode, finalsz).
            resetBytes.order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(25, resetMessage.length());
            assertEquals(QuicEvent.Type.STREAM_UPDATE.code(), resetBytes.get());
            assertEquals(reset, resetBytes.getLong());
            assertEquals(QuicEvent.StreamState.RECV_RESET_RECVD.code(), resetBytes.get());
            resetBytes.position(resetBytes.position() + 3);
            assertEquals(7, resetBytes.getInt());
            assertEquals(10, resetBytes.getLong());
            // Then the data, still there after the events.
            assertTrue(m.isStreamData() && !m.endOfRecord(), m.toString());
            assertEquals(data, m.streamId());
            assertEquals(3, m.length());
            assertTrue(m.fin());
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
            Waits.until("the listener heard the reset", () -> heard.stream().anyMatch(QuicSocketMessagesTest::isReset));
            assertTrue(heard.contains(new QuicEvent.StreamUpdate(reset, QuicEvent.StreamState.RECV_RESET_RECVD, 7, 10)),
                    heard::toString);
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
