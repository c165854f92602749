package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;

/** RFC 9221 datagrams through {@code QuicSocket} over loopback (the kernel's MSG_QUIC_DATAGRAM send and receive). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSocketDatagramTest {

    private static final ConnectionConfig DATAGRAMS = ConnectionConfig.builder().maxDatagramFrameSize(1200).build();

    @Test
    void datagramsGoBothWaysWholeBesideStreamData() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 16);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            byte[] hello = "a datagram".getBytes(StandardCharsets.US_ASCII);
            assertTrue(c.client().sendDatagram(ByteBuffer.wrap(hello), 0));
            ByteBuffer buf = ByteBuffer.allocate(2048);
            int n = c.server().receiveDatagram(buf);
            assertEquals(hello.length, n);
            assertArrayEquals(hello, java.util.Arrays.copyOf(buf.flip().array(), n));
            byte[] large = new byte[c.server().maxDatagramPayload()];
            new java.util.Random(1).nextBytes(large);
            assertTrue(c.server().sendDatagram(ByteBuffer.wrap(large), 0));
            // Stream data on the same connection is unaffected.
            c.server().send(ByteBuffer.wrap(new byte[] {7}), -1, StreamFlags.NEW | StreamFlags.FIN);
            buf.clear();
            assertEquals(large.length, c.client().receiveDatagram(buf));
            assertArrayEquals(large, java.util.Arrays.copyOf(buf.flip().array(), large.length));
            assertEquals(1, c.client().receive(ByteBuffer.allocate(16)).length());
        }
    }

    @Test
    void aDatagramLargerThanThePeerAllowsIsRefusedAndABufferTooSmallKeepsIt() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", DATAGRAMS, 16);
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            int max = c.client().maxDatagramPayload();
            assertTrue(max > 1000, "largest datagram " + max);
            IOException e = assertThrows(IOException.class,
                    () -> c.client().sendDatagram(ByteBuffer.allocate(max + 1), 0));
            assertTrue(e.getMessage().contains("max_datagram_frame_size"), e.getMessage());
            assertTrue(c.client().sendDatagram(ByteBuffer.allocate(100), StreamFlags.DONTWAIT));
            c.server().setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(5));
            // Wait for it with a buffer that fits, after one that does not: the datagram is not lost. The first
            // receive blocks until the datagram is there (5 s at most), then refuses the buffer.
            ByteBuffer small = ByteBuffer.allocate(10);
            ByteBuffer fits = ByteBuffer.allocate(100);
            assertThrows(IllegalArgumentException.class, () -> c.server().receiveDatagram(small));
            assertEquals(100, c.server().receiveDatagram(fits));
        }
    }

    @Test
    void withoutThePeersConsentDatagramsAreRefusedAndReceiveTimesOut() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = loopback.connect(DATAGRAMS)) {
            assertEquals(0, c.client().maxDatagramPayload(), "the server advertised no max_datagram_frame_size");
            IOException e = assertThrows(IOException.class, () -> c.client().sendDatagram(ByteBuffer.allocate(1), 0));
            assertTrue(e.getMessage().contains("accepts no datagrams"), e.getMessage());
            c.client().setOption(QuicSocketOptions.TIMEOUT, Duration.ofMillis(200));
            assertThrows(SocketTimeoutException.class, () -> c.client().receiveDatagram(ByteBuffer.allocate(10)));
            assertFalse(c.client().statistics().datagramWaiting());
        }
    }
}
