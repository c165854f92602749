package qsock.tools.term;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void rendersFractionSizesAndRate() {
        assertEquals("f [##......]  25%  16.0 MiB / 64.0 MiB  8.0 MiB/s",
                ProgressBar.render("f", 16L << 20, 64L << 20, 2 * SECOND, 8));
        // Cells and percent round down: 29.9% is not yet 30%.
        assertEquals("f [##........]  29%  299 B / 1000 B  299 B/s", ProgressBar.render("f", 299, 1000, SECOND, 10));
    }

    @Test
    void rendersEmptyAndCompleteTransfers() {
        assertEquals("f [..........]   0%  0 B / 1.0 KiB  0 B/s", ProgressBar.render("f", 0, 1024, SECOND, 10));
        assertEquals("f [##########] 100%  1.0 KiB / 1.0 KiB  1.0 KiB/s", ProgressBar.render("f", 1024, 1024, SECOND, 10));
        assertEquals("f [##########] 100%  0 B / 0 B  -", ProgressBar.render("f", 0, 0, 0, 10));
    }

    @Test
    void leavesOutTheBarWhenTheTotalIsUnknown() {
        assertEquals("f  3.0 MiB  1.5 MiB/s", ProgressBar.render("f", 3L << 20, -1, 2 * SECOND, 10));
    }

    @Test
    void aShorterLineBlanksOutTheTailOfTheLongerOneBefore() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8));
        ProgressBar bar = new ProgressBar(writer, "f", -1, 0);
        bar.update(5L << 20, SECOND);
        bar.finish(5L << 20, 1000 * SECOND); // as long as the line before: nothing to blank out
        String first = "f  5.0 MiB  5.0 MiB/s";
        String second = "f  5.0 MiB  5.1 KiB/s";
        assertEquals("\r" + first + "\r" + second + "\n", bytes.toString(StandardCharsets.UTF_8));
        bytes.reset();
        ProgressBar shrinking = new ProgressBar(writer, "f", -1, 0);
        shrinking.update(1L << 30, SECOND);
        shrinking.finish(0, SECOND); // 8 characters shorter
        assertEquals("\rf  1.0 GiB  1.0 GiB/s\rf  0 B  0 B/s        \n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void redrawsAtMostEveryIntervalAndEndsTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8)), "f", 100, 0);
        bar.update(10, SECOND);
        bar.update(20, SECOND + ProgressBar.REDRAW_INTERVAL_NANOS - 1); // too soon: not drawn
        bar.update(30, SECOND + ProgressBar.REDRAW_INTERVAL_NANOS);
        bar.finish(100, 2 * SECOND);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, out.chars().filter(c -> c == '\r').count());
        assertEquals(false, out.contains("20 B /"));
        assertEquals(true, out.contains("30 B / 100 B"));
        assertEquals(true, out.endsWith("100 B / 100 B  50 B/s\n"));
    }
}
