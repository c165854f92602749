package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.endpoint.EndpointConfig;

/** The I/O thread over a real UDP socket on loopback, without any connection: stateless answers and lifecycle. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class IoEndpointTest {

    private static final int UNKNOWN_VERSION = 0x1a2a3a4a;

    @Test
    void threadIsNamedAfterThePortAndEndsWhenTheLastClientLeaves() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        assertEquals("qsock-io-" + io.localAddress().getPort(), io.thread().getName());
        assertTrue(io.thread().isDaemon());
        assertTrue(io.isRunning());
        io.lock().lock();
        try {
            io.detach(client);
            assertThrows(IllegalStateException.class, () -> io.attach(() -> { }), "released for good");
        } finally {
            io.lock().unlock();
        }
        io.thread().join(10_000);
        assertFalse(io.thread().isAlive());
        assertFalse(io.isRunning());
    }

    @Test
    void callsThatNeedTheLockRefuseWithoutIt() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        try {
            assertThrows(IllegalStateException.class, io::flush);
            assertThrows(IllegalStateException.class, () -> io.attach(() -> { }));
        } finally {
            io.lock().lock();
            io.detach(client);
            io.lock().unlock();
        }
    }

    @Test
    void unknownVersionIsAnsweredWithVersionNegotiationEvenAfterGarbage() throws Exception {
        // The client hears of a batch after the batch's datagrams left: wait for that, not for the answer.
        CountDownLatch heard = new CountDownLatch(1);
        IoClient client = heard::countDown;
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        // Only a server answers with Version Negotiation (RFC 9000 §6.1).
        io.lock().lock();
        try {
            io.endpoint().listen(4);
        } finally {
            io.lock().unlock();
        }
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            // Garbage of every shape first: nothing it does may stop the loop. Fewer than the endpoint's
            // bound on pending stateless answers, which would drop the answer this test waits for.
            SplittableRandom random = new SplittableRandom(11);
            for (int i = 0; i < 60; i++) {
                byte[] junk = new byte[1 + random.nextInt(1500)];
                random.nextBytes(junk);
                if (i % 2 == 0) {
                    junk[0] |= (byte) 0x80; // long headers too
                }
                peer.send(ByteBuffer.wrap(junk), io.localAddress());
            }
            byte[] scid = {1, 2, 3, 4, 5, 6, 7, 8};
            peer.send(unknownVersion(scid), io.localAddress());
            // Garbage with long headers of unknown versions gets Version Negotiation too, and short headers may
            // get stateless resets: ours is the one addressed to our connection ID. Blocking: the test's timeout
            // bounds it.
            awaitVersionNegotiation(peer, scid);
            assertTrue(io.thread().isAlive());
            assertTrue(heard.await(10, TimeUnit.SECONDS), "the client heard of the batches");
        } finally {
            io.lock().lock();
            io.detach(client);
            io.lock().unlock();
        }
    }

    @Test
    void anErrorWhileHandlingABatchDoesNotEndTheIoThread() throws Exception {
        AtomicInteger batches = new AtomicInteger();
        // A socket that runs out of memory on hearing of the first batch (issue 9: the I/O thread died of it).
        IoClient client = () -> {
            if (batches.getAndIncrement() == 0) {
                throw new OutOfMemoryError("test: out of memory while a socket handles a batch");
            }
        };
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        try (DatagramChannel peer = DatagramChannel.open()) {
            // Only an endpoint that listens answers an unknown version (RFC 9000 §6.1: servers send VN).
            io.lock().lock();
            try {
                io.endpoint().listen(4);
            } finally {
                io.lock().unlock();
            }
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            byte[] first = {1, 1, 1, 1, 1, 1, 1, 1};
            peer.send(unknownVersion(first), io.localAddress());
            awaitVersionNegotiation(peer, first);
            // The answer to the first left before the error; the second needs the thread alive after it.
            byte[] second = {2, 2, 2, 2, 2, 2, 2, 2};
            peer.send(unknownVersion(second), io.localAddress());
            awaitVersionNegotiation(peer, second); // blocking: the test's timeout bounds it
            assertTrue(io.thread().isAlive());
            assertTrue(batches.get() >= 1);
        } finally {
            io.lock().lock();
            io.detach(client);
            io.lock().unlock();
        }
    }

    /** {@return a 1200-byte Initial of an unknown version from Source Connection ID {@code scid}} */
    static ByteBuffer unknownVersion(byte[] scid) {
        ByteBuffer initial = ByteBuffer.allocate(1200);
        initial.put((byte) 0xc0).putInt(UNKNOWN_VERSION);
        initial.put((byte) 8).put(new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        initial.put((byte) scid.length).put(scid);
        return initial.position(1200).flip();
    }

    /** Receives until the Version Negotiation addressed to {@code scid} arrives; blocks until then. */
    static void awaitVersionNegotiation(DatagramChannel peer, byte[] scid) throws IOException {
        ByteBuffer answer = ByteBuffer.allocate(1500);
        while (!isVersionNegotiationTo(answer, scid)) {
            answer.clear();
            peer.receive(answer);
            answer.flip();
        }
    }

    /** {@return true for a Version Negotiation packet whose Destination Connection ID is {@code dcid} (RFC 9000 §17.2.1)} */
    static boolean isVersionNegotiationTo(ByteBuffer b, byte[] dcid) {
        if (b.remaining() < 6 + dcid.length || (b.get(0) & 0x80) == 0 || b.getInt(1) != 0
                || (b.get(5) & 0xff) != dcid.length) {
            return false;
        }
        for (int i = 0; i < dcid.length; i++) {
            if (b.get(6 + i) != dcid[i]) {
                return false;
            }
        }
        return true;
    }

    @Test
    void udpBufferSizesAreAskedOfTheKernel() throws IOException {
        IoClient client = () -> { };
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("::1", 0), EndpointConfig.defaults(),
                new UdpOptions(64 * 1024, 96 * 1024), client);
        try {
            // Linux doubles what it is asked (for bookkeeping) and caps it at rmem_max/wmem_max.
            assertTrue(io.getOption(StandardSocketOptions.SO_RCVBUF) >= 64 * 1024 / 2);
            assertTrue(io.getOption(StandardSocketOptions.SO_SNDBUF) >= 96 * 1024 / 2);
            assertThrows(IllegalArgumentException.class, () -> new UdpOptions(0, 1));
            // Set later, they reach the socket; no other option is taken, on either driver.
            io.setOption(StandardSocketOptions.SO_RCVBUF, 256 * 1024);
            assertTrue(io.getOption(StandardSocketOptions.SO_RCVBUF) >= 256 * 1024 / 2);
            assertThrows(IllegalArgumentException.class, () -> io.setOption(StandardSocketOptions.IP_TOS, 0));
        } finally {
            io.lock().lock();
            io.detach(client);
            io.lock().unlock();
        }
    }
}
