package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.TransportErrorCode;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/**
 * {@link QuicSocket#setReadyHandler}: an application that answers on the I/O thread, with no thread woken between a
 * request's arrival and its answer's departure (issue 14, "the request path without a hand-off"), beside the blocking
 * calls of the other end.
 */
@Timeout(60)
class QuicSocketReadyHandlerTest {

    /**
     * An echo in the handler: what it reads it sends back at once; what the stream cannot take yet waits for a later
     * run. Every call in it is non-blocking, whatever the socket's mode.
     */
    private static final class Echo implements java.util.function.Consumer<QuicSocket> {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final AtomicInteger runs = new AtomicInteger();
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);
        private final Map<Long, ByteBuffer> unsent = new HashMap<>();
        private final Map<Long, Boolean> finUnsent = new HashMap<>();

        @Override
        public void accept(QuicSocket socket) {
            runs.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            try {
                for (var it = unsent.entrySet().iterator(); it.hasNext();) {
                    var e = it.next();
                    boolean fin = finUnsent.getOrDefault(e.getKey(), false);
                    socket.send(e.getValue(), e.getKey(), fin ? StreamFlags.FIN : 0);
                    if (!e.getValue().hasRemaining()) {
                        it.remove();
                        finUnsent.remove(e.getKey());
                    }
                }
                while (true) {
                    buffer.clear();
                    StreamMessage m = socket.receive(buffer);
                    if (m == null) {
                        return;
                    }
                    buffer.flip();
                    long id = m.streamId();
                    ByteBuffer waiting = unsent.get(id);
                    if (waiting != null) {
                        // Behind what waits already: kept in order.
                        ByteBuffer more = ByteBuffer.allocate(waiting.remaining() + buffer.remaining());
                        unsent.put(id, more.put(waiting).put(buffer).flip());
                        finUnsent.put(id, m.fin());
                        continue;
                    }
                    socket.send(buffer, id, m.fin() ? StreamFlags.FIN : 0);
                    if (buffer.hasRemaining()) {
                        unsent.put(id, ByteBuffer.allocate(buffer.remaining()).put(buffer).flip());
                        finUnsent.put(id, m.fin());
                    }
                }
            } catch (ClosedConnectionException e) {
                // The connection ended: nothing more to answer.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void aServerAnsweringInItsReadyHandlerEchoesEveryRequestFromTheIoThread() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Echo echo = new Echo();
            c.server().setReadyHandler(echo);
            QuicSocket client = c.client();
            long id = client.openStream(StreamFlags.NEW);
            ByteBuffer request = ByteBuffer.allocate(1024);
            ByteBuffer response = ByteBuffer.allocate(1024);
            for (int round = 0; round < 500; round++) {
                for (int i = 0; i < request.capacity(); i++) {
                    request.put(i, (byte) (round * 31 + i));
                }
                request.clear();
                client.send(request, id, round == 499 ? StreamFlags.FIN : 0);
                response.clear();
                boolean fin = false;
                while (response.hasRemaining()) {
                    StreamMessage m = client.receive(response);
                    assertEquals(id, m.streamId());
                    fin = m.fin();
                }
                assertArrayEquals(request.array(), response.array(), "round " + round);
                assertEquals(round == 499, fin, "the FIN came back with the last answer");
            }
            assertTrue(echo.runs.get() >= 500, "a run for each request at least: " + echo.runs);
            assertTrue(echo.threads.stream().allMatch(t -> t.startsWith("qsock-io-")),
                    "the handler ran on the I/O thread only: " + echo.threads);
        }
    }

    @Test
    void aHandlerSetAfterTheRequestArrivedStillAnswersIt() throws Exception {
        try (Loopback loopback = Loopback.listen("::1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            long id = client.openStream(StreamFlags.NEW);
            byte[] bytes = "a request sent before anyone listens".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            long before = c.server().statistics().packetsReceived();
            client.send(ByteBuffer.wrap(bytes), id, StreamFlags.FIN);
            Waits.until("the request arrived", () -> c.server().statistics().packetsReceived() > before);
            c.server().setReadyHandler(new Echo());
            ByteBuffer response = ByteBuffer.allocate(bytes.length + 1);
            boolean fin = false;
            while (!fin) {
                fin = client.receive(response).fin();
            }
            response.flip();
            assertEquals(ByteBuffer.wrap(bytes), response);
        }
    }

    /** A handler may answer and close the connection in one run: the answer arrives before the close. */
    @Test
    void aHandlerThatAnswersAndClosesIsHeardInFull() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            long id = client.openStream(StreamFlags.NEW);
            c.server().setReadyHandler(s -> {
                try {
                    StreamMessage m = s.receive(ByteBuffer.allocate(64));
                    if (m != null && m.fin()) {
                        s.send(ByteBuffer.wrap("bye".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                                m.streamId(), StreamFlags.FIN);
                        s.close(7, "done");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            client.send(ByteBuffer.wrap(new byte[] {1}), id, StreamFlags.FIN);
            ByteBuffer answer = ByteBuffer.allocate(16);
            boolean fin = false;
            while (!fin) {
                fin = client.receive(answer).fin();
            }
            assertEquals("bye", new String(answer.array(), 0, answer.position(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            ClosedConnectionException closed = assertThrows(ClosedConnectionException.class,
                    () -> client.receive(ByteBuffer.allocate(16)));
            assertEquals(7, closed.error().code(), closed.toString());
        }
    }

    @Test
    void aCallThatWouldWaitIsRefusedInTheHandlerWhichIsRemovedAndTheConnectionClosed() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            AtomicReference<RuntimeException> thrown = new AtomicReference<>();
            AtomicInteger runs = new AtomicInteger();
            QuicSocket server = c.server();
            QuicSocket client = c.client();
            long id = client.openStream(StreamFlags.NEW);
            server.setReadyHandler(s -> {
                runs.incrementAndGet();
                try {
                    // An input stream's read waits until data comes: on the I/O thread it would wait for ever.
                    s.inputStream(id).read();
                } catch (RuntimeException e) {
                    thrown.set(e);
                    throw e;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            // Its first run, at once, fails; the client learns why.
            ClosedConnectionException closed = assertThrows(ClosedConnectionException.class,
                    () -> client.receive(ByteBuffer.allocate(16)));
            assertEquals(TransportErrorCode.INTERNAL_ERROR, closed.error().transportCode(), closed.toString());
            assertInstanceOf(IllegalStateException.class, thrown.get());
            assertTrue(thrown.get().getMessage().contains("ready handler"), thrown.get().getMessage());
            assertEquals(1, runs.get(), "removed after it failed");
        }
    }
}
