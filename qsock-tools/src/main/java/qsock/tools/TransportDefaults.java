package qsock.tools;

import qsock.core.connection.ConnectionConfig;

/**
 * The transport settings the qsock command uses. They differ from the library's defaults in one point: the
 * command sends UDP payloads of up to 1452 bytes, what a 1500-byte Ethernet MTU carries over IPv6
 * (1500 - 40 - 8), instead of the library's 1200 (RFC 9000 §14, the size every path must carry). The tools run
 * on loopback and LANs where 1452 passes; the library, which cannot know its paths and has no path MTU
 * discovery yet, stays at 1200. Larger datagrams mean fewer packets to protect per byte: on loopback here they
 * lifted `qsock perf` from about 73 to 70-118 MiB/s (noisy 2-core machine).
 */
public final class TransportDefaults {

    /** The largest UDP payload the command sends. */
    public static final int MAX_DATAGRAM_SIZE = 1452;

    private TransportDefaults() {}

    /** {@return the connection settings of every socket the command opens} */
    public static ConnectionConfig connectionConfig() {
        return ConnectionConfig.builder().maxDatagramSize(MAX_DATAGRAM_SIZE).build();
    }
}
