package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.api.TokenKeys;
import qsock.core.cid.StatelessResetTokens;
import qsock.core.endpoint.AddressValidation;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.wire.ConnectionId;

/**
 * Several I/O threads on one port, without connections: what is shared between them (the stateless reset key, the
 * token keys) and the hand-over of short-header datagrams by the thread their connection ID names. Real sockets on
 * loopback; which socket the kernel picks is found out by the threads' counters, not assumed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoEndpointGroupTest {

    @BeforeAll
    static void linux() {
        Assumptions.assumeTrue(IoEndpointGroup.supported(), "SO_REUSEPORT spreading datagrams: Linux only");
    }

    /**
     * RFC 9000 §10.3: a short-header packet of no connection is answered with the stateless reset its connection ID's
     * owner would send, whichever socket it reached: directly by the owner, or after the other thread handed it over.
     */
    @Test
    void aStatelessResetCarriesTheSharedKeysTokenWhicheverSocketTheProbeReached() throws Exception {
        EndpointConfig config = IoEndpointGroup.sharedConfig(ConnectionConfig.defaults());
        StatelessResetTokens tokens = new StatelessResetTokens(config.statelessResetKey());
        Group g = Group.start(config, 2);
        try {
            boolean[] seen = new boolean[2]; // [0]: reached the owner, [1]: handed over
            SplittableRandom random = new SplittableRandom(9);
            for (int attempt = 0; attempt < 64 && !(seen[0] && seen[1]); attempt++) {
                int owner = attempt % 2;
                byte[] probe = new byte[80];
                random.nextBytes(probe);
                probe[0] = 0x41;
                probe[1] = (byte) (probe[1] & ~1 | owner);
                ConnectionId dcid = ConnectionId.of(probe, 1, 8);
                long handedBefore = g.group.counters(1 - owner)[1];
                try (DatagramChannel peer = DatagramChannel.open()) {
                    peer.bind(new InetSocketAddress("127.0.0.1", 0));
                    peer.send(ByteBuffer.wrap(probe), g.address());
                    ByteBuffer reset = receive(peer);
                    assertNotNull(reset, "a stateless reset came back");
                    assertTrue(reset.remaining() < probe.length, "smaller than what triggered it (§10.3.3)");
                    byte[] token = new byte[16];
                    reset.get(reset.limit() - 16, token);
                    assertArrayEquals(tokens.tokenFor(dcid).toByteArray(), token,
                            "the token of the shared key for the probe's connection ID");
                }
                boolean handed = g.group.counters(1 - owner)[1] > handedBefore;
                seen[handed ? 1 : 0] = true;
                if (handed) {
                    assertTrue(g.group.counters(owner)[2] > 0, "the owner took it over");
                }
            }
            assertTrue(seen[0] && seen[1], "probes reached both the owner and the other thread: " + Arrays.toString(seen));
        } finally {
            g.close();
        }
    }

    /** A long header (an Initial's ID the client chose) and a datagram too short are handled where they land. */
    @Test
    void onlyAShortHeaderIsHandedOver() throws Exception {
        Group g = Group.start(IoEndpointGroup.sharedConfig(ConnectionConfig.defaults()), 2);
        try {
            IoEndpoint io = g.group.endpoint(0);
            io.lock().lock();
            try {
                var quic = io.endpoint();
                byte[] shortHeader = new byte[30];
                shortHeader[0] = 0x40;
                shortHeader[1] = 1;
                assertEquals(1, quic.connectionIdOwner(ByteBuffer.wrap(shortHeader)));
                shortHeader[1] = 0;
                assertEquals(0, quic.connectionIdOwner(ByteBuffer.wrap(shortHeader)));
                byte[] longHeader = shortHeader.clone();
                longHeader[0] = (byte) 0xc0;
                longHeader[1] = 1;
                assertEquals(-1, quic.connectionIdOwner(ByteBuffer.wrap(longHeader)));
                assertEquals(-1, quic.connectionIdOwner(ByteBuffer.wrap(new byte[] {0x40, 1, 2})));
            } finally {
                io.lock().unlock();
            }
        } finally {
            g.close();
        }
    }

    /** RFC 9000 §8.1.3: one set of token keys for the group, drawn once unless set, so a token opens on any thread. */
    @Test
    void theThreadsShareTheTokenKeys() throws Exception {
        Group g = Group.start(IoEndpointGroup.sharedConfig(ConnectionConfig.defaults()), 3);
        try {
            AddressValidation shared = g.group.shareKeys(AddressValidation.defaults());
            assertNotNull(shared.keys());
            assertSame(shared.keys(), g.group.shareKeys(AddressValidation.defaults().withAlwaysRetry(true)).keys());
            TokenKeys set = TokenKeys.of(new byte[32]);
            assertSame(set, g.group.shareKeys(AddressValidation.defaults().withKeys(set)).keys(), "keys set stay");
            g.group.listen(shared, 4);
            for (int i = 1; i < 3; i++) {
                IoEndpoint io = g.group.endpoint(i);
                io.lock().lock();
                try {
                    assertEquals(shared, io.endpoint().addressValidation());
                } finally {
                    io.lock().unlock();
                }
            }
        } finally {
            g.close();
        }
    }

    @Test
    void aGroupIsFormedOnlyOverASharedPortAndKey() throws Exception {
        EndpointConfig config = IoEndpointGroup.sharedConfig(ConnectionConfig.defaults());
        IoClient client = () -> { };
        IoEndpoint alone = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), config, UdpOptions.defaults(),
                client);
        alone.lock().lock();
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> IoEndpointGroup.form(alone, config, UdpOptions.defaults(), 2), "SO_REUSEPORT needed");
            assertThrows(IllegalArgumentException.class, () -> IoEndpointGroup.form(alone,
                    new EndpointConfig(ConnectionConfig.defaults(), null), UdpOptions.defaults().withReusePort(true),
                    2), "a shared reset key needed");
            assertThrows(IllegalArgumentException.class, () -> IoEndpointGroup.form(alone, config,
                    UdpOptions.defaults().withReusePort(true), 1));
            alone.detach(client);
        } finally {
            alone.lock().unlock();
        }
    }

    /** Closing the group (and the first endpoint's own client) ends every thread. */
    @Test
    void closingEndsEveryThread() throws Exception {
        Group g = Group.start(IoEndpointGroup.sharedConfig(ConnectionConfig.defaults()), 3);
        g.close();
        for (int i = 0; i < 3; i++) {
            Thread t = g.group.endpoint(i).thread();
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName());
        }
    }

    private static ByteBuffer receive(DatagramChannel peer) throws Exception {
        peer.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() - deadline < 0) {
            if (peer.receive(buf) != null) {
                return buf.flip();
            }
            LockSupport.parkNanos(1_000_000);
        }
        return null;
    }

    /** A listening group of {@code n} endpoints on a loopback port. */
    private record Group(IoEndpointGroup group, IoClient first) {
        static Group start(EndpointConfig config, int n) throws Exception {
            IoClient first = () -> { };
            UdpOptions udp = UdpOptions.defaults().withReusePort(true);
            IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), config, udp, first);
            IoEndpointGroup group;
            io.lock().lock();
            try {
                group = IoEndpointGroup.form(io, config, udp, n);
                io.endpoint().listen(4);
            } finally {
                io.lock().unlock();
            }
            group.listen(AddressValidation.defaults(), 4);
            for (int i = 0; i < n; i++) {
                assertEquals("qsock-io-" + io.localAddress().getPort() + "-" + i, group.endpoint(i).thread().getName());
                assertEquals(io.localAddress(), group.endpoint(i).localAddress());
            }
            return new Group(group, first);
        }

        InetSocketAddress address() {
            return group.endpoint(0).localAddress();
        }

        void close() {
            group.close();
            IoEndpoint io = group.endpoint(0);
            io.lock().lock();
            try {
                io.detach(first);
            } finally {
                io.lock().unlock();
            }
        }
    }
}
