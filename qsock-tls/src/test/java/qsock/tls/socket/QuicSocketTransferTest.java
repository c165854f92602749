package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;

/** Bulk data over real UDP on loopback, verified by SHA-256, and many streams one after another. */
class QuicSocketTransferTest {

    private static final int MB = 1_000_000;

    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void fiftyMegabytesEachWayOnOneStreamArriveIntact() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            transfer(loopback, c.client(), c.server(), 50 * MB, 1);
            transfer(loopback, c.server(), c.client(), 50 * MB, 2);
        }
    }

    /** Sends {@code size} seeded random bytes on a new stream with FIN and checks their digest at the other end. */
    private static void transfer(Loopback loopback, QuicSocket from, QuicSocket to, int size, long seed)
            throws Exception {
        Future<byte[]> received = loopback.background(() -> {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            long stream = -1;
            while (true) {
                buf.clear();
                StreamMessage m = to.receive(buf);
                if (stream == -1) {
                    stream = m.streamId();
                }
                assertEquals(stream, m.streamId(), "one stream only");
                digest.update(buf.array(), 0, m.length());
                total += m.length();
                if (m.fin()) {
                    break;
                }
            }
            assertEquals(size, total);
            return digest.digest();
        });
        long start = System.nanoTime();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[256 * 1024];
        boolean opened = false;
        for (int sent = 0; sent < size; ) {
            int n = Math.min(chunk.length, size - sent);
            random.nextBytes(chunk);
            digest.update(chunk, 0, n);
            boolean last = sent + n == size;
            // The first chunk opens the stream; -1 without NEW goes on with the stream opened last.
            int flags = (opened ? 0 : StreamFlags.NEW) | (last ? StreamFlags.FIN : 0);
            opened = true;
            int taken = from.send(ByteBuffer.wrap(chunk, 0, n), -1, flags);
            assertEquals(n, taken, "a blocking send takes everything");
            sent += n;
        }
        assertArrayEquals(digest.digest(), received.get(30, TimeUnit.SECONDS));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("socket transfer: %d MB in %.2f s (%.0f MB/s)%n", size / MB, seconds, size / 1e6 / seconds);
        assertTrue(seconds > 0);
    }
}
