package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.core.handshake.CipherSuite;
import qsock.tls.TlsClientConfig;
import qsock.tools.TransportDefaults;
import qsock.tools.client.HqClient;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/**
 * The transport options of {@code qsock client} and {@code qsock server} for the interop runner's cases: cipher suites
 * (chacha20), the client's key update interval (keyupdate), handshake and idle timeouts, the path MTU ceiling or no
 * path MTU discovery. Over loopback, against a server started as the server command starts it.
 */
@Timeout(120)
class TransportOptionsCommandTest {

    private static final String CHACHA = "TLS_CHACHA20_POLY1305_SHA256";

    @TempDir
    Path temp;



    /** The server command with {@code args} parsed, as {@code qsock server} would run it. */
    private ServerCommand server(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        command.tls.stateDirectory = temp.resolve("state");
        return command;
    }

    /** Starts a server as {@link ServerCommand#call} does, serving {@code www}. */
    private static QsockServer start(ServerCommand command, Path www, LinkedBlockingQueue<ConnectionLogLine> lines)
            throws Exception {
        return QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                command.transport.apply(command.tls.tlsConfig()), ServerCommand.handlers(List.of("hq-interop"), www),
                lines::add, command.transport.connectionConfig(), command.transport.handshakeTimeout());
    }

    private Path www(int size) throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        Files.write(www.resolve("f.bin"), content);
        return www;
    }

    /** The chacha20 case: both sides limited to ChaCha20-Poly1305 agree on it; a client offering another fails. */
    @Test
    void cipherSuitesAreOfferedAndAcceptedAsChosen() throws Exception {
        Path www = www(100_000);
        Path downloads = temp.resolve("downloads");
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(server("--cipher-suites", CHACHA), www, lines)) {
            String url = "https://127.0.0.1:" + server.port() + "/f.bin";
            CommandRun ok = CommandRun.of("client", "--insecure", "--cipher-suites", CHACHA, "-o", downloads.toString(), url);
            assertEquals(0, ok.status(), ok.err());
            assertTrue(ok.out().contains("(hq-interop, " + CHACHA), ok.out());
            assertArrayEquals(Files.readAllBytes(www.resolve("f.bin")), Files.readAllBytes(downloads.resolve("f.bin")));
            ConnectionLogLine line = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(line, "the server logs the connection");
            assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, line.cipherSuite());

            CommandRun refused = CommandRun.of("client", "--insecure", "--cipher-suites", "TLS_AES_256_GCM_SHA384", "-o",
                    downloads.toString(), url);
            assertEquals(1, refused.status(), "the server accepts ChaCha20-Poly1305 only: " + refused.out());
            assertTrue(refused.err().toLowerCase().contains("handshake_failure"), refused.err());
        }
    }

    /** The keyupdate case: a client told to update its keys early does so during the transfer. */
    @Test
    void theClientStartsAKeyUpdateAfterTheChosenInterval() throws Exception {
        Path www = www(1_000_000);
        Path downloads = temp.resolve("downloads");
        try (QsockServer server = start(server("--no-pmtud"), www, new LinkedBlockingQueue<>())) {
            String url = "https://127.0.0.1:" + server.port() + "/f.bin";
            // 1200-byte datagrams: about 850 packets from the server, acknowledged in far more than five packets.
            CommandRun r = CommandRun.of("client", "--insecure", "--no-pmtud", "--key-update-interval", "5", "-o",
                    downloads.toString(), url);
            assertEquals(0, r.status(), r.err());
            Matcher m = Pattern.compile("key updates: (\\d+) started").matcher(r.out());
            assertTrue(m.find(), r.out());
            assertTrue(Integer.parseInt(m.group(1)) >= 1, r.out());
            CommandRun none = CommandRun.of("client", "--insecure", "--no-pmtud", "-o", downloads.toString(), url);
            assertEquals(0, none.status(), none.err());
            assertTrue(!none.out().contains("key updates:"), "no update with the default interval: " + none.out());
        }
        assertEquals(2, CommandRun.of("client", "--key-update-interval", "0", "https://127.0.0.1:1/x").status());
    }

    /** Each option becomes the connection setting it names, on both commands. */
    @Test
    void optionsBecomeConnectionSettings() {
        for (String name : List.of("server", "client")) {
            TransportOptions defaults = parse(name);
            ConnectionConfig d = defaults.connectionConfig();
            assertEquals(TransportDefaults.PATH_MTU_CEILING, d.pathMtuCeiling(), name);
            assertEquals(30_000, d.maxIdleTimeoutMillis(), name);
            assertEquals(Duration.ofSeconds(10), defaults.handshakeTimeout(), name);

            TransportOptions set = parse(name, "--idle-timeout", "5", "--handshake-timeout", "3", "--max-datagram",
                    "1400", "--cipher-suites", CHACHA + ",TLS_AES_128_GCM_SHA256");
            ConnectionConfig c = set.connectionConfig();
            assertEquals(5_000, c.maxIdleTimeoutMillis(), name);
            assertEquals(Duration.ofSeconds(3), set.handshakeTimeout(), name);
            assertEquals(1400, c.pathMtuCeiling(), name);
            assertEquals(ConnectionConfig.MIN_DATAGRAM_SIZE, c.maxDatagramSize(), "discovery starts at 1200");
            TlsClientConfig tls = set.apply(TlsClientConfig.builder().build());
            assertEquals(List.of(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_128_GCM_SHA256),
                    tls.cipherSuites(), name);

            ConnectionConfig fixed = parse(name, "--no-pmtud").connectionConfig();
            assertEquals(0, fixed.pathMtuCeiling(), "off");
            assertEquals(ConnectionConfig.MIN_DATAGRAM_SIZE, fixed.maxDatagramSize());
            ConnectionConfig fixedLarge = parse(name, "--no-pmtud", "--max-datagram", "1452").connectionConfig();
            assertEquals(0, fixedLarge.pathMtuCeiling());
            assertEquals(1452, fixedLarge.maxDatagramSize());
            assertEquals(0, parse(name, "--idle-timeout", "0").connectionConfig().maxIdleTimeoutMillis(),
                    "0 is no idle timeout");
            assertEquals(Duration.ofSeconds(7), parse(name, "--timeout", "7").handshakeTimeout(),
                    "--timeout stays as the old name");
        }
        assertEquals(2, CommandRun.of("client", "--max-datagram", "1000", "https://127.0.0.1:1/x").status());
        assertEquals(2, CommandRun.of("client", "--idle-timeout", "-1", "https://127.0.0.1:1/x").status());
        assertEquals(2, CommandRun.of("client", "--cipher-suites", "TLS_NULL", "https://127.0.0.1:1/x").status());
    }

    private static TransportOptions parse(String command, String... args) {
        if (command.equals("server")) {
            ServerCommand server = new ServerCommand();
            new CommandLine(server).parseArgs(args);
            return server.transport;
        }
        ClientCommand client = new ClientCommand();
        String[] withUrl = java.util.Arrays.copyOf(args, args.length + 1);
        withUrl[args.length] = "https://127.0.0.1:1/x";
        new CommandLine(client).parseArgs(withUrl);
        return client.transport;
    }

    /** The server's --idle-timeout: a client that stays silent is dropped after it, by the idle timeout. */
    @Test
    void theServersIdleTimeoutEndsASilentConnection() throws Exception {
        try (QsockServer server = start(server("--idle-timeout", "1"), www(10), new LinkedBlockingQueue<>());
                HqClient client = HqClient.connect("127.0.0.1", server.port(),
                        TlsClientConfig.builder().insecure().build(), Duration.ofSeconds(10))) {
            // The client's own idle timeout is 30 s: the smaller one, the server's, applies (RFC 9000 §10.1).
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (client.socket().closeError() == null && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            ConnectionError error = client.socket().closeError();
            assertNotNull(error, "the connection ended within the deadline");
            assertEquals(ConnectionError.Kind.IDLE_TIMEOUT, error.kind(), error.toString());
        }
    }
}
