package qsock.core.sim.quic;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;

/**
 * A qsock endpoint on the simulated network: a server accepts every new connection and starts a server handshake on
 * it; a client connects. After every input, each connection's handshake is stepped and its application gets a turn.
 * Which handshake runs is the {@link HandshakeFactory}'s choice: fixed secrets, or the real TLS engine.
 */
public final class QuicSimHost extends EndpointHost {

    private final EndpointConfig config;
    private final RandomGenerator random;
    /** Every connection this host opened or accepted, in order. */
    public final List<Session> sessions = new ArrayList<>();
    private final HandshakeFactory handshakes;
    private final Supplier<Application> applications;
    /** Changes each outgoing datagram in place before it leaves, or null; for protocol-violation tests. */
    public DatagramHook outgoingHook;
    private int refuseAbove = Integer.MAX_VALUE;
    private final List<Integer> refused = new ArrayList<>();

    /** Sees every datagram a host sends; may change it. */
    @FunctionalInterface
    public interface DatagramHook {
        /** Sees {@code datagram}, between its position and limit, as it leaves at {@code now}. */
        void accept(ByteBuffer datagram, long now);
    }

    private QuicSimHost(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                        HandshakeFactory handshakes, Supplier<Application> applications) {
        super(address, new QuicEndpoint(config, random));
        this.config = config;
        this.random = random;
        this.handshakes = handshakes;
        this.applications = applications;
    }

    /** {@return a server that listens at {@code address}, runs {@code handshakes}, and gives each connection an application} */
    public static QuicSimHost server(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                                     HandshakeFactory handshakes, Supplier<Application> applications) {
        QuicSimHost host = new QuicSimHost(address, config, random, handshakes, applications);
        host.endpoint.listen(16);
        return host;
    }

    /** {@return a client at {@code address} whose connections run {@code handshakes}} */
    public static QuicSimHost client(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                                     HandshakeFactory handshakes, Supplier<Application> applications) {
        return new QuicSimHost(address, config, random, handshakes, applications);
    }

    /** Starts a connection to {@code server}; its first flight leaves on the next poll. */
    public Session connect(InetSocketAddress server, long now) throws Exception {
        this.now = now;
        QuicConnection c = endpoint.connect(server, now);
        Session s = new Session(c, clock, handshakes, applications.get());
        sessions.add(s);
        s.turn(now);
        return s;
    }

    /** {@return the first session, the one a client connected or a server accepted first} */
    public Session first() {
        if (sessions.isEmpty()) {
            throw new IllegalStateException(address + " has no connection");
        }
        return sessions.getFirst();
    }

    /**
     * Simulates a reboot: the endpoint and every connection are gone without a word; a new endpoint with the
     * same settings (the same stateless reset key among them) takes the address and listens.
     */
    public void restart() {
        endpoint = new QuicEndpoint(config, random);
        endpoint.setEcnCapable(ecnCapable);
        endpoint.listen(16);
        sessions.clear();
    }

    @Override
    public InetSocketAddress poll(ByteBuffer out, long now) {
        this.now = now;
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
    public void refuseAbove(int bytes) {
        this.refuseAbove = bytes;
    }

    /** {@return the sizes of the datagrams this host's socket refused, in order} */
    public List<Integer> refused() {
        return refused;
    }

    @Override
    protected void turn(long now) {
        for (QuicConnection c = endpoint.accept(); c != null; c = endpoint.accept()) {
            sessions.add(new Session(c, clock, handshakes, applications.get()));
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
