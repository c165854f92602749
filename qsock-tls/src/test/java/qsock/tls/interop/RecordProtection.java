package qsock.tls.interop;

import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;
import qsock.core.crypto.Hkdf;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/**
 * One direction of TLS 1.3 record protection (RFC 8446 §5.2, §5.3): the AEAD key and IV of one traffic
 * secret and the sequence number of the records under it. Test code only: qsock itself never frames TLS
 * records, QUIC protects packets instead.
 */
final class RecordProtection {

    /** The record header: type, legacy_record_version, length (RFC 8446 §5.1). */
    static final int HEADER_LENGTH = 5;
    /** The largest TLSPlaintext or TLSInnerPlaintext content: 2^14 bytes (RFC 8446 §5.1). */
    static final int MAX_PLAINTEXT = 1 << 14;
    /** The largest TLSCiphertext.encrypted_record: 2^14 + 256 bytes (RFC 8446 §5.2). */
    static final int MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
    /** legacy_record_version of every protected record (RFC 8446 §5.2). */
    static final int LEGACY_RECORD_VERSION = 0x0303;

    /** A record's content after removing protection: its real type and content. */
    record Opened(int type, byte[] content) {}

    private final CipherSuite suite;
    private final SecretKeySpec key;
    private final byte[] iv;
    private final Cipher cipher;
    private long sequenceNumber;

    private RecordProtection(CipherSuite suite, byte[] key, byte[] iv) {
        this.suite = suite;
        this.key = new SecretKeySpec(key, suite.keyAlgorithm());
        this.iv = iv;
        try {
            this.cipher = Cipher.getInstance(suite.aeadTransformation());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(suite + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@return the protection of a traffic secret}: RFC 8446 §7.3, key = HKDF-Expand-Label(secret, "key",
     * "", key_length) and iv = HKDF-Expand-Label(secret, "iv", "", iv_length), sequence number 0
     */
    static RecordProtection fromSecret(CipherSuite suite, byte[] secret) {
        return new RecordProtection(suite, Hkdf.expandLabel(suite.hash(), secret, "key", suite.keyLength()),
                Hkdf.expandLabel(suite.hash(), secret, "iv", CipherSuite.IV_LENGTH));
    }

    /** {@return the cipher suite} */
    CipherSuite cipherSuite() {
        return suite;
    }

    /** {@return the sequence number the next record will use} */
    long sequenceNumber() {
        return sequenceNumber;
    }

    /**
     * {@return a whole protected record}: header (opaque type application_data, 0x0303, length) and the
     * AEAD output of content || type, with the header as additional data (RFC 8446 §5.2)
     *
     * @throws IllegalArgumentException if the content is longer than 2^14 bytes
     */
    byte[] seal(ContentType type, byte[] content, int offset, int length) {
        if (length > MAX_PLAINTEXT) {
            throw new IllegalArgumentException("record content of " + length + " bytes is over 2^14");
        }
        int encryptedLength = length + 1 + CipherSuite.TAG_LENGTH;
        byte[] record = new byte[HEADER_LENGTH + encryptedLength];
        record[0] = (byte) ContentType.APPLICATION_DATA.code();
        record[1] = (byte) (LEGACY_RECORD_VERSION >>> 8);
        record[2] = (byte) LEGACY_RECORD_VERSION;
        record[3] = (byte) (encryptedLength >>> 8);
        record[4] = (byte) encryptedLength;
        byte[] inner = new byte[length + 1];
        System.arraycopy(content, offset, inner, 0, length);
        inner[length] = (byte) type.code();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce());
            cipher.updateAAD(record, 0, HEADER_LENGTH);
            int n = cipher.doFinal(inner, 0, inner.length, record, HEADER_LENGTH);
            if (n != encryptedLength) {
                throw new IllegalStateException("AEAD output of " + n + " bytes, expected " + encryptedLength);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a record failed: " + e, e);
        }
        sequenceNumber++;
        return record;
    }

    /**
     * {@return the content and real type of a protected record}, the zero padding removed (RFC 8446 §5.4)
     *
     * @param header the record's 5-byte header, which is the additional data
     * @param encryptedRecord the bytes after the header
     * @throws TlsAlertException bad_record_mac if authentication fails, unexpected_message if the inner
     *     plaintext is all padding, record_overflow if it is longer than 2^14 + 1 bytes
     */
    Opened open(byte[] header, byte[] encryptedRecord) throws TlsAlertException {
        byte[] inner;
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce());
            cipher.updateAAD(header, 0, HEADER_LENGTH);
            inner = cipher.doFinal(encryptedRecord);
        } catch (AEADBadTagException e) {
            // RFC 8446 §5.2: "If the decryption fails, the receiver MUST terminate the connection with a
            // bad_record_mac alert."
            throw new TlsAlertException(TlsAlert.BAD_RECORD_MAC,
                    "record " + sequenceNumber + " does not authenticate under " + suite);
        } catch (GeneralSecurityException e) {
            throw new TlsAlertException(TlsAlert.BAD_RECORD_MAC, "record " + sequenceNumber + ": " + e, e);
        }
        sequenceNumber++;
        int end = inner.length;
        while (end > 0 && inner[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            // RFC 8446 §5.4: no non-zero octet in the cleartext is unexpected_message.
            throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "protected record without a content type");
        }
        if (end - 1 > MAX_PLAINTEXT) {
            throw new TlsAlertException(TlsAlert.RECORD_OVERFLOW, "inner plaintext of " + (end - 1) + " bytes");
        }
        byte[] content = new byte[end - 1];
        System.arraycopy(inner, 0, content, 0, content.length);
        return new Opened(inner[end - 1] & 0xFF, content);
    }

    /** RFC 8446 §5.3: the 64-bit sequence number, left-padded to the IV's length, XORed with the IV. */
    private AlgorithmParameterSpec nonce() {
        byte[] nonce = iv.clone();
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (sequenceNumber >>> (8 * i));
        }
        return suite.usesChaCha20() ? new IvParameterSpec(nonce) : new GCMParameterSpec(CipherSuite.TAG_LENGTH * 8, nonce);
    }
}
