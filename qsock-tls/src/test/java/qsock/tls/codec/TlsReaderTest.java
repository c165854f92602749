package qsock.tls.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

class TlsReaderTest {

    private static TlsReader reader(String hex) {
        return TlsReader.of(HexFormat.of().parseHex(hex));
    }

    private static void assertDecodeError(Executable e) {
        TlsAlertException x = assertThrows(TlsAlertException.class, e::run);
        assertSame(TlsAlert.DECODE_ERROR, x.alert());
    }

    @FunctionalInterface
    interface Executable {
        void run() throws Exception;
    }

    @Test
    void readsNumbersInNetworkByteOrder() throws TlsAlertException {
        TlsReader r = reader("fe" + "1234" + "abcdef" + "fedcba98");
        assertEquals(0xfe, r.u8());
        assertEquals(0x1234, r.u16());
        assertEquals(0xabcdef, r.u24());
        assertEquals(0xfedcba98L, r.u32());
        assertFalse(r.hasRemaining());
        assertEquals(10, r.position());
    }

    @Test
    void truncatedNumbersAreDecodeErrorsAndLeaveThePositionAlone() throws TlsAlertException {
        TlsReader r = reader("0102");
        assertDecodeError(r::u24);
        assertDecodeError(r::u32);
        assertEquals(0, r.position());
        assertEquals(0x0102, r.u16());
        assertDecodeError(r::u8);
    }

    @Test
    void readsVectorsWithEachPrefixWidth() throws TlsAlertException {
        TlsReader r = reader("02aabb" + "0003ccddee" + "000001ff");
        assertEquals(Opaque.fromHex("aabb"), r.opaque8("a", 0, 255));
        assertEquals(Opaque.fromHex("ccddee"), r.opaque16("b", 0, 0xFFFF));
        assertEquals(Opaque.fromHex("ff"), r.opaque24("c", 0, 0xFFFFFF));
        r.expectEnd("all");
    }

    @Test
    void refusesVectorsOutsideTheirBounds() {
        assertDecodeError(() -> reader("0100").opaque8("x", 2, 5));
        assertDecodeError(() -> reader("06000000000000").opaque8("x", 2, 5));
        assertDecodeError(() -> reader("0000").opaque16("x", 1, 10));
    }

    @Test
    void refusesVectorsLongerThanTheInputWithoutMoving() {
        TlsReader r = reader("0005aabb");
        assertDecodeError(() -> r.opaque16("x", 0, 0xFFFF));
        assertEquals(0, r.position());
        assertEquals(4, r.remaining());
    }

    @Test
    void aSubReaderSeesOnlyItsVector() throws TlsAlertException {
        TlsReader r = reader("0201020304");
        TlsReader v = r.vector8("v", 0, 255);
        assertEquals(2, v.remaining());
        assertEquals(0x0102, v.u16());
        assertDecodeError(v::u8);
        assertEquals(0x0304, r.u16());
    }

    @Test
    void readsListsOfNumbers() throws TlsAlertException {
        assertEquals(List.of(0x1301, 0x1302), reader("000413011302").u16List16("suites", 2, 0xFFFE));
        assertEquals(List.of(0x0304), reader("020304").u16List8("versions", 2, 254));
        assertEquals(List.of(0, 1), reader("020001").u8List8("modes", 1, 255));
    }

    @Test
    void refusesAnOddLengthForAListOfUint16() {
        TlsReader r = reader("0003130113");
        assertDecodeError(() -> r.u16List16("suites", 2, 0xFFFE));
        assertEquals(0, r.position());
    }

    @Test
    void expectEndRefusesLeftoverBytes() {
        assertDecodeError(() -> reader("00").expectEnd("x"));
    }

    @Test
    void doesNotMoveOrChangeItsSource() throws TlsAlertException {
        ByteBuffer src = ByteBuffer.wrap(HexFormat.of().parseHex("99010203"));
        src.position(1);
        TlsReader r = new TlsReader(src);
        assertEquals(0x01, r.u8());
        assertEquals(Opaque.fromHex("0203"), r.rest());
        assertEquals(1, src.position());
        assertEquals(4, src.limit());
    }

    @Test
    void boundsThatCannotBeAPrefixAreOurBug() {
        assertThrows(IllegalArgumentException.class, () -> reader("00").opaque8("x", 0, 256));
        assertThrows(IllegalArgumentException.class, () -> reader("00").opaque8("x", 5, 4));
        assertThrows(IllegalArgumentException.class, () -> reader("00").bytes(-1, "x"));
    }

    /** Random reads over random bytes end in a value or a decode_error, never another exception or a read past the end. */
    @Test
    void randomReadsOverRandomBytesOnlyRaiseDecodeErrors() {
        Properties.forAll(r -> new Fuzz(Generators.bytesUpTo(r, 40), r.nextLong()), fuzz -> {
            byte[] bytes = fuzz.bytes();
            SplittableRandom ops = new SplittableRandom(fuzz.opsSeed());
            TlsReader reader = TlsReader.of(bytes);
            for (int i = 0; i < 20; i++) {
                int before = reader.position();
                try {
                    switch (ops.nextInt(9)) {
                        case 0 -> reader.u8();
                        case 1 -> reader.u16();
                        case 2 -> reader.u24();
                        case 3 -> reader.u32();
                        case 4 -> reader.opaque8("x", 0, 255);
                        case 5 -> reader.opaque16("x", 0, 0xFFFF);
                        case 6 -> reader.vector24("x", 0, 0xFFFFFF).rest();
                        case 7 -> reader.u16List16("x", 0, 0xFFFF);
                        default -> reader.bytes(ops.nextInt(5), "x");
                    }
                } catch (TlsAlertException e) {
                    assertSame(TlsAlert.DECODE_ERROR, e.alert());
                    assertEquals(before, reader.position(), "a failed read moved the cursor");
                }
                assertTrue(reader.position() <= bytes.length);
            }
        });
    }

    record Fuzz(byte[] bytes, long opsSeed) {
        @Override
        public String toString() {
            return HexFormat.of().formatHex(bytes) + " ops seed " + opsSeed;
        }
    }

    @Test
    void readsBackWhatTheWriterWrote() {
        Properties.forAll(r -> r.split(), r -> {
            int a = r.nextInt(256);
            int b = r.nextInt(1 << 16);
            int c = r.nextInt(1 << 24);
            long d = r.nextLong(1L << 32);
            Opaque e = Opaque.of(Generators.bytesUpTo(r, 300));
            TlsWriter w = new TlsWriter(1);
            w.u8(a).u16(b).u24(c).u32(d);
            int outer = w.startVector16();
            w.opaque24(e);
            int inner = w.startVector8();
            w.u8(a);
            w.endVector8(inner);
            w.endVector16(outer);
            try {
                TlsReader reader = TlsReader.of(w.toByteArray());
                assertEquals(a, reader.u8());
                assertEquals(b, reader.u16());
                assertEquals(c, reader.u24());
                assertEquals(d, reader.u32());
                TlsReader v = reader.vector16("outer", 0, 0xFFFF);
                assertEquals(e, v.opaque24("e", 0, 0xFFFFFF));
                assertEquals(List.of(a), v.u8List8("inner", 1, 1));
                v.expectEnd("outer");
                reader.expectEnd("all");
            } catch (TlsAlertException x) {
                fail(x);
            }
        });
    }
}
