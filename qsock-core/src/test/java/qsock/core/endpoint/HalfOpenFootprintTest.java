package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.frame.PingFrame;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketType;
import qsock.core.wire.ConnectionId;

/**
 * A half-open connection holds about what the peer sent, not what it may send: what the buffers a peer can
 * fill cost is read off this thread's allocation counter around the one call that fills them (the way
 * ReceiveAllocationTest measures), as the median of rounds on fresh connections, against the same call with
 * a small, in-order input.
 */
class HalfOpenFootprintTest {

    private static final long NOW = 1_000_000_000L;
    private static final int ROUNDS = 40;
    private static final int WARM_UP = 10;
    private static final byte[] FOUR = {1, 2, 3, 4};
    /** How many packets a space keeps for its keys (UndecryptablePackets.MAX_PACKETS). */
    private static final int UNDECRYPTABLE_KEPT = 8;

    private static final com.sun.management.ThreadMXBean THREADS =
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t ? t : null;

    @BeforeEach
    void allocationIsMeasurable() {
        Assumptions.assumeTrue(THREADS != null && THREADS.isThreadAllocatedMemoryEnabled());
    }

    private static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    private static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 5, 0, (byte) i}), 4433);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server endpoint with one connection made from a client Initial carrying 4 CRYPTO bytes at offset 0. */
    private record HalfOpen(QuicEndpoint server, ConnectionId dcid, ConnectionId scid, QuicConnection connection) {
        static HalfOpen make(int round) {
            QuicEndpoint server = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
                    new SplittableRandom(round));
            server.listen(4);
            SplittableRandom r = new SplittableRandom(1000 + round);
            byte[] d = new byte[8];
            byte[] s = new byte[8];
            r.nextBytes(d);
            r.nextBytes(s);
            ConnectionId dcid = ConnectionId.of(d);
            ConnectionId scid = ConnectionId.of(s);
            server.handleDatagram(address(1), ClientPackets.initialWithCrypto(dcid, scid, 0, 0, FOUR), NOW);
            QuicConnection c = server.accept();
            assertNotNull(c);
            return new HalfOpen(server, dcid, scid, c);
        }

        long deliver(ByteBuffer datagram) {
            long before = allocatedBytes();
            server.handleDatagram(address(1), datagram, NOW);
            return allocatedBytes() - before;
        }
    }

    private static long median(long[] values) {
        long[] v = Arrays.copyOfRange(values, WARM_UP, values.length);
        Arrays.sort(v);
        return v[v.length / 2];
    }

    @Test
    void fourCryptoBytesAtAFarOffsetCostAboutWhatFourInOrderBytesCost() {
        long[] near = new long[ROUNDS];
        long[] far = new long[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            HalfOpen h = HalfOpen.make(round);
            ByteBuffer inOrder = ClientPackets.initialWithCrypto(h.dcid(), h.scid(), 1, 4, FOUR);
            // Far, but within the 64 KiB a connection buffers before CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5).
            ByteBuffer farAway = ClientPackets.initialWithCrypto(h.dcid(), h.scid(), 2, 60_000, FOUR);
            near[round] = h.deliver(inOrder);
            far[round] = h.deliver(farAway);
            assertTrue(h.connection().state().isEstablished() || !h.connection().state().isClosingOrClosed(),
                    "the far data is allowed: " + h.connection().closeError());
        }
        long extra = median(far) - median(near);
        System.out.printf("half-open footprint: 4 CRYPTO bytes in order %d B, at offset 60000 %d B%n",
                median(near), median(far));
        assertTrue(extra < 512, "4 CRYPTO bytes at a far offset cost " + extra + " bytes more than in order");
    }

    @Test
    void aSmallPacketThatArrivesBeforeItsKeysCostsAboutItsSize() {
        long[] buffered = new long[ROUNDS];
        long[] dropped = new long[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            HalfOpen h = HalfOpen.make(round);
            // Handshake packets for the connection: it has no Handshake keys yet, so it keeps them (RFC 9001
            // §4.1.4) until they come, up to a bound; the one past the bound is dropped, which is the floor.
            ByteBuffer[] early = new ByteBuffer[UNDECRYPTABLE_KEPT + 1];
            for (int i = 0; i < early.length; i++) {
                early[i] = ClientPackets.packet(PacketType.HANDSHAKE, h.dcid(), h.scid(), i, 64,
                        b -> FrameEncoder.encode(b, PingFrame.INSTANCE));
            }
            h.deliver(early[0]);
            buffered[round] = h.deliver(early[1]);
            for (int i = 2; i < UNDECRYPTABLE_KEPT; i++) {
                h.deliver(early[i]);
            }
            dropped[round] = h.deliver(early[UNDECRYPTABLE_KEPT]);
            assertEquals(1, h.connection().packetsReceived(), "only the Initial was processed");
        }
        long cost = median(buffered) - median(dropped);
        System.out.printf("half-open footprint: a 64-byte packet kept for its keys %d B%n", cost);
        assertTrue(cost < 256, "a 64-byte packet kept for its keys costs " + cost + " bytes");
    }

    @Test
    void aServerHelloSizedFlightTakesAboutItsSizeInTheSendBuffer() {
        long[] written = new long[ROUNDS];
        byte[] serverHello = new byte[120];
        for (int round = 0; round < ROUNDS; round++) {
            QuicConnection c = HalfOpen.make(round).connection();
            ByteBuffer flight = ByteBuffer.wrap(serverHello);
            long before = allocatedBytes();
            c.writeHandshake(EncryptionLevel.INITIAL, flight, NOW);
            written[round] = allocatedBytes() - before;
        }
        long cost = median(written);
        System.out.printf("half-open footprint: a 120-byte Initial flight queued %d B%n", cost);
        assertTrue(cost < 2048, "queueing a 120-byte flight costs " + cost + " bytes");
    }
}
