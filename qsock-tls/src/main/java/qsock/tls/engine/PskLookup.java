package qsock.tls.engine;

import qsock.tls.PskKeyring;
import qsock.tls.TlsAlertException;
import qsock.tls.extension.PskIdentity;

/**
 * How a server finds the key for an identity a client offers in pre_shared_key (RFC 8446 §4.2.11). The
 * server asks for each offered identity in order and takes the first one found whose hash fits a cipher
 * suite both sides accept; it then validates that identity's binder. External keys come from a
 * {@link PskKeyring} ({@link #external}); session resumption plugs a ticket opener in as another lookup
 * ({@link #or}).
 */
@FunctionalInterface
public interface PskLookup {

    /** A lookup that knows no identity. */
    PskLookup NONE = identity -> null;

    /**
     * {@return the key for this offered identity, or null when this lookup does not know it} The result's
     * {@link OfferedPsk#identity()} should be the offered identity.
     *
     * @throws TlsAlertException to abort the handshake (for a ticket that is well-formed but must not be
     *     accepted, say)
     */
    OfferedPsk find(PskIdentity identity) throws TlsAlertException;

    /** {@return a lookup trying this one, then {@code other}} */
    default PskLookup or(PskLookup other) {
        return identity -> {
            OfferedPsk found = find(identity);
            return found != null ? found : other.find(identity);
        };
    }

    /** {@return a lookup of external keys in a keyring; null gives {@link #NONE}} */
    static PskLookup external(PskKeyring keyring) {
        if (keyring == null || keyring.isEmpty()) {
            return NONE;
        }
        return identity -> {
            var psk = keyring.find(identity.identity().toByteArray());
            return psk == null ? null : OfferedPsk.external(psk);
        };
    }
}
