package qsock.core.cid.lb;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The QUIC-LB block transforms over a server ID and nonce (draft-ietf-quic-load-balancers §"Server Actions"
 * and §"Load Balancer Actions"): one AES-128-ECB block when they are exactly 16 octets, otherwise the
 * four-round Feistel network whose round function is AES-128-ECB of the expanded half. Both are permutations of
 * octet strings of the configured length, so the same class also whitens plaintext-mode nonces.
 *
 * <p>Not thread-safe: it reuses its ciphers and scratch buffers so a transform allocates nothing.
 */
final class QuicLbCipher {

    private static final int BLOCK = 16;

    private final Cipher encryptor;
    private final Cipher decryptor;
    private final int length;
    private final int halfLength;
    private final boolean odd;
    private final byte[] left = new byte[BLOCK];
    private final byte[] right = new byte[BLOCK];
    private final byte[] aesIn = new byte[BLOCK];
    private final byte[] aesOut = new byte[BLOCK];

    /**
     * @param key the 16-octet AES-128 key
     * @param length the octets transformed, 2..19
     */
    QuicLbCipher(byte[] key, int length) {
        if (length < 2 || length > QuicLbConfig.MAX_PLAINTEXT_LENGTH) {
            throw new IllegalArgumentException("QUIC-LB block length " + length + " is not in 2..19");
        }
        this.length = length;
        this.halfLength = (length + 1) / 2;
        this.odd = (length & 1) != 0;
        try {
            SecretKeySpec spec = new SecretKeySpec(key, "AES");
            encryptor = Cipher.getInstance("AES/ECB/NoPadding");
            encryptor.init(Cipher.ENCRYPT_MODE, spec);
            decryptor = Cipher.getInstance("AES/ECB/NoPadding");
            decryptor.init(Cipher.DECRYPT_MODE, spec);
        } catch (GeneralSecurityException e) {
            // Every Java SE platform provides AES/ECB/NoPadding with 128-bit keys.
            throw new IllegalStateException("AES/ECB/NoPadding is unavailable", e);
        }
    }

    /** Encrypts {@code length} octets of {@code buf} from {@code offset} in place. */
    void encrypt(byte[] buf, int offset) {
        if (length == BLOCK) {
            aes(encryptor, buf, offset, buf, offset); // §"Special Case: Single Pass Encryption"
            return;
        }
        split(buf, offset);
        round(left, right, 1, true);
        round(right, left, 2, false);
        round(left, right, 3, true);
        round(right, left, 4, false);
        join(buf, offset);
    }

    /** Decrypts {@code length} octets of {@code buf} from {@code offset} in place: the inverse of encrypt. */
    void decrypt(byte[] buf, int offset) {
        if (length == BLOCK) {
            aes(decryptor, buf, offset, buf, offset);
            return;
        }
        // §"Load Balancer Actions": the passes in reverse order; all four, so the nonce is recovered too.
        split(buf, offset);
        round(right, left, 4, false);
        round(left, right, 3, true);
        round(right, left, 2, false);
        round(left, right, 1, true);
        join(buf, offset);
    }

    /**
     * One Feistel pass: {@code target ^= truncate(AES(expand(length, pass, source)), halfLength)}, then clears
     * the nibble the target does not own when the length is odd (the right half's first four bits, the left
     * half's last four).
     */
    private void round(byte[] source, byte[] target, int pass, boolean targetIsRight) {
        Arrays.fill(aesIn, (byte) 0);
        System.arraycopy(source, 0, aesIn, 0, halfLength);
        aesIn[BLOCK - 2] = (byte) length;
        aesIn[BLOCK - 1] = (byte) pass;
        aes(encryptor, aesIn, 0, aesOut, 0);
        for (int i = 0; i < halfLength; i++) {
            target[i] ^= aesOut[i];
        }
        if (odd) {
            if (targetIsRight) {
                target[0] &= 0x0f;
            } else {
                target[halfLength - 1] &= (byte) 0xf0;
            }
        }
    }

    /** Splits into halves of halfLength octets; an odd length shares its middle octet by nibbles. */
    private void split(byte[] buf, int offset) {
        System.arraycopy(buf, offset, left, 0, halfLength);
        System.arraycopy(buf, offset + length - halfLength, right, 0, halfLength);
        if (odd) {
            left[halfLength - 1] &= (byte) 0xf0;
            right[0] &= 0x0f;
        }
    }

    private void join(byte[] buf, int offset) {
        System.arraycopy(left, 0, buf, offset, halfLength);
        if (odd) {
            buf[offset + halfLength - 1] = (byte) (left[halfLength - 1] | right[0]);
            System.arraycopy(right, 1, buf, offset + halfLength, halfLength - 1);
        } else {
            System.arraycopy(right, 0, buf, offset + halfLength, halfLength);
        }
    }

    private static void aes(Cipher cipher, byte[] in, int inOffset, byte[] out, int outOffset) {
        try {
            cipher.doFinal(in, inOffset, BLOCK, out, outOffset);
        } catch (GeneralSecurityException e) {
            // A 16-octet block with NoPadding neither pads nor overflows.
            throw new IllegalStateException("AES-ECB of one block failed", e);
        }
    }
}
