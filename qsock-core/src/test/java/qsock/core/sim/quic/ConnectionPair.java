package qsock.core.sim.quic;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.SimNetwork;

/**
 * A qsock client and server on a simulated network, with seeded randomness: the same seed replays the same run,
 * packet for packet, and the seed is in every failure message. The handshake is a {@link HandshakeFactory}'s:
 * {@link FixedSecretHandshake} unless the builder says otherwise (qsock-tls's tests plug in the real TLS engine).
 *
 * <p>{@code ConnectionPair.established(seed)} is a pair whose handshake is confirmed on both sides;
 * {@code ConnectionPair.builder(seed)...build().connect()} one whose client has just sent its first flight.
 */
public final class ConnectionPair {

    /** A millisecond of virtual time. */
    public static final long MS = 1_000_000L;
    /** A second of virtual time. */
    public static final long SECOND = 1_000 * MS;

    /** The seed everything random in this pair is drawn from. */
    public final long seed;
    /** The network both hosts are on. */
    public final SimNetwork network;
    /** The client's host. */
    public final QuicSimHost client;
    /** The server's host. */
    public final QuicSimHost server;
    /** The client's connection and handshake, once {@link #connect()} was called; else null. */
    public Session clientSession;

    private ConnectionPair(Builder b) {
        this.seed = b.seed;
        this.network = new SimNetwork(b.seed);
        InetSocketAddress clientAddress = new InetSocketAddress(address(10, 0, 0, 1), 50_000);
        InetSocketAddress serverAddress = new InetSocketAddress(address(10, 0, 0, 2), 443);
        this.client = QuicSimHost.client(clientAddress, new EndpointConfig(b.clientConfig, resetKey(b.seed, 1)),
                network.random(1), b.clientHandshakes, b.clientApplication);
        this.server = QuicSimHost.server(serverAddress, new EndpointConfig(b.serverConfig, resetKey(b.seed, 2)),
                network.random(2), b.serverHandshakes, b.serverApplication);
        network.add(client);
        network.add(server);
        network.link(client, server, b.clientToServer, b.serverToClient);
        if (b.ecn) {
            client.ecnCapable(true);
            server.ecnCapable(true);
        }
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resetKey(long seed, int host) {
        byte[] key = new byte[32];
        new SplittableRandom(seed * 7 + host).nextBytes(key);
        return key;
    }

    /** {@return a builder of a pair drawn from {@code seed}, with the fixed-secret handshake and the defaults} */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    /** {@return a pair with the defaults whose handshake is confirmed on both sides} */
    public static ConnectionPair established(long seed) throws Exception {
        return builder(seed).established();
    }

    /** Creates the client's connection; its first flight leaves on the next step. */
    public ConnectionPair connect() throws Exception {
        clientSession = client.connect(server.address, network.now());
        return this;
    }

    /** Runs until both sides' handshakes are confirmed, within 10 virtual seconds and 10,000 steps. */
    public ConnectionPair confirm() {
        runUntil(this::bothConfirmed, 10 * SECOND, 10_000);
        return this;
    }

    /** Runs until {@code done} holds; fails, naming the seed, if the caps are reached first. */
    public long runUntil(BooleanSupplier done, long maxVirtualNanos, long maxSteps) {
        return network.runUntil(done, maxVirtualNanos, maxSteps);
    }

    /** Runs until {@code done} holds, within 30 virtual seconds and 100,000 steps. */
    public long runUntil(BooleanSupplier done) {
        return runUntil(done, 30 * SECOND, 100_000);
    }

    /** Runs for {@code virtualNanos} of virtual time, within 100,000 steps. */
    public long runFor(long virtualNanos) {
        return network.runFor(virtualNanos, 100_000);
    }

    /** {@return the server's first connection and handshake; fails if it accepted none yet} */
    public Session serverSession() {
        return server.first();
    }

    /** {@return the client's connection; fails before {@link #connect()}} */
    public QuicConnection clientConnection() {
        if (clientSession == null) {
            throw new IllegalStateException("the client has not connected");
        }
        return clientSession.connection;
    }

    /** {@return the server's first connection; fails if it accepted none yet} */
    public QuicConnection serverConnection() {
        return serverSession().connection;
    }

    /** {@return whether the client connected and the server accepted, whatever their states} */
    public boolean bothStarted() {
        return clientSession != null && !server.sessions.isEmpty();
    }

    /** {@return whether both handshakes are complete} */
    public boolean bothEstablished() {
        return bothStarted() && clientSession.connection.state().isEstablished()
                && server.first().connection.state().isEstablished();
    }

    /** {@return whether both handshakes are confirmed} */
    public boolean bothConfirmed() {
        return bothStarted() && clientSession.connection.state() == ConnectionState.CONFIRMED
                && server.first().connection.state() == ConnectionState.CONFIRMED;
    }

    /** {@return the seed and the virtual time, for failure messages} */
    public String describe() {
        return "seed " + seed + ", virtual time " + (network.now() - SimNetwork.EPOCH_NANOS) / MS + " ms";
    }

    /** Builds a {@link ConnectionPair}. */
    public static final class Builder {
        private final long seed;
        private ConnectionConfig clientConfig = ConnectionConfig.defaults();
        private ConnectionConfig serverConfig = ConnectionConfig.defaults();
        private LinkConfig clientToServer = LinkConfig.perfect().withDelay(10 * MS, 0);
        private LinkConfig serverToClient = LinkConfig.perfect().withDelay(10 * MS, 0);
        private HandshakeFactory clientHandshakes = FixedSecretHandshake.factory();
        private HandshakeFactory serverHandshakes = FixedSecretHandshake.factory();
        private Supplier<Application> clientApplication = () -> Application.IDLE;
        private Supplier<Application> serverApplication = () -> Application.IDLE;
        private boolean ecn;

        private Builder(long seed) {
            this.seed = seed;
        }

        /** {@return this, with {@code both} as client and server configuration} */
        public Builder config(ConnectionConfig both) {
            this.clientConfig = both;
            this.serverConfig = both;
            return this;
        }

        /** {@return this, with the client's configuration} */
        public Builder clientConfig(ConnectionConfig c) {
            this.clientConfig = c;
            return this;
        }

        /** {@return this, with the server's configuration} */
        public Builder serverConfig(ConnectionConfig c) {
            this.serverConfig = c;
            return this;
        }

        /** {@return this, with {@code both} directions of the link alike} (default: perfect, 10 ms each way) */
        public Builder links(LinkConfig both) {
            this.clientToServer = both;
            this.serverToClient = both;
            return this;
        }

        /** {@return this, with each direction of the link} */
        public Builder links(LinkConfig clientToServer, LinkConfig serverToClient) {
            this.clientToServer = clientToServer;
            this.serverToClient = serverToClient;
            return this;
        }

        /** {@return this, with one handshake factory for both hosts} */
        public Builder handshakes(HandshakeFactory both) {
            return handshakes(both, both);
        }

        /** {@return this, with each host's handshake factory} */
        public Builder handshakes(HandshakeFactory client, HandshakeFactory server) {
            this.clientHandshakes = client;
            this.serverHandshakes = server;
            return this;
        }

        /** {@return this, with what each client connection runs once established} */
        public Builder clientApplication(Supplier<Application> a) {
            this.clientApplication = a;
            return this;
        }

        /** {@return this, with what each server connection runs once established} */
        public Builder serverApplication(Supplier<Application> a) {
            this.serverApplication = a;
            return this;
        }

        /** {@return this, with both hosts' runtimes reading and setting ECN codepoints or not} (default: not) */
        public Builder ecn(boolean capable) {
            this.ecn = capable;
            return this;
        }

        /** {@return the pair, not yet connected} */
        public ConnectionPair build() {
            return new ConnectionPair(this);
        }

        /** {@return the pair, connected and confirmed on both sides (see {@link ConnectionPair#confirm()})} */
        public ConnectionPair established() throws Exception {
            return build().connect().confirm();
        }
    }
}
