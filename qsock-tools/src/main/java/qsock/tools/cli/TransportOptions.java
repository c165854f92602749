package qsock.tools.cli;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tools.TransportDefaults;

/**
 * The transport options {@code qsock client} and {@code qsock server} share, for the QUIC interop runner's cases
 * that need no more than a setting (chacha20, handshake and idle timeouts, the path MTU): the cipher suites offered
 * or accepted, the handshake and idle timeouts, and the path MTU ceiling or no path MTU discovery.
 */
public final class TransportOptions {

    /** The largest UDP payload (RFC 9000 §18.2: max_udp_payload_size is at most 65527). */
    static final int MAX_UDP_PAYLOAD = 65527;

    @Option(names = "--cipher-suites", split = ",", paramLabel = "SUITE",
            description = "TLS cipher suites offered (client) or accepted (server), in preference order: "
                    + "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 "
                    + "(default: all three, in this order).")
    List<CipherSuite> cipherSuites;

    @Option(names = {"--handshake-timeout", "--timeout"}, paramLabel = "SECONDS", defaultValue = "10",
            description = "How long a handshake may take (default: ${DEFAULT-VALUE}).")
    long handshakeTimeoutSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "The connection closes after this long without a packet from the peer; the smaller of the "
                    + "two sides' values applies, 0 for none (RFC 9000 §10.1) (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds;

    @Option(names = "--max-datagram", paramLabel = "BYTES",
            description = "The path MTU ceiling: the largest UDP payload sent, 1200.." + MAX_UDP_PAYLOAD
                    + "; path MTU discovery probes up to it from 1200 (default: " + TransportDefaults.PATH_MTU_CEILING
                    + "). With --no-pmtud, every datagram may be this large.")
    Integer maxDatagram;

    @Option(names = "--versions", split = ",", paramLabel = "VERSION", converter = VersionConverter.class,
            description = "QUIC versions, in preference order: v1 (RFC 9000), v2 (RFC 9369). A client offers them "
                    + "and starts with the first (or --initial-version); a server accepts them and moves a client "
                    + "that also offers one it ranks higher to it (compatible negotiation, RFC 9368) "
                    + "(default: v1,v2).")
    List<QuicVersion> versions;

    @Option(names = "--no-pmtud",
            description = "No path MTU discovery: datagrams stay at 1200 bytes, or at --max-datagram.")
    boolean noPathMtuDiscovery;

    /** {@return how long a handshake may take} */
    public Duration handshakeTimeout() {
        if (handshakeTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--handshake-timeout must be at least 1 second: "
                    + handshakeTimeoutSeconds);
        }
        return Duration.ofSeconds(handshakeTimeoutSeconds);
    }

    /** {@return the command's transport settings ({@link TransportDefaults}) with these options applied} */
    public ConnectionConfig connectionConfig() {
        return builder().build();
    }

    /** {@return a builder of {@link #connectionConfig()}, for a command that sets more} */
    ConnectionConfig.Builder builder() {
        if (idleTimeoutSeconds < 0) {
            throw new IllegalArgumentException("--idle-timeout must not be negative: " + idleTimeoutSeconds);
        }
        if (maxDatagram != null && (maxDatagram < ConnectionConfig.MIN_DATAGRAM_SIZE || maxDatagram > MAX_UDP_PAYLOAD)) {
            throw new IllegalArgumentException("--max-datagram must be 1200.." + MAX_UDP_PAYLOAD + ": " + maxDatagram);
        }
        ConnectionConfig.Builder b = TransportDefaults.connectionConfig().toBuilder()
                .maxIdleTimeoutMillis(idleTimeoutSeconds * 1000);
        if (versions != null) {
            if (versions.isEmpty() || versions.stream().distinct().count() != versions.size()) {
                throw new IllegalArgumentException("--versions must list each version once: " + versions);
            }
            b.version(versions.getFirst()).versions(versions.toArray(QuicVersion[]::new));
        }
        if (noPathMtuDiscovery) {
            b.pathMtuCeiling(0).maxDatagramSize(maxDatagram == null ? ConnectionConfig.MIN_DATAGRAM_SIZE : maxDatagram);
        } else if (maxDatagram != null) {
            b.pathMtuCeiling(maxDatagram);
        }
        return b;
    }

    /** {@return {@code tls} offering the chosen cipher suites, if any were chosen} */
    public TlsClientConfig apply(TlsClientConfig tls) {
        return cipherSuites == null ? tls : tls.withCipherSuites(List.copyOf(cipherSuites));
    }

    /** {@return {@code tls} accepting the chosen cipher suites, if any were chosen} */
    public TlsServerConfig apply(TlsServerConfig tls) {
        return cipherSuites == null ? tls : tls.withCipherSuites(List.copyOf(cipherSuites));
    }

    /** {@return the versions of --versions, or null when not given} */
    List<QuicVersion> versions() {
        return versions;
    }

    /** {@return the QUIC version named {@code name}: v1, v2 (or 1, 2, any case)} */
    static QuicVersion parseVersion(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "v1", "1" -> QuicVersion.V1;
            case "v2", "2" -> QuicVersion.V2;
            default -> throw new IllegalArgumentException("unknown QUIC version '" + name + "': v1 or v2");
        };
    }

    /** Reads a QUIC version name for picocli. */
    static final class VersionConverter implements ITypeConverter<QuicVersion> {
        @Override
        public QuicVersion convert(String value) {
            return parseVersion(value);
        }
    }
}
