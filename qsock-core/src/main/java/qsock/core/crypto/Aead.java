package qsock.core.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;

/**
 * One AEAD key with the nonce construction of TLS 1.3 and QUIC (RFC 8446 §5.3, RFC 9001 §5.3): the nonce
 * of record or packet number {@code n} is the IV XOR {@code n} left-padded to the IV's length. Seals and
 * opens in place in a {@link ByteBuffer}, the associated data anywhere in the same buffer.
 *
 * <p>Every seal must use a larger number than the one before (a QUIC key lives in one packet number
 * space, whose numbers only grow; a TLS record sequence only grows): so a nonce can never be used twice
 * for sealing under this key, and the object refuses the call that would.
 *
 * <p>Heap buffers go to the {@code Cipher} as their backing arrays, in place. Direct buffers are copied
 * into a heap array this object keeps (made on the first direct call, grown to the largest packet seen),
 * processed there in place, and the result copied back. That is faster than the {@code Cipher}'s own
 * ByteBuffer methods, which copy a direct buffer too: SunJCE's GCM in 768-byte pieces through two new
 * arrays per call, its ChaCha20-Poly1305 through one new array of the whole input. (Measured on Java 25
 * with 1452-byte AES-128-GCM packets: ~1.5M seals per second and 1.0 KB allocated by the JDK per packet
 * this way, against ~1.1M and 2.8 KB through the ByteBuffer methods, which also take far longer to warm up.)
 *
 * <p>Not thread-safe. Allocates nothing of its own per call: the {@code AlgorithmParameterSpec} handed to
 * {@code Cipher.init} is one object per key whose {@code getIV()} answers the current nonce, so the only
 * nonce copy is the one {@code getIV()} makes by contract for the provider (a new {@code GCMParameterSpec}
 * per packet would cost 32 bytes more, the spec itself another 24 or so).
 *
 * <p>The JDK's own allocation per call, measured on Java 25 with SunJCE and a 1-RTT packet of 1452 bytes
 * (issue 14; {@code qsock.bench.crypto.AeadVariantBenchmark} and a per-phase count of the thread's
 * allocated bytes): 896 bytes per AES-GCM seal and 928 per open, all inside
 * {@code com.sun.crypto.provider} (some JVMs report 112 bytes more in {@code doFinal}: how C2 compiled the
 * JDK's code decides whether escape analysis removes a short-lived object there; and before C2 has compiled
 * it, as in short tests, about 1.7 KB; {@code qsock.bench.crypto.GcmAllocationProbe} counts it per call):
 * <ul>
 *   <li>{@code Cipher.init}, 32: {@code SecretKeySpec.getEncoded()} copies the key for
 *       {@code GaloisCounterMode.init} (which keeps or zeroes that copy).
 *   <li>the first {@code updateAAD}, 584 (seal) / 560 (open): {@code GaloisCounterMode.checkInit} builds a new
 *       {@code GCMEncrypt}/{@code GCMDecrypt} engine after every init ({@code engineInit} sets it to null): the
 *       hash subkey H, J0 and J0+1 ({@code byte[16]} each), a {@code GCTR} with its counter and keystream
 *       blocks, a {@code GHASH} with its {@code long[2]} state and {@code long[18]} subkey table (216 bytes), an
 *       {@code EncryptOp}; and an {@code AEADBufferedStream} holding the associated data.
 *   <li>{@code doFinal}, 280 (seal) / 336 (open): {@code byte[16]} blocks for the padded associated data
 *       ({@code processAAD}), the partial last block ({@code GHASH.doFinal}, {@code GCTR.checkBlock}), the
 *       length block, the GHASH digest, a second {@code GCTR} (120 bytes) that encrypts the tag; on open also
 *       the received tag's copy ({@code findTag}) and a {@code DecryptOp}.
 * </ul>
 * None of it can be avoided through JCA: {@code Cipher.init} is needed per packet (SunJCE's GCM refuses a
 * second encryption under one key and IV, and has no other way to take a new IV), and it discards the engine.
 * A {@code SecretKey} handing out reused arrays from {@code getEncoded()} saves the 32-byte key copy, but
 * SunJCE zeroes the array it kept from the previous encryption before it keys AES with the new one: the trick
 * is correct only while the number of {@code getEncoded()} calls per init stays odd (one under the default
 * policy, three under a limited crypto policy, whose checks call {@code engineGetKeySize} twice; any provider
 * version may change it), and an even count would key AES with zeros, silently. Not worth 3.5% of the
 * garbage. ChaCha20-Poly1305 allocates about 2.2 KB per call
 * (its Poly1305 key derivation fills a new 1 KB keystream array on every {@code init}).
 *
 * <p>What else the JDK allows was measured (Java 25, 2 cores, 1200 and 1452 bytes, AES-128-GCM, one JMH run;
 * time and bytes relative to this class's heap path): a new {@code GCMParameterSpec} per packet, 1.11-1.14x and
 * 88 bytes more; {@code updateAAD(ByteBuffer)} and {@code doFinal(ByteBuffer, ByteBuffer)} in place on heap
 * buffers, 1.08-1.16x and up to 200 bytes more; on direct buffers 1.6-1.9x and 2.5-3.1 KB; decrypting out of
 * place into a second array (which lets SunJCE use its combined AES-GCM intrinsic, skipped for in-place
 * decryption) and copying the plaintext back, 1.08x (two forks of five iterations). Seal and open here
 * cost no more than the bare {@code init}/{@code updateAAD}/{@code doFinal} calls in place on a
 * {@code byte[]}. A packet of 1452 bytes costs only 3-9% more than one of 1200: most of the cost comes per
 * packet (init, engine, tag), not per byte, which is what larger packets (path MTU discovery) divide.
 */
public final class Aead {

    /** Returned by {@link #open} when the ciphertext does not authenticate (RFC 9001 §5.5: drop it). */
    public static final int AUTHENTICATION_FAILED = -1;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int TAG = CipherSuite.TAG_LENGTH;

    private final CipherSuite suite;
    private final Cipher cipher;
    private final SecretKeySpec key;
    /** The IV's last 8 bytes, which the 64-bit number is XORed into; the first 4 sit in {@link #nonce}. */
    private long ivLow;
    /** The nonce of the current call; read by {@link #spec} on every {@code Cipher.init}. */
    private final byte[] nonce;
    private final AlgorithmParameterSpec spec;

    private long lastSealed = -1;
    private long sealed;
    private boolean destroyed;

    /** Associated data, then payload, copied out of direct buffers; null until the first direct call. */
    private byte[] scratch;

    /**
     * Creates the AEAD of {@code suite} with this key and IV.
     *
     * @throws IllegalArgumentException if the key or IV has the wrong length for the suite
     */
    public Aead(CipherSuite suite, byte[] key, byte[] iv) {
        if (key.length != suite.keyLength()) {
            throw new IllegalArgumentException(suite + " needs a " + suite.keyLength() + "-byte key, not "
                    + key.length);
        }
        if (iv.length != CipherSuite.IV_LENGTH) {
            throw new IllegalArgumentException("IV of " + iv.length + " bytes; " + CipherSuite.IV_LENGTH
                    + " needed");
        }
        this.suite = suite;
        this.key = new SecretKeySpec(key, suite.keyAlgorithm());
        this.nonce = iv.clone();
        this.ivLow = (long) LONG_BE.get(iv, 4);
        this.spec = suite.usesChaCha20() ? new NonceIvSpec(nonce) : new NonceGcmSpec(nonce);
        try {
            this.cipher = Cipher.getInstance(suite.aeadTransformation());
        } catch (GeneralSecurityException e) {
            // AES/GCM/NoPadding and ChaCha20-Poly1305 are in every JDK since 11 (SunJCE).
            throw new IllegalStateException(suite.aeadTransformation() + " is not available", e);
        }
    }

    /**
     * Overwrites the IV, the nonces and the scratch array (which held plaintext) with zeros; the key's
     * {@code SecretKeySpec} copy and the {@code Cipher}'s key schedule cannot be (see
     * {@link PacketProtection#destroy}). Afterwards this object seals and opens nothing.
     */
    public void destroy() {
        destroyed = true;
        ivLow = 0;
        Arrays.fill(nonce, (byte) 0);
        if (spec instanceof NonceGcmSpec gcm) {
            gcm.wipe();
        }
        if (scratch != null) {
            Arrays.fill(scratch, (byte) 0);
        }
    }

    /** {@return whether {@link #destroy} ran and the nonce bytes are zero} */
    public boolean isDestroyed() {
        for (byte b : nonce) {
            if (b != 0) {
                return false;
            }
        }
        return destroyed && ivLow == 0;
    }

    private void checkNotDestroyed() {
        if (destroyed) {
            throw new IllegalStateException("these keys were destroyed");
        }
    }

    /** {@return the cipher suite} */
    public CipherSuite suite() {
        return suite;
    }

    /** {@return how many payloads this key has sealed}, to keep under the suite's confidentiality limit */
    public long sealedCount() {
        return sealed;
    }

    /**
     * Encrypts {@code length} bytes at {@code offset} in place and writes the 16-byte tag right after them.
     *
     * @param buffer the buffer; must be writable, heap or direct; its position and limit are not used or
     *        changed, every index is absolute and must lie below its limit
     * @param aadOffset index of the associated data
     * @param aadLength length of the associated data
     * @param offset index of the plaintext
     * @param length length of the plaintext; the tag goes at {@code offset + length}
     * @param number the packet (or record) number; larger than that of every earlier seal with this key
     * @return the length of the ciphertext with its tag, {@code length + 16}
     * @throws IllegalArgumentException if an index is outside the buffer or the buffer is read-only
     * @throws IllegalStateException if {@code number} is not larger than the last sealed one (nonce reuse)
     */
    public int seal(ByteBuffer buffer, int aadOffset, int aadLength, int offset, int length, long number) {
        checkNotDestroyed();
        checkRange(buffer, aadOffset, aadLength);
        checkRange(buffer, offset, length + TAG);
        if (number < 0 || number <= lastSealed) {
            // Reusing a nonce under one key breaks AEAD confidentiality and integrity (RFC 5116 §3).
            throw new IllegalStateException("packet number " + number + " after " + lastSealed
                    + " would reuse or go back in nonces");
        }
        lastSealed = number;
        LONG_BE.set(nonce, 4, ivLow ^ number);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, spec);
            int n;
            if (buffer.hasArray()) {
                byte[] a = buffer.array();
                int base = buffer.arrayOffset();
                cipher.updateAAD(a, base + aadOffset, aadLength);
                n = cipher.doFinal(a, base + offset, length, a, base + offset);
            } else {
                byte[] s = copyIn(buffer, aadOffset, aadLength, offset, length, length + TAG);
                cipher.updateAAD(s, 0, aadLength);
                n = cipher.doFinal(s, aadLength, length, s, aadLength);
                buffer.put(offset, s, aadLength, n);
            }
            sealed++;
            return n;
        } catch (GeneralSecurityException e) {
            // Keys, nonces and lengths are checked above; encryption has no other way to fail.
            throw new IllegalStateException("AEAD seal failed", e);
        }
    }

    /**
     * Decrypts and verifies {@code length} bytes of ciphertext and tag at {@code offset} in place, leaving
     * the plaintext at {@code offset}.
     *
     * <p>A failed authentication is a normal outcome (a corrupted or forged packet; a packet number
     * decoded wrong): it returns {@link #AUTHENTICATION_FAILED} and the bytes at {@code offset} are then
     * unspecified. The JDK still builds an {@code AEADBadTagException} (with its stack trace) inside, which
     * this method drops: a forged 1452-byte AES-GCM packet costs about 1.8 us against 0.6 us for a good
     * one, and 1.8 KB of garbage; nothing is logged or rethrown.
     *
     * @param length the length of ciphertext plus tag, at least 16
     * @param number the packet (or record) number the nonce is made from
     * @return the plaintext length ({@code length - 16}), or {@link #AUTHENTICATION_FAILED}
     * @throws IllegalArgumentException if an index is outside the buffer, the buffer is read-only, or
     *         {@code length} is shorter than a tag
     */
    public int open(ByteBuffer buffer, int aadOffset, int aadLength, int offset, int length, long number) {
        checkNotDestroyed();
        checkRange(buffer, aadOffset, aadLength);
        checkRange(buffer, offset, length);
        if (length < TAG) {
            throw new IllegalArgumentException("ciphertext of " + length + " bytes is shorter than the tag");
        }
        LONG_BE.set(nonce, 4, ivLow ^ number);
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, spec);
            if (buffer.hasArray()) {
                byte[] a = buffer.array();
                int base = buffer.arrayOffset();
                cipher.updateAAD(a, base + aadOffset, aadLength);
                return cipher.doFinal(a, base + offset, length, a, base + offset);
            }
            byte[] s = copyIn(buffer, aadOffset, aadLength, offset, length, length);
            cipher.updateAAD(s, 0, aadLength);
            int n = cipher.doFinal(s, aadLength, length, s, aadLength);
            buffer.put(offset, s, aadLength, n);
            return n;
        } catch (AEADBadTagException e) {
            return AUTHENTICATION_FAILED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AEAD open failed", e);
        }
    }

    private static void checkRange(ByteBuffer buffer, int offset, int length) {
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException("packet protection works in place; the buffer is read-only");
        }
        if (offset < 0 || length < 0 || offset > buffer.limit() - length) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is outside the buffer's "
                    + buffer.limit() + " bytes");
        }
    }

    /**
     * Copies the associated data and then {@code length} bytes at {@code offset} of a direct buffer into
     * the scratch array, which is made or grown to hold {@code aadLength + room} bytes.
     */
    private byte[] copyIn(ByteBuffer buffer, int aadOffset, int aadLength, int offset, int length, int room) {
        int needed = aadLength + room;
        if (scratch == null || scratch.length < needed) {
            scratch = new byte[Math.max(needed, scratch == null ? 0 : 2 * scratch.length)];
        }
        buffer.get(aadOffset, scratch, 0, aadLength);
        buffer.get(offset, scratch, aadLength, length);
        return scratch;
    }

    /**
     * A GCM parameter spec whose IV is the owner's nonce array as it is at the time of {@code Cipher.init}:
     * one object per key instead of a new spec (and its IV copy) per packet. Providers read parameters
     * only through {@link #getIV()} and {@link #getTLen()}, during {@code init}.
     */
    private static final class NonceGcmSpec extends GCMParameterSpec {
        private final byte[] nonce;
        /**
         * Two arrays handed out in turn instead of a fresh copy per packet. The JDK's GCM keeps the array of
         * the last encryption and compares the next IV with it to refuse reuse: alternating, the array it
         * kept is never the one being refilled, so it still holds the previous nonce when compared.
         */
        private final byte[][] copies;
        private int next;

        NonceGcmSpec(byte[] nonce) {
            super(TAG * 8, nonce);
            this.nonce = nonce;
            this.copies = new byte[][] {nonce.clone(), nonce.clone()};
        }

        void wipe() {
            Arrays.fill(copies[0], (byte) 0);
            Arrays.fill(copies[1], (byte) 0);
        }

        @Override
        public byte[] getIV() {
            next ^= 1;
            byte[] copy = copies[next];
            System.arraycopy(nonce, 0, copy, 0, nonce.length);
            return copy;
        }
    }

    /** The same for ChaCha20-Poly1305, whose nonce the JDK takes as an {@link IvParameterSpec}. */
    private static final class NonceIvSpec extends IvParameterSpec {
        private final byte[] nonce;

        NonceIvSpec(byte[] nonce) {
            super(nonce);
            this.nonce = nonce;
        }

        @Override
        public byte[] getIV() {
            return nonce.clone();
        }
    }
}
