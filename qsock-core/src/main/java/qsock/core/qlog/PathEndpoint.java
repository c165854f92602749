package qsock.core.qlog;

import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * One half of a path as qlog logs it (quic-events-07 "PathEndpointInfo"): an IP address and port, and the connection
 * ID packets sent to it carry. The address is kept as text, made on the connection's thread: a late log line never
 * resolves a name.
 *
 * @param ip the address in text form, without a host name; empty when unknown
 * @param ipv4 whether it is an IPv4 address (the draft's ip_v4 and port_v4, else ip_v6 and port_v6)
 * @param port the UDP port, or -1 when unknown
 * @param connectionId the connection ID in hex, or null when not logged
 */
public record PathEndpoint(String ip, boolean ipv4, int port, String connectionId) {

    /** An endpoint of unknown address. */
    static final PathEndpoint UNKNOWN = new PathEndpoint("", true, -1, null);

    /** Checks. */
    public PathEndpoint {
        if (ip == null) {
            throw new IllegalArgumentException("ip is null");
        }
        if (port < -1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is out of range");
        }
    }

    /** {@return the endpoint of {@code address}, {@link #UNKNOWN} for null; a wildcard address is logged as is} */
    static PathEndpoint of(InetSocketAddress address, String connectionId) {
        if (address == null) {
            return connectionId == null ? UNKNOWN : new PathEndpoint("", true, -1, connectionId);
        }
        java.net.InetAddress a = address.getAddress();
        if (a == null) {
            // Unresolved: the name is all there is, and qlog wants an address; leave it out.
            return new PathEndpoint("", true, address.getPort(), connectionId);
        }
        return new PathEndpoint(a.getHostAddress(), a instanceof Inet4Address, address.getPort(), connectionId);
    }
}
