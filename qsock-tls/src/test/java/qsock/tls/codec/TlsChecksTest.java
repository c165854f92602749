package qsock.tls.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsChecksTest {

    @Test
    void acceptsTheEdgesOfEachRange() {
        assertEquals(255, TlsChecks.u8(255, "x"));
        assertEquals(0xFFFF, TlsChecks.u16(0xFFFF, "x"));
        assertEquals(0xFFFFFF, TlsChecks.u24(0xFFFFFF, "x"));
        assertEquals(0xFFFFFFFFL, TlsChecks.u32(0xFFFFFFFFL, "x"));
        assertEquals(0, TlsChecks.u32(0, "x"));
    }

    @Test
    void refusesValuesOutsideEachRange() {
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u8(-1, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u16(0x10000, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u24(-5, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u32(1L << 32, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.length(Opaque.of(new byte[3]), 4, 8, "x"));
        assertThrows(NullPointerException.class, () -> TlsChecks.length(null, 0, 8, "x"));
    }

    @Test
    void listsAreCopiedAndChecked() {
        List<Integer> src = new ArrayList<>(List.of(1, 2));
        List<Integer> copy = TlsChecks.u16List(src, 1, 5, "x");
        src.add(3);
        assertEquals(List.of(1, 2), copy);
        assertThrows(UnsupportedOperationException.class, () -> copy.add(4));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u16List(List.of(), 1, 5, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u16List(List.of(0x10000), 1, 5, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.u8List(List.of(256), 1, 5, "x"));
        assertThrows(IllegalArgumentException.class, () -> TlsChecks.list(List.of(1, 2, 3), 0, 2, "x"));
        assertThrows(NullPointerException.class, () -> TlsChecks.list(Arrays.asList(1, null), 0, 2, "x"));
    }
}
