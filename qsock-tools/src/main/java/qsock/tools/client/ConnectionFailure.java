package qsock.tools.client;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import qsock.core.error.ConnectionError;
import qsock.tls.TlsAlert;
import qsock.api.QuicVersion;

/**
 * Words for why a connection to a server ended, for the client's messages: what happened first, in terms a
 * user acts on, then the transport's own description (a peer's reason appears escaped, see
 * {@link ConnectionError#toString()}).
 */
public final class ConnectionFailure {

    /** RFC 9001 §4.8: a TLS alert travels as the transport error 0x100 plus the alert's code. */
    private static final long CRYPTO_ERROR_BASE = 0x100;

    private ConnectionFailure() {}

    /**
     * {@return why the connection ended}
     *
     * @param error the connection's close error
     * @param ourVersion the QUIC version this client offered
     */
    public static String describe(ConnectionError error, QuicVersion ourVersion) {
        // RFC 8446 §4.4.2.4: a server that requires a client certificate ends a handshake without one with
        // certificate_required, which QUIC carries as CRYPTO_ERROR 0x100 + 116 (RFC 9001 §4.8), after the
        // client's side of the handshake has completed.
        if (isCertificateRequired(error)) {
            return certificateRequired(error);
        }
        return switch (error.kind()) {
            // RFC 9000 §6.2: the server listed its versions, and ours was not among them.
            case VERSION_NEGOTIATION -> "no QUIC version in common: this client speaks " + version(ourVersion)
                    + ", and the server answered with Version Negotiation (" + error + ")";
            case STATELESS_RESET -> "the server reset the connection (a stateless reset: it has no state for it)";
            case IDLE_TIMEOUT -> "the server stopped answering (idle timeout)";
            default -> error.byPeer() ? "the server closed the connection: " + error
                    : "the connection ended: " + error;
        };
    }

    private static boolean isCertificateRequired(ConnectionError error) {
        return error.kind() == ConnectionError.Kind.TRANSPORT && error.byPeer()
                && error.code() == CRYPTO_ERROR_BASE + TlsAlert.CERTIFICATE_REQUIRED.code();
    }

    private static String certificateRequired(ConnectionError error) {
        return "the server requires a client certificate that it accepts (TLS alert "
                + TlsAlert.CERTIFICATE_REQUIRED + "; give --cert and --key): " + error;
    }

    /**
     * {@return why a server refused the client's credentials during the handshake, or null when {@code error} is
     * no such refusal}: a client certificate it requires (certificate_required, which may also arrive after the
     * client's side completed, see {@link #describe}) or the client's external pre-shared key (RFC 8446
     * §4.2.11). The words name the alert and the option to check; the peer's reason follows escaped. Nothing
     * here knows the key.
     *
     * @param error the connection's close error, or null
     * @param offeredPsk true if this client offered an external pre-shared key
     */
    public static String describeRefusal(ConnectionError error, boolean offeredPsk) {
        if (error == null || error.kind() != ConnectionError.Kind.TRANSPORT || !error.byPeer()) {
            return null;
        }
        if (isCertificateRequired(error)) {
            // The server's close may overtake the end of the client's own handshake.
            return certificateRequired(error);
        }
        long alert = error.code() - CRYPTO_ERROR_BASE;
        // RFC 8446 §6.2: unknown_psk_identity, "sent by servers when PSK key establishment is desired but no
        // acceptable PSK identity is provided by the client".
        if (alert == TlsAlert.UNKNOWN_PSK_IDENTITY.code()) {
            return "the server knows no pre-shared key of the identity offered (TLS alert "
                    + TlsAlert.UNKNOWN_PSK_IDENTITY + "; check --psk-identity): " + error;
        }
        if (!offeredPsk) {
            return null;
        }
        // RFC 8446 §4.2.11: the server validates the binder of the PSK it selects; with the same identity, a
        // wrong binder means that the two keys differ.
        if (alert == TlsAlert.DECRYPT_ERROR.code()) {
            return "the server holds another key for this PSK identity: the binder did not verify (TLS alert "
                    + TlsAlert.DECRYPT_ERROR + "; check --psk-key-file or --psk-keyring): " + error;
        }
        if (alert == TlsAlert.HANDSHAKE_FAILURE.code()) {
            return "the server refused the handshake with the pre-shared key (TLS alert " + TlsAlert.HANDSHAKE_FAILURE
                    + "; no PSK key exchange mode, see --psk-ke, or cipher suite in common): " + error;
        }
        return null;
    }

    /**
     * {@return true if the connection's close error says more than the handshake's {@code failure}} A failed
     * handshake names its TLS alert or close code already; but a Version Negotiation, a stateless reset or a close
     * of another kind says more in these words, and any close but the handshake's own (a local application close
     * when its time ran out) says more than a timeout, which may only have missed it.
     */
    public static boolean explainsHandshakeFailure(ConnectionError error, IOException failure) {
        if (error == null) {
            return false;
        }
        if (failure instanceof SocketTimeoutException) {
            return error.byPeer() || error.kind() != ConnectionError.Kind.APPLICATION;
        }
        return error.kind() != ConnectionError.Kind.TRANSPORT && error.kind() != ConnectionError.Kind.APPLICATION;
    }

    private static String version(QuicVersion version) {
        return String.format(Locale.ROOT, "0x%08x (QUIC %s)", version.wireValue(),
                version.name().toLowerCase(Locale.ROOT));
    }
}
