package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.core.handshake.CipherSuite;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class AeadTest {

    // The associated data need not precede the payload: TLS puts the record header first, but any
    // region of the same buffer works, before or after.
    @Test
    void sealsLikePlainJcaWithTheAssociatedDataAnywhere() {
        Properties.forAll(300, r -> r.split(), r -> {
            CipherSuite suite = CipherSuite.values()[r.nextInt(3)];
            byte[] key = Generators.bytes(r, suite.keyLength());
            byte[] iv = Generators.bytes(r, 12);
            Aead sealer = new Aead(suite, key, iv);
            Aead opener = new Aead(suite, key, iv);
            BufferKind kind = BufferKind.values()[r.nextInt(3)];
            long number = r.nextLong(1L << 62);
            for (int i = 0; i < 5; i++, number += 1 + r.nextInt(5)) {
                byte[] aad = Generators.bytesUpTo(r, 200);
                byte[] plaintext = Generators.bytesUpTo(r, 2000);
                boolean aadFirst = r.nextBoolean();
                int size = aad.length + plaintext.length + 16;
                ByteBuffer buf = kind.allocate(size);
                int aadAt = aadFirst ? 0 : plaintext.length + 16;
                int at = aadFirst ? aad.length : 0;
                buf.put(aadAt, aad).put(at, plaintext);

                assertEquals(plaintext.length + 16, sealer.seal(buf, aadAt, aad.length, at, plaintext.length, number));
                byte[] expected = JcaOracle.aeadSeal(suite, key, iv, number, aad, plaintext);
                assertEquals(Hex.of(expected).substring(2 * aad.length),
                        Hex.of(BufferKind.bytes(buf, at, plaintext.length + 16)));

                assertEquals(plaintext.length, opener.open(buf, aadAt, aad.length, at, plaintext.length + 16, number));
                assertArrayEquals(plaintext, BufferKind.bytes(buf, at, plaintext.length));
                assertArrayEquals(aad, BufferKind.bytes(buf, aadAt, aad.length));
            }
            assertEquals(5, sealer.sealedCount());
        });
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void openWithAnotherNumberOrAssociatedDataFails(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(1);
        byte[] key = Generators.bytes(r, suite.keyLength());
        byte[] iv = Generators.bytes(r, 12);
        Aead aead = new Aead(suite, key, iv);
        byte[] sealed = JcaOracle.aeadSeal(suite, key, iv, 9, new byte[] {1, 2, 3}, Generators.bytes(r, 100));
        assertEquals(100, aead.open(ByteBuffer.wrap(sealed.clone()), 0, 3, 3, 116, 9));
        assertEquals(Aead.AUTHENTICATION_FAILED, aead.open(ByteBuffer.wrap(sealed.clone()), 0, 3, 3, 116, 8));
        assertEquals(Aead.AUTHENTICATION_FAILED, aead.open(ByteBuffer.wrap(sealed.clone()), 0, 2, 3, 116, 9));
        assertEquals(Aead.AUTHENTICATION_FAILED, aead.open(ByteBuffer.wrap(sealed.clone()), 0, 3, 3, 115, 9));
        assertEquals(100, aead.open(ByteBuffer.wrap(sealed.clone()), 0, 3, 3, 116, 9));
    }

    @Test
    void refusesToReuseOrGoBackInNonces() {
        Aead aead = new Aead(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, new byte[32], new byte[12]);
        ByteBuffer buf = ByteBuffer.allocate(64);
        aead.seal(buf, 0, 4, 4, 10, 0);
        assertThrows(IllegalStateException.class, () -> aead.seal(buf, 0, 4, 4, 10, 0));
        aead.seal(buf, 0, 4, 4, 10, 1);
        assertThrows(IllegalStateException.class, () -> aead.seal(buf, 0, 4, 4, 10, 0));
        assertThrows(IllegalStateException.class, () -> aead.seal(buf, 0, 4, 4, 10, -5));
        assertEquals(2, aead.sealedCount());
    }

    @Test
    void refusesRangesOutsideTheBufferAndWrongKeys() {
        Aead aead = new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[16], new byte[12]);
        assertThrows(IllegalArgumentException.class, () -> aead.seal(ByteBuffer.allocate(30), 0, 4, 4, 11, 1));
        assertThrows(IllegalArgumentException.class, () -> aead.seal(ByteBuffer.allocate(30), -1, 4, 4, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> aead.open(ByteBuffer.allocate(30), 0, 4, 4, 15, 1));
        assertThrows(IllegalArgumentException.class,
                () -> aead.open(ByteBuffer.allocate(30).asReadOnlyBuffer(), 0, 4, 4, 16, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], new byte[12]));
        assertThrows(IllegalArgumentException.class,
                () -> new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[16], new byte[8]));
    }
}
