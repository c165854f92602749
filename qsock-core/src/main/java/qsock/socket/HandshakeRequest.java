package qsock.socket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * What a consumer asks a {@link HandshakeService} for, in terms that name no TLS API: the identity the peer must
 * prove and the application protocols to negotiate, as the kernel's consumers fill in a handshake request for
 * tlshd (peer name, key serial, ALPNs). Everything else (certificates, keys, trust anchors, the PSK keyring, the
 * client-certificate policy) is the service's configuration, not the consumer's.
 *
 * @param peerName on a client, the server's name: sent as SNI and checked against its certificate; null to offer a
 *     PSK only. On a server, the name the client's certificate must carry (a client certificate is then required);
 *     null to accept any client the service's policy accepts
 * @param pskIdentity on a client, the identity of the pre-shared key (from the service's keyring) to authenticate
 *     with (RFC 8446 §4.2.11); on a server, the identity the client must have authenticated with; null for none
 * @param applicationProtocols the ALPNs to offer (client) or accept (server), in preference order (RFC 7301); empty
 *     for the service's configured ones
 */
public record HandshakeRequest(String peerName, String pskIdentity, List<String> applicationProtocols) {

    /** @throws IllegalArgumentException if a name is empty or an ALPN is not 1-255 bytes (RFC 7301 §3.1) */
    public HandshakeRequest {
        if (peerName != null && peerName.isEmpty()) {
            throw new IllegalArgumentException("peerName is empty: pass null for none");
        }
        if (pskIdentity != null && (pskIdentity.isEmpty()
                || pskIdentity.getBytes(StandardCharsets.UTF_8).length > 0xFFFF)) {
            // RFC 8446 §4.2.11: identity<1..2^16-1>
            throw new IllegalArgumentException("pskIdentity must be 1-65535 bytes: pass null for none");
        }
        applicationProtocols = List.copyOf(Objects.requireNonNull(applicationProtocols, "applicationProtocols"));
        for (String p : applicationProtocols) {
            int length = p.getBytes(StandardCharsets.UTF_8).length;
            if (length < 1 || length > 255) {
                throw new IllegalArgumentException("ALPN protocol names are 1-255 bytes: '" + p + "'");
            }
        }
    }

    /** {@return a request to authenticate a peer by its certificate for {@code peerName} (see the record)} */
    public static HandshakeRequest x509(String peerName) {
        return new HandshakeRequest(Objects.requireNonNull(peerName, "peerName"), null, List.of());
    }

    /** {@return a request to authenticate with the pre-shared key {@code identity} of the service's keyring} */
    public static HandshakeRequest psk(String identity) {
        return new HandshakeRequest(null, Objects.requireNonNull(identity, "identity"), List.of());
    }

    /** {@return a request for any peer the service's configuration accepts, its configured ALPNs} */
    public static HandshakeRequest anyPeer() {
        return new HandshakeRequest(null, null, List.of());
    }

    /** {@return this request with these ALPNs} */
    public HandshakeRequest withApplicationProtocols(String... protocols) {
        return new HandshakeRequest(peerName, pskIdentity, List.of(protocols));
    }
}
