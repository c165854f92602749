package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.HashFunction;

class CipherSuiteTest {

    @Test
    void codePointsAreTls13s() {
        assertEquals(CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.fromCode(0x1301));
        assertEquals(CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.fromCode(0x1302));
        assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.fromCode(0x1303));
        // TLS_AES_128_CCM_SHA256 (no AES-CCM in the JDK) and TLS_AES_128_CCM_8_SHA256 (not for QUIC).
        assertNull(CipherSuite.fromCode(0x1304));
        assertNull(CipherSuite.fromCode(0x1305));
    }

    @Test
    void keyLengthsAndHashesAreTheSuites() {
        assertEquals(16, CipherSuite.TLS_AES_128_GCM_SHA256.keyLength());
        assertEquals(32, CipherSuite.TLS_AES_256_GCM_SHA384.keyLength());
        assertEquals(32, CipherSuite.TLS_CHACHA20_POLY1305_SHA256.keyLength());
        assertEquals(HashFunction.SHA256, CipherSuite.TLS_AES_128_GCM_SHA256.hash());
        assertEquals(HashFunction.SHA384, CipherSuite.TLS_AES_256_GCM_SHA384.hash());
        assertEquals(HashFunction.SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256.hash());
        assertTrue(CipherSuite.TLS_CHACHA20_POLY1305_SHA256.usesChaCha20());
        assertFalse(CipherSuite.TLS_AES_256_GCM_SHA384.usesChaCha20());
    }

    // RFC 9001 §6.6.
    @Test
    void aeadLimitsAreRfc9001s() {
        assertEquals(1L << 23, CipherSuite.TLS_AES_128_GCM_SHA256.confidentialityLimit());
        assertEquals(1L << 23, CipherSuite.TLS_AES_256_GCM_SHA384.confidentialityLimit());
        assertTrue(CipherSuite.TLS_CHACHA20_POLY1305_SHA256.confidentialityLimit() > 1L << 62);
        assertEquals(1L << 52, CipherSuite.TLS_AES_128_GCM_SHA256.integrityLimit());
        assertEquals(1L << 52, CipherSuite.TLS_AES_256_GCM_SHA384.integrityLimit());
        assertEquals(1L << 36, CipherSuite.TLS_CHACHA20_POLY1305_SHA256.integrityLimit());
    }
}
