package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import qsock.api.FleetKeys;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/**
 * {@code qsock fleet-keys --out FILE} writes a key file only its owner reads; two servers started as {@code qsock
 * server --retry --fleet-keys FILE --quic-lb ...} starts them share it: a client that fetched from the first, keeping
 * its session in a file, resumes at the second without a Retry (its NEW_TOKEN token and session ticket open there).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetCommandTest {

    @TempDir
    Path temp;

    @Test
    void fleetKeysWritesAFreshOwnerOnlyFileAndReplacesNone() throws Exception {
        Path file = temp.resolve("fleet.keys");
        CommandRun run = CommandRun.of("fleet-keys", "--out", file.toString());
        assertEquals(0, run.status(), run.both());
        FleetKeys keys = FleetKeys.load(file);
        assertEquals(1, keys.ticketKeys().size());
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(file), "the file holds secrets");
        }
        CommandRun again = CommandRun.of("fleet-keys", "--out", file.toString());
        assertNotEquals(0, again.status(), "an existing file is not replaced");
        assertEquals(keys, FleetKeys.load(file));
        Path other = temp.resolve("other.keys");
        assertEquals(0, CommandRun.of("fleet-keys", "-o", other.toString()).status());
        assertNotEquals(keys, FleetKeys.load(other), "each file is fresh");
    }

    @Test
    void aSessionOfOneServerOfTheFleetResumesAtTheOtherWithoutRetry() throws Exception {
        Path keys = temp.resolve("fleet.keys");
        assertEquals(0, CommandRun.of("fleet-keys", "--out", keys.toString()).status());
        Path www = Files.createDirectories(temp.resolve("www"));
        byte[] content = new byte[3000];
        new Random(3).nextBytes(content);
        Files.write(www.resolve("a.bin"), content);
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer one = server(keys, "01", www, lines); QsockServer two = server(keys, "02", www, lines)) {
            Path session = temp.resolve("session.bin");
            CommandRun first = CommandRun.of("client", "--insecure", "--session-file", session.toString(), "-o",
                    temp.resolve("first").toString(), "https://127.0.0.1:" + one.port() + "/a.bin");
            assertEquals(0, first.status(), first.both());
            assertTrue(first.out().contains("after a Retry"), first.both());

            CommandRun second = CommandRun.of("client", "--insecure", "--session-file", session.toString(), "-o",
                    temp.resolve("second").toString(), "https://127.0.0.1:" + two.port() + "/a.bin");
            assertEquals(0, second.status(), second.both());
            String connected = second.out().lines().filter(l -> l.contains("connected to")).findFirst().orElse("");
            assertTrue(connected.contains("resumed"), "server two resumed server one's ticket\n" + second.both());
            assertFalse(connected.contains("Retry"), "server one's token skipped server two's Retry\n"
                    + second.both());
            assertArrayEquals(content, Files.readAllBytes(temp.resolve("second").resolve("a.bin")));
        }
    }

    @Test
    void badQuicLbSettingsAreRefused() {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs("--quic-lb", "server-id=01,nonce=2");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                command::quicLbSettings);
        assertTrue(e.getMessage().contains("nonce length 2"), e.getMessage());
    }

    /** A server as {@code qsock server --retry --fleet-keys KEYS --quic-lb server-id=ID,...} runs it. */
    private QsockServer server(Path keys, String serverId, Path www, LinkedBlockingQueue<ConnectionLogLine> lines)
            throws Exception {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs("--retry", "--fleet-keys", keys.toString(), "--quic-lb",
                "server-id=" + serverId + ",nonce=6,key=" + "ab".repeat(16));
        command.tls.stateDirectory = temp.resolve("state");
        return command.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ServerCommand.handlers(List.of("hq-interop"), www), lines::add);
    }
}
