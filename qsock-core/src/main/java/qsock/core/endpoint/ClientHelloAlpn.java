package qsock.core.endpoint;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ClientHelloReader} learned from a client's first CRYPTO bytes: whether the ClientHello is complete,
 * and if so the ALPN protocols it offers in the client's order. The listener of a shared port is chosen from them
 * (RFC 7301 §3.1 puts the choice on the server; the routing makes that choice before any TLS stack runs).
 *
 * @param status how far the ClientHello could be read
 * @param protocols the ALPN protocol names in the client's order, each byte one {@code char} (ISO-8859-1, so no
 *     byte sequence is lost or merged); empty when the ClientHello carries no ALPN extension or is not complete
 * @param hasAlpn whether the ClientHello carries the ALPN extension at all
 */
public record ClientHelloAlpn(Status status, List<String> protocols, boolean hasAlpn) {

    /** How far the bytes went. */
    public enum Status {
        /** A prefix of a well-formed ClientHello so far: more CRYPTO bytes are needed. */
        INCOMPLETE,
        /** Not a ClientHello, or one that breaks RFC 8446 §4.1.2 or RFC 7301 §3.1: dropped. */
        MALFORMED,
        /** A whole well-formed ClientHello. */
        COMPLETE
    }

    /** A ClientHello of which more is needed. */
    public static final ClientHelloAlpn INCOMPLETE = new ClientHelloAlpn(Status.INCOMPLETE, List.of(), false);
    /** What cannot be a ClientHello. */
    public static final ClientHelloAlpn MALFORMED = new ClientHelloAlpn(Status.MALFORMED, List.of(), false);

    /** Copies the list and checks that only a complete ClientHello names protocols. */
    public ClientHelloAlpn {
        Objects.requireNonNull(status, "status");
        protocols = List.copyOf(protocols);
        if (status != Status.COMPLETE && (hasAlpn || !protocols.isEmpty())) {
            throw new IllegalArgumentException("only a complete ClientHello has ALPN protocols: " + status);
        }
        if (hasAlpn && protocols.isEmpty()) {
            throw new IllegalArgumentException("an ALPN extension names at least one protocol (RFC 7301 §3.1)");
        }
    }
}
