package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.packet.VersionNegotiationPacket;
import qsock.tls.TlsServerConfig;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/** The command line: parsing, exit codes, and client and perf commands against a server started as the server command does. */
@Timeout(120)
class QsockCommandTest {

    @TempDir
    Path temp;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    private TlsServerConfig serverTls() throws Exception {
        ServerTlsOptions tls = new ServerTlsOptions();
        tls.stateDirectory = temp.resolve("state");
        return tls.tlsConfig();
    }

    @Test
    void listsTheSubcommands() {
        CommandRun r = run("--help");
        assertEquals(0, r.status());
        for (String command : List.of("server", "client", "perf", "demo")) {
            assertTrue(r.out().contains(command), "[" + r.out() + "|" + r.err() + "]");
        }
    }

    @Test
    void badArgumentsExitWithUsageErrors() {
        assertEquals(2, run("client").status(), "a URL is required");
        assertEquals(2, run("demo", "--size", "lots").status());
        CommandRun r = run("client", "http://localhost/x");
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
            CommandRun ok = run("client", "--ca", ca.toString(), "-o", downloads.toString(), base + "/f.bin");
            assertEquals(0, ok.status(), ok.err());
            assertArrayEquals(content, Files.readAllBytes(downloads.resolve("f.bin")));
            assertTrue(ok.out().contains("/f.bin -> ") && ok.out().contains("293.0 KiB"), ok.out());

            CommandRun missing = run("client", "--insecure", "-o", downloads.toString(), base + "/f.bin", base + "/nope");
            assertEquals(1, missing.status(), "a refused file makes the exit status 1");
            assertTrue(missing.out().contains("/nope: refused") && missing.out().contains("1 refused"), missing.out());

            CommandRun untrusted = run("client", "-o", downloads.toString(), base + "/f.bin");
            assertEquals(1, untrusted.status(), "the system trust store does not know the self-signed certificate");
            assertTrue(untrusted.err().toLowerCase().contains("unknown_ca") || untrusted.err().toLowerCase().contains("certificate"),
                    untrusted.err());
        }
        assertTrue(lines.stream().anyMatch(l -> "hq-interop".equals(l.applicationProtocol())), lines::toString);
    }

    @Test
    void clientFetchesSeveralFilesSideBySideWithACapOnRequestsInFlight() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Path downloads = temp.resolve("downloads");
        List<String> args = new java.util.ArrayList<>(List.of("client", "--insecure", "-j", "3", "-o", downloads.toString()));
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                serverTls(), ServerCommand.handlers(List.of("hq-interop"), www), line -> { })) {
            for (int i = 0; i < 10; i++) {
                Files.writeString(www.resolve("f" + i), "file " + i);
                args.add("https://127.0.0.1:" + server.port() + "/f" + i);
            }
            CommandRun r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("10 request(s)"), r.out());
        }
        for (int i = 0; i < 10; i++) {
            assertEquals("file " + i, Files.readString(downloads.resolve("f" + i)));
        }
        CommandRun none = run("client", "-j", "0", "https://127.0.0.1:1/x");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("--max-concurrent-streams must be at least 1"), none.err());
    }

    /** Answers every datagram with a Version Negotiation packet offering only {@code 0x1a2a3a4a}, until closed. */
    private static void answerWithVersionNegotiation(DatagramChannel udp) {
        ByteBuffer in = ByteBuffer.allocate(65536);
        try {
            while (true) {
                in.clear();
                SocketAddress from = udp.receive(in);
                in.flip();
                // A long header: first byte, version, then each connection ID after its length (RFC 8999 §5.1).
                in.get();
                in.getInt();
                byte[] dcid = new byte[in.get() & 0xFF];
                in.get(dcid);
                byte[] scid = new byte[in.get() & 0xFF];
                in.get(scid);
                VersionNegotiationPacket vn = new VersionNegotiationPacket(scid, dcid, new int[] {0x1a2a3a4a});
                ByteBuffer out = ByteBuffer.allocate(vn.encodedLength());
                vn.writeTo(out, 0x40);
                udp.send(out.flip(), from);
            }
        } catch (IOException e) {
            // Closed by the test.
        }
    }

    @Test
    void clientEndsWithAClearMessageWhenTheServerSharesNoQuicVersion() throws Exception {
        Path downloads = temp.resolve("downloads");
        try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread responder = Thread.ofVirtual().start(() -> answerWithVersionNegotiation(udp));
            int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
            CommandRun r = run("client", "--insecure", "-o", downloads.toString(), "https://127.0.0.1:" + port + "/x");
            assertEquals(1, r.status(), r.out() + r.err());
            assertTrue(r.err().startsWith("qsock client: cannot connect to 127.0.0.1:" + port
                    + ": no QUIC version in common: this client speaks 0x00000001 (QUIC v1), and the server answered "
                    + "with Version Negotiation"), r.err());
            assertTrue(r.err().contains("the server offers 0x1a2a3a4a, none of ours"), r.err());
            udp.close();
            responder.join();
        }
        try (var left = Files.list(downloads)) {
            assertEquals(List.of(), left.toList(), "no file");
        }
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
            CommandRun r = run("client", "--insecure", "-o", temp.resolve("d").toString(),
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
        CommandRun r = run("perf", "--loopback", "--total", "2M", "--msg-size", "16k", "--count", "100");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("throughput: 2.0 MiB in "), r.out());
        assertTrue(r.out().contains("request/response: 100 x 1.0 KiB each way") && r.out().contains("p99="), r.out());
    }

    @Test
    void demoExitsZero() {
        CommandRun r = run("demo", "--size", "1M", "--echo-size", "64k");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("demo: OK"), r.out());
    }
}
