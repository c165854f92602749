package qsock.core.endpoint;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.params.StatelessResetToken;

/**
 * Finds the connection a Stateless Reset is for, by the peer's token at the datagram's end, in constant time
 * whatever the number of connections: a reset carries a random connection ID, so no route leads to it
 * (RFC 9000 §10.3), and asking every connection would make each stray short-header datagram cost as much as
 * there are connections.
 *
 * <p>The index holds transformed tokens, not the tokens themselves: each is encrypted as one AES block under a
 * key of this index's own (RFC 9000 §10.3.1 offers exactly this, a keyed pseudorandom function, so that looking
 * up leaks nothing about the tokens through timing). The transformed values are also uniformly spread, so a peer
 * choosing its tokens cannot crowd the hash table. A hit is only a candidate: the connection then checks the
 * token itself, in constant time, and only if it is still in use.
 *
 * <p>Not thread-safe; the endpoint owns it. One cipher call and one small key object per lookup.
 *
 * @param <V> what a token leads to
 */
final class PeerResetTokenIndex<V> {

    /** A transformed token: 16 bytes as two longs. */
    private record Key(long high, long low) {}

    private final Cipher transform;
    private final byte[] block = new byte[StatelessResetToken.LENGTH];
    private final byte[] transformed = new byte[StatelessResetToken.LENGTH];
    private final Map<Key, V> index = new HashMap<>();

    /** @param random the source of this index's secret key */
    PeerResetTokenIndex(RandomGenerator random) {
        byte[] key = new byte[16];
        random.nextBytes(key);
        try {
            transform = Cipher.getInstance("AES/ECB/NoPadding");
            transform.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES, which every JDK has, is not available", e);
        }
    }

    /** Leads {@code token} to {@code value}, replacing what it led to. */
    void put(StatelessResetToken token, V value) {
        index.put(keyOf(token), value);
    }

    /** Forgets {@code token} if it leads to {@code value}; a token another connection took over stays. */
    void remove(StatelessResetToken token, V value) {
        index.remove(keyOf(token), value);
    }

    /** {@return what the token in the last 16 bytes of {@code datagram} (up to its limit) leads to, or null} */
    V lookup(ByteBuffer datagram) {
        if (datagram.remaining() < StatelessResetToken.LENGTH || index.isEmpty()) {
            return null;
        }
        datagram.get(datagram.limit() - StatelessResetToken.LENGTH, block);
        return index.get(transform(block));
    }

    /** {@return the number of tokens indexed} */
    int size() {
        return index.size();
    }

    private Key keyOf(StatelessResetToken token) {
        byte[] raw = token.toByteArray();
        System.arraycopy(raw, 0, block, 0, raw.length);
        return transform(block);
    }

    private Key transform(byte[] in) {
        try {
            // ECB has no IV: the cipher needs no init between blocks.
            transform.doFinal(in, 0, in.length, transformed, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES on one block failed", e);
        }
        return new Key(longAt(transformed, 0), longAt(transformed, 8));
    }

    private static long longAt(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v = v << 8 | (b[offset + i] & 0xff);
        }
        return v;
    }
}
