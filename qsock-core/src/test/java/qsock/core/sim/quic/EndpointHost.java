package qsock.core.sim.quic;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.packet.Ecn;
import qsock.core.sim.SimHost;

/**
 * A simulated host over one sans-I/O {@link QuicEndpoint}: datagrams and deadlines go to the endpoint, and after each
 * input the host takes its turn ({@link #turn}: accept, step handshakes, run applications). Subclasses differ in what
 * a turn does and may add to {@link #poll} and {@link #nextDeadline}.
 */
public abstract class EndpointHost implements SimHost {

    /** This host's address. */
    public final InetSocketAddress address;
    /** The endpoint; a restart replaces it. */
    public QuicEndpoint endpoint;
    /** The virtual time of the host's current call: what its handshake channels stamp their calls with. */
    protected long now;
    /** Whether this host's runtime reads and sets ECN codepoints. */
    protected boolean ecnCapable;
    /** This host's clock, for {@link qsock.core.connection.QuicConnection#handshakeChannel}. */
    protected final LongSupplier clock = () -> now;

    /** Creates a host at {@code address} over {@code endpoint}. */
    protected EndpointHost(InetSocketAddress address, QuicEndpoint endpoint) {
        this.address = address;
        this.endpoint = endpoint;
    }

    /** Acts on what the last input changed. */
    protected abstract void turn(long now);

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
        this.now = now;
        endpoint.handleDatagram(from, datagram, now);
        turn(now);
    }

    /**
     * Delivers the datagram with its ECN codepoint if this host's runtime reads codepoints ({@link #ecnCapable}),
     * else without, as a socket that cannot read the TOS byte.
     */
    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, Ecn ecn, long now) {
        receiveAt(null, from, datagram, ecn, now);
    }

    /**
     * Makes this host's runtime one that reads and sets ECN codepoints (the endpoint learns it: {@link
     * QuicEndpoint#setEcnCapable}); off by default, as the NIO runtime, so that the simulation without it is what it
     * was before ECN.
     */
    public EndpointHost ecnCapable(boolean capable) {
        ecnCapable = capable;
        endpoint.setEcnCapable(capable);
        return this;
    }

    /** {@return whether this host's runtime reads and sets ECN codepoints} */
    public boolean isEcnCapable() {
        return ecnCapable;
    }

    @Override
    public Ecn lastEcn() {
        return ecnCapable ? endpoint.lastDatagramEcn() : Ecn.NOT_ECT;
    }

    @Override
    public InetSocketAddress poll(ByteBuffer out, long now) {
        this.now = now;
        return endpoint.pollDatagram(out, now);
    }

    @Override
    public InetSocketAddress lastSource() {
        return endpoint.lastDatagramSource();
    }

    /**
     * Delivers a datagram that arrived at another of this host's addresses, {@code local} (see {@link
     * LocalAddressHost}).
     */
    void receiveAt(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram, long now) {
        receiveAt(local, from, datagram, Ecn.NOT_ECT, now);
    }

    /** As {@link #receiveAt(InetSocketAddress, InetSocketAddress, ByteBuffer, long)}, with the datagram's codepoint. */
    void receiveAt(InetSocketAddress local, InetSocketAddress from, ByteBuffer datagram, Ecn ecn, long now) {
        this.now = now;
        if (ecnCapable) {
            endpoint.handleDatagram(local, from, datagram, ecn, now);
        } else {
            endpoint.handleDatagram(local, from, datagram, now);
        }
        turn(now);
    }

    @Override
    public long nextDeadline() {
        return endpoint.nextDeadline();
    }

    @Override
    public void onDeadline(long now) {
        this.now = now;
        endpoint.handleTimeout(now);
        turn(now);
    }
}
