package qsock.core.runtime.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * qsock's own UDP socket through FFM on loopback: a batch of datagrams in one sendmmsg and one recvmmsg, each with its
 * bytes and source; a GSO send split by the kernel into datagrams of the segment size; a GRO receive that coalesces
 * them and says their size. Each loop is bounded in count.
 */
class BatchUdpSocketTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @BeforeAll
    static void linuxWithNativeAccess() {
        assumeTrue(BatchUdpSocket.isSupported(), () -> "FFM UDP not supported: " + BatchUdpSocket.unsupportedReason());
    }

    /** Receives until {@code want} datagrams (GRO batches split) arrived or 2000 empty polls passed; returns them. */
    private static byte[][] receiveAll(BatchUdpSocket socket, int want, InetSocketAddress from) throws Exception {
        byte[][] got = new byte[want][];
        int count = 0;
        for (int polls = 0; polls < 2000 && count < want; polls++) {
            int n = socket.receive();
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            for (int i = 0; i < n; i++) {
                assertEquals(from, socket.sourceOf(i));
                ByteBuffer b = socket.received(i);
                int size = socket.segmentSizeOf(i);
                for (int at = 0; at < b.limit() && count < want; at += size) {
                    byte[] d = new byte[Math.min(size, b.limit() - at)];
                    b.get(at, d);
                    got[count++] = d;
                }
            }
        }
        assertEquals(want, count, "datagrams received");
        return got;
    }

    private static byte[] datagram(int index, int length) {
        byte[] d = new byte[length];
        Arrays.fill(d, (byte) index);
        d[0] = (byte) (index >> 8);
        return d;
    }

    @Test
    void aBatchOfDatagramsLeavesInOneCallAndArrivesWithItsSource() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(LOOPBACK, 32, 2048);
             BatchUdpSocket b = BatchUdpSocket.open(LOOPBACK, 32, 2048)) {
            assertTrue(a.localAddress().getPort() > 0);
            int count = 32;
            int[] lengths = new int[count];
            InetSocketAddress[] to = new InetSocketAddress[count];
            for (int i = 0; i < count; i++) {
                byte[] d = datagram(i, 1200 + i);
                a.sendSlot(i).clear().put(d);
                lengths[i] = d.length;
                to[i] = b.localAddress();
            }
            assertEquals(count, a.send(count, lengths, to, null), "every datagram left in one sendmmsg");
            byte[][] got = receiveAll(b, count, a.localAddress());
            for (int i = 0; i < count; i++) {
                assertTrue(Arrays.equals(datagram(i, 1200 + i), got[i]), "datagram " + i);
            }
        }
    }

    @Test
    void anIpv6SocketSendsABatchAndTellsEachSource() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        BatchUdpSocket a;
        try {
            a = BatchUdpSocket.open(v6, 8, 2048);
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e.getMessage());
            return;
        }
        try (a; BatchUdpSocket b = BatchUdpSocket.open(v6, 8, 2048)) {
            assertEquals(InetAddress.getByName("::1"), a.localAddress().getAddress());
            int[] lengths = new int[8];
            InetSocketAddress[] to = new InetSocketAddress[8];
            for (int i = 0; i < 8; i++) {
                a.sendSlot(i).clear().put(datagram(i, 1300));
                lengths[i] = 1300;
                to[i] = b.localAddress();
            }
            assertEquals(8, a.send(8, lengths, to, null));
            byte[][] got = receiveAll(b, 8, a.localAddress());
            for (int i = 0; i < 8; i++) {
                assertTrue(Arrays.equals(datagram(i, 1300), got[i]), "datagram " + i);
            }
        }
    }

    @Test
    void aSegmentedSendArrivesAsDatagramsOfTheSegmentSize() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(LOOPBACK, 4, 65_535);
             BatchUdpSocket b = BatchUdpSocket.open(LOOPBACK, 64, 2048)) {
            int segment = 1452;
            int segments = 20;
            ByteBuffer train = a.sendSlot(0).clear();
            for (int i = 0; i < segments; i++) {
                train.put(datagram(i, i == segments - 1 ? 700 : segment));
            }
            int length = train.position();
            assertEquals(1, a.send(1, new int[] {length}, new InetSocketAddress[] {b.localAddress()},
                    new int[] {segment}), "one GSO send");
            byte[][] got = receiveAll(b, segments, a.localAddress());
            for (int i = 0; i < segments; i++) {
                assertTrue(Arrays.equals(datagram(i, i == segments - 1 ? 700 : segment), got[i]), "segment " + i);
            }
        }
    }

    @Test
    void aGroReceiveCoalescesDatagramsOfOneSizeAndSaysTheirSize() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(LOOPBACK, 4, 65_535);
             BatchUdpSocket b = BatchUdpSocket.open(LOOPBACK, 8, 65_535)) {
            assumeTrue(b.enableGro(), "the kernel refuses UDP_GRO");
            int segment = 1200;
            int segments = 10;
            ByteBuffer train = a.sendSlot(0).clear();
            for (int i = 0; i < segments; i++) {
                train.put(datagram(i, segment));
            }
            assertEquals(1, a.send(1, new int[] {train.position()}, new InetSocketAddress[] {b.localAddress()},
                    new int[] {segment}));
            byte[][] got = receiveAll(b, segments, a.localAddress());
            for (int i = 0; i < segments; i++) {
                assertTrue(Arrays.equals(datagram(i, segment), got[i]), "segment " + i);
            }
        }
    }

    @Test
    void badArgumentsAndAClosedSocketAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> BatchUdpSocket.open(LOOPBACK, 0, 2048));
        assertThrows(IllegalArgumentException.class, () -> BatchUdpSocket.open(LOOPBACK, 4, 100));
        assertThrows(IllegalArgumentException.class,
                () -> BatchUdpSocket.open(InetSocketAddress.createUnresolved("localhost", 0), 4, 2048));
        BatchUdpSocket a = BatchUdpSocket.open(LOOPBACK, 4, 2048);
        assertThrows(IllegalArgumentException.class, () -> a.send(1, new int[] {4096},
                new InetSocketAddress[] {a.localAddress()}, null));
        a.close();
        assertThrows(IOException.class, a::receive);
        a.close();
    }
}
