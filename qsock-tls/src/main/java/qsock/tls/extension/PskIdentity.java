package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * One PskIdentity of a ClientHello's pre_shared_key (RFC 8446 §4.2.11): a ticket or external PSK label,
 * and the ticket's obfuscated age.
 *
 * @param identity the identity, 1 to 2^16-1 bytes
 * @param obfuscatedTicketAge the age in milliseconds plus ticket_age_add, modulo 2^32 (RFC 8446 §4.2.11.1);
 *     0 for external PSKs
 */
public record PskIdentity(Opaque identity, long obfuscatedTicketAge) {

    /** @throws IllegalArgumentException if the identity is empty or too long, or the age is not a uint32 */
    public PskIdentity {
        TlsChecks.length(identity, 1, 0xFFFF, "identity");
        TlsChecks.u32(obfuscatedTicketAge, "obfuscated_ticket_age");
    }

    void encode(TlsWriter w) {
        w.opaque16(identity);
        w.u32(obfuscatedTicketAge);
    }

    static PskIdentity decode(TlsReader r) throws TlsAlertException {
        Opaque identity = r.opaque16("identity", 1, 0xFFFF);
        return new PskIdentity(identity, r.u32());
    }
}
