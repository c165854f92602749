package qsock.core.cid.lb;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import qsock.core.wire.ConnectionId;

/**
 * A load balancer's side of QUIC-LB (draft-ietf-quic-load-balancers §"Load Balancer Actions"): recovers the
 * server ID from a connection ID made under one configuration, to pick the server to forward to.
 *
 * <p>IDs of another config rotation, or too short to hold this configuration's fields, decode to nothing: to
 * this configuration they are unroutable (§"Unroutable Connection IDs") and the load balancer falls back.
 * Thread-safe.
 */
public final class QuicLbDecoder {

    private final QuicLbConfig config;
    private final QuicLbCipher cipher;

    /** @param config the configuration shared with the servers */
    public QuicLbDecoder(QuicLbConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.cipher = config.encrypted() ? new QuicLbCipher(config.keyUnsafe(), config.plaintextLength()) : null;
    }

    /** {@return the configuration decoded under} */
    public QuicLbConfig config() {
        return config;
    }

    /** {@return the config rotation codepoint of {@code cid}, the top 3 bits of its first octet; -1 if empty} */
    public static int configRotationOf(ConnectionId cid) {
        return cid.length() == 0 ? -1 : (cid.byteAt(0) & 0xff) >>> 5;
    }

    /** {@return the server ID {@code cid} carries, or empty if it is not of this configuration} */
    public Optional<byte[]> serverId(ConnectionId cid) {
        return plaintext(cid).map(p -> Arrays.copyOf(p, config.serverIdLength()));
    }

    /**
     * {@return the server ID followed by the nonce that {@code cid} carries, or empty if it is not of this
     * configuration} The nonce matters only to the server; a load balancer wants {@link #serverId}.
     */
    public Optional<byte[]> plaintext(ConnectionId cid) {
        Objects.requireNonNull(cid, "cid");
        // Servers may append octets of their own (§"Server Actions"), so a longer ID is still ours.
        if (cid.length() < config.connectionIdLength() || configRotationOf(cid) != config.configRotation()) {
            return Optional.empty();
        }
        byte[] bytes = cid.toByteArray();
        if (cipher != null) {
            synchronized (cipher) {
                cipher.decrypt(bytes, 1);
            }
        }
        return Optional.of(Arrays.copyOfRange(bytes, 1, 1 + config.plaintextLength()));
    }
}
