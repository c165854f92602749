package qsock.core.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import qsock.core.packet.Ecn;

/**
 * One UDP socket of an {@link IoEndpoint}, as its I/O thread uses it, whatever the system calls beneath: a NIO
 * {@code DatagramChannel} ({@link NioUdpPort}), or qsock's own socket through FFM downcalls with batches and
 * segmentation offloads ({@link FfmUdpPort}). Only the endpoint's lock holder calls it.
 */
interface UdpPort {

    /**
     * Takes one received datagram: {@code data} from its position to its limit, valid during the call only; {@code
     * to} is the host address it was sent to, with the socket's port, where a socket bound to a wildcard address
     * reads it (IP_PKTINFO, IPV6_RECVPKTINFO), else null.
     */
    @FunctionalInterface
    interface Receiver {
        void datagram(ByteBuffer data, InetSocketAddress from, InetSocketAddress to, Ecn ecn);
    }

    /** {@return the address the socket is bound to} */
    InetSocketAddress boundAddress();

    /** {@return false once closed} */
    boolean isOpen();

    /**
     * Takes what waits at the socket, about {@code max} datagrams at most (a batch may give a few more), each copied
     * into {@code into} and handed to {@code receiver}. A transient error (an ICMP report) ends the call early.
     * {@return how many datagrams were taken}
     */
    int receive(int max, ByteBuffer into, Receiver receiver);

    /**
     * Sends the datagram from {@code datagram}'s position to its limit, or queues it for {@link #flush()}; the
     * buffer is the caller's again on return.
     *
     * @param source for a socket bound to a wildcard address, the host address to send from (the one the peer sent
     *     to, as {@link Receiver} gave it); null lets the kernel choose, as a socket that cannot choose always does
     * @return false if the kernel has no room: nothing was taken
     * @throws IOException if the datagram cannot be sent at all (too large for the route, unreachable)
     */
    boolean send(ByteBuffer datagram, InetSocketAddress to, InetSocketAddress source, Ecn ecn) throws IOException;

    /**
     * {@return false if the last wait found nothing to read at the socket} A hint that spares an I/O thread with many
     * sockets a receive call on each of them per batch; true where the driver does not know.
     */
    default boolean mayBeReadable() {
        return true;
    }

    /** {@return whether {@link Receiver} gives each datagram's destination: a wildcard socket that reads it} */
    boolean readsDestinations();

    /** Sends what {@link #send} queued; {@return false if some of it is left for want of room in the kernel} */
    boolean flush();

    /** Asks the I/O thread's wait to return when the socket can take datagrams again ({@code on}), or not. */
    void writeInterest(boolean on);

    /** Sets a kernel buffer size: {@code which} is SO_RCVBUF or SO_SNDBUF (the caller checked). */
    void setBufferSize(SocketOption<Integer> which, int bytes) throws IOException;

    /** {@return a kernel buffer size as the kernel has it: {@code which} is SO_RCVBUF or SO_SNDBUF} */
    int bufferSize(SocketOption<Integer> which) throws IOException;

    /** Closes the socket; what it queued is dropped. */
    void close();
}
