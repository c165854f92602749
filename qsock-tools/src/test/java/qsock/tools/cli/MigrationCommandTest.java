package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.api.ConnectionConfig;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;
import qsock.tools.term.Units;

/**
 * Connection migration through the {@code qsock} command (issue 13): {@code qsock server --preferred-address} offers
 * a preferred address (RFC 9000 §9.6) and listens there, a client moves there by itself unless told
 * {@code --no-preferred-address}; {@code qsock client --migrate-after BYTES [--migrate-to HOST:PORT]} moves the
 * connection to a new local address mid-download (§9.2) and the file still arrives whole. Over loopback, against a
 * server started as the server command starts it.
 */
@Timeout(120)
class MigrationCommandTest {

    private static final int SIZE = 4 << 20;
    private static final Pattern MOVED = Pattern.compile(
            "migration: moved to local address (\\S+) \\(from (\\S+)\\)");

    @TempDir
    Path temp;

    private ServerCommand server(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        command.tls.stateDirectory = temp.resolve("state");
        return command;
    }

    /** Starts a server as {@link ServerCommand#call} does, on 127.0.0.1, serving {@code www}. */
    private static QsockServer start(ServerCommand command, ConnectionConfig config, Path www,
                                     LinkedBlockingQueue<ConnectionLogLine> lines) throws Exception {
        return QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                command.transport.apply(command.tls.tlsConfig()), ServerCommand.handlers(List.of("hq-interop"), www),
                lines::add, config, command.transport.handshakeTimeout());
    }

    private Path www() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        byte[] content = new byte[SIZE];
        new Random(13).nextBytes(content);
        Files.write(www.resolve("f.bin"), content);
        return www;
    }

    private CommandRun fetch(int port, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("client", "--insecure", "-o",
                temp.resolve("downloads").toString()));
        args.addAll(List.of(options));
        args.add("https://127.0.0.1:" + port + "/f.bin");
        return CommandRun.of(args.toArray(String[]::new));
    }

    private void assertFetched(Path www, CommandRun run) throws IOException {
        assertEquals(0, run.status(), run.both());
        assertArrayEquals(Files.readAllBytes(www.resolve("f.bin")),
                Files.readAllBytes(temp.resolve("downloads").resolve("f.bin")), "the file arrived whole");
    }

    /**
     * RFC 9000 §9.6: the server offers its preferred address and listens there; the client moves there after the
     * handshake, validating it, and says so; told --no-preferred-address, it stays where it connected.
     */
    @Test
    void aClientMovesToTheServersPreferredAddress() throws Exception {
        Path www = www();
        ServerCommand command = server("--preferred-address", "127.0.0.1:0");
        try (QsockServer server = start(command, command.connectionConfig(), www, new LinkedBlockingQueue<>())) {
            InetSocketAddress preferred = server.preferredAddress();
            assertNotNull(preferred, "the server offers a preferred address");
            assertEquals(InetAddress.getLoopbackAddress(), preferred.getAddress());
            assertNotEquals(0, preferred.getPort(), "bound where it is offered");
            assertNotEquals(server.port(), preferred.getPort());

            CommandRun moved = fetch(server.port());
            assertFetched(www, moved);
            assertTrue(moved.out().contains("preferred address: moved to the server's preferred address "
                    + Units.address(preferred)), moved.both());
            assertFalse(moved.out().contains("migration:"), "the client's local address stayed: " + moved.both());

            CommandRun stayed = fetch(server.port(), "--no-preferred-address");
            assertFetched(www, stayed);
            assertFalse(stayed.out().contains("preferred address"), stayed.both());
        }
    }

    /** RFC 9000 §9.2: the client moves to a new port of its address after 512 KiB and the server follows it. */
    @Test
    void aClientMovesToANewPortMidDownload() throws Exception {
        Path www = www();
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(server(), server().connectionConfig(), www, lines)) {
            CommandRun run = fetch(server.port(), "--migrate-after", "512k");
            assertFetched(www, run);
            Matcher m = MOVED.matcher(run.out());
            assertTrue(m.find(), run.both());
            String to = m.group(1);
            String from = m.group(2);
            assertTrue(run.out().contains("moving from local address " + from + " to 127.0.0.1:0"), run.both());
            assertNotEquals(from, to, "a new local address");
            assertTrue(to.startsWith("127.0.0.1:"), "the same IP address: " + to);
            // The server's line names the client's address when the connection ended: the new one (§9.3).
            ConnectionLogLine line = lines.poll(20, TimeUnit.SECONDS);
            assertNotNull(line, "the server logs the connection");
            assertEquals(to, Units.address(line.peer()), "the server followed the client");
        }
    }

    /** --migrate-to names the new local address: another loopback address (Linux routes all of 127/8). */
    @Test
    void aClientMovesToTheAddressItIsTold() throws Exception {
        Assumptions.assumeTrue(bindable(new InetSocketAddress("127.0.0.2", 0)), "127.0.0.2 is not usable here");
        Path www = www();
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(server(), server().connectionConfig(), www, lines)) {
            CommandRun run = fetch(server.port(), "--migrate-after", "1M", "--migrate-to", "127.0.0.2:0");
            assertFetched(www, run);
            Matcher m = MOVED.matcher(run.out());
            assertTrue(m.find(), run.both());
            assertTrue(m.group(1).startsWith("127.0.0.2:"), run.both());
            ConnectionLogLine line = lines.poll(20, TimeUnit.SECONDS);
            assertNotNull(line, "the server logs the connection");
            assertEquals(m.group(1), Units.address(line.peer()), "the server followed the client");
        }
    }

    /** RFC 9000 §9: a server that sent disable_active_migration refuses the move; the download completes. */
    @Test
    void aServerThatDisablesMigrationRefusesTheMove() throws Exception {
        Path www = www();
        ConnectionConfig disabling = server().connectionConfig().toBuilder().disableActiveMigration(true).build();
        try (QsockServer server = start(server(), disabling, www, new LinkedBlockingQueue<>())) {
            CommandRun run = fetch(server.port(), "--migrate-after", "64k");
            assertFetched(www, run);
            assertTrue(run.out().contains("migration: refused: the peer sent disable_active_migration (RFC 9000 §9)\n"),
                    run.both());
            assertFalse(MOVED.matcher(run.out()).find(), run.both());
        }
    }

    @Test
    void badOptionsAreRefused() throws Exception {
        InetSocketAddress v6 = HostPort.parse("[::1]:4434");
        assertEquals(new InetSocketAddress("::1", 4434), v6);
        assertEquals(new InetSocketAddress("127.0.0.1", 0), HostPort.parse("127.0.0.1:0"));
        for (String bad : List.of("::1:4434", "127.0.0.1", "127.0.0.1:", ":443", "[]:1", "127.0.0.1:65536",
                "127.0.0.1:x")) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
        }
        // One address per family, and one a client can reach (RFC 9000 §18.2).
        ConnectionConfig both = server("--preferred-address", "127.0.0.1:4434", "--preferred-address", "[::1]:4434")
                .connectionConfig();
        assertEquals(new InetSocketAddress("127.0.0.1", 4434), both.preferredAddressIpv4());
        assertEquals(v6, both.preferredAddressIpv6());
        assertNull(server().connectionConfig().preferredAddressIpv4());
        assertThrows(IllegalArgumentException.class, () -> server("--preferred-address", "127.0.0.1:4434",
                "--preferred-address", "127.0.0.2:4434").connectionConfig());
        assertThrows(IllegalArgumentException.class, () -> server("--preferred-address", "0.0.0.0:4434")
                .connectionConfig());
        assertEquals(2, CommandRun.of("client", "--migrate-to", "127.0.0.1:0", "https://127.0.0.1:1/x").status(),
                "--migrate-to needs --migrate-after");
        assertEquals(2, CommandRun.of("client", "--migrate-after", "-1", "https://127.0.0.1:1/x").status());
        assertEquals(2, CommandRun.of("server", "--preferred-address", "nowhere", "-p", "0").status());
    }

    private static boolean bindable(InetSocketAddress address) {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
