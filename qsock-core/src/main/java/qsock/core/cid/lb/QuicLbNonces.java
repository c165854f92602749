package qsock.core.cid.lb;

import java.util.random.RandomGenerator;

/**
 * The nonces of one server under one configuration, none ever repeated (draft-ietf-quic-load-balancers
 * §"Connection ID Entropy": a server MUST NOT reuse a nonce until it switches to a configuration with new keys).
 *
 * <p>Follows the draft's counter advice: a counter of the nonce's width that starts at a random value and is
 * exhausted when it comes back round to it. With a key that is all (the encryption hides the counter). Without
 * one the nonce is in clear, and §"Server Actions" forbids any observable relationship between nonces, so each
 * counter value is passed through a four-pass Feistel permutation under a random key this server keeps to
 * itself: still one-to-one, hence never repeating, yet unlinkable without that key.
 *
 * <p>Not thread-safe.
 */
final class QuicLbNonces {

    private final byte[] counter;
    private final long limit;
    private final QuicLbCipher whitener;
    private long issued;

    QuicLbNonces(int nonceLength, boolean encrypted, RandomGenerator random) {
        counter = new byte[nonceLength];
        random.nextBytes(counter);
        int bits = nonceLength * 8;
        // Past 2^62 a server could not count to the end anyway; treat it as endless.
        limit = bits >= 63 ? Long.MAX_VALUE : 1L << bits;
        if (encrypted) {
            whitener = null;
        } else {
            byte[] key = new byte[QuicLbConfig.KEY_LENGTH];
            random.nextBytes(key);
            whitener = new QuicLbCipher(key, nonceLength);
        }
    }

    /**
     * Writes the next nonce into {@code out} at {@code offset}.
     *
     * @throws IllegalStateException if every nonce of this width was issued: the server must switch to
     *     another configuration (§"Connection ID Entropy")
     */
    void next(byte[] out, int offset) {
        if (issued >= limit) {
            throw new IllegalStateException("QUIC-LB nonce space of " + counter.length
                    + " octets is exhausted: switch to a new configuration");
        }
        System.arraycopy(counter, 0, out, offset, counter.length);
        for (int i = counter.length - 1; i >= 0 && ++counter[i] == 0; i--) {
            // carry into the next octet up; wraps round at the top
        }
        issued++;
        if (whitener != null) {
            whitener.encrypt(out, offset);
        }
    }

    /** {@return how many nonces were issued} */
    long issued() {
        return issued;
    }
}
