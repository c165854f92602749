package qsock.tls.simulation;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import qsock.core.connection.ConnectionConfig;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.SimNetwork;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * A qsock client and server on a simulated network, both with the real TLS engine and seeded randomness:
 * the same seed replays the same run, packet for packet. The seed is in every failure message.
 */
final class SimulatedPair {

    static final long MS = 1_000_000L;
    static final long SECOND = 1_000 * MS;

    final long seed;
    final SimNetwork network;
    final QuicSimHost client;
    final QuicSimHost server;
    Session clientSession;

    private SimulatedPair(Builder b) {
        this.seed = b.seed;
        this.network = new SimNetwork(b.seed);
        InetSocketAddress clientAddress = new InetSocketAddress(address(10, 0, 0, 1), 50_000);
        InetSocketAddress serverAddress = new InetSocketAddress(address(10, 0, 0, 2), 443);
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(b.pki))))
                .build();
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(b.pki), TestPki.leafKey(b.pki)))
                .applicationProtocols("echo", "hq-interop").build();
        this.client = QuicSimHost.client(clientAddress, new EndpointConfig(b.clientConfig, resetKey(b.seed, 1)),
                network.random(1), TestPki.seeded(b.seed * 31 + 1), clientTls, b.clientApplication);
        this.server = QuicSimHost.server(serverAddress, new EndpointConfig(b.serverConfig, resetKey(b.seed, 2)),
                network.random(2), TestPki.seeded(b.seed * 31 + 2), serverTls, b.serverApplication);
        network.add(client);
        network.add(server);
        network.link(client, server, b.clientToServer, b.serverToClient);
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resetKey(long seed, int host) {
        byte[] key = new byte[32];
        new java.util.SplittableRandom(seed * 7 + host).nextBytes(key);
        return key;
    }

    static Builder builder(long seed) {
        return new Builder(seed);
    }

    /** Creates the client's connection; its first flight leaves on the next step. */
    SimulatedPair connect() throws Exception {
        clientSession = client.connect(server.address, network.now());
        return this;
    }

    /** Runs until {@code done} holds; fails, naming the seed, if the caps are reached first. */
    long runUntil(BooleanSupplier done, long maxVirtualNanos, long maxSteps) {
        return network.runUntil(done, maxVirtualNanos, maxSteps);
    }

    Session serverSession() {
        return server.first();
    }

    boolean bothEstablished() {
        return clientSession != null && clientSession.connection.state().isEstablished()
                && !server.sessions.isEmpty() && server.first().connection.state().isEstablished();
    }

    String describe() {
        return "seed " + seed + ", virtual time " + (network.now() - SimNetwork.EPOCH_NANOS) / MS + " ms";
    }

    /** Builds a {@link SimulatedPair}. */
    static final class Builder {
        private final long seed;
        private String pki = "ecdsa-p256";
        private ConnectionConfig clientConfig = ConnectionConfig.defaults();
        private ConnectionConfig serverConfig = ConnectionConfig.defaults();
        private LinkConfig clientToServer = LinkConfig.perfect().withDelay(10 * MS, 0);
        private LinkConfig serverToClient = LinkConfig.perfect().withDelay(10 * MS, 0);
        private Supplier<Application> clientApplication = () -> Application.IDLE;
        private Supplier<Application> serverApplication = () -> Application.IDLE;

        private Builder(long seed) {
            this.seed = seed;
        }

        Builder pki(String name) {
            this.pki = name;
            return this;
        }

        Builder config(ConnectionConfig both) {
            this.clientConfig = both;
            this.serverConfig = both;
            return this;
        }

        Builder clientConfig(ConnectionConfig c) {
            this.clientConfig = c;
            return this;
        }

        Builder serverConfig(ConnectionConfig c) {
            this.serverConfig = c;
            return this;
        }

        Builder links(LinkConfig both) {
            this.clientToServer = both;
            this.serverToClient = both;
            return this;
        }

        Builder links(LinkConfig clientToServer, LinkConfig serverToClient) {
            this.clientToServer = clientToServer;
            this.serverToClient = serverToClient;
            return this;
        }

        Builder clientApplication(Supplier<Application> a) {
            this.clientApplication = a;
            return this;
        }

        Builder serverApplication(Supplier<Application> a) {
            this.serverApplication = a;
            return this;
        }

        SimulatedPair build() {
            return new SimulatedPair(this);
        }
    }
}
