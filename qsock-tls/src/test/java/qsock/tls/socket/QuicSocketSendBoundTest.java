package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/**
 * A server application that writes to a client that does not read (issue 9, finding 2: 100 responses nobody
 * reads) queues no more than the connection's send bound, whatever the number of streams; its writers wait,
 * and finish once the client reads.
 */
class QuicSocketSendBoundTest {

    private static final int STREAMS = 100;
    private static final int STREAM_BUFFER = 128 << 10;
    private static final int CONNECTION_BUFFER = 1 << 20;
    /** What each stream has to send: twice what its own buffer holds. */
    private static final int PER_STREAM = 2 * STREAM_BUFFER;
    /** The client's connection window: what the server may deliver before the client reads anything. */
    private static final int CLIENT_WINDOW = 512 << 10;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void writersToAPeerThatDoesNotReadQueueNoMoreThanTheConnectionBoundAndFinishOnceItReads() throws Exception {
        ConnectionConfig server = ConnectionConfig.builder().streamSendBufferSize(STREAM_BUFFER)
                .connectionSendBufferSize(CONNECTION_BUFFER).build();
        ConnectionConfig client = ConnectionConfig.builder().initialMaxData(CLIENT_WINDOW)
                .initialMaxStreamData(64 << 10).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect(client)) {
            QuicSocket sender = c.server();
            // Every stream written until it takes no more: "try again", as the kernel's EAGAIN.
            List<Long> streams = new ArrayList<>();
            Map<Long, ByteBuffer> rest = new HashMap<>();
            long taken = 0;
            for (int i = 0; i < STREAMS; i++) {
                long id = sender.openStream(StreamFlags.DONTWAIT);
                assertTrue(id >= 0, "the client allows " + STREAMS + " streams");
                ByteBuffer data = payload(id);
                for (int writes = 0; writes < 1000; writes++) {
                    int n = sender.trySend(data, id, 0);
                    taken += n;
                    if (n == 0) {
                        break;
                    }
                }
                assertTrue(data.hasRemaining(), "stream " + id + " blocks");
                streams.add(id);
                rest.put(id, data);
            }
            // What left was delivered within the client's window; the rest is queued, within the bound.
            assertTrue(taken <= CONNECTION_BUFFER + CLIENT_WINDOW, "taken " + taken + " of "
                    + STREAMS * PER_STREAM + " bytes; bound " + CONNECTION_BUFFER + " + window " + CLIENT_WINDOW);
            assertTrue(sender.sendBuffered() <= CONNECTION_BUFFER, "queued " + sender.sendBuffered());

            // A blocking writer at the bound waits (here until its timeout, since nothing frees room).
            sender.setOption(QuicSocketOptions.TIMEOUT, Duration.ofMillis(200));
            long first = streams.getFirst();
            assertThrows(SocketTimeoutException.class, () -> sender.send(rest.get(first), first, 0));
            sender.setOption(QuicSocketOptions.TIMEOUT, null);

            // One blocked writer per stream, then the client reads: they all finish.
            List<Future<Integer>> writers = new ArrayList<>();
            for (long id : streams) {
                writers.add(loopback.background(() -> sender.send(rest.get(id), id, StreamFlags.FIN)));
            }
            Map<Long, Long> received = new HashMap<>();
            ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
            for (int finished = 0; finished < STREAMS; ) {
                StreamMessage m = c.client().receive(buffer.clear());
                for (int i = 0; i < m.length(); i++) {
                    assertEquals(expected(m.streamId()), buffer.get(i), "stream " + m.streamId());
                }
                received.merge(m.streamId(), (long) m.length(), Long::sum);
                if (m.fin()) {
                    finished++;
                }
            }
            for (Future<Integer> w : writers) {
                w.get(30, TimeUnit.SECONDS);
            }
            for (long id : streams) {
                assertEquals(PER_STREAM, received.get(id), "stream " + id);
            }
        }
    }

    /** Each stream's bytes are its ID's index, so that a mix-up between streams shows. */
    private static ByteBuffer payload(long streamId) {
        byte[] b = new byte[PER_STREAM];
        Arrays.fill(b, expected(streamId));
        return ByteBuffer.wrap(b);
    }

    private static byte expected(long streamId) {
        return (byte) (streamId >> 2);
    }
}
