package qsock.tools.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void readsPlainAndBinarySuffixedSizes() {
        assertEquals(1048576, Sizes.parse("1048576"));
        assertEquals(64 * 1024, Sizes.parse("64k"));
        assertEquals(64 * 1024, Sizes.parse("64KiB"));
        assertEquals(256L << 20, Sizes.parse("256M"));
        assertEquals(1L << 30, Sizes.parse(" 1 GiB "));
        assertEquals(10, Sizes.parse("10b"));
        assertEquals(0, Sizes.parse("0"));
    }

    @Test
    void refusesNonsenseNegativesAndOverflow() {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.5M"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("9223372036854775807k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(""));
    }
}
