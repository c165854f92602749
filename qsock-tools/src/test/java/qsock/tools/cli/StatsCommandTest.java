package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qsock stats PID} reads a running server's counters over a local JMX attach: a {@code qsock server} in a JVM
 * of its own serves one fetch, and the command shows the connection it opened and the bytes it sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsCommandTest {

    @TempDir
    Path temp;

    @Test
    void statsShowsARunningServersConnectionsAndBytes() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.write(www.resolve("f.bin"), new byte[200_000]);
        Path log = temp.resolve("server.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "qsock.tools.Qsock", "server", "-b", "127.0.0.1",
                "-p", "0", "--alpn", "hq-interop", "--dir", www.toString(), "--state-dir",
                temp.resolve("state").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern on = Pattern.compile("qsock server on 127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server started\n"
                        + Files.readString(log));
                Matcher m = on.matcher(Files.readString(log));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                } else {
                    Thread.sleep(100);
                }
            }
            CommandRun fetch = CommandRun.of("client", "--insecure", "-o", temp.resolve("got").toString(),
                    "https://127.0.0.1:" + port + "/f.bin");
            assertEquals(0, fetch.status(), fetch.both());

            CommandRun stats = CommandRun.of("stats", Long.toString(server.pid()));
            assertEquals(0, stats.status(), stats.both());
            assertTrue(stats.out().contains("endpoint port " + port + ", I/O thread 0"), stats.out());
            assertTrue(value(stats.out(), "connections opened") >= 1, stats.out());
            assertTrue(value(stats.out(), "bytes sent") > 200_000, stats.out());

            CommandRun bad = CommandRun.of("stats", "not-a-pid");
            assertEquals(2, bad.status(), bad.both());
        } finally {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static long value(String out, String counter) {
        Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(counter) + "\\s+(\\d+)$").matcher(out);
        assertTrue(m.find(), counter + " in\n" + out);
        return Long.parseLong(m.group(1));
    }
}
