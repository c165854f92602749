package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.endpoint.EndpointConfig;

/**
 * An I/O endpoint with more than one UDP socket (issue 13, the runtime): what arrives at another socket reaches the
 * endpoint with that socket's address, what the endpoint answers from there leaves from there, and a socket opened
 * for a move that no connection uses is closed after a batch, while the first one stays.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class IoEndpointPortsTest {

    /** More datagrams than the endpoint keeps stateless answers for (64), fewer than a batch takes (512). */
    private static final int WAITING = 200;

    private static IoEndpoint listening(IoClient client) throws IOException {
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), client);
        io.lock().lock();
        try {
            // Only a server answers an unknown version (RFC 9000 §6.1).
            io.endpoint().listen(4);
        } finally {
            io.lock().unlock();
        }
        return io;
    }

    private static void detach(IoEndpoint io, IoClient client) {
        io.lock().lock();
        try {
            io.detach(client);
        } finally {
            io.lock().unlock();
        }
    }

    private static InetSocketAddress open(IoEndpoint io, boolean forMigration) throws IOException {
        io.lock().lock();
        try {
            return io.openChannel(new InetSocketAddress("127.0.0.1", 0), forMigration);
        } finally {
            io.lock().unlock();
        }
    }

    /** {@return where the Version Negotiation answering {@code scid} came from} Blocks until it arrives. */
    private static SocketAddress versionNegotiationSource(DatagramChannel peer, byte[] scid) throws IOException {
        ByteBuffer answer = ByteBuffer.allocate(1500);
        while (true) {
            answer.clear();
            SocketAddress from = peer.receive(answer);
            answer.flip();
            if (IoEndpointTest.isVersionNegotiationTo(answer, scid)) {
                return from;
            }
        }
    }

    @Test
    void anAnswerLeavesFromTheSocketItsDatagramArrivedAt() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = listening(client);
        try (DatagramChannel peer = DatagramChannel.open()) {
            // Opened from this thread while the I/O thread sleeps in select: registering must not wait for it.
            InetSocketAddress second = open(io, false);
            assertNotEquals(io.localAddress(), second);
            assertEquals(io.localAddress().getAddress(), second.getAddress());
            peer.bind(new InetSocketAddress("127.0.0.1", 0));

            byte[] toSecond = {2, 2, 2, 2, 2, 2, 2, 2};
            peer.send(IoEndpointTest.unknownVersion(toSecond), second);
            // RFC 9000 §9: an answer from another address than the one asked would not reach a peer behind a NAT.
            assertEquals(second, versionNegotiationSource(peer, toSecond), "answered from the second socket");

            byte[] toFirst = {1, 1, 1, 1, 1, 1, 1, 1};
            peer.send(IoEndpointTest.unknownVersion(toFirst), io.localAddress());
            assertEquals(io.localAddress(), versionNegotiationSource(peer, toFirst), "answered from the first socket");
            assertTrue(io.isChannelOpen(second), "a preferred address's socket lives as long as the endpoint");
        } finally {
            detach(io, client);
        }
        io.thread().join(10_000);
        assertFalse(io.isChannelOpen(null));
    }

    /**
     * The sockets are read in turn, not one after the other: a datagram at the second socket is taken right after the
     * first datagram waiting at the first, however many wait there. Read after them, a packet would meet a packet
     * number decoded against those sent later (RFC 9000 §17.1); here, its answer would find the endpoint's queue of
     * stateless answers full (QuicEndpoint.MAX_PENDING_RESPONSES, 64) and be dropped.
     */
    @Test
    void theSocketsAreReadInTurn() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = listening(client);
        try (java.net.DatagramSocket peer = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress second = open(io, false);
            byte[] toSecond = {5, 5, 5, 5, 5, 5, 5, 5};
            // Held, so that the I/O thread finds all of them waiting in its next batch.
            io.lock().lock();
            try {
                for (int i = 0; i < WAITING; i++) {
                    byte[] scid = {6, 6, 6, 6, 6, 6, (byte) (i >> 8), (byte) i};
                    send(peer, IoEndpointTest.unknownVersion(scid), io.localAddress());
                }
                send(peer, IoEndpointTest.unknownVersion(toSecond), second);
            } finally {
                io.lock().unlock();
            }
            peer.setSoTimeout(5_000);
            java.net.DatagramPacket answer = new java.net.DatagramPacket(new byte[1500], 1500);
            // Every answer comes at once or not at all: a bounded number of receives, each with a deadline.
            for (int i = 0; i <= WAITING; i++) {
                try {
                    peer.receive(answer);
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("no answer from the second socket: read after the first's, too late", e);
                }
                if (second.equals(answer.getSocketAddress()) && IoEndpointTest.isVersionNegotiationTo(
                        ByteBuffer.wrap(answer.getData(), 0, answer.getLength()).slice(), toSecond)) {
                    return;
                }
            }
            throw new AssertionError("no answer from the second socket");
        } finally {
            detach(io, client);
        }
    }

    private static void send(java.net.DatagramSocket socket, ByteBuffer datagram, InetSocketAddress to)
            throws IOException {
        socket.send(new java.net.DatagramPacket(datagram.array(), datagram.position(), datagram.remaining(), to));
    }

    @Test
    void aSocketOpenedForAMoveNobodyUsesIsClosedAfterABatchAndTheFirstStays() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = listening(client);
        try (DatagramChannel peer = DatagramChannel.open()) {
            InetSocketAddress moveTo;
            io.lock().lock();
            try {
                // Open while the lock is held: the first batch after it closes it, none using it.
                moveTo = io.openChannel(new InetSocketAddress("127.0.0.1", 0), true);
                assertTrue(io.isChannelOpen(moveTo));
            } finally {
                io.lock().unlock();
            }
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            // Any datagram makes a batch; no connection moved to the new socket, so the batch closes it.
            byte[] scid = {3, 3, 3, 3, 3, 3, 3, 3};
            peer.send(IoEndpointTest.unknownVersion(scid), io.localAddress());
            versionNegotiationSource(peer, scid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (io.isChannelOpen(moveTo) && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(1_000_000);
            }
            assertFalse(io.isChannelOpen(moveTo), "closed once unused");
            assertTrue(io.isChannelOpen(null), "the last socket open stays");
            // The first socket still answers.
            byte[] again = {4, 4, 4, 4, 4, 4, 4, 4};
            peer.send(IoEndpointTest.unknownVersion(again), io.localAddress());
            assertEquals(io.localAddress(), versionNegotiationSource(peer, again));
        } finally {
            detach(io, client);
        }
    }

    @Test
    void openingASocketNeedsTheLockAndABindableAddress() throws Exception {
        IoClient client = () -> { };
        IoEndpoint io = listening(client);
        try {
            assertThrows(IllegalStateException.class,
                    () -> io.openChannel(new InetSocketAddress("127.0.0.1", 0), true));
            io.lock().lock();
            try {
                // Bound already: the first socket's own address.
                assertThrows(IOException.class, () -> io.openChannel(io.localAddress(), true));
                InetSocketAddress second = io.openChannel(new InetSocketAddress("127.0.0.1", 0), true);
                io.closeChannel(second);
                assertFalse(io.isChannelOpen(second));
            } finally {
                io.lock().unlock();
            }
        } finally {
            detach(io, client);
        }
    }
}
