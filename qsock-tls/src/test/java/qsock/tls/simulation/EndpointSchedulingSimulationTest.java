package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.error.StreamResetException;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.SimNetwork;
import qsock.core.sim.quic.EndpointHost;
import qsock.core.stream.StreamEvent;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * The endpoint calls into a connection only when it has something to do (a deadline heap, a queue of connections
 * that may send): proven here not to miss anything, with the real TLS engine, many connections per endpoint, echo
 * traffic, closes, resets and idle timeouts over a lossy, reordering path. Each host keeps the endpoint's contract
 * exactly (every call of its own into a connection is followed by {@link QuicEndpoint#touched}, no more) and checks,
 * at every step, what a full scan of its connections says: the endpoint's next deadline is the earliest of theirs,
 * and once the endpoint has nothing more to send, no connection has either. A missed deadline or a connection
 * never polled would be a hang at run time.
 */
class EndpointSchedulingSimulationTest {

    private static final String PKI = "ecdsa-p256";

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Echo on every stream the peer opens; the client side also opens streams, resets some, closes some. */
    private static final class Echo {
        final boolean client;
        final SplittableRandom random;
        final Map<Long, ArrayDeque<ByteBuffer>> pending = new HashMap<>();
        final Map<Long, Boolean> finAfterPending = new HashMap<>();
        final ByteBuffer buffer = ByteBuffer.allocate(4096);
        int echoesCompleted;
        int streamsOpened;

        Echo(boolean client, SplittableRandom random) {
            this.client = client;
            this.random = random;
        }

        void turn(QuicConnection c) {
            if (!c.state().isEstablished()) {
                return;
            }
            for (StreamEvent e = c.streams().pollEvent(); e != null; e = c.streams().pollEvent()) {
                if (e instanceof StreamEvent.Readable(long id)) {
                    read(c, id);
                }
            }
            flushPending(c);
        }

        /** One thing an application might do now, unprompted. */
        void act(QuicConnection c, long now) {
            if (!client || !c.state().isEstablished()) {
                return;
            }
            int what = random.nextInt(100);
            if (what < 70) {
                long id = c.streams().openStream(true);
                if (id >= 0) {
                    streamsOpened++;
                    byte[] data = new byte[1 + random.nextInt(3000)];
                    random.nextBytes(data);
                    queue(id, ByteBuffer.wrap(data), true);
                    flushPending(c);
                }
            } else if (what < 80 && !pending.isEmpty()) {
                long id = pending.keySet().iterator().next();
                pending.remove(id);
                finAfterPending.remove(id);
                try {
                    c.streams().reset(id, 7);
                } catch (IllegalStateException e) {
                    // Already done sending.
                }
            } else if (what < 83) {
                c.close(0, "enough", now);
            }
        }

        private void read(QuicConnection c, long id) {
            while (true) {
                buffer.clear();
                int n;
                try {
                    n = c.streams().read(id, buffer);
                } catch (StreamResetException e) {
                    pending.remove(id);
                    return;
                }
                if (n < 0) {
                    if (client) {
                        echoesCompleted++;
                    } else {
                        queue(id, ByteBuffer.allocate(0), true);
                    }
                    return;
                }
                if (n == 0) {
                    return;
                }
                if (!client) {
                    buffer.flip();
                    ByteBuffer copy = ByteBuffer.allocate(n).put(buffer).flip();
                    queue(id, copy, false);
                }
            }
        }

        private void queue(long id, ByteBuffer data, boolean fin) {
            pending.computeIfAbsent(id, k -> new ArrayDeque<>()).add(data);
            if (fin) {
                finAfterPending.put(id, true);
            }
        }

        private void flushPending(QuicConnection c) {
            for (var i = pending.entrySet().iterator(); i.hasNext(); ) {
                var entry = i.next();
                long id = entry.getKey();
                ArrayDeque<ByteBuffer> q = entry.getValue();
                try {
                    while (!q.isEmpty()) {
                        ByteBuffer head = q.peek();
                        boolean fin = q.size() == 1 && finAfterPending.containsKey(id);
                        c.streams().write(id, head, fin);
                        if (head.hasRemaining()) {
                            break;
                        }
                        q.poll();
                    }
                } catch (StreamResetException | IllegalStateException e) {
                    q.clear();
                }
                if (q.isEmpty()) {
                    i.remove();
                    finAfterPending.remove(id);
                }
            }
        }
    }

    /** A session: a connection, its handshake, its application, and what it looked like when last stepped. */
    private static final class Tracked {
        final QuicConnection connection;
        final HandshakeDriver driver;
        final Echo app;
        long packets = -1;
        ConnectionState state;

        Tracked(QuicConnection connection, HandshakeDriver driver, Echo app) {
            this.connection = connection;
            this.driver = driver;
            this.app = app;
        }
    }

    /** A host that keeps the endpoint's contract to the letter and checks the endpoint against a full scan. */
    private static final class ContractHost extends EndpointHost {
        final TlsServerConfig serverTls;
        final TlsClientConfig clientTls;
        final SecureRandom tlsRandom;
        final SplittableRandom random;
        final List<Tracked> sessions = new ArrayList<>();
        final ByteBuffer scratch = ByteBuffer.allocate(65_536);
        long deadlineChecks;
        long sendChecks;

        ContractHost(InetSocketAddress address, QuicEndpoint endpoint, TlsServerConfig serverTls,
                     TlsClientConfig clientTls, SecureRandom tlsRandom, SplittableRandom random) {
            super(address, endpoint);
            this.serverTls = serverTls;
            this.clientTls = clientTls;
            this.tlsRandom = tlsRandom;
            this.random = random;
        }

        void connect(InetSocketAddress server, long now) {
            this.now = now;
            QuicConnection c = endpoint.connect(server, now);
            Tracked t = new Tracked(c, HandshakeDriver.client(c.handshakeChannel(clock), clientTls, tlsRandom), new Echo(true, random.split()));
            sessions.add(t);
            turn(t);
        }

        @Override
        public InetSocketAddress poll(ByteBuffer out, long now) {
            InetSocketAddress to = endpoint.pollDatagram(out, now);
            if (to == null) {
                // The endpoint has nothing more to send: a connection that has is one it forgot to poll.
                for (Tracked t : sessions) {
                    long deadline = t.connection.nextDeadline();
                    int n = t.connection.pollDatagram(scratch.clear(), now);
                    assertEquals(0, n, t.connection + " had a datagram to send that the endpoint never polled");
                    // Asked again at the same time, a connection that had nothing to send changes nothing: the check
                    // is no call the endpoint needs to hear of (hearing of it would hide what this checks).
                    assertEquals(deadline, t.connection.nextDeadline());
                    sendChecks++;
                }
            }
            return to;
        }

        @Override
        public long nextDeadline() {
            long d = endpoint.nextDeadline();
            long scan = Long.MAX_VALUE;
            for (Tracked t : sessions) {
                scan = Math.min(scan, t.connection.nextDeadline());
            }
            assertEquals(scan, d, "the endpoint's next deadline against a scan of its connections");
            deadlineChecks++;
            return d;
        }

        /** Accepts what arrived, steps what changed, and sometimes acts unprompted, touching what it called into. */
        @Override
        protected void turn(long now) {
            for (QuicConnection c = endpoint.accept(); c != null; c = endpoint.accept()) {
                sessions.add(new Tracked(c, HandshakeDriver.server(c.handshakeChannel(clock), serverTls, tlsRandom),
                        new Echo(false, random.split())));
            }
            for (Tracked t : sessions) {
                QuicConnection c = t.connection;
                if (c.packetsReceived() != t.packets || c.state() != t.state) {
                    turn(t);
                }
            }
            if (!sessions.isEmpty() && random.nextInt(4) == 0) {
                Tracked t = sessions.get(random.nextInt(sessions.size()));
                t.app.act(t.connection, now);
                endpoint.touched(t.connection);
            }
        }

        private void turn(Tracked t) {
            QuicConnection c = t.connection;
            for (int i = 0; i < 8; i++) {
                if (t.driver.step() != HandshakeDriver.Step.TASK_PENDING) {
                    break;
                }
                t.driver.delegatedTask().run();
            }
            t.app.turn(c);
            endpoint.touched(c);
            t.packets = c.packetsReceived();
            t.state = c.state();
        }

        int echoesCompleted() {
            int n = 0;
            for (Tracked t : sessions) {
                n += t.app.echoesCompleted;
            }
            return n;
        }

        int established() {
            int n = 0;
            for (Tracked t : sessions) {
                if (t.driver.isComplete()) {
                    n++;
                }
            }
            return n;
        }
    }

    @Test
    @Timeout(120)
    void manyConnectionsOnOneEndpointMissNoDeadlineAndNoDatagram() {
        long seed = 91;
        SimNetwork network = new SimNetwork(seed);
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo").build();
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
                .build();
        // A short idle timeout, and keep-alive on the clients: connections the client closed or forgot time out.
        ConnectionConfig clientConfig = ConnectionConfig.builder().maxIdleTimeoutMillis(4_000).keepAliveMillis(1_500)
                .build();
        ContractHost server = new ContractHost(new InetSocketAddress(address(10, 0, 0, 2), 443),
                new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]), network.random(2)),
                serverTls, null, TestPki.seeded(seed * 31 + 2), new SplittableRandom(seed + 2));
        server.endpoint.listen(64);
        ContractHost client = new ContractHost(new InetSocketAddress(address(10, 0, 0, 1), 50_000),
                new QuicEndpoint(new EndpointConfig(clientConfig, new byte[32]), network.random(1)),
                null, clientTls, TestPki.seeded(seed * 31 + 1), new SplittableRandom(seed + 1));
        network.add(client);
        network.add(server);
        LinkConfig path = LinkConfig.perfect().withDelay(15 * MS, 5 * MS).withLoss(0.03).withReordering(0.05, 10 * MS);
        network.link(client, server, path, path);
        for (int round = 0; round < 12; round++) {
            for (int i = 0; i < 4; i++) {
                client.connect(server.address, network.now());
            }
            network.runFor(700 * MS, 500_000);
        }
        // Then quiet: keep-alives keep the connections that are left open, the others time out.
        network.runFor(8 * SECOND, 500_000);
        int open = 0;
        for (Tracked t : client.sessions) {
            if (!t.connection.state().isClosingOrClosed()) {
                open++;
                t.connection.close(0, "done", network.now());
                client.endpoint.touched(t.connection);
            }
        }
        assertTrue(open > 0, "keep-alive kept connections open");
        network.runFor(10 * SECOND, 500_000);
        System.out.printf("endpoint scheduling: %d connections, %d handshakes completed, %d echoes, %d deadline and "
                        + "%d send checks%n", client.sessions.size(), client.established(), client.echoesCompleted(),
                client.deadlineChecks + server.deadlineChecks, client.sendChecks + server.sendChecks);
        assertTrue(client.established() >= 40, client.established() + " handshakes completed");
        assertTrue(client.echoesCompleted() >= 50, client.echoesCompleted() + " echoes completed");
        assertTrue(client.deadlineChecks > 1_000 && server.sendChecks > 1_000, "the checks ran");
        assertEquals(0, server.endpoint.connectionCount(), "every connection ended and was forgotten");
        assertEquals(0, client.endpoint.connectionCount());
    }
}
