package qsock.core.router;

/**
 * What a {@link RouterDaemon} did since it started.
 *
 * @param datagramsReceived datagrams that reached the daemon's public socket
 * @param datagramsForwarded datagrams it passed to a listener over the control socket: a connection's first Initials,
 *     and what reached the daemon rather than the listener's own socket (a client that moved, a datagram that came
 *     before the listener's socket was connected)
 * @param newConnections ClientHellos routed to a listener
 * @param noApplicationProtocol ClientHellos that no listener serves, answered with CONNECTION_CLOSE 0x178
 * @param malformed datagrams dropped as no QUIC packet, or with a malformed ClientHello
 * @param unroutable datagrams of no listener known (an unknown server ID, a listener gone)
 * @param droppedQueueFull datagrams dropped because the listener's queue was full (it did not read)
 * @param droppedPending Initials dropped because too many ClientHellos were incomplete at once
 * @param listeners listeners registered now
 */
public record RouterStatistics(long datagramsReceived, long datagramsForwarded, long newConnections,
        long noApplicationProtocol, long malformed, long unroutable, long droppedQueueFull, long droppedPending,
        int listeners) {
}
