package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.tools.client.SessionFile;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/**
 * {@code qsock client --session-file}: resumption across processes. A first run against a server that validates
 * every address with a Retry and accepts 0-RTT writes the session (tickets and the NEW_TOKEN token) to the file; a
 * second run, a JVM of its own started through scripts/qsock, loads it: its first connection skips the Retry,
 * resumes, and its request goes out as 0-RTT, accepted. A file that is not a session is reported and replaced.
 */
@Timeout(180)
class SessionFileCommandTest {

    private static final Path QSOCK = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("scripts").resolve("qsock");

    @TempDir
    Path temp;



    /** {@code scripts/qsock} as a process of its own, from the test class path. */
    private CommandRun runProcess(String... args) throws Exception {
        Path out = temp.resolve("process-out.txt");
        Path err = temp.resolve("process-err.txt");
        ProcessBuilder builder = new ProcessBuilder("sh", QSOCK.toString());
        builder.command().addAll(List.of(args));
        builder.environment().put("QSOCK_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("QSOCK_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = builder.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("the client did not end within 90 s:\n" + Files.readString(out) + Files.readString(err));
        }
        return new CommandRun(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A server as {@code qsock server --retry --early-data} runs it, serving {@code www}. */
    private QsockServer server(Path www, LinkedBlockingQueue<ConnectionLogLine> lines) throws Exception {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs("--retry", "--early-data");
        command.tls.stateDirectory = temp.resolve("state");
        return QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                command.transport.apply(command.tls.tlsConfig(command.tickets())),
                ServerCommand.handlers(List.of("hq-interop"), www), lines::add, command.transport.connectionConfig(),
                command.transport.handshakeTimeout(), command.retry);
    }

    private Path www() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Random random = new Random(13);
        for (String name : List.of("a.bin", "b.bin", "c.bin")) {
            byte[] content = new byte[3000];
            random.nextBytes(content);
            Files.write(www.resolve(name), content);
        }
        return www;
    }

    private static String line(String text, String part) {
        for (String line : text.split("\n")) {
            if (line.contains(part)) {
                return line;
            }
        }
        return "";
    }

    @Test
    void aSecondProcessResumesFromTheSessionFileWithZeroRttAndNoRetry() throws Exception {
        Path www = www();
        Path file = temp.resolve("session.bin");
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = server(www, lines)) {
            String base = "https://127.0.0.1:" + server.port() + "/";
            Path first = temp.resolve("first");
            CommandRun one = CommandRun.of("client", "--insecure", "--session-file", file.toString(), "-o", first.toString(),
                    base + "a.bin");
            assertEquals(0, one.status(), one.both());
            assertTrue(line(one.out(), "connected to").contains("after a Retry"), one.both());
            assertFalse(one.out().contains("resumed"), one.both());
            assertTrue(one.out().contains("session: saved 1 ticket(s) and a token for 127.0.0.1 to " + file),
                    one.both());
            assertTrue(Files.exists(file));
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                        Files.getPosixFilePermissions(file), "the file holds secrets");
            }
            assertEquals(1, SessionFile.load(file, System.currentTimeMillis()).tickets().size());

            // Another JVM: nothing but the file carries the session.
            Path second = temp.resolve("second");
            CommandRun two = runProcess("client", "--insecure", "--session-file", file.toString(), "--0rtt", "-o",
                    second.toString(), base + "b.bin", base + "c.bin");
            assertEquals(0, two.status(), two.both());
            assertTrue(two.out().contains("session: loaded 1 ticket(s) and a token for 127.0.0.1"), two.both());
            assertTrue(two.out().contains("connection 1: resuming 127.0.0.1:" + server.port()
                    + ", sending 1 request(s) as 0-RTT"), two.both());
            String connected = line(two.out(), "connection 1: connected to");
            assertTrue(connected.contains(", resumed, 0-RTT accepted"), two.both());
            assertFalse(connected.contains("Retry"), "the saved token skipped the Retry\n" + two.both());
            for (String name : List.of("b.bin", "c.bin")) {
                assertArrayEquals(Files.readAllBytes(www.resolve(name)), Files.readAllBytes(second.resolve(name)));
            }
            assertTrue(two.out().contains("session: saved "), two.both());

            // The server saw: a full handshake, then two resumptions, the first with its 0-RTT accepted.
            ConnectionLogLine full = lines.poll(10, TimeUnit.SECONDS);
            ConnectionLogLine early = lines.poll(10, TimeUnit.SECONDS);
            assertNotNull(full);
            assertNotNull(early);
            assertFalse(full.resumed());
            assertTrue(early.resumed());
            assertEquals(Boolean.TRUE, early.earlyDataAccepted());
        }
    }

    @Test
    void aFileThatIsNoSessionIsReportedAndReplaced() throws Exception {
        Path www = www();
        Path file = temp.resolve("session.bin");
        Files.writeString(file, "not a session");
        try (QsockServer server = server(www, new LinkedBlockingQueue<>())) {
            CommandRun r = CommandRun.of("client", "--insecure", "--session-file", file.toString(), "--0rtt", "-o",
                    temp.resolve("d").toString(), "https://127.0.0.1:" + server.port() + "/a.bin");
            assertEquals(0, r.status(), r.both());
            assertTrue(r.err().contains("ignoring session file " + file + ": not a qsock session file"), r.both());
            assertTrue(line(r.out(), "connected to").contains("after a Retry"), r.both());
            assertFalse(r.out().contains("resumed"), r.both());
            assertEquals(1, SessionFile.load(file, System.currentTimeMillis()).tickets().size(), "replaced");
        }
    }
}
