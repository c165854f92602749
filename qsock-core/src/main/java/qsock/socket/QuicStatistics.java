package qsock.socket;

import qsock.core.connection.QuicConnection;

/**
 * A snapshot of a connection's counters and path estimates, taken under the endpoint's lock by
 * {@link QuicSocket#statistics()} (the kernel's {@code QUIC_SOCKOPT_CONNECTION_INFO}, quinn's
 * {@code ConnectionStats}): the values belong together, from one instant. Times are nanoseconds.
 *
 * @param smoothedRttNanos the smoothed round-trip time (RFC 9002 §5.3); the initial RTT before a sample
 * @param minRttNanos the smallest RTT sample (§5.2); 0 before a sample
 * @param latestRttNanos the latest RTT sample; 0 before a sample
 * @param rttVarNanos the RTT variation (§5.3)
 * @param congestionWindow the congestion window, in bytes (§7)
 * @param bytesInFlight the bytes of sent packets neither acknowledged nor declared lost
 * @param maxDatagramSize the largest UDP payload the connection sends now: the path MTU it found, or configured
 * @param bytesSent UDP payload bytes sent
 * @param bytesReceived UDP payload bytes received, all datagrams counted
 * @param packetsSent packets sent
 * @param packetsReceived packets opened and processed
 * @param packetsLost packets declared lost (§6.1)
 * @param packetsDropped packets dropped: undecryptable, duplicate, or of a discarded space
 * @param keyUpdates key updates the peer started that we followed (RFC 9001 §6)
 * @param keyUpdatesInitiated key updates this side started
 * @param retries Retry packets this client followed: 0 or 1 (RFC 9000 §17.2.5.2)
 * @param datagramWaiting whether a received datagram (RFC 9221) waits for {@link QuicSocket#receiveDatagram}
 * @param datagramsDroppedOnArrival datagrams received but dropped because the receive queue was full
 * @param datagramsDiscardedUnsent queued datagrams discarded unsent: the path's datagram size shrank below them
 * @param peerAddressChanges how often the peer's address moved (RFC 9000 §9.3)
 * @param peerAddressValidated whether the peer's current address answered a path challenge, or needed none
 * @param datagramsFromUnknownAddresses datagrams for this connection from an address that is not its peer's,
 *     dropped
 * @param ecnValidated whether the current path passed ECN validation: this side marks its packets ECT(0) and the
 *     peer's ACK frames count them (RFC 9000 §13.4.2); never on a runtime that cannot set and read the codepoints
 *     (the NIO one)
 * @param ecnCePacketsReceived packets received marked CE (congestion experienced), 1-RTT
 * @param ecnCongestionEvents increases of the peer's CE count taken as congestion events (RFC 9002 §7.1)
 * @param streamsBlockedReceived STREAMS_BLOCKED frames the peer sent: it wished to open streams beyond our limit
 *     (RFC 9000 §19.14)
 * @param dataBlockedReceived DATA_BLOCKED frames the peer sent: our connection flow control limit held it back
 *     (RFC 9000 §19.12)
 * @param congestionAlgorithm the congestion controller the connection runs ({@code ConnectionConfig}, or the
 *     {@link QuicSocketOptions#CONFIG} option's {@code congestionControl})
 */
public record QuicStatistics(long smoothedRttNanos, long minRttNanos, long latestRttNanos, long rttVarNanos,
                             long congestionWindow, long bytesInFlight, int maxDatagramSize,
                             long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
                             long packetsLost, long packetsDropped, long keyUpdates, long keyUpdatesInitiated,
                             int retries, boolean datagramWaiting, long datagramsDroppedOnArrival,
                             long datagramsDiscardedUnsent, long peerAddressChanges, boolean peerAddressValidated,
                             long datagramsFromUnknownAddresses, boolean ecnValidated, long ecnCePacketsReceived,
                             long ecnCongestionEvents, long streamsBlockedReceived, long dataBlockedReceived,
                             qsock.api.CongestionAlgorithm congestionAlgorithm) {

    /** {@return the snapshot of {@code c}} The caller holds the endpoint's lock. */
    static QuicStatistics of(QuicConnection c) {
        var rtt = c.rtt();
        var congestion = c.congestion();
        return new QuicStatistics(rtt.smoothedRtt(), rtt.hasSample() ? rtt.minRtt() : 0,
                rtt.hasSample() ? rtt.latestRtt() : 0, rtt.rttVar(),
                congestion.congestionWindow(), congestion.bytesInFlight(), c.maxDatagramSize(),
                c.bytesSent(), c.bytesReceived(), c.packetsSent(), c.packetsReceived(),
                c.packetsLost(), c.packetsDropped(), c.keyUpdates(), c.keyUpdatesInitiated(),
                c.retries(), c.hasDatagram(), c.datagramsDroppedOnArrival(),
                c.datagramsDiscardedUnsent(), c.peerAddressChanges(), c.isPeerAddressValidated(),
                c.datagramsFromUnknownAddresses(), c.ecnValidated(),
                c.ecnCountsReceived(qsock.core.packet.PacketNumberSpace.APPLICATION)[2], c.ecnCongestionEvents(),
                c.streams().streamsBlockedReceived(), c.streams().dataBlockedReceived(),
                congestion instanceof qsock.core.cc.Cubic ? qsock.api.CongestionAlgorithm.CUBIC
                        : qsock.api.CongestionAlgorithm.NEW_RENO);
    }
}
