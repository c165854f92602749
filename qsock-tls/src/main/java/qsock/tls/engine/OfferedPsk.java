package qsock.tls.engine;

import java.util.Objects;
import qsock.core.handshake.HashFunction;
import qsock.tls.ExternalPsk;

/**
 * One pre-shared key in a handshake (RFC 8446 §4.2.11): on a client, a PSK it offers; on a server, the key
 * a {@link PskLookup} found for an offered identity. External keys and resumption keys differ only in
 * {@link Kind} (which picks the binder label, RFC 8446 §7.1) and in the obfuscated ticket age, which is 0
 * for external keys. The key never appears in {@link #toString()}.
 *
 * @param identity the identity as on the wire, 1 to 65535 bytes; copied
 * @param key the PSK (for resumption, the one derived from the resumption master secret, RFC 8446 §4.6.1);
 *     copied
 * @param hash the hash the PSK is bound to: only a cipher suite with this hash can use it
 * @param obfuscatedTicketAge the client's obfuscated_ticket_age (RFC 8446 §4.2.11.1); 0 for external keys
 * @param kind external or resumption
 * @param reportedIdentity what the application is told was used ({@code TlsEvent.HandshakeComplete.pskIdentity}),
 *     or null to tell nothing
 */
public record OfferedPsk(byte[] identity, byte[] key, HashFunction hash, long obfuscatedTicketAge, Kind kind,
                         String reportedIdentity) {

    /** Where a PSK comes from; the binder key's label depends on it (RFC 8446 §7.1). */
    public enum Kind {
        /** Provisioned out of band: binder label "ext binder". */
        EXTERNAL("ext binder"),
        /** From a NewSessionTicket of an earlier connection: binder label "res binder". */
        RESUMPTION("res binder");

        private final String binderLabel;

        Kind(String binderLabel) {
            this.binderLabel = binderLabel;
        }

        /** {@return the label of Derive-Secret(early_secret, label, "") for the binder key} */
        public String binderLabel() {
            return binderLabel;
        }
    }

    /** @throws IllegalArgumentException if the identity or key is empty, or the age is not a uint32 */
    public OfferedPsk {
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(kind, "kind");
        if (identity.length < 1 || identity.length > 0xFFFF) {
            throw new IllegalArgumentException("a PSK identity must be 1 to 65535 bytes");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("empty PSK");
        }
        if (obfuscatedTicketAge < 0 || obfuscatedTicketAge > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("obfuscated_ticket_age is not a uint32");
        }
        identity = identity.clone();
        key = key.clone();
    }

    /** {@return the handshake form of an external PSK; its text identity is what the application is told} */
    public static OfferedPsk external(ExternalPsk psk) {
        return new OfferedPsk(psk.identityBytes(), psk.key(), psk.hash(), 0, Kind.EXTERNAL, psk.identity());
    }

    @Override
    public byte[] identity() {
        return identity.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** Neither identity nor key. */
    @Override
    public String toString() {
        return "OfferedPsk[" + kind + ", " + hash + "]";
    }
}
