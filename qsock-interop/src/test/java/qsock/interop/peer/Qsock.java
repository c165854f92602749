package qsock.interop.peer;

import java.time.Duration;
import java.util.List;
import qsock.api.ConnectionConfig;
import qsock.interop.support.Pki;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;

/** qsock's settings in the interop tests. */
final class Qsock {
    /** The UDP payload qsock sends: the largest the interop peers take on loopback (PEERS.md). */
    static final int UDP_PAYLOAD = 1452;
    static final int SOCKET_BUFFER = 4 << 20;
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(120);

    private Qsock() {}

    static ConnectionConfig config() {
        return ConnectionConfig.builder()
                .maxDatagramSize(UDP_PAYLOAD)
                .initialMaxData(16L << 20)
                .initialMaxStreamData(4L << 20)
                .maxIdleTimeoutMillis(Quiche.IDLE_TIMEOUT_SECONDS * 1000)
                .build();
    }

    static TlsClientConfig clientTls(String alpn) {
        return clientTls(alpn, Pki.standard());
    }

    /** A client that trusts {@code pki}'s CA alone. */
    static TlsClientConfig clientTls(String alpn, Pki pki) {
        return TlsClientConfig.builder()
                .serverName("localhost")
                .applicationProtocols(alpn)
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(pki.ca())))
                .build();
    }

    /** A client that trusts {@code pki}'s CA alone and offers only {@code groups}, key shares as the builder says. */
    static TlsClientConfig clientTls(String alpn, Pki pki, qsock.tls.jca.NamedGroup... groups) {
        return TlsClientConfig.builder()
                .serverName("localhost")
                .applicationProtocols(alpn)
                .groups(groups)
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(pki.ca())))
                .build();
    }

    /** A client like {@link #clientTls(String)} that keeps session tickets in {@code tickets} and resumes with them. */
    static TlsClientConfig clientTlsWithTickets(String alpn, qsock.tls.ClientTickets tickets) {
        return TlsClientConfig.builder()
                .serverName("localhost")
                .applicationProtocols(alpn)
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(Pki.standard().ca())))
                .tickets(tickets)
                .build();
    }

    /** A server like {@link #serverTls(Pki, String...)} that issues and accepts session tickets as {@code tickets} says. */
    static TlsServerConfig serverTls(Pki pki, qsock.tls.ServerTickets tickets, String... alpn) {
        return TlsServerConfig.builder(new Credential(pki.chain(), pki.key()))
                .applicationProtocols(alpn)
                .tickets(tickets)
                .build();
    }

    static TlsServerConfig serverTls(String... alpn) {
        return serverTls(Pki.standard(), alpn);
    }

    /** A server that presents {@code pki}'s chain. */
    static TlsServerConfig serverTls(Pki pki, String... alpn) {
        return TlsServerConfig.builder(new Credential(pki.chain(), pki.key()))
                .applicationProtocols(alpn)
                .build();
    }
}
