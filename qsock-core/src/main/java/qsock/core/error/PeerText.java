package qsock.core.error;

/**
 * Text a peer chose (a CONNECTION_CLOSE reason phrase, ALPN protocol names, a server name, a certificate's
 * names), made safe to put in a log line or an exception message: nothing a peer sends may start a new line,
 * move a terminal's cursor, change its colours, or reorder what a reader sees.
 *
 * <p>Line breaks, tabs and every other control character (C0, DEL, C1), Unicode format characters (bidi
 * overrides and isolates, zero-width characters), line and paragraph separators, spaces other than U+0020,
 * unpaired surrogates, private-use and unassigned code points are shown as visible escapes ({@code \n},
 * {@code \x1b}, {@code \u202e}, {@code \U000e0001}); a backslash is doubled so that an escape cannot be forged.
 * Printable text, non-ASCII letters included, stays as it is. Long text is cut after {@link #MAX_LENGTH}
 * characters with a marker saying how many more there were.
 *
 * <p>Escape the peer's part where it is put into a message, not the whole message, so that nothing is escaped
 * twice. The raw value stays available through the API that carries it.
 */
public final class PeerText {

    /** The characters of peer text kept by {@link #escape(String)}; the rest is replaced by a marker. */
    public static final int MAX_LENGTH = 256;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PeerText() {}

    /** {@return {@code text} escaped and cut at {@link #MAX_LENGTH} characters; "null" for null} */
    public static String escape(String text) {
        return escape(text, MAX_LENGTH);
    }

    /**
     * {@return {@code text} escaped and cut after {@code maxLength} of its characters; "null" for null}
     *
     * @throws IllegalArgumentException if {@code maxLength} is negative
     */
    public static String escape(String text, int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength);
        }
        if (text == null) {
            return "null";
        }
        if (text.length() <= maxLength && isPlain(text)) {
            return text; // the common case allocates nothing
        }
        int end = Math.min(text.length(), maxLength);
        if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))
                && Character.isLowSurrogate(text.charAt(end))) {
            end--; // never cut a surrogate pair in two
        }
        StringBuilder out = new StringBuilder(end + 16);
        int i = 0;
        while (i < end) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (i + n > end) {
                break;
            }
            append(out, cp);
            i += n;
        }
        if (i < text.length()) {
            out.append("...[").append(text.length() - i).append(" more chars]");
        }
        return out.toString();
    }

    private static boolean isPlain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static void append(StringBuilder out, int cp) {
        switch (cp) {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (cp < 0x20 || cp >= 0x7F && cp <= 0x9F) {
                    out.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xF]);
                } else if (isVisible(cp)) {
                    out.appendCodePoint(cp);
                } else if (cp <= 0xFFFF) {
                    out.append("\\u");
                    hex(out, cp, 4);
                } else {
                    out.append("\\U");
                    hex(out, cp, 8);
                }
            }
        }
    }

    private static boolean isVisible(int cp) {
        if (cp < 0x7F) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }

    private static void hex(StringBuilder out, int value, int digits) {
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
            out.append(HEX[value >> shift & 0xF]);
        }
    }
}
