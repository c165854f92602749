package qsock.core.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class VarIntTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    // RFC 9000 Appendix A.1 sample encodings.
    @Test
    void decodesTheRfcSamples() {
        assertEquals(151_288_809_941_952_652L, VarInt.read(ByteBuffer.wrap(hex("c2197c5eff14e88c"))));
        assertEquals(494_878_333L, VarInt.read(ByteBuffer.wrap(hex("9d7f3e7d"))));
        assertEquals(15_293L, VarInt.read(ByteBuffer.wrap(hex("7bbd"))));
        assertEquals(37L, VarInt.read(ByteBuffer.wrap(hex("25"))));
        assertEquals(37L, VarInt.read(ByteBuffer.wrap(hex("4025"))));
    }

    @Test
    void encodesTheRfcSamplesMinimally() {
        assertEncodes("c2197c5eff14e88c", 151_288_809_941_952_652L);
        assertEncodes("9d7f3e7d", 494_878_333L);
        assertEncodes("7bbd", 15_293L);
        assertEncodes("25", 37L);
    }

    private static void assertEncodes(String expectedHex, long value) {
        ByteBuffer b = ByteBuffer.allocate(8);
        VarInt.write(b, value);
        assertEquals(expectedHex, HexFormat.of().formatHex(b.array(), 0, b.position()));
    }

    @Test
    void forcedEncodingUsesTheRequestedLength() {
        ByteBuffer b = ByteBuffer.allocate(8);
        VarInt.write(b, 37, 2);
        assertEquals("4025", HexFormat.of().formatHex(b.array(), 0, b.position()));
        b.clear();
        VarInt.write(b, 0, 8);
        assertEquals("c000000000000000", HexFormat.of().formatHex(b.array(), 0, b.position()));
    }

    @Test
    void refusesValuesThatDoNotFit() {
        ByteBuffer b = ByteBuffer.allocate(8);
        assertThrows(IllegalArgumentException.class, () -> VarInt.write(b, 64, 1));
        assertThrows(IllegalArgumentException.class, () -> VarInt.write(b, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> VarInt.size(VarInt.MAX_VALUE + 1));
        assertThrows(IllegalArgumentException.class, () -> VarInt.size(-1));
    }

    @Test
    void truncatedInputLeavesThePositionAlone() {
        ByteBuffer b = ByteBuffer.wrap(hex("9d7f3e"));
        assertEquals(VarInt.TRUNCATED, VarInt.read(b));
        assertEquals(0, b.position());
        assertEquals(VarInt.TRUNCATED, VarInt.read(ByteBuffer.allocate(0)));
    }

    @Test
    void roundTripsMinimally() {
        Properties.forAll(Generators::varint, value -> {
            ByteBuffer b = ByteBuffer.allocate(8);
            VarInt.write(b, value);
            assertEquals(VarInt.size(value), b.position());
            b.flip();
            assertEquals(value, VarInt.read(b));
            assertEquals(0, b.remaining());
        });
    }

    @Test
    void roundTripsWithEveryLengthThatFits() {
        Properties.forAll(Generators::varint, value -> {
            for (int length = VarInt.size(value); length <= 8; length *= 2) {
                ByteBuffer b = ByteBuffer.allocate(8);
                VarInt.write(b, value, length);
                assertEquals(length, b.position());
                assertEquals(length, VarInt.lengthOf(b.get(0)));
                b.flip();
                assertEquals(value, VarInt.read(b));
            }
        });
    }
}
