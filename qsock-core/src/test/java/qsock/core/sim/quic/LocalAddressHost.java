package qsock.core.sim.quic;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import qsock.core.packet.Ecn;
import qsock.core.sim.SimHost;

/**
 * Another local address of an {@link EndpointHost}: a second socket of the same runtime, such as the one a client
 * opens to move its connection there (RFC 9000 §9.2) or a server's preferred address (§9.6). Added to the network as
 * a host of its own, so that links to it have their own behaviour (a new path that black-holes), it hands what it
 * receives to its owner's endpoint with its address; what the owner's endpoint sends from this address leaves from
 * here ({@link SimHost#lastSource()}). It sends nothing and has no deadline of its own.
 */
public final class LocalAddressHost implements SimHost {

    private final EndpointHost owner;
    private final InetSocketAddress address;
    /** Datagrams received here. */
    public long received;

    /** Creates the address {@code address} of {@code owner}; the caller adds it to the network and links it. */
    public LocalAddressHost(EndpointHost owner, InetSocketAddress address) {
        this.owner = owner;
        this.address = address;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
        received++;
        owner.receiveAt(address, from, datagram, now);
    }

    @Override
    public void receive(InetSocketAddress from, ByteBuffer datagram, Ecn ecn, long now) {
        received++;
        owner.receiveAt(address, from, datagram, ecn, now);
    }

    @Override
    public InetSocketAddress poll(ByteBuffer out, long now) {
        return null;
    }

    @Override
    public long nextDeadline() {
        return Long.MAX_VALUE;
    }

    @Override
    public void onDeadline(long now) {
    }
}
