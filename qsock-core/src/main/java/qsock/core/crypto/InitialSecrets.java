package qsock.core.crypto;

import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.HashFunction;
import qsock.core.wire.ConnectionId;

/**
 * The Initial secrets of a connection (RFC 9001 §5.2, RFC 9369 §3.3.1): derived from the version's salt and
 * the Destination Connection ID of the client's first Initial packet (or the one a Retry chose), one
 * secret per sender. Initial packets always use {@link CipherSuite#TLS_AES_128_GCM_SHA256}.
 */
public final class InitialSecrets {

    /** The suite of every Initial packet (RFC 9001 §5: AEAD_AES_128_GCM, hash SHA-256). */
    public static final CipherSuite CIPHER_SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    private final byte[] initialSecret;
    private final byte[] clientSecret;
    private final byte[] serverSecret;

    private InitialSecrets(byte[] initialSecret, byte[] clientSecret, byte[] serverSecret) {
        this.initialSecret = initialSecret;
        this.clientSecret = clientSecret;
        this.serverSecret = serverSecret;
    }

    /**
     * {@return the Initial secrets for {@code version} and the client's Destination Connection ID}
     *
     * @param clientDestinationId the Destination Connection ID of the client's first Initial, 0 to 20
     *        bytes (zero-length after a Retry with an empty Source Connection ID)
     */
    public static InitialSecrets derive(QuicVersion version, ConnectionId clientDestinationId) {
        HashFunction hash = CIPHER_SUITE.hash();
        // RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id).
        byte[] initial = Hkdf.extract(hash, version.initialSalt(), clientDestinationId.toByteArray());
        // The "client in" / "server in" labels are the same in v1 and v2 (RFC 9369 §3.3.2 changes only
        // the packet protection labels).
        byte[] client = Hkdf.expandLabel(hash, initial, "client in", hash.length());
        byte[] server = Hkdf.expandLabel(hash, initial, "server in", hash.length());
        return new InitialSecrets(initial, client, server);
    }

    /** {@return a copy of initial_secret, the PRK both secrets are expanded from} */
    public byte[] initialSecret() {
        return initialSecret.clone();
    }

    /** {@return a copy of client_initial_secret, protecting the packets the client sends} */
    public byte[] clientSecret() {
        return clientSecret.clone();
    }

    /** {@return a copy of server_initial_secret, protecting the packets the server sends} */
    public byte[] serverSecret() {
        return serverSecret.clone();
    }

    /** {@return a copy of the secret protecting packets sent by {@code sender}} */
    public byte[] secretOf(Role sender) {
        return sender == Role.CLIENT ? clientSecret() : serverSecret();
    }
}
