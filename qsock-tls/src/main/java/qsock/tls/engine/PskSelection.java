package qsock.tls.engine;

import java.util.List;
import qsock.core.handshake.CipherSuite;
import qsock.tls.PskMode;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.extension.Extensions;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PskIdentity;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.message.ClientHello;

/**
 * The server's choice of a pre-shared key (RFC 8446 §4.2.11): which offered identity, in which key exchange
 * mode, with which cipher suite. Made by {@link #select}, which validates the chosen identity's binder
 * before anything is accepted.
 *
 * @param index the 0-based index of the identity, sent back as selected_identity
 * @param psk the key the lookup found
 * @param mode psk_ke or psk_dhe_ke
 * @param suite a cipher suite with the PSK's hash
 */
record PskSelection(int index, OfferedPsk psk, PskMode mode, CipherSuite suite) {

    /**
     * Chooses a PSK from the ClientHello, or none.
     *
     * <ul>
     *   <li>The mode is the first of {@code serverModes} the client lists in psk_key_exchange_modes (RFC 8446
     *       §4.2.9: never one it does not list); psk_dhe_ke only with a key_share to answer.</li>
     *   <li>The identity is the first offered that {@code lookup} knows and that a cipher suite both accept
     *       fits by hash ({@code requiredSuite}, after a HelloRetryRequest, is the only one).</li>
     *   <li>Its binder is checked over the transcript so far plus the truncated ClientHello; a wrong one is
     *       decrypt_error (RFC 8446 §4.2.11: the server MUST validate it).</li>
     * </ul>
     *
     * @param rawHello the ClientHello as received, for the truncated form
     * @param mustSelect true when the server has no certificate to fall back on: then no choice is
     *     unknown_psk_identity when no offered identity is known (RFC 8446 §6.2) and handshake_failure
     *     otherwise
     * @return the choice, or null for a full handshake
     */
    static PskSelection select(ClientHello hello, byte[] rawHello, List<CipherSuite> serverSuites,
                               List<PskMode> serverModes, PskLookup lookup, TranscriptHash transcript,
                               CipherSuite requiredSuite, boolean mustSelect) throws TlsAlertException {
        var offered = Extensions.find(hello.extensions(), PreSharedKeyClientHello.class);
        if (offered.isEmpty()) {
            if (mustSelect) {
                throw new TlsAlertException(TlsAlert.HANDSHAKE_FAILURE,
                        "the client offers no pre-shared key and this server has no certificate");
            }
            return null;
        }
        List<Integer> clientModes = Extensions.find(hello.extensions(), PskKeyExchangeModes.class)
                .map(PskKeyExchangeModes::keModes).orElse(List.of());
        boolean clientShares = Extensions.find(hello.extensions(), KeyShareClientHello.class).isPresent();
        PskMode mode = null;
        for (PskMode m : serverModes) {
            if (clientModes.contains(m.code()) && (m != PskMode.PSK_DHE_KE || clientShares)) {
                mode = m;
                break;
            }
        }
        List<PskIdentity> identities = offered.get().identities();
        boolean known = false;
        for (int i = 0; mode != null && i < identities.size(); i++) {
            OfferedPsk psk = lookup.find(identities.get(i));
            if (psk == null) {
                continue;
            }
            known = true;
            CipherSuite suite = suiteFor(psk, hello.cipherSuites(), serverSuites, requiredSuite);
            if (suite == null) {
                continue;
            }
            byte[] truncated = PskBinder.truncate(rawHello, offered.get());
            byte[] binder = offered.get().binders().get(i).toByteArray();
            if (!PskBinder.verify(psk, transcript.currentWith(psk.hash(), truncated), binder)) {
                // The identity is not named: it may be a secret of its own (RFC 8446 §4.2.11 privacy).
                throw new TlsAlertException(TlsAlert.DECRYPT_ERROR, "the binder of the selected PSK is wrong");
            }
            return new PskSelection(i, psk, mode, suite);
        }
        if (mustSelect) {
            if (mode == null) {
                throw new TlsAlertException(TlsAlert.HANDSHAKE_FAILURE,
                        "no PSK key exchange mode in common and no certificate to fall back on");
            }
            // RFC 8446 §6.2: unknown_psk_identity "Sent by servers when PSK key establishment is desired but
            // no acceptable PSK identity is provided by the client". The identities are not logged.
            throw new TlsAlertException(known ? TlsAlert.HANDSHAKE_FAILURE : TlsAlert.UNKNOWN_PSK_IDENTITY,
                    known ? "no cipher suite in common fits the offered PSK's hash"
                            : "none of the " + identities.size() + " offered PSK identities is known");
        }
        return null;
    }

    /** {@return our most preferred suite the client offers whose hash is the PSK's, or null} */
    private static CipherSuite suiteFor(OfferedPsk psk, List<Integer> offered, List<CipherSuite> ours,
                                        CipherSuite required) {
        for (CipherSuite s : ours) {
            if (offered.contains(s.code()) && s.hash() == psk.hash() && (required == null || s == required)) {
                return s;
            }
        }
        return null;
    }
}
