package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.SimNetwork;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.QuicSimHost;
import qsock.core.sim.quic.Session;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * Initials as an attacker (or a corrupting network) sends them, against a server with the real TLS engine:
 * what does not decrypt makes nothing and is answered with nothing; valid Initials in thousands (anyone can
 * compute Initial keys) fill the server's bound on half-open connections, whose oldest then make room, so
 * that legitimate clients arriving during the flood still complete their handshakes.
 */
class InitialFloodSimulationTest {

    private static final String PKI = "ecdsa-p256";

    private static InetSocketAddress spoofed(int i) {
        try {
            return new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {10, 9, (byte) (i >> 8), (byte) i}), 1024 + i % 60_000);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void flip(ByteBuffer d, int index, int bit) {
        d.put(index, (byte) (d.get(index) ^ (1 << bit)));
    }

    @Test
    void undecryptableInitialsMakeNothingAndGetNoAnswerAndAClientStillConnects() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(21).build();
        int[] sentByServer = {0};
        pair.network.trace((time, id, from, to, length, fate) -> {
            if (from.equals(pair.server.address)) {
                sentByServer[0]++;
            }
        });
        ClientInitials initials = new ClientInitials(new SplittableRandom(22), TestPki.seeded(23), PKI);
        SplittableRandom r = new SplittableRandom(24);
        ByteBuffer d = ByteBuffer.allocate(1500);
        for (int i = 0; i < 2_000; i++) {
            // The header of a real Initial, then random bytes.
            initials.next(d);
            int pnOffset = 6 + d.get(5) + 1 + d.get(6 + d.get(5)) + 1 + 2;
            for (int j = pnOffset; j < d.limit(); j++) {
                d.put(j, (byte) r.nextInt());
            }
            pair.server.receive(spoofed(i), d, pair.network.now());
        }
        for (int i = 0; i < 400; i++) {
            // Valid Initials with one bit of the Destination or the Source Connection ID flipped on the way.
            initials.next(d);
            int dcidLength = d.get(5);
            int field = i % 2 == 0 ? 6 : 6 + dcidLength + 1;
            int length = i % 2 == 0 ? dcidLength : d.get(6 + dcidLength);
            flip(d, field + r.nextInt(length), r.nextInt(8));
            pair.server.receive(spoofed(i), d, pair.network.now());
        }
        pair.network.runFor(100 * MS, 10_000);
        assertEquals(0, pair.server.endpoint.connectionCount(), "no connection");
        assertTrue(pair.server.sessions.isEmpty(), "nothing accepted");
        assertEquals(0, sentByServer[0], "nothing sent");
        assertEquals(2_400, pair.server.endpoint.initialsUndecryptable());

        pair.connect();
        pair.runUntil(pair::bothEstablished, 10 * SECOND, 10_000);
        assertEquals(1, pair.server.endpoint.connectionCount(), pair.describe());
    }

    @Test
    @Timeout(120)
    void aFloodOfValidInitialsDoesNotKeepLegitimateClientsOut() throws Exception {
        long seed = 31;
        int maxHalfOpen = 200;
        int flood = 2_000;
        int floodPerMillisecond = 2;
        SimNetwork network = new SimNetwork(seed);
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").build();
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
                .build();
        PruningServerHost server = new PruningServerHost(new InetSocketAddress(address(10, 0, 0, 2), 443),
                new EndpointConfig(ConnectionConfig.defaults(), new byte[32]).withMaxHalfOpenConnections(maxHalfOpen),
                network.random(2), TestPki.seeded(seed * 31 + 2), serverTls, 64);
        network.add(server);
        List<QuicSimHost> clients = new ArrayList<>();
        List<Session> legitimate = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            QuicSimHost c = QuicSimHost.client(new InetSocketAddress(address(10, 0, 1, 1 + i), 50_000),
                    EndpointConfig.defaults(), network.random(10 + i),
                    new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 10 + i)),
                    () -> Application.IDLE);
            network.add(c);
            network.link(c, server, LinkConfig.perfect().withDelay(10 * MS, 0));
            clients.add(c);
        }
        ClientInitials initials = new ClientInitials(network.random(99), TestPki.seeded(seed * 31 + 99), PKI);
        ByteBuffer d = ByteBuffer.allocate(1500);
        int sent = 0;
        int millis = 0;
        int worstConnections = 0;
        int worstHalfOpen = 0;
        while (sent < flood) {
            if (millis % 200 == 100) {
                // A legitimate client every 200 ms, in the thick of the flood.
                QuicSimHost c = clients.get(legitimate.size());
                legitimate.add(c.connect(server.address, network.now()));
            }
            for (int k = 0; k < floodPerMillisecond && sent < flood; k++, sent++) {
                server.receive(spoofed(sent % 500), initials.next(d), network.now());
            }
            network.runFor(MS, 100_000);
            millis++;
            worstConnections = Math.max(worstConnections, server.endpoint.connectionCount());
            worstHalfOpen = Math.max(worstHalfOpen, server.endpoint.halfOpenConnections());
            assertTrue(server.endpoint.halfOpenConnections() <= maxHalfOpen,
                    "half-open connections " + server.endpoint.halfOpenConnections() + " at " + millis + " ms");
            assertTrue(server.endpoint.connectionCount() <= maxHalfOpen + legitimate.size(),
                    "connections " + server.endpoint.connectionCount() + " at " + millis + " ms");
        }
        assertEquals(5, legitimate.size());
        network.runUntil(() -> legitimate.stream().allMatch(s -> s.connection.state().isEstablished()), 10 * SECOND,
                100_000);
        assertEquals(5, server.completed(), "only the legitimate clients completed a handshake");
        assertTrue(server.endpoint.halfOpenEvicted() >= flood - maxHalfOpen,
                "the flood filled the bound: " + server.endpoint.halfOpenEvicted() + " dropped");
        System.out.printf("initial flood: %d valid Initials, %d half-open dropped, at most %d connections and %d"
                + " half-open at once; %d of 5 legitimate clients completed%n", flood,
                server.endpoint.halfOpenEvicted(), worstConnections, worstHalfOpen, server.completed());
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
