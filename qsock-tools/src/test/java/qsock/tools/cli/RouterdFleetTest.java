package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.router.RouterDaemon;

/**
 * Two server processes behind routerd acting as their QUIC-LB router (issue 16, "QUIC-LB and fleets"): both run
 * {@code qsock server --router SOCKET --reuse-port --fleet-keys FILE}, a reuse-port group of one ALPN sharing new
 * connections by client address. A client that moves to a new address mid-transfer stays with its server (the
 * daemon routes its datagrams by the server ID in their connection IDs); a client that resumes lands, sooner or later,
 * on the other server, which opens the first one's session ticket (the fleet's ticket keys) and resumes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RouterdFleetTest {

    private static final int BIG = 3 << 20;

    @TempDir
    Path temp;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : servers) {
            p.destroy();
        }
        for (Process p : servers) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aMovedClientStaysWithItsServerAndAResumedOneResumesAtTheOther() throws Exception {
        Path keys = temp.resolve("fleet.keys");
        CommandRun made = CommandRun.of("fleet-keys", "--out", keys.toString());
        assertEquals(0, made.status(), made.both());
        try (RouterDaemon daemon = RouterDaemon.start(new InetSocketAddress("127.0.0.1", 0),
                temp.resolve("routerd.sock"))) {
            byte[][] big = new byte[2][];
            for (int i = 0; i < 2; i++) {
                Path www = Files.createDirectories(temp.resolve("www" + i));
                Files.writeString(www.resolve("whoami"), "server " + i);
                big[i] = new byte[BIG];
                new Random(i).nextBytes(big[i]);
                Files.write(www.resolve("big.bin"), big[i]);
                servers.add(startServer(daemon.controlPath(), keys, www, temp.resolve("state" + i), i));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (daemon.statistics().listeners() < 2) {
                assertTrue(System.nanoTime() < deadline, "both servers registered: " + daemon.statistics()
                        + "\n" + logs());
                assertTrue(servers.stream().allMatch(Process::isAlive), "a server process ended\n" + logs());
                Thread.sleep(100);
            }
            String url = "https://127.0.0.1:" + daemon.publicAddress().getPort();
            Path session = temp.resolve("session.bin");

            // A move mid-transfer: the client's new address reaches the daemon, which finds the server by the ID.
            long forwardedBefore = daemon.statistics().datagramsForwarded();
            Path out = temp.resolve("moved");
            CommandRun moved = CommandRun.of("client", "--insecure", "--session-file", session.toString(),
                    "--migrate-after", "1M", "-o", out.toString(), url + "/big.bin");
            assertEquals(0, moved.status(), moved.both() + "\n" + logs());
            assertTrue(moved.out().contains("migration: moved to local address"), moved.both());
            byte[] got = Files.readAllBytes(out.resolve("big.bin"));
            int first = java.util.Arrays.equals(got, big[0]) ? 0 : 1;
            assertArrayEquals(big[first], got, "the whole file of one server");
            assertTrue(daemon.statistics().datagramsForwarded() > forwardedBefore + 2,
                    "the moved client's datagrams were routed by the daemon: " + daemon.statistics());

            // New connections from new client ports: the group's hash sends some to the other server, which resumes.
            boolean resumedAtOther = false;
            for (int i = 0; i < 40 && !resumedAtOther; i++) {
                Path o = temp.resolve("fetch" + i);
                CommandRun run = CommandRun.of("client", "--insecure", "--session-file", session.toString(), "-o",
                        o.toString(), url + "/whoami");
                assertEquals(0, run.status(), run.both() + "\n" + logs());
                String who = Files.readString(o.resolve("whoami"), StandardCharsets.UTF_8);
                String connected = run.out().lines().filter(l -> l.contains("connected to")).findFirst().orElse("");
                assertTrue(connected.contains("resumed"), "every connection after the first resumes\n" + run.both());
                resumedAtOther = who.equals("server " + (1 - first));
            }
            assertTrue(resumedAtOther, "a resumed connection landed on the other server: " + daemon.statistics());
        }
    }

    /** {@code qsock server --router SOCKET --reuse-port --fleet-keys KEYS} in a JVM of its own. */
    private static Process startServer(Path control, Path keys, Path www, Path state, int i) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "qsock.tools.Qsock", "server",
                "--router", control.toString(), "--reuse-port", "--fleet-keys", keys.toString(),
                "--alpn", "hq-interop", "--dir", www.toString(), "--state-dir", state.toString());
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(state.resolveSibling("server" + i + ".log").toFile()).start();
    }

    private String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            File f = temp.resolve("server" + i + ".log").toFile();
            try {
                b.append("server ").append(i).append(":\n").append(f.exists() ? Files.readString(f.toPath()) : "")
                        .append('\n');
            } catch (IOException e) {
                b.append(e).append('\n');
            }
        }
        return b.toString();
    }
}
