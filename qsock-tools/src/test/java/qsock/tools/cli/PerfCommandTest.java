package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code qsock perf --loopback} in the modes scripts/perf-compare reads, the lines it parses included. */
@Timeout(120)
class PerfCommandTest {

    @Test
    void suitePrintsEveryMeasurementOnce() {
        CommandRun r = CommandRun.of("perf", "--loopback", "--mode", "suite", "--total", "2M", "--msg-size", "16k",
                "--count", "50", "--handshakes", "10", "--parallel", "2", "--connections", "1,4",
                "--concurrent-total", "1M", "--warmup-handshakes", "2");
        assertEquals(0, r.status(), r.both());
        String out = r.out();
        assertTrue(out.contains("throughput: 2.0 MiB in "), out);
        assertTrue(out.contains("request/response: 50 x 1.0 KiB each way"), out);
        assertTrue(out.contains("warmed up: 2 handshakes"), out);
        Matcher h = Pattern.compile("(?m)^handshakes: 10 in [0-9.]+ s with 2 parallel clients: [0-9]+ handshakes/s, "
                + "latency n=10 p50=[0-9.]+ us p99=[0-9.]+ us").matcher(out);
        assertTrue(h.find(), out);
        for (int n : new int[] {1, 4}) {
            assertTrue(Pattern.compile("(?m)^concurrent: " + n + " connections, 1\\.0 MiB in [0-9.]+ s: [0-9.]+ MiB/s")
                    .matcher(out).find(), out);
        }
        assertTrue(!out.contains("server: "), "no line per connection where connections come and go: " + out);
    }

    @Test
    void throughputModeStaysAsTheOtherScriptsReadIt() {
        CommandRun r = CommandRun.of("perf", "--loopback", "--mode", "throughput", "--total", "1M", "--msg-size",
                "16k");
        assertEquals(0, r.status(), r.both());
        assertTrue(r.out().contains("throughput: 1.0 MiB in "), r.out());
        assertTrue(!r.out().contains("handshakes:") && !r.out().contains("concurrent:"), r.out());
        assertTrue(r.out().contains("server: "), "the connection's line, as before: " + r.out());
    }

    /** --ready-handler: the server and the round trips run in the sockets' ready handlers; the echo is checked. */
    @Test
    void readyHandlersServeThroughputAndRequestResponse() {
        CommandRun r = CommandRun.of("perf", "--loopback", "--mode", "all", "--total", "2M", "--msg-size", "16k",
                "--count", "300", "--warmup-count", "20", "--ready-handler");
        assertEquals(0, r.status(), r.both());
        assertTrue(r.out().contains("throughput: 2.0 MiB in "), r.out());
        assertTrue(r.out().contains("warmed up: no bytes, 20 round trips"), r.out());
        assertTrue(Pattern.compile("(?m)^request/response: 300 x 1\\.0 KiB each way in [0-9.]+ m?s: [0-9]+ round trips/s,"
                + " latency n=300 ").matcher(r.out()).find(), r.out());
    }

    @Test
    void concurrentRejectsZeroConnections() {
        CommandRun r = CommandRun.of("perf", "--loopback", "--mode", "concurrent", "--connections", "0");
        assertTrue(r.status() != 0, r.both());
    }
}
