package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;

/**
 * A blocked reader on a platform thread reads the UDP sockets itself where the runtime allows it (the FFM driver), so
 * that the answer to its request reaches it without the I/O thread's hand-off; a reader on a virtual thread, or on the
 * NIO runtime (the build's {@code qsock.io=nio} run), waits for the I/O thread as before. Either way every answer
 * arrives whole.
 */
class QuicSocketApplicationPollTest {

    private static final int EXCHANGES = 50;

    private static boolean ffm() {
        return !"nio".equals(System.getProperty("qsock.io"));
    }

    /** Sends a 1 KiB request on a new stream and reads its echo, {@link #EXCHANGES} times. */
    private static void exchange(QuicSocket client) throws Exception {
        for (int i = 0; i < EXCHANGES; i++) {
            byte[] request = new byte[1024];
            java.util.Arrays.fill(request, (byte) i);
            client.send(ByteBuffer.wrap(request), -1, StreamFlags.NEW | StreamFlags.FIN);
            long[] stream = {-1};
            assertArrayEquals(request, EchoServer.receiveStream(client, stream), "echo " + i);
        }
    }

    @Test
    void aReaderOnAPlatformThreadReadsTheSocketsItself() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            long before = c.client().ioThreads().get(0).applicationBatches();
            exchange(c.client());
            long batches = c.client().ioThreads().get(0).applicationBatches() - before;
            if (ffm()) {
                assertTrue(batches > 0, "the reader ran batches itself: " + batches);
            } else {
                assertEquals(0, batches, "a NIO selector admits one selecting thread");
            }
            c.client().close();
            echo.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aReaderOnAVirtualThreadWaitsForTheIoThread() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            long before = c.client().ioThreads().get(0).applicationBatches();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    exchange(c.client());
                } catch (Throwable t) {
                    failed.set(t);
                }
            });
            assertTrue(reader.join(java.time.Duration.ofSeconds(30)), "the exchanges ended");
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            assertEquals(before, c.client().ioThreads().get(0).applicationBatches(),
                    "a wait in poll would pin the virtual thread's carrier");
            c.client().close();
            echo.get(10, TimeUnit.SECONDS);
        }
    }
}
