package qsock.tls.simulation;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;

/**
 * A qsock endpoint on the simulated network with the real TLS engine: a server accepts every new connection
 * and runs a server handshake on it; a client connects. After every input, each connection's handshake is
 * stepped and its application gets a turn.
 */
final class QuicSimHost extends EndpointHost {

    private final EndpointConfig config;
    private final RandomGenerator random;
    final List<Session> sessions = new ArrayList<>();
    private final TlsServerConfig serverTls;
    private final TlsClientConfig clientTls;
    private final SecureRandom tlsRandom;
    private final Supplier<Application> applications;
    /** Changes each outgoing datagram in place before it leaves, or null; for protocol-violation tests. */
    DatagramHook outgoingHook;

    /** Sees every datagram a host sends; may change it. */
    interface DatagramHook {
        void accept(ByteBuffer datagram, long now);
    }

    private QuicSimHost(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                        SecureRandom tlsRandom, TlsServerConfig serverTls, TlsClientConfig clientTls,
                        Supplier<Application> applications) {
        super(address, new QuicEndpoint(config, random));
        this.config = config;
        this.random = random;
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        this.tlsRandom = tlsRandom;
        this.applications = applications;
    }

    static QuicSimHost server(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                              SecureRandom tlsRandom, TlsServerConfig tls, Supplier<Application> applications) {
        QuicSimHost host = new QuicSimHost(address, config, random, tlsRandom, tls, null, applications);
        host.endpoint.listen(16);
        return host;
    }

    static QuicSimHost client(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                              SecureRandom tlsRandom, TlsClientConfig tls, Supplier<Application> applications) {
        return new QuicSimHost(address, config, random, tlsRandom, null, tls, applications);
    }

    /** Starts a connection to {@code server}; its ClientHello leaves on the next poll. */
    Session connect(InetSocketAddress server, long now) throws Exception {
        this.now = now;
        QuicConnection c = endpoint.connect(server, now);
        RecordingChannel channel = new RecordingChannel(c, clock);
        Session s = new Session(c, channel, HandshakeDriver.client(channel, clientTls, tlsRandom),
                applications.get());
        sessions.add(s);
        s.turn(now);
        return s;
    }

    /** {@return the first session, the one a client connected or a server accepted first} */
    Session first() {
        if (sessions.isEmpty()) {
            throw new IllegalStateException(address + " has no connection");
        }
        return sessions.getFirst();
    }

    /**
     * Simulates a reboot: the endpoint and every connection are gone without a word; a new endpoint with the
     * same settings (the same stateless reset key among them) takes the address and listens.
     */
    void restart() {
        endpoint = new QuicEndpoint(config, random);
        endpoint.listen(16);
        sessions.clear();
    }

    @Override
    public InetSocketAddress poll(ByteBuffer out, long now) {
        // The sessions' applications and the test itself call into these connections between steps: the endpoint
        // hears of it (QuicEndpoint.touched), as a socket tells it of each call, so that it polls them.
        for (Session s : sessions) {
            endpoint.touched(s.connection);
        }
        InetSocketAddress to = endpoint.pollDatagram(out, now);
        // A socket refuses what the route cannot carry (EMSGSIZE with the don't-fragment bit): the endpoint hears of
        // it, as the I/O runtime tells it, and the next datagram is polled. Bounded: each refusal takes a packet out.
        for (int i = 0; i < 64 && to != null && out.position() > refuseAbove; i++) {
            refused.add(out.position());
            endpoint.onDatagramNotSent(now);
            out.clear();
            to = endpoint.pollDatagram(out, now);
        }
        if (to != null && outgoingHook != null) {
            outgoingHook.accept(out.duplicate().flip(), now);
        }
        return to;
    }

    /** Makes this host's socket refuse datagrams longer than {@code bytes}, as the kernel refuses what IPv4 cannot carry. */
    void refuseAbove(int bytes) {
        this.refuseAbove = bytes;
    }

    /** {@return the sizes of the datagrams this host's socket refused, in order} */
    java.util.List<Integer> refused() {
        return refused;
    }

    private int refuseAbove = Integer.MAX_VALUE;
    private final java.util.List<Integer> refused = new java.util.ArrayList<>();

    @Override
    void turn(long now) {
        for (QuicConnection c = endpoint.accept(); c != null; c = endpoint.accept()) {
            RecordingChannel channel = new RecordingChannel(c, clock);
            sessions.add(new Session(c, channel, HandshakeDriver.server(channel, serverTls, tlsRandom),
                    applications.get()));
        }
        for (Session s : sessions) {
            try {
                s.turn(now);
            } catch (Exception e) {
                throw new IllegalStateException("application of " + s.connection + " failed", e);
            }
        }
    }
}
