package qsock.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.HashFunction;

/**
 * HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) on {@link javax.crypto.Mac}.
 *
 * <p>Key derivation happens once per key, never per packet, so each call takes a fresh {@code Mac}; the
 * methods are thread-safe. Used by QUIC packet protection here and by the TLS key schedule.
 */
public final class Hkdf {

    /** The prefix TLS 1.3 puts before every HKDF-Expand-Label label (RFC 8446 §7.1). */
    public static final String LABEL_PREFIX = "tls13 ";

    private static final byte[] EMPTY = new byte[0];

    private Hkdf() {}

    /**
     * {@return the pseudorandom key HMAC-Hash(salt, IKM)}: HKDF-Extract, RFC 5869 §2.2
     *
     * @param salt the salt; null or empty stands for HashLen zero bytes, as the RFC says
     * @param ikm the input keying material, possibly empty
     */
    public static byte[] extract(HashFunction hash, byte[] salt, byte[] ikm) {
        // RFC 5869 §2.2: an absent salt is HashLen zeros (an HMAC key shorter than a block is zero-padded
        // anyway, but SecretKeySpec refuses an empty key).
        byte[] key = salt == null || salt.length == 0 ? new byte[hash.length()] : salt;
        Mac mac = mac(hash, key);
        return mac.doFinal(ikm);
    }

    /**
     * {@return {@code length} bytes of output keying material}: HKDF-Expand, RFC 5869 §2.3
     *
     * @param prk a pseudorandom key, usually the output of {@link #extract}
     * @param info context information, possibly empty
     * @throws IllegalArgumentException if {@code length} is negative or over 255 * HashLen
     */
    public static byte[] expand(HashFunction hash, byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * hash.length()) {
            throw new IllegalArgumentException("HKDF-Expand length " + length + " is not in 0.."
                    + 255 * hash.length());
        }
        Mac mac = mac(hash, prk);
        byte[] okm = new byte[length];
        byte[] t = EMPTY;
        int done = 0;
        // T(i) = HMAC-Hash(PRK, T(i-1) | info | i), for i = 1, 2, ...
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, okm, done, n);
            done += n;
        }
        return okm;
    }

    /**
     * {@return HKDF-Expand(secret, HkdfLabel, length)}: HKDF-Expand-Label, RFC 8446 §7.1, where HkdfLabel
     * is the length, "tls13 " + label and the context, each with its length prefix.
     *
     * @param label the label without the "tls13 " prefix, ASCII, e.g. "quic key"
     * @param context the context, e.g. a transcript hash; QUIC uses an empty one
     * @throws IllegalArgumentException if the label, context or length do not fit their fields
     */
    public static byte[] expandLabel(HashFunction hash, byte[] secret, String label, byte[] context, int length) {
        return expand(hash, secret, hkdfLabel(label, context, length), length);
    }

    /** {@return HKDF-Expand-Label with an empty context}, the form QUIC uses everywhere (RFC 9001 §5.1). */
    public static byte[] expandLabel(HashFunction hash, byte[] secret, String label, int length) {
        return expandLabel(hash, secret, label, EMPTY, length);
    }

    /** {@return the encoded HkdfLabel structure (RFC 8446 §7.1)} */
    static byte[] hkdfLabel(String label, byte[] context, int length) {
        byte[] fullLabel = (LABEL_PREFIX + label).getBytes(StandardCharsets.US_ASCII);
        // RFC 8446 §7.1: opaque label<7..255>, opaque context<0..255>, uint16 length.
        if (fullLabel.length > 255) {
            throw new IllegalArgumentException("HKDF label too long: " + label);
        }
        if (context.length > 255) {
            throw new IllegalArgumentException("HKDF context of " + context.length + " bytes is over 255");
        }
        if (length < 0 || length > 0xffff) {
            throw new IllegalArgumentException("HKDF-Expand-Label length " + length + " does not fit 16 bits");
        }
        byte[] out = new byte[2 + 1 + fullLabel.length + 1 + context.length];
        out[0] = (byte) (length >>> 8);
        out[1] = (byte) length;
        out[2] = (byte) fullLabel.length;
        System.arraycopy(fullLabel, 0, out, 3, fullLabel.length);
        out[3 + fullLabel.length] = (byte) context.length;
        System.arraycopy(context, 0, out, 4 + fullLabel.length, context.length);
        return out;
    }

    private static Mac mac(HashFunction hash, byte[] key) {
        try {
            Mac mac = Mac.getInstance(hash.macAlgorithm());
            mac.init(new SecretKeySpec(key, hash.macAlgorithm()));
            return mac;
        } catch (GeneralSecurityException e) {
            // Every Java SE platform has HmacSHA256 and HmacSHA384 (Java Security Standard Algorithm Names).
            throw new IllegalStateException(hash.macAlgorithm() + " is not available", e);
        }
    }
}
