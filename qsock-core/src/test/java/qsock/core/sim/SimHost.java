package qsock.core.sim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import qsock.core.packet.Ecn;

/**
 * A host on the simulated network: the adapter between {@link SimNetwork} and a sans-I/O endpoint or
 * connection. Every call gets the current virtual time; a host never reads a clock.
 */
public interface SimHost {

    /** {@return this host's address: the source of what it sends and where datagrams for it go} It must not change. */
    InetSocketAddress address();

    /**
     * Delivers one datagram. {@code datagram} holds exactly the datagram between its position and limit and
     * may be modified in place (for example to remove header protection), but like a socket's receive buffer
     * it is reused once this returns: the simulator overwrites it, so a host must copy what it keeps.
     */
    void receive(InetSocketAddress from, ByteBuffer datagram, long now);

    /**
     * Delivers one datagram that arrived with the ECN codepoint {@code ecn} (RFC 3168): a host whose runtime reads
     * codepoints overrides this; by default it is dropped, as a socket that cannot read the TOS byte drops it.
     */
    default void receive(InetSocketAddress from, ByteBuffer datagram, Ecn ecn, long now) {
        receive(from, datagram, now);
    }

    /** {@return the ECN codepoint the datagram the last {@link #poll} wrote leaves with} Not-ECT by default. */
    default Ecn lastEcn() {
        return Ecn.NOT_ECT;
    }

    /**
     * Writes the next datagram to send into {@code out}, which the caller has cleared, with relative puts:
     * the datagram is the bytes from index 0 to {@code out}'s position when this returns.
     *
     * @return the datagram's destination, or null if there is nothing to send now (then {@code out} is ignored)
     */
    InetSocketAddress poll(ByteBuffer out, long now);

    /**
     * {@return the address the datagram the last {@link #poll} wrote goes from, or null for {@link #address()}} A host
     * with more than one address (a client that moves to a new local address, a server reached at a preferred one)
     * names another: that of a host on the same network that hands what it receives to this one.
     */
    default InetSocketAddress lastSource() {
        return null;
    }

    /** {@return the virtual time at which {@link #onDeadline} should be called, or {@code Long.MAX_VALUE} for none} */
    long nextDeadline();

    /** Called once virtual time has reached {@link #nextDeadline()} (possibly later, never earlier). */
    void onDeadline(long now);
}
