package qsock.core.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;

/**
 * Packet protection written the plain way, straight from the RFC 9001 pseudocode: fresh {@code Cipher}s,
 * new arrays, nothing in place, nothing reused. The in-place, reusing implementation must agree with it.
 */
final class JcaOracle {

    private JcaOracle() {}

    /** {@return the nonce of packet number {@code pn}: the IV XOR the left-padded packet number (§5.3)} */
    static byte[] nonce(byte[] iv, long pn) {
        byte[] nonce = iv.clone();
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (pn >>> (8 * i));
        }
        return nonce;
    }

    /** {@return header || AEAD(payload), the header as associated data, before header protection} */
    static byte[] aeadSeal(CipherSuite suite, byte[] key, byte[] iv, long pn, byte[] header, byte[] payload) {
        try {
            Cipher c = Cipher.getInstance(suite.aeadTransformation());
            byte[] nonce = nonce(iv, pn);
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, suite.keyAlgorithm()),
                    suite.usesChaCha20() ? new IvParameterSpec(nonce) : new GCMParameterSpec(128, nonce));
            c.updateAAD(header);
            byte[] ct = c.doFinal(payload);
            byte[] packet = new byte[header.length + ct.length];
            System.arraycopy(header, 0, packet, 0, header.length);
            System.arraycopy(ct, 0, packet, header.length, ct.length);
            return packet;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** {@return the 5-byte header protection mask of a 16-byte sample (§5.4.3, §5.4.4)} */
    static byte[] mask(CipherSuite suite, byte[] hp, byte[] sample) {
        try {
            if (suite.usesChaCha20()) {
                int counter = (sample[0] & 0xff) | (sample[1] & 0xff) << 8 | (sample[2] & 0xff) << 16
                        | (sample[3] & 0xff) << 24;
                byte[] nonce = new byte[12];
                System.arraycopy(sample, 4, nonce, 0, 12);
                Cipher c = Cipher.getInstance("ChaCha20");
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hp, "ChaCha20"),
                        new ChaCha20ParameterSpec(nonce, counter));
                return c.doFinal(new byte[5]);
            }
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hp, "AES"));
            byte[] out = c.doFinal(sample);
            byte[] mask = new byte[5];
            System.arraycopy(out, 0, mask, 0, 5);
            return mask;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@return the protected packet}: {@code header} must hold the packet number in its last
     * {@code pnLength} bytes, and its first byte the matching length bits.
     */
    static byte[] protect(CipherSuite suite, PacketKeys keys, long pn, byte[] header, int pnLength, byte[] payload) {
        return protect(suite, keys.key(), keys.iv(), keys.hp(), pn, header, pnLength, payload);
    }

    /** {@return the protected packet}, with the keys given one by one. */
    static byte[] protect(CipherSuite suite, byte[] key, byte[] iv, byte[] hp, long pn, byte[] header, int pnLength,
            byte[] payload) {
        byte[] packet = aeadSeal(suite, key, iv, pn, header, payload);
        int pnOffset = header.length - pnLength;
        byte[] sample = new byte[16];
        System.arraycopy(packet, pnOffset + 4, sample, 0, 16);
        byte[] mask = mask(suite, hp, sample);
        // RFC 9001 §5.4.1 pseudocode.
        if ((packet[0] & 0x80) == 0x80) {
            packet[0] ^= (byte) (mask[0] & 0x0f);
        } else {
            packet[0] ^= (byte) (mask[0] & 0x1f);
        }
        for (int i = 0; i < pnLength; i++) {
            packet[pnOffset + i] ^= mask[1 + i];
        }
        return packet;
    }
}
