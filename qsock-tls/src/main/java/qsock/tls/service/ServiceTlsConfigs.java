package qsock.tls.service;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;
import qsock.tls.ClientAuth;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.ExternalPsk;
import qsock.tls.HandshakeServiceConfig;
import qsock.tls.PskKeyring;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.ticket.TicketStore;

/**
 * The TLS configurations the handshake service makes of a request and its configuration file, and its checks of
 * the outcome, the same in process and in {@code qsock handshaked}.
 *
 * <p>On a server, a request's {@code peerName} makes the client certificate required and the handshake refused
 * unless it names that host; its {@code pskIdentity} refuses it unless the client authenticated with that key.
 */
public final class ServiceTlsConfigs {

    private ServiceTlsConfigs() {}

    /**
     * A client's TLS configuration and the ticket wait of its handshake.
     *
     * @param config the configuration
     * @param ticketWait the store that says when the first ticket arrived; null when no ticket is kept (no server name)
     */
    public record ClientPlan(TlsClientConfig config, TicketWait ticketWait) {}

    /**
     * {@return a client's configuration for {@code request}}
     *
     * @param tickets the service's client ticket store
     * @param fallbackAlpn the ALPNs to offer when neither the request nor the file names any
     * @throws HandshakeFailedException ({@link HandshakeFailure#LOCAL_CONFIGURATION}) if the keyring lacks the PSK
     */
    public static ClientPlan client(HandshakeServiceConfig config, HandshakeRequest request, TicketStore tickets,
                                    List<String> fallbackAlpn) throws HandshakeFailedException {
        if (request.peerName() == null && request.pskIdentity() == null) {
            throw new IllegalArgumentException("a client request names the server (peerName), a PSK identity or "
                    + "both: the client must authenticate its server somehow");
        }
        TlsClientConfig.Builder builder = TlsClientConfig.builder()
                .certificateValidator(config.serverCertificateValidator());
        if (request.peerName() != null) {
            builder.serverName(request.peerName());
        }
        if (config.clientCredential() != null) {
            builder.credential(config.clientCredential());
        }
        builder.applicationProtocols(alpn(request, config.clientApplicationProtocols(), fallbackAlpn));
        if (request.pskIdentity() != null) {
            builder.externalPsk(psk(config, request.pskIdentity()));
        }
        TicketWait wait = null;
        if (request.peerName() != null) {
            wait = new TicketWait(tickets);
            builder.tickets(ClientTickets.defaults().withStore(wait));
        }
        return new ClientPlan(builder.build(), wait);
    }

    /**
     * {@return a server's configuration for {@code request}}
     *
     * @param tickets the service's session tickets, issued unless the request asks for the client's name
     * @param fallbackAlpn the ALPNs to accept when neither the request nor the file names any
     * @throws HandshakeFailedException ({@link HandshakeFailure#LOCAL_CONFIGURATION}) if the file gives a server
     *     nothing to authenticate with, or the keyring lacks the PSK asked for
     */
    public static TlsServerConfig server(HandshakeServiceConfig config, HandshakeRequest request,
                                         ServerTickets tickets, List<String> fallbackAlpn)
            throws HandshakeFailedException {
        Credential credential = config.serverCredential();
        PskKeyring keyring = config.keyring();
        TlsServerConfig.Builder builder;
        if (credential != null) {
            builder = TlsServerConfig.builder(credential);
            if (!keyring.isEmpty()) {
                builder.pskKeyring(keyring);
            }
        } else if (!keyring.isEmpty()) {
            builder = TlsServerConfig.builder(keyring);
        } else {
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION, "[authenticate.server] names "
                    + "no x509.certificate and [authenticate] no keyrings: a server has nothing to authenticate "
                    + "with", null);
        }
        if (request.pskIdentity() != null) {
            psk(config, request.pskIdentity());
        }
        if (request.peerName() == null) {
            // A resumed session carries no client certificate (RFC 8446 §4.6.1), so a server that must see the
            // client's name issues and accepts no tickets: every client proves its name anew.
            builder.tickets(tickets);
        }
        ClientAuth policy = request.peerName() != null ? ClientAuth.REQUIRE : config.clientCertificate();
        if (policy != ClientAuth.NONE) {
            builder.clientAuthentication(policy, config.clientCertificateValidator());
        }
        builder.applicationProtocols(alpn(request, config.serverApplicationProtocols(), fallbackAlpn));
        return builder.build();
    }

    /**
     * {@return why a server refuses the client its completed handshake authenticated, or null if it accepts it}
     * The checks the TLS policy cannot make: the PSK and the certificate's name the request asked for.
     */
    public static String refusal(TlsEngine engine, HandshakeRequest request) {
        if (request.pskIdentity() != null && !request.pskIdentity().equals(engine.pskIdentity())) {
            return "the client did not authenticate with the PSK asked for";
        }
        if (request.peerName() != null) {
            List<X509Certificate> chain = engine.peerCertificates();
            if (chain == null || chain.isEmpty()
                    || !CertificateValidator.certifiesName(chain.getFirst(), request.peerName())) {
                return "the client's certificate does not name " + request.peerName();
            }
        }
        return null;
    }

    private static String[] alpn(HandshakeRequest request, List<String> configured, List<String> fallback) {
        List<String> alpn = !request.applicationProtocols().isEmpty() ? request.applicationProtocols()
                : !configured.isEmpty() ? configured : fallback;
        return alpn.toArray(String[]::new);
    }

    /** {@return the keyring's key for {@code identity}} */
    private static ExternalPsk psk(HandshakeServiceConfig config, String identity) throws HandshakeFailedException {
        ExternalPsk psk = config.keyring().find(identity.getBytes(StandardCharsets.UTF_8));
        if (psk == null) {
            // The identity is the consumer's own, but it may be a secret's name: it does not go into the message.
            throw new HandshakeFailedException(HandshakeFailure.LOCAL_CONFIGURATION,
                    "the configured keyrings hold no key for the PSK identity asked for", null);
        }
        return psk;
    }
}
