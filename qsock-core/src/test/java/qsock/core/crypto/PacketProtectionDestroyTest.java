package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.core.testing.Generators;

/** RFC 9001 §9 hygiene: destroyed packet protection keys are overwritten and refuse to be used. */
class PacketProtectionDestroyTest {

    private static PacketProtection keys(CipherSuite suite, long seed) {
        return PacketProtection.fromSecret(suite, QuicVersion.V1,
                Generators.bytes(new SplittableRandom(seed), suite.hash().length()));
    }

    /** The bytes of a private byte-array field, read as they are in memory, not through an accessor. */
    private static byte[] field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return (byte[]) f.get(o);
    }

    private static boolean allZero(byte[] a) {
        for (byte b : a) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void destroyZeroesTheSecretAndTheNonceAndRefusesUse(CipherSuite suite) throws Exception {
        PacketProtection p = keys(suite, 1);
        assertFalse(p.isDestroyed());
        assertFalse(allZero(field(p, "secret")));
        p.destroy(false);
        assertTrue(p.isDestroyed());
        assertTrue(allZero(field(p, "secret")), "the secret is overwritten");
        ByteBuffer buf = ByteBuffer.allocate(64);
        buf.put(0, (byte) 0x40);
        assertThrows(IllegalStateException.class, () -> p.seal(buf, 0, 1, 1, 0, 30));
        assertThrows(IllegalStateException.class, p::nextGeneration);
    }

    /** A key update's old generation goes without the header protection key the generations share (RFC 9001 §6). */
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void anOldGenerationGoesAndTheSharedHeaderProtectionStays(CipherSuite suite) throws Exception {
        PacketProtection first = keys(suite, 2);
        PacketProtection next = first.nextGeneration();
        first.destroy(false);
        ByteBuffer buf = ByteBuffer.allocate(64);
        buf.put(0, (byte) (0x40 | 1 << 2 | 3));
        int n = next.seal(buf, 0, 1, 4, 7, 40);
        assertTrue(n > 0, "the next generation seals with the shared header protection");
        assertFalse(next.isDestroyed());
        next.destroy(true);
        assertThrows(IllegalStateException.class, () -> next.headerProtection().mask(buf, 5));
    }
}
