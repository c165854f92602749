package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.tools.Qsock;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/** The command line: parsing, exit codes, and client and perf commands against a server started as the server command does. */
@Timeout(120)
class QsockCommandTest {

    @TempDir
    Path temp;

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine line = Qsock.commandLine();
        line.setErr(new PrintWriter(err, true));
        PrintWriter writer = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        line.setOut(writer);
        int status = line.execute(args);
        writer.flush();
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void listsTheSubcommands() {
        Run r = run("--help");
        assertEquals(0, r.status());
        for (String command : List.of("server", "client", "perf", "demo")) {
            assertTrue(r.out().contains(command), "[" + r.out() + "|" + r.err() + "]");
        }
    }

    @Test
    void badArgumentsExitWithUsageErrors() {
        assertEquals(2, run("client").status(), "a URL is required");
        assertEquals(2, run("demo", "--size", "lots").status());
        Run r = run("client", "http://localhost/x");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("only https:// URLs"), r.err());
        r = run("client", "https://a:1/x", "https://b:1/y");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("one connection to one server"), r.err());
        r = run("perf");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("HOST"), r.err());
    }

    @Test
    void clientFetchesFromAServerWithItsSelfSignedCertificate() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Path state = temp.resolve("state");
        Path downloads = temp.resolve("downloads");
        byte[] content = new byte[300_000];
        new Random(3).nextBytes(content);
        Files.write(www.resolve("f.bin"), content);
        ServerTlsOptions tls = new ServerTlsOptions();
        tls.stateDirectory = state;
        java.util.concurrent.LinkedBlockingQueue<ConnectionLogLine> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tls.tlsConfig(), ServerCommand.handlers(List.of("hq-interop", "echo"), www), lines::add)) {
            String base = "https://localhost:" + server.port();
            Path ca = state.resolve(SelfSignedCertificate.CERTIFICATE_FILE);
            Run ok = run("client", "--ca", ca.toString(), "-o", downloads.toString(), base + "/f.bin");
            assertEquals(0, ok.status(), ok.err());
            assertArrayEquals(content, Files.readAllBytes(downloads.resolve("f.bin")));
            assertTrue(ok.out().contains("/f.bin -> ") && ok.out().contains("293.0 KiB"), ok.out());

            Run missing = run("client", "--insecure", "-o", downloads.toString(), base + "/f.bin", base + "/nope");
            assertEquals(1, missing.status(), "a refused file makes the exit status 1");
            assertTrue(missing.out().contains("/nope: refused") && missing.out().contains("1 refused"), missing.out());

            Run untrusted = run("client", "-o", downloads.toString(), base + "/f.bin");
            assertEquals(1, untrusted.status(), "the system trust store does not know the self-signed certificate");
            assertTrue(untrusted.err().toLowerCase().contains("unknown_ca") || untrusted.err().toLowerCase().contains("certificate"),
                    untrusted.err());
        }
        assertTrue(lines.stream().anyMatch(l -> "hq-interop".equals(l.applicationProtocol())), lines::toString);
    }

    @Test
    void commandsWriteTlsSecretsToSslKeyLogFile() throws Exception {
        String keyLog = System.getenv("SSLKEYLOGFILE");
        assertTrue(keyLog != null && !keyLog.isBlank(), "qsock-tools' pom sets SSLKEYLOGFILE for its tests");
        Path file = Path.of(keyLog);
        Files.deleteIfExists(file);
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("a"), "a");
        ServerTlsOptions tls = new ServerTlsOptions();
        tls.stateDirectory = temp.resolve("state");
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tls.tlsConfig(), ServerCommand.handlers(List.of("hq-interop"), www), line -> { })) {
            Run r = run("client", "--insecure", "-o", temp.resolve("d").toString(),
                    "https://127.0.0.1:" + server.port() + "/a");
            assertEquals(0, r.status(), r.err());
        }
        List<String> lines = Files.readAllLines(file);
        // Client and server each log the handshake and first application secrets of the one connection.
        for (String label : List.of("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
                "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ")) {
            assertEquals(2, lines.stream().filter(l -> l.startsWith(label)).count(), label + " in " + lines);
        }
    }

    @Test
    void perfLoopbackPrintsThroughputAndLatency() {
        Run r = run("perf", "--loopback", "--total", "2M", "--msg-size", "16k", "--count", "100");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("throughput: 2.0 MiB in "), r.out());
        assertTrue(r.out().contains("request/response: 100 x 1.0 KiB each way") && r.out().contains("p99="), r.out());
    }

    @Test
    void demoExitsZero() {
        Run r = run("demo", "--size", "1M", "--echo-size", "64k");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("demo: OK"), r.out());
    }
}
