package qsock.tls.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsWriterTest {

    private static String hex(TlsWriter w) {
        return HexFormat.of().formatHex(w.toByteArray());
    }

    @Test
    void writesNumbersInNetworkByteOrder() {
        TlsWriter w = new TlsWriter(0).u8(0xfe).u16(0x1234).u24(0xabcdef).u32(0xfedcba98L);
        assertEquals("fe1234abcdeffedcba98", hex(w));
        assertEquals(10, w.size());
    }

    @Test
    void refusesNumbersOutsideTheirField() {
        TlsWriter w = new TlsWriter();
        assertThrows(IllegalArgumentException.class, () -> w.u8(256));
        assertThrows(IllegalArgumentException.class, () -> w.u8(-1));
        assertThrows(IllegalArgumentException.class, () -> w.u16(0x10000));
        assertThrows(IllegalArgumentException.class, () -> w.u24(0x1000000));
        assertThrows(IllegalArgumentException.class, () -> w.u32(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> w.u32(-1));
    }

    @Test
    void backPatchesNestedLengthPrefixes() {
        TlsWriter w = new TlsWriter();
        int outer = w.startVector24();
        int middle = w.startVector16();
        int inner = w.startVector8();
        w.u16(0xaabb);
        w.endVector8(inner);
        w.u8(0xcc);
        w.endVector16(middle);
        w.endVector24(outer);
        assertEquals("000006" + "0004" + "02aabb" + "cc", hex(w));
    }

    @Test
    void writesOpaqueVectorsAndLists() {
        TlsWriter w = new TlsWriter();
        w.opaque8(Opaque.fromHex("01")).opaque16(Opaque.EMPTY).opaque24(Opaque.fromHex("0203"));
        w.u16List16(List.of(0x1301, 0x1302)).u16List8(List.of(0x0304)).u8List8(List.of(1));
        assertEquals("0101" + "0000" + "0000020203" + "000413011302" + "020304" + "0101", hex(w));
    }

    @Test
    void writesBufferBytesWithoutMovingTheBuffer() {
        ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2, 3});
        src.position(1);
        assertEquals("0203", hex(new TlsWriter().bytes(src)));
        assertEquals(1, src.position());
    }

    @Test
    void refusesAVectorLongerThanItsPrefix() {
        TlsWriter w = new TlsWriter();
        int mark = w.startVector8();
        w.bytes(new byte[256]);
        assertThrows(IllegalArgumentException.class, () -> w.endVector8(mark));
        assertThrows(IllegalArgumentException.class, () -> new TlsWriter().opaque8(Opaque.of(new byte[256])));
        assertThrows(IllegalArgumentException.class, () -> new TlsWriter().opaque16(Opaque.of(new byte[0x10000])));
    }

    @Test
    void acceptsAVectorOfExactlyItsPrefixCeiling() {
        TlsWriter w = new TlsWriter();
        int mark = w.startVector8();
        w.bytes(new byte[255]);
        w.endVector8(mark);
        assertEquals(256, w.toByteArray().length);
        assertEquals((byte) 0xff, w.toByteArray()[0]);
    }

    @Test
    void refusesMismatchedOrUnendedVectors() {
        TlsWriter w = new TlsWriter();
        int outer = w.startVector16();
        int inner = w.startVector8();
        assertThrows(IllegalStateException.class, () -> w.endVector16(outer));
        assertThrows(IllegalStateException.class, () -> w.endVector16(inner));
        assertThrows(IllegalStateException.class, w::toByteArray);
        w.endVector8(inner);
        w.endVector16(outer);
        assertThrows(IllegalStateException.class, () -> w.endVector16(outer));
        assertEquals("000100", hex(w));
    }

    @Test
    void growsPastItsInitialCapacityAndResets() {
        TlsWriter w = new TlsWriter(1);
        for (int i = 0; i < 1000; i++) {
            w.u16(i);
        }
        assertEquals(2000, w.size());
        assertEquals(0x03e7, (w.toByteArray()[1998] & 0xff) << 8 | w.toByteArray()[1999] & 0xff);
        w.reset();
        assertEquals(0, w.size());
        assertEquals("07", hex(w.u8(7)));
    }

    @Test
    void opensManyNestedVectors() {
        TlsWriter w = new TlsWriter();
        int[] marks = new int[20];
        for (int i = 0; i < marks.length; i++) {
            marks[i] = w.startVector8();
        }
        for (int i = marks.length - 1; i >= 0; i--) {
            w.endVector8(marks[i]);
        }
        byte[] b = w.toByteArray();
        assertEquals(20, b.length);
        assertEquals(19, b[0]);
        assertEquals(0, b[19]);
    }
}
