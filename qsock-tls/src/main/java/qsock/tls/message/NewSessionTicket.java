package qsock.tls.message;

import java.util.List;
import java.util.Optional;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.extension.Extensions;

/**
 * NewSessionTicket (RFC 8446 §4.6.1): a ticket the client may use to resume. The lifetime's ceiling of
 * 604800 seconds and the early_data limit QUIC requires (RFC 9001 §4.6.1) are the engine's checks.
 *
 * @param ticketLifetime the lifetime in seconds, a uint32
 * @param ticketAgeAdd the value added to the ticket's age, a uint32
 * @param ticketNonce 0 to 255 bytes, input to the PSK's derivation
 * @param ticket 1 to 2^16-1 bytes, the identity the client sends back
 * @param extensions the extensions ({@code Extension extensions<0..2^16-2>})
 */
public record NewSessionTicket(long ticketLifetime, long ticketAgeAdd, Opaque ticketNonce, Opaque ticket,
        List<Extension> extensions) implements HandshakeMessage {

    /**
     * @throws IllegalArgumentException if a field is out of its range or the extensions break RFC 8446
     *     §4.2's rules
     */
    public NewSessionTicket {
        TlsChecks.u32(ticketLifetime, "ticket_lifetime");
        TlsChecks.u32(ticketAgeAdd, "ticket_age_add");
        TlsChecks.length(ticketNonce, 0, 255, "ticket_nonce");
        TlsChecks.length(ticket, 1, 0xFFFF, "ticket");
        extensions = ExtensionCodec.checkBlock(HandshakeType.NEW_SESSION_TICKET, false, extensions);
        if (ExtensionCodec.blockLength(extensions) > 2 + 0xFFFE) {
            throw new IllegalArgumentException("a NewSessionTicket's extensions take at most 2^16-2 bytes");
        }
    }

    /**
     * {@return the extension of this kind, if present}, for instance
     * {@code extension(EarlyDataNewSessionTicket.class)}
     */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.NEW_SESSION_TICKET;
    }

    void encodeBody(TlsWriter w) {
        w.u32(ticketLifetime);
        w.u32(ticketAgeAdd);
        w.opaque8(ticketNonce);
        w.opaque16(ticket);
        ExtensionCodec.encodeBlock(w, extensions);
    }

    static NewSessionTicket decodeBody(TlsReader r) throws TlsAlertException {
        long lifetime = r.u32();
        long ageAdd = r.u32();
        Opaque nonce = r.opaque8("ticket_nonce", 0, 255);
        Opaque ticket = r.opaque16("ticket", 1, 0xFFFF);
        List<Extension> extensions = ExtensionCodec.decodeBlock(HandshakeType.NEW_SESSION_TICKET, false, r);
        r.expectEnd("new_session_ticket");
        return new NewSessionTicket(lifetime, ageAdd, nonce, ticket, extensions);
    }
}
