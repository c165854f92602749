package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import qsock.core.packet.Ecn;
import qsock.core.runtime.ffm.BatchUdpSocket;

/**
 * The FFM driver's sockets over loopback: what one flush sends in how many system calls and messages (GSO trains of
 * one size to one destination), and that the receiving side gets every datagram back, GRO batches split, in order.
 */
class FfmDriverTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @BeforeAll
    static void ffmHere() {
        Assumptions.assumeTrue(BatchUdpSocket.isSupported(), "no FFM UDP here");
    }

    private static ByteBuffer datagram(int length, int tag) {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            b.put((byte) (tag + i));
        }
        return b.flip();
    }

    /** Receives until {@code count} datagrams came or a bounded number of waits passed. */
    private static List<byte[]> receive(FfmDriver driver, UdpPort port, int count, List<InetSocketAddress> from)
            throws Exception {
        List<byte[]> got = new ArrayList<>();
        ByteBuffer into = ByteBuffer.allocate(65_535);
        for (int wait = 0; wait < 200 && got.size() < count; wait++) {
            driver.await(10);
            port.receive(1000, into, (data, source, to, ecn) -> {
                byte[] b = new byte[data.remaining()];
                data.get(data.position(), b);
                got.add(b);
                from.add(source);
            });
        }
        return got;
    }

    @Test
    void datagramsOfOneSizeToOneDestinationLeaveAsOneTrainInOneSystemCall() throws Exception {
        FfmDriver driver = new FfmDriver();
        FfmDriver.Port a = (FfmDriver.Port) driver.open(LOOPBACK, UdpOptions.defaults());
        UdpPort b = driver.open(LOOPBACK, UdpOptions.defaults());
        try {
            List<ByteBuffer> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sent.add(datagram(1200, i));
            }
            sent.add(datagram(700, 99));  // shorter: the train's last
            for (ByteBuffer d : sent) {
                assertTrue(a.send(d, b.boundAddress(), null, Ecn.NOT_ECT));
                assertEquals(0, d.position(), "the caller's buffer is left as it was");
            }
            assertEquals(0, a.sendCalls, "queued until the flush");
            assertTrue(a.flush());
            assertEquals(1, a.sendCalls);
            assertEquals(1, a.messagesSent, "one GSO train");
            assertEquals(11, a.datagramsSent);

            List<InetSocketAddress> from = new ArrayList<>();
            List<byte[]> got = receive(driver, b, 11, from);
            assertEquals(11, got.size(), "every datagram arrived, the GRO batch split");
            for (int i = 0; i < 11; i++) {
                assertArrayEquals(sent.get(i).array(), got.get(i), "datagram " + i);
                assertEquals(a.boundAddress(), from.get(i));
            }
        } finally {
            a.close();
            b.close();
            driver.close();
        }
    }

    @Test
    void aLargerDatagramAnotherDestinationOrAfterAShorterOneStartsAnotherMessage() throws Exception {
        FfmDriver driver = new FfmDriver();
        FfmDriver.Port a = (FfmDriver.Port) driver.open(LOOPBACK, UdpOptions.defaults());
        UdpPort b = driver.open(LOOPBACK, UdpOptions.defaults());
        UdpPort c = driver.open(LOOPBACK, UdpOptions.defaults());
        try {
            a.send(datagram(1000, 1), b.boundAddress(), null, Ecn.NOT_ECT);
            a.send(datagram(1000, 2), b.boundAddress(), null, Ecn.NOT_ECT);
            a.send(datagram(1200, 3), b.boundAddress(), null, Ecn.NOT_ECT);  // larger: a new message
            a.send(datagram(500, 4), b.boundAddress(), null, Ecn.NOT_ECT);   // shorter: ends that train
            a.send(datagram(500, 5), b.boundAddress(), null, Ecn.NOT_ECT);   // after the shorter one: a new message
            a.send(datagram(500, 6), c.boundAddress(), null, Ecn.NOT_ECT);   // elsewhere: a new message
            assertTrue(a.flush());
            assertEquals(1, a.sendCalls);
            assertEquals(4, a.messagesSent);
            assertEquals(6, a.datagramsSent);
            List<InetSocketAddress> from = new ArrayList<>();
            List<byte[]> atB = receive(driver, b, 5, from);
            assertEquals(List.of(1000, 1000, 1200, 500, 500), atB.stream().map(x -> x.length).toList());
            assertEquals(1, receive(driver, c, 1, from).size());
        } finally {
            a.close();
            b.close();
            c.close();
            driver.close();
        }
    }

    @Test
    void moreMessagesThanSlotsGoInSeveralCallsWithoutLoss() throws Exception {
        FfmDriver driver = new FfmDriver();
        FfmDriver.Port a = (FfmDriver.Port) driver.open(LOOPBACK, UdpOptions.defaults());
        UdpPort b = driver.open(LOOPBACK, UdpOptions.defaults());
        try {
            // Growing sizes never form a train (a datagram joins one only if no larger than its segments): each is a
            // message of its own, many more than the slots.
            int n = 40;
            for (int i = 0; i < n; i++) {
                assertTrue(a.send(datagram(1200 + i, i), b.boundAddress(), null, Ecn.NOT_ECT));
            }
            assertTrue(a.flush());
            assertEquals(n, a.messagesSent);
            assertTrue(a.sendCalls >= n / 4, "at most the slots per call: " + a.sendCalls);
            List<byte[]> got = receive(driver, b, n, new ArrayList<>());
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(datagram(1200 + i, i).array(), got.get(i), "datagram " + i);
            }
        } finally {
            a.close();
            b.close();
            driver.close();
        }
    }

    @Test
    void aWakeupEndsTheWaitAndADatagramDoesToo() throws Exception {
        FfmDriver driver = new FfmDriver();
        UdpPort a = driver.open(LOOPBACK, UdpOptions.defaults());
        UdpPort b = driver.open(LOOPBACK, UdpOptions.defaults());
        try {
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                driver.wakeup();
            });
            driver.await(0);  // no time limit: only the wakeup can end it
            waker.join();
            a.send(datagram(100, 0), b.boundAddress(), null, Ecn.NOT_ECT);
            a.flush();
            driver.await(0);  // the datagram ends it
            assertEquals(1, b.receive(10, ByteBuffer.allocate(2000), (d, f, t, e) -> { }));
        } finally {
            a.close();
            b.close();
            driver.close();
        }
    }
}
