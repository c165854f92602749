package qsock.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerTextTest {

    @Test
    void plainPrintableTextIsReturnedAsItIs() {
        String text = "flow control exceeded on stream 4 (limit 65536)";
        assertSame(text, PeerText.escape(text));
        assertEquals("café 日本 ☃", PeerText.escape("café 日本 ☃"), "printable non-ASCII stays readable");
        assertEquals("", PeerText.escape(""));
        assertEquals("null", PeerText.escape(null));
    }

    @Test
    void lineBreaksAndTabsBecomeVisibleEscapes() {
        assertEquals("bye\\r\\nconnection 10.0.0.1:443 closed\\tok",
                PeerText.escape("bye\r\nconnection 10.0.0.1:443 closed\tok"));
    }

    @Test
    void terminalControlSequencesBecomeHexEscapes() {
        assertEquals("\\x1b[2J\\x1b]0;owned\\x07", PeerText.escape("\u001b[2J\u001b]0;owned\u0007"));
        assertEquals("\\x00\\x7f", PeerText.escape("\u0000\u007f"), "NUL and DEL");
        // C1 controls: 0x9b is CSI on terminals that take 8-bit controls (an ALPN name decodes byte by byte).
        assertEquals("\\x85\\x9b31m", PeerText.escape("\u0085\u009b31m"));
    }

    @Test
    void bidiOverridesZeroWidthAndSeparatorsBecomeUnicodeEscapes() {
        assertEquals("user\\u202etxt.exe", PeerText.escape("user\u202etxt.exe"), "RIGHT-TO-LEFT OVERRIDE");
        assertEquals("\\u2066\\u2069\\u200e\\u061c", PeerText.escape("\u2066\u2069\u200e\u061c"), "isolates, marks");
        assertEquals("a\\u200bb\\ufeff", PeerText.escape("a\u200bb\ufeff"), "zero-width characters");
        assertEquals("a\\u2028b\\u2029c", PeerText.escape("a\u2028b\u2029c"), "line and paragraph separators");
        assertEquals("a\\u00a0b", PeerText.escape("a\u00a0b"), "a space other than U+0020");
        assertEquals("\\ue000\\U000e0001", PeerText.escape("\ue000" + Character.toString(0xE0001)),
                "private use and a tag character");
    }

    @Test
    void unpairedSurrogatesAreEscapedAndPairsKept() {
        assertEquals("\\ud800x\\udc00", PeerText.escape("\ud800x\udc00"));
        String emoji = Character.toString(0x1F600);
        assertEquals(emoji, PeerText.escape(emoji));
    }

    @Test
    void aBackslashIsDoubledSoThatNoEscapeCanBeForged() {
        assertEquals("not a newline: \\\\n", PeerText.escape("not a newline: \\n"));
    }

    @Test
    void longTextIsCutWithAMarkerSayingHowMuchWasLeftOut() {
        String text = "x".repeat(1000);
        String escaped = PeerText.escape(text);
        assertEquals("x".repeat(PeerText.MAX_LENGTH) + "...[" + (1000 - PeerText.MAX_LENGTH) + " more chars]", escaped);
        assertEquals("ab...[2 more chars]", PeerText.escape("ab\ncd".replace("\n", ""), 2));
        assertEquals("...[3 more chars]", PeerText.escape("abc", 0));
        String emoji = Character.toString(0x1F600);
        assertEquals("a...[2 more chars]", PeerText.escape("a" + emoji, 2), "a surrogate pair is never cut in two");
        assertThrows(IllegalArgumentException.class, () -> PeerText.escape("a", -1));
    }

    @Test
    void noOutputEverHoldsAControlFormatOrSeparatorCharacter() {
        Random random = new Random(4);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                // Mostly the dangerous ranges: C0, DEL, C1, general punctuation (bidi, separators), surrogates.
                int cp = switch (random.nextInt(5)) {
                    case 0 -> random.nextInt(0x20);
                    case 1 -> 0x7F + random.nextInt(0x21);
                    case 2 -> 0x2000 + random.nextInt(0x70);
                    case 3 -> 0xD800 + random.nextInt(0x800);
                    default -> random.nextInt(0x110000);
                };
                text.appendCodePoint(cp);
            }
            String escaped = PeerText.escape(text.toString());
            escaped.codePoints().forEach(cp -> {
                int type = Character.getType(cp);
                assertTrue(cp >= 0x20 && cp != 0x7F && type != Character.CONTROL && type != Character.FORMAT
                        && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                        && type != Character.SURROGATE && type != Character.UNASSIGNED
                        && type != Character.PRIVATE_USE, () -> "U+" + Integer.toHexString(cp) + " in " + escaped);
            });
        }
    }
}
