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

class HeaderProtectionTest {

    private static long packed(byte[] mask) {
        long m = 0;
        for (int i = 0; i < 5; i++) {
            m = m << 8 | (mask[i] & 0xff);
        }
        return m;
    }

    @Test
    void masksAgreeWithFreshJcaCiphersForEverySuiteAndBuffer() {
        Properties.forAll(300, r -> r.split(), r -> {
            CipherSuite suite = CipherSuite.values()[r.nextInt(3)];
            byte[] hp = Generators.bytes(r, suite.keyLength());
            HeaderProtection protection = new HeaderProtection(suite, hp);
            for (int i = 0; i < 8; i++) {
                byte[] sample = Generators.bytes(r, 16);
                int at = r.nextInt(30);
                BufferKind kind = BufferKind.values()[r.nextInt(3)];
                ByteBuffer buf = kind.allocate(at + 16 + r.nextInt(10));
                buf.put(at, sample);
                assertEquals(packed(JcaOracle.mask(suite, hp, sample)), protection.mask(buf, at), suite + " " + kind);
            }
        });
    }

    // A duplicated or replayed packet brings the same sample again. ChaCha20 in the JDK refuses a
    // repeated key and nonce in ENCRYPT_MODE; the mask must still come out, the same each time.
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void aRepeatedSampleGivesTheSameMaskAgain(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(7);
        byte[] hp = Generators.bytes(r, suite.keyLength());
        HeaderProtection protection = new HeaderProtection(suite, hp);
        ByteBuffer a = ByteBuffer.wrap(Generators.bytes(r, 16));
        ByteBuffer b = ByteBuffer.wrap(Generators.bytes(r, 16));
        long expectedA = packed(JcaOracle.mask(suite, hp, a.array()));
        long expectedB = packed(JcaOracle.mask(suite, hp, b.array()));
        assertEquals(expectedA, protection.mask(a, 0));
        assertEquals(expectedA, protection.mask(a, 0));
        assertEquals(expectedB, protection.mask(b, 0));
        assertEquals(expectedA, protection.mask(a, 0));
        assertEquals(expectedA, protection.mask(BufferKind.DIRECT.wrap(a.array(), 0), 0));
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void removingFromTwoCopiesOfOnePacketGivesTheSameHeader(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(11);
        HeaderProtection protection = new HeaderProtection(suite, Generators.bytes(r, suite.keyLength()));
        byte[] packet = Generators.bytes(r, 40);
        packet[0] = (byte) 0x41;
        ByteBuffer first = ByteBuffer.wrap(packet.clone());
        ByteBuffer second = ByteBuffer.wrap(packet.clone());
        int pnLength = protection.remove(first, 0, 5, 40);
        assertEquals(pnLength, protection.remove(second, 0, 5, 40));
        assertArrayEquals(first.array(), second.array());
    }

    @Test
    void longHeadersMaskFourBitsOfTheFirstByteAndShortHeadersFive() {
        Properties.forAll(300, r -> r.split(), r -> {
            CipherSuite suite = CipherSuite.values()[r.nextInt(3)];
            HeaderProtection protection = new HeaderProtection(suite, Generators.bytes(r, suite.keyLength()));
            byte[] packet = Generators.bytes(r, 60);
            int pnLength = 1 + r.nextInt(4);
            int pnOffset = 1 + r.nextInt(20);
            ByteBuffer buf = ByteBuffer.wrap(packet.clone());
            protection.apply(buf, 0, pnOffset, pnLength);
            int unprotectedBits = (packet[0] & 0x80) != 0 ? 0xf0 : 0xe0;
            assertEquals(packet[0] & unprotectedBits, buf.get(0) & unprotectedBits);
            // Everything but the first byte's masked bits and the packet number is untouched.
            for (int i = 1; i < packet.length; i++) {
                if (i < pnOffset || i >= pnOffset + pnLength) {
                    assertEquals(packet[i], buf.get(i), "byte " + i);
                }
            }
        });
    }

    @Test
    void removeUndoesApply() {
        Properties.forAll(500, r -> r.split(), r -> {
            CipherSuite suite = CipherSuite.values()[r.nextInt(3)];
            HeaderProtection protection = new HeaderProtection(suite, Generators.bytes(r, suite.keyLength()));
            int pnLength = 1 + r.nextInt(4);
            int start = r.nextInt(10);
            int pnOffset = start + 1 + r.nextInt(25);
            int end = pnOffset + 20 + r.nextInt(30);
            byte[] packet = Generators.bytes(r, end + r.nextInt(5));
            packet[start] = (byte) ((packet[start] & ~0x03) | (pnLength - 1));
            ByteBuffer buf = BufferKind.values()[r.nextInt(3)].wrap(packet, 0);
            protection.apply(buf, start, pnOffset, pnLength);
            assertEquals(pnLength, protection.remove(buf, start, pnOffset, end));
            assertArrayEquals(packet, BufferKind.bytes(buf, 0, packet.length));
        });
    }

    // RFC 9001 §5.4.2: a packet shorter than pnOffset + 4 + 16 has no complete sample and is discarded.
    @Test
    void packetsWithoutACompleteSampleAreTooShortAndLeftAlone() {
        HeaderProtection protection = new HeaderProtection(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[16]);
        byte[] packet = Generators.bytes(new SplittableRandom(3), 40);
        for (int end = 9; end < 9 + 20; end++) {
            ByteBuffer buf = ByteBuffer.wrap(packet.clone());
            assertEquals(HeaderProtection.TOO_SHORT, protection.remove(buf, 0, 9, end), "end " + end);
            assertArrayEquals(packet, buf.array());
        }
    }

    @Test
    void refusesMisuse() {
        HeaderProtection protection = new HeaderProtection(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[16]);
        assertThrows(IllegalArgumentException.class,
                () -> new HeaderProtection(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> protection.mask(ByteBuffer.allocate(20), 5));
        assertThrows(IllegalArgumentException.class, () -> protection.apply(ByteBuffer.allocate(40), 0, 1, 5));
        assertThrows(IllegalArgumentException.class,
                () -> protection.apply(ByteBuffer.allocate(40).asReadOnlyBuffer(), 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> protection.remove(ByteBuffer.allocate(40), 3, 3, 40));
        assertThrows(IllegalArgumentException.class, () -> protection.remove(ByteBuffer.allocate(40), 0, 3, 41));
    }
}
