package qsock.core.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The system calls an {@link IoEndpoint}'s thread makes: opening UDP sockets and waiting until one of them has
 * something or another thread wakes it. {@link IoDrivers} picks one per endpoint.
 */
interface IoDriver {

    /** {@return a non-blocking UDP socket bound to {@code local} (port 0 picks one), of its family} */
    UdpPort open(InetSocketAddress local, UdpOptions options) throws IOException;

    /**
     * {@return a non-blocking UDP socket bound to {@code local} and, unless {@code peer} is null, connected to it} A
     * connected socket bound with SO_REUSEPORT beside an unconnected one receives that peer's datagrams in its place
     * (Linux's UDP lookup prefers the socket matching all four addresses): how a listener behind routerd takes its
     * clients' datagrams straight from the kernel.
     */
    UdpPort open(InetSocketAddress local, UdpOptions options, InetSocketAddress peer) throws IOException;

    /**
     * {@return whether its sockets mark each datagram with the ECN codepoint given to {@link UdpPort#send} and report
     * that of each one received} Without both, ECN stays off (RFC 9000 §13.4).
     */
    boolean marksEcn();

    /**
     * Waits until a socket is readable (or writable, where asked), {@link #wakeup()} was called, or {@code millis}
     * passed: 0 waits without limit, a negative value not at all.
     */
    void await(long millis) throws IOException;

    /** Makes the current or next {@link #await} return at once; any thread. */
    void wakeup();

    /** Releases what the driver holds; the sockets are closed by their owner. */
    void close();
}
