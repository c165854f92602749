package qsock.core.cid.lb;

import java.util.Objects;
import java.util.random.RandomGenerator;
import qsock.core.wire.ConnectionId;

/**
 * A server's side of QUIC-LB (draft-ietf-quic-load-balancers §"Server Actions"): makes connection IDs that
 * carry this server's ID under one configuration, so a load balancer with the same configuration
 * ({@link QuicLbDecoder}) routes them here whatever the client's address.
 *
 * <p>Each ID is the first octet (config rotation, then the length or random bits), then the server ID and a
 * never-repeated nonce ({@link QuicLbNonces}), encrypted when the configuration has a key. Thread-safe:
 * an endpoint's I/O threads may share one.
 */
public final class QuicLbEncoder {

    private final QuicLbConfig config;
    private final byte[] serverId;
    private final RandomGenerator random;
    private final QuicLbNonces nonces;
    private final QuicLbCipher cipher;

    /**
     * @param config the configuration shared with the load balancers
     * @param serverId this server's ID, of the configuration's server ID length
     * @param random the source of the first octet's random bits and the nonce counter's start; pass a
     *     cryptographically strong one, as these are what keep IDs unlinkable
     * @throws IllegalArgumentException if {@code serverId} is not of the configured length
     */
    public QuicLbEncoder(QuicLbConfig config, byte[] serverId, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(serverId, "serverId");
        if (serverId.length != config.serverIdLength()) {
            throw new IllegalArgumentException("QUIC-LB server ID is " + serverId.length
                    + " octets but the configuration says " + config.serverIdLength());
        }
        this.serverId = serverId.clone();
        this.random = Objects.requireNonNull(random, "random");
        this.nonces = new QuicLbNonces(config.nonceLength(), config.encrypted(), random);
        this.cipher = config.encrypted() ? new QuicLbCipher(config.keyUnsafe(), config.plaintextLength()) : null;
    }

    /** {@return the configuration IDs are made under} */
    public QuicLbConfig config() {
        return config;
    }

    /** {@return a copy of this server's ID} */
    public byte[] serverId() {
        return serverId.clone();
    }

    /**
     * {@return a new connection ID with a nonce never used before under this encoder}
     *
     * @throws IllegalStateException if the nonce space is exhausted: the configuration agent must issue a new
     *     configuration (§"Connection ID Entropy")
     */
    public synchronized ConnectionId next() {
        byte[] cid = new byte[config.connectionIdLength()];
        nonces.next(cid, 1 + serverId.length);
        return finish(cid);
    }

    /** {@return the connection ID for a given nonce} For the draft's test vectors; servers use {@link #next}. */
    synchronized ConnectionId encode(byte[] nonce) {
        if (nonce.length != config.nonceLength()) {
            throw new IllegalArgumentException("nonce is " + nonce.length + " octets, not " + config.nonceLength());
        }
        byte[] cid = new byte[config.connectionIdLength()];
        System.arraycopy(nonce, 0, cid, 1 + serverId.length, nonce.length);
        return finish(cid);
    }

    private ConnectionId finish(byte[] cid) {
        // §"First CID octet": 3 config rotation bits, then 5 bits of length after this octet, or random bits.
        int low = config.selfEncodeLength() ? config.plaintextLength() : random.nextInt(32);
        cid[0] = (byte) (config.configRotation() << 5 | low);
        System.arraycopy(serverId, 0, cid, 1, serverId.length);
        if (cipher != null) {
            cipher.encrypt(cid, 1);
        }
        return ConnectionId.of(cid);
    }
}
