package qsock.tls.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class OpaqueTest {

    @Test
    void copiesOnTheWayInAndOut() {
        byte[] src = {1, 2, 3};
        Opaque o = Opaque.of(src);
        src[0] = 9;
        assertEquals(1, o.byteAt(0));
        byte[] out = o.toByteArray();
        out[1] = 9;
        assertEquals(2, o.byteAt(1));
        assertThrows(ReadOnlyBufferException.class, () -> o.asReadOnlyBuffer().put(0, (byte) 7));
    }

    @Test
    void copyOfTakesTheRemainingBytesWithoutMovingTheBuffer() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        b.position(1).limit(3);
        assertEquals(Opaque.fromHex("0203"), Opaque.copyOf(b));
        assertEquals(1, b.position());
    }

    @Test
    void equalityAndHashGoByContent() {
        assertEquals(Opaque.fromHex("abcd"), Opaque.of((byte) 0xab, (byte) 0xcd));
        assertEquals(Opaque.fromHex("abcd").hashCode(), Opaque.of((byte) 0xab, (byte) 0xcd).hashCode());
        assertNotEquals(Opaque.fromHex("abcd"), Opaque.fromHex("abce"));
        assertSame(Opaque.EMPTY, Opaque.of());
        assertTrue(Opaque.fromHex("").isEmpty());
    }

    @Test
    void comparesWithAnArrayInConstantTime() {
        Opaque o = Opaque.fromHex("0102");
        assertTrue(o.contentEqualsConstantTime(new byte[] {1, 2}));
        assertFalse(o.contentEqualsConstantTime(new byte[] {1, 3}));
        assertFalse(o.contentEqualsConstantTime(new byte[] {1}));
    }

    @Test
    void printsHexElidingLongValues() {
        assertEquals("00ff", Opaque.fromHex("00ff").toString());
        assertEquals("00ff", Opaque.fromHex("00ff").toHex());
        String s = Opaque.of(new byte[40]).toString();
        assertTrue(s.endsWith("...(40 bytes)"), s);
        assertEquals(80, Opaque.of(new byte[40]).toHex().length());
        assertArrayEquals(new byte[40], Opaque.of(new byte[40]).toByteArray());
    }
}
