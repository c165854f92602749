package qsock.socket;

/**
 * The counters of one listening endpoint (one UDP port and I/O thread) as JMX shows them, the kernel module's {@code
 * /proc/net/quic} for qsock: registered as {@code qsock:type=Endpoint,port=PORT,thread=INDEX} when a listener first
 * listens (each I/O thread of {@link QuicSocketOptions#IO_THREADS} its own), unregistered when the endpoint ends.
 * {@code qsock stats PID} prints them for a running process; JConsole and Mission Control show them too. The
 * connection counters are sums over the connections that ended and those alive at the read; each attribute is read
 * under the endpoint's lock, on its own.
 */
public interface QuicEndpointMXBean {

    /** {@return the address the endpoint's socket is bound to} */
    String getLocalAddress();

    /** {@return connections alive now (handshaking, established, closing or draining)} */
    int getConnectionsCurrent();

    /** {@return connections opened since the endpoint started} */
    long getConnectionsOpened();

    /** {@return connections this side closed without error (NO_ERROR or an application close)} */
    long getConnectionsClosedLocally();

    /** {@return connections the peer closed without error} */
    long getConnectionsClosedByPeer();

    /** {@return connections ended by the idle timeout (RFC 9000 §10.1)} */
    long getConnectionsIdleTimedOut();

    /** {@return connections ended by a stateless reset (RFC 9000 §10.3)} */
    long getConnectionsReset();

    /** {@return connections this side closed with a transport error (a protocol violation, a failed handshake)} */
    long getConnectionsFailedLocally();

    /** {@return connections the peer closed with a transport error} */
    long getConnectionsFailedByPeer();

    /** {@return connections dropped without a word: evicted half-open, refused, unroutable} */
    long getConnectionsDropped();

    /** {@return connections refused because the accept queue was full or the listener closed} */
    long getConnectionsRefused();

    /** {@return half-open connections now: handshaking, not yet accepted} */
    int getHalfOpenConnections();

    /** {@return packets the connections sent} */
    long getPacketsSent();

    /** {@return packets the connections received and processed} */
    long getPacketsReceived();

    /** {@return UDP payload bytes the connections sent} */
    long getBytesSent();

    /** {@return UDP payload bytes the connections received} */
    long getBytesReceived();

    /** {@return packets declared lost (RFC 9002 §6.1); their frames were sent again as needed} */
    long getPacketsLost();

    /** {@return packets the connections dropped: undecryptable, duplicate, of a discarded space} */
    long getPacketsDropped();

    /** {@return datagrams the endpoint dropped before any connection: no connection ID known, malformed} */
    long getDatagramsDropped();

    /** {@return Retry packets sent (RFC 9000 §8.1.2)} */
    long getRetriesSent();

    /** {@return address validation tokens that did not open or were too old} */
    long getInvalidTokens();

    /** {@return Version Negotiation packets sent (RFC 9000 §6)} */
    long getVersionNegotiationsSent();

    /** {@return stateless resets sent (RFC 9000 §10.3)} */
    long getStatelessResetsSent();

    /** {@return how often a peer's address changed: NAT rebinding and migration (RFC 9000 §9)} */
    long getMigrations();

    /** {@return key updates, started by either side (RFC 9001 §6)} */
    long getKeyUpdates();

    /** {@return ClientHellos no listener serves, closed with no_application_protocol} */
    long getNoApplicationProtocol();

    /** {@return ClientHellos too malformed to route, dropped} */
    long getMalformedClientHellos();
}
