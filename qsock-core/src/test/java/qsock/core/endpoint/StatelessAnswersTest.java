package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.packet.StatelessReset;

/**
 * What an endpoint answers that belongs to no connection: only a server answers at all (RFC 9000 §6.1 for
 * Version Negotiation; a client's forgotten connections end by their idle timeout), and a server's stateless
 * resets cannot loop (each smaller than its trigger and never in answer to one of their own size, §10.3.3)
 * and are limited in rate.
 */
class StatelessAnswersTest {

    private static final long NOW = 1_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final InetSocketAddress A = address(1);
    private static final InetSocketAddress B = address(2);

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 4, 0, (byte) last}), 4433);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static QuicEndpoint endpoint(EndpointConfig config, long seed, boolean listening) {
        QuicEndpoint e = new QuicEndpoint(config, new SplittableRandom(seed));
        if (listening) {
            e.listen(16);
        }
        return e;
    }

    private static EndpointConfig config() {
        byte[] key = new byte[32];
        key[0] = 7;
        return new EndpointConfig(ConnectionConfig.defaults(), key);
    }

    /** {@return a short-header datagram of {@code size} random bytes, as an unknown connection's packet looks} */
    private static ByteBuffer garbage(SplittableRandom r, int size) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        b[0] = (byte) (0x40 | (b[0] & 0x3f));
        return ByteBuffer.wrap(b);
    }

    private static ByteBuffer unknownVersion() {
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put((byte) 0xc0).putInt(0x1a2a3a4a);
        b.put((byte) 8).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        b.put((byte) 4).put(new byte[] {9, 9, 9, 9});
        return b.position(0);
    }

    @Test
    void aClientEndpointAnswersAnUnknownVersionWithNothing() {
        QuicEndpoint client = endpoint(config(), 1, false);
        client.connect(B, NOW);
        client.handleDatagram(B, unknownVersion(), NOW);
        assertEquals(0, client.versionNegotiationsSent(), "RFC 9000 §6.1: only a server sends Version Negotiation");
        assertNull(client.pollDatagram(ByteBuffer.allocate(1500), NOW));
    }

    @Test
    void aClientEndpointAnswersAnUnknownShortHeaderWithNothing() {
        QuicEndpoint client = endpoint(config(), 2, false);
        client.connect(B, NOW);
        SplittableRandom r = new SplittableRandom(3);
        for (int size : new int[] {60, 100, 1200}) {
            client.handleDatagram(B, garbage(r, size), NOW);
        }
        assertEquals(0, client.statelessResetsSent());
        assertNull(client.pollDatagram(ByteBuffer.allocate(1500), NOW));
    }

    @Test
    void aServerStillAnswersAfterItStopsAccepting() {
        QuicEndpoint server = endpoint(config(), 4, true);
        server.listen(0);
        server.handleDatagram(A, unknownVersion(), NOW);
        server.handleDatagram(A, garbage(new SplittableRandom(5), 100), NOW);
        assertEquals(1, server.versionNegotiationsSent());
        assertEquals(1, server.statelessResetsSent());
    }

    @Test
    void aResetIsShorterThanItsTriggerAndComesFromTheFixedRange() {
        QuicEndpoint server = endpoint(config(), 6, true);
        SplittableRandom r = new SplittableRandom(7);
        ByteBuffer out = ByteBuffer.allocate(1500);
        for (int size : new int[] {StatelessReset.MAX_RESPONSE_LENGTH + 1, 60, 100, 1200, 1500}) {
            server.handleDatagram(A, garbage(r, size), NOW);
            assertNotNull(server.pollDatagram(out.clear(), NOW), "a " + size + "-byte datagram gets a reset");
            int length = out.position();
            assertTrue(length < size && length >= StatelessReset.MIN_RESPONSE_LENGTH
                    && length <= StatelessReset.MAX_RESPONSE_LENGTH, length + " bytes in answer to " + size);
        }
        for (int size : new int[] {StatelessReset.MAX_RESPONSE_LENGTH, StatelessReset.MIN_RESPONSE_LENGTH, 30}) {
            server.handleDatagram(A, garbage(r, size), NOW);
            assertNull(server.pollDatagram(out.clear(), NOW), "a " + size + "-byte datagram may be a reset itself");
        }
    }

    @Test
    void twoServersThatForgotTheirConnectionsStopAfterOneResetEach() {
        // Both lost their connections (a restart each): every short-header datagram is unknown to both.
        QuicEndpoint a = endpoint(config(), 8, true);
        QuicEndpoint b = endpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]), 9, true);
        SplittableRandom r = new SplittableRandom(10);
        record InFlight(QuicEndpoint to, InetSocketAddress from, ByteBuffer datagram) {}
        ArrayDeque<InFlight> wire = new ArrayDeque<>();
        // Each still sends a full-sized packet of its lost connection to the other.
        wire.add(new InFlight(b, A, garbage(r, 1200)));
        wire.add(new InFlight(a, B, garbage(r, 1200)));
        int delivered = 0;
        ByteBuffer out = ByteBuffer.allocate(1500);
        while (!wire.isEmpty() && delivered < 1_000) {
            InFlight d = wire.poll();
            d.to().handleDatagram(d.from(), d.datagram(), NOW + delivered);
            delivered++;
            QuicEndpoint sender = d.to();
            InetSocketAddress self = sender == a ? A : B;
            for (InetSocketAddress to = sender.pollDatagram(out.clear(), NOW); to != null;
                    to = sender.pollDatagram(out.clear(), NOW)) {
                ByteBuffer copy = ByteBuffer.allocate(out.position()).put(out.flip()).flip();
                wire.add(new InFlight(to.equals(A) ? a : b, self, copy));
            }
        }
        assertTrue(wire.isEmpty(), "the exchange ended");
        assertTrue(a.statelessResetsSent() <= 1 && b.statelessResetsSent() <= 1,
                "resets sent: " + a.statelessResetsSent() + " and " + b.statelessResetsSent());
        assertEquals(4, delivered, "two packets, two resets, nothing more");
    }

    @Test
    void resetsAreRateLimitedUnderABurst() {
        QuicEndpoint server = endpoint(config().withStatelessResetLimit(10, 5), 11, true);
        SplittableRandom r = new SplittableRandom(12);
        assertEquals(5, burst(server, r, 100, NOW), "the burst");
        assertEquals(95, server.resetsRateLimited());
        // 10 a second: one more after 100 ms.
        assertEquals(1, burst(server, r, 100, NOW + SECOND / 10));
        // After a long quiet time, a full burst again, and no more.
        assertEquals(5, burst(server, r, 100, NOW + 60 * SECOND));
        assertEquals(11, server.statelessResetsSent());
    }

    @Test
    void theDefaultLimitHoldsUnderABurst() {
        QuicEndpoint server = endpoint(config(), 13, true);
        int sent = burst(server, new SplittableRandom(14), 10_000, NOW);
        assertEquals(EndpointConfig.DEFAULT_STATELESS_RESET_BURST, sent);
        assertEquals(10_000 - sent, server.resetsRateLimited());
    }

    @Test
    void aRateOfZeroSendsNoReset() {
        QuicEndpoint server = endpoint(config().withStatelessResetLimit(0, 0), 15, true);
        assertEquals(0, burst(server, new SplittableRandom(16), 10, NOW));
    }

    /** Hands the server {@code n} unknown 100-byte short-header datagrams at {@code now}; returns the resets sent. */
    private static int burst(QuicEndpoint server, SplittableRandom r, int n, long now) {
        ByteBuffer out = ByteBuffer.allocate(1500);
        int sent = 0;
        for (int i = 0; i < n; i++) {
            server.handleDatagram(A, garbage(r, 100), now);
            // Taken at once, so that the bound on pending answers plays no part.
            while (server.pollDatagram(out.clear(), now) != null) {
                sent++;
            }
        }
        return sent;
    }
}
