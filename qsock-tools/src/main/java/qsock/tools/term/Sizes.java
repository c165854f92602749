package qsock.tools.term;

import java.util.Locale;

/** Parses byte counts as the command line takes them: {@code 1048576}, {@code 64k}, {@code 64M}, {@code 1GiB}. */
public final class Sizes {

    private Sizes() {}

    /**
     * {@return the byte count} Suffixes k/K/KiB, m/M/MiB, g/G/GiB are binary (1024-based), as the sizes printed
     * by {@link Units}.
     *
     * @throws IllegalArgumentException if the text is no size, is negative or overflows a long
     */
    public static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        String[][] suffixes = {{"kib", "10"}, {"mib", "20"}, {"gib", "30"}, {"k", "10"}, {"m", "20"}, {"g", "30"},
                {"b", "0"}};
        for (String[] suffix : suffixes) {
            if (t.endsWith(suffix[0])) {
                t = t.substring(0, t.length() - suffix[0].length()).trim();
                shift = Integer.parseInt(suffix[1]);
                break;
            }
        }
        long value;
        try {
            value = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (try 1048576, 64k, 64M or 1G)");
        }
        if (value < 0) {
            throw new IllegalArgumentException("a size is not negative: '" + text + "'");
        }
        if (shift > 0 && value > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return value << shift;
    }
}
