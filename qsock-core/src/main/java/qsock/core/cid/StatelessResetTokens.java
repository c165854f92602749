package qsock.core.cid;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * Derives stateless reset tokens from a static key (RFC 9000 §10.3.2): the token for a connection ID is
 * HMAC-SHA256(key, connection ID bytes) truncated to 16 bytes. An endpoint that has lost all state for a
 * connection can so still compute the token of any connection ID it issued, and answer a packet for it
 * with a Stateless Reset; without the key, nobody can predict a token from the connection ID it is bound to.
 *
 * <p>RFC 9000 §10.3.2 adds what the endpoint must do for this design to be safe: the key is secret and the
 * same for every connection that may issue an ID the endpoint later has to reset (keep it across restarts
 * for resets to survive them); the endpoint issues IDs of one length (or IDs that encode their length), so
 * it knows how many bytes of an unknown short header packet to feed to {@link #deriveInto}; and it never
 * issues the same connection ID twice, since equal IDs get equal tokens.
 *
 * <p>One {@link Mac} is made by the constructor and reused for every token, so an instance is <b>not
 * thread-safe</b>: give each thread its own, made from the same key.
 */
public final class StatelessResetTokens {

    /** The shortest key accepted, in bytes: 128 bits of secret, the token's own strength. */
    public static final int MIN_KEY_LENGTH = 16;

    private static final String ALGORITHM = "HmacSHA256";

    private final Mac mac;
    private final byte[] digest;

    /**
     * Makes a deriver for {@code key}, which is copied.
     *
     * @throws IllegalArgumentException if the key is shorter than {@link #MIN_KEY_LENGTH}
     * @throws IllegalStateException if the JDK offers no HmacSHA256 (every Java SE platform must)
     */
    public StatelessResetTokens(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("a stateless reset key needs at least " + MIN_KEY_LENGTH
                    + " bytes, not " + key.length);
        }
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
        digest = new byte[mac.getMacLength()];
    }

    /** {@return the stateless reset token for {@code cid}} Equal IDs always get equal tokens. */
    public StatelessResetToken tokenFor(ConnectionId cid) {
        int length = cid.length();
        for (int i = 0; i < length; i++) {
            mac.update(cid.byteAt(i));
        }
        finish();
        return StatelessResetToken.of(Arrays.copyOf(digest, StatelessResetToken.LENGTH));
    }

    /**
     * Writes the token for the connection ID held in {@code length} bytes of {@code src} at absolute
     * {@code index} into {@code out} at {@code outOffset}, allocating nothing: for an endpoint answering a
     * packet of a connection it does not know with a Stateless Reset (RFC 9000 §10.3). The buffer's
     * position is left alone.
     *
     * @throws IllegalArgumentException if {@code length} is not a connection ID length or {@code out} has
     *     fewer than 16 bytes from {@code outOffset}
     * @throws IndexOutOfBoundsException if the ID's bytes are not within {@code src}'s limit
     */
    public void deriveInto(ByteBuffer src, int index, int length, byte[] out, int outOffset) {
        if (length < 0 || length > ConnectionId.MAX_LENGTH) {
            throw new IllegalArgumentException("connection ID length " + length);
        }
        if (outOffset < 0 || out.length - outOffset < StatelessResetToken.LENGTH) {
            throw new IllegalArgumentException("no room for a 16-byte token at " + outOffset);
        }
        Objects.checkFromIndexSize(index, length, src.limit());
        for (int i = 0; i < length; i++) {
            mac.update(src.get(index + i));
        }
        finish();
        System.arraycopy(digest, 0, out, outOffset, StatelessResetToken.LENGTH);
    }

    private void finish() {
        try {
            mac.doFinal(digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("digest buffer sized from the Mac itself", e);
        }
    }
}
