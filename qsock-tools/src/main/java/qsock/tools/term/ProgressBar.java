package qsock.tools.term;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place with a carriage return, for a terminal only: callers create one when
 * {@link System#console()} is not null. Redraws are limited to a few per second so a fast transfer does not spend
 * its time printing.
 */
public final class ProgressBar {

    /** The shortest time between two redraws. */
    static final long REDRAW_INTERVAL_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final long startNanos;
    private long lastDrawNanos;
    private boolean drawn;
    private int lastLength;

    /**
     * A bar for a transfer of {@code total} bytes (-1 when unknown) starting at {@code startNanos}
     * ({@link System#nanoTime()}).
     */
    public ProgressBar(PrintWriter out, String label, long total, long startNanos) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.startNanos = startNanos;
    }

    /** Redraws the bar if enough time passed since the last redraw. */
    public void update(long done, long nowNanos) {
        if (drawn && nowNanos - lastDrawNanos < REDRAW_INTERVAL_NANOS) {
            return;
        }
        lastDrawNanos = nowNanos;
        drawn = true;
        out.print("\r" + padded(render(label, done, total, nowNanos - startNanos, BAR_WIDTH)));
        out.flush();
    }

    /** Draws the final state and ends the line. */
    public void finish(long done, long nowNanos) {
        out.print("\r" + padded(render(label, done, total, nowNanos - startNanos, BAR_WIDTH)) + "\n");
        out.flush();
    }

    // A line shorter than the one before it would leave that one's tail on screen: blank it out.
    private String padded(String line) {
        int previous = lastLength;
        lastLength = line.length();
        return line.length() >= previous ? line : line + " ".repeat(previous - line.length());
    }

    /**
     * {@return one line of progress}, e.g. {@code "file.bin [#########.....................]  30%  19.2 MiB / 64.0
     * MiB  95.9 MiB/s"}; with an unknown total, the bar is left out and only the bytes so far and the rate are
     * shown.
     *
     * @param width the number of cells in the bar
     */
    public static String render(String label, long done, long total, long elapsedNanos, int width) {
        String rate = Units.rate(done, elapsedNanos);
        if (total < 0) {
            return label + "  " + Units.bytes(done) + "  " + rate;
        }
        // An empty file is complete as soon as it starts.
        double fraction = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) (fraction * width);
        StringBuilder bar = new StringBuilder(width + 2).append('[');
        for (int i = 0; i < width; i++) {
            bar.append(i < filled ? '#' : '.');
        }
        bar.append(']');
        return String.format(Locale.ROOT, "%s %s %3d%%  %s / %s  %s", label, bar, (int) (fraction * 100),
                Units.bytes(done), Units.bytes(total), rate);
    }
}
