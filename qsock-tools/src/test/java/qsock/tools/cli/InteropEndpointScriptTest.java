package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.tools.cert.SelfSignedCertificate;

/**
 * scripts/interop-endpoint, run as the QUIC interop runner runs it: a server and a client process, each given only
 * the runner's environment (ROLE, TESTCASE, REQUESTS, WWW, DOWNLOADS, CERTS, SSLKEYLOGFILE), qsock to qsock over
 * loopback. Each mapped case must bring the files intact, and the cases that stand for a feature must show in the
 * commands' output that the feature was used: a Retry, a resumed session, accepted 0-RTT, QUIC v2 reached by
 * compatible negotiation, ChaCha20, a key update, one connection per request. The cases that differ only in what
 * the runner's network does (loss, corruption, a black hole) are transfers for the endpoint; handshakeloss stands
 * for them, without loss. The processes run from the test class path (QSOCK_CLASSPATH), not the packaged jar.
 */
class InteropEndpointScriptTest {

    private static final Path SCRIPT = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("scripts").resolve("interop-endpoint");
    private static final Duration SERVER_START = Duration.ofSeconds(30);
    private static final Duration CLIENT_RUN = Duration.ofSeconds(60);
    private static final Pattern KEY_UPDATES = Pattern.compile("key updates: (\\d+) started");

    @TempDir
    static Path shared;
    private static Path www;
    private static Path certs;

    @TempDir
    Path work;

    @BeforeAll
    static void files() throws IOException {
        www = Files.createDirectories(shared.resolve("www"));
        Random random = new Random(12);
        // Small files, so that the whole class stays within seconds; one large enough for several packets of
        // acknowledgements from the client (the key update case counts the client's packets).
        write(www.resolve("large.bin"), 400 * 1024, random);
        // Long enough a transfer for the move to the server's preferred address to complete during it, even while
        // the JIT warms up (the connectionmigration case).
        write(www.resolve("long.bin"), 3 << 20, random);
        for (int i = 0; i < 12; i++) {
            write(www.resolve("small-" + i + ".bin"), 1000 + 997 * i, random);
        }
        Path state = Files.createDirectories(shared.resolve("state"));
        SelfSignedCertificate.store(SelfSignedCertificate.generate(Instant.now()), state);
        certs = Files.createDirectories(shared.resolve("certs"));
        // The runner's names: the chain in cert.pem, the key in priv.key.
        Files.copy(state.resolve(SelfSignedCertificate.CERTIFICATE_FILE), certs.resolve("cert.pem"));
        Files.copy(state.resolve(SelfSignedCertificate.KEY_FILE), certs.resolve("priv.key"));
    }

    private static void write(Path file, int size, Random random) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.write(file, bytes);
    }

    /** What one case gave: the client's output and the server's, with the client's exit status. */
    private record Run(int clientStatus, String client, String server) {
        String both() {
            return "client:\n" + client + "\nserver:\n" + server;
        }
    }

    private Run run(String testcase, String host, List<String> files) throws Exception {
        return run(testcase, host, files, Map.of());
    }

    /** Runs a case with {@code serverExtra} added to the server's environment. */
    private Run run(String testcase, String host, List<String> files, Map<String, String> serverExtra)
            throws Exception {
        int port = freeUdpPort();
        Path downloads = Files.createDirectories(work.resolve("downloads"));
        Path serverOut = work.resolve("server.txt");
        Path clientOut = work.resolve("client.txt");
        Map<String, String> serverEnv = new HashMap<>(Map.of("ROLE", "server", "TESTCASE", testcase,
                "WWW", www.toString(), "CERTS", certs.toString(), "PORT", Integer.toString(port),
                "SSLKEYLOGFILE", work.resolve("server-keys.txt").toString(), "QLOGDIR", work.toString()));
        serverEnv.putAll(serverExtra);
        Process server = start(serverEnv, serverOut);
        try {
            awaitLine(server, serverOut, "qsock server on");
            List<String> urls = new ArrayList<>();
            for (String file : files) {
                urls.add("https://" + host + ":" + port + "/" + file);
            }
            Map<String, String> clientEnv = new HashMap<>(Map.of("ROLE", "client", "TESTCASE", testcase,
                    "REQUESTS", String.join(" ", urls), "DOWNLOADS", downloads.toString(),
                    "SSLKEYLOGFILE", work.resolve("client-keys.txt").toString(), "QLOGDIR", work.toString(),
                    "SERVER", host));
            Process client = start(clientEnv, clientOut);
            if (!client.waitFor(CLIENT_RUN.toSeconds(), TimeUnit.SECONDS)) {
                client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(testcase + ": the client did not end within " + CLIENT_RUN + ":\n" + Files.readString(clientOut));
            }
            int status = client.exitValue();
            // The server logs a connection's line when it ends: after the client closed, or at shutdown at the latest.
            stop(server);
            return new Run(status, Files.readString(clientOut), Files.readString(serverOut));
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Process start(Map<String, String> env, Path output) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("sh", SCRIPT.toString());
        // Only the runner's variables (and what finds Java) decide what the script does.
        for (String name : List.of("ROLE", "TESTCASE", "REQUESTS", "DOWNLOADS", "WWW", "CERTS", "SSLKEYLOGFILE",
                "QLOGDIR", "PORT", "SERVER", "PREFERRED_ADDRESS", "QSOCK_JAVA_OPTS")) {
            builder.environment().remove(name);
        }
        builder.environment().putAll(env);
        builder.environment().put("QSOCK_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().put("QSOCK_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        return builder.start();
    }

    private static void stop(Process server) throws InterruptedException {
        // SIGTERM: the server's shutdown hook closes what is left and logs it.
        server.destroy();
        if (!server.waitFor(15, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitLine(Process process, Path output, String line) throws Exception {
        long deadline = System.nanoTime() + SERVER_START.toNanos();
        while (!Files.readString(output).contains(line)) {
            if (!process.isAlive()) {
                fail("the server ended with " + process.exitValue() + ":\n" + Files.readString(output));
            }
            if (System.nanoTime() > deadline) {
                fail("the server did not start within " + SERVER_START + ":\n" + Files.readString(output));
            }
            Thread.sleep(50);
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    private void assertDownloaded(List<String> files, Run run) throws IOException {
        assertEquals(0, run.clientStatus(), run.both());
        for (String file : files) {
            Path got = work.resolve("downloads").resolve(file);
            assertTrue(Files.exists(got), file + " missing\n" + run.both());
            assertArrayEquals(Files.readAllBytes(www.resolve(file)), Files.readAllBytes(got), file);
        }
    }

    private static List<String> smallFiles(int n) {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            files.add("small-" + i + ".bin");
        }
        return files;
    }

    /**
     * The cases that need nothing but a transfer from the endpoint (rebind-port and rebind-addr: what the runner's
     * network does, the server follows; RebindingInteropTest shows it through a rebinding relay).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"handshake", "transfer", "longrtt", "multiplexing", "rebind-port", "rebind-addr", "ecn"})
    void transferCasesBringEveryFile(String testcase) throws Exception {
        List<String> files = switch (testcase) {
            case "handshake", "longrtt" -> List.of("small-1.bin");
            case "multiplexing" -> smallFiles(12);
            default -> List.of("large.bin", "small-2.bin", "small-3.bin");
        };
        Run run = run(testcase, "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("connected to"), run.both());
        assertTrue(run.client().contains(files.size() + " request(s), "), "all on one connection\n" + run.both());
        assertTrue(Files.size(work.resolve("client-keys.txt")) > 0, "SSLKEYLOGFILE is honoured");
    }

    @Test
    void handshakelossPutsEveryFileOnAConnectionOfItsOwn() throws Exception {
        List<String> files = smallFiles(3);
        Run run = run("handshakeloss", "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("3 request(s) on 3 connections"), run.both());
        assertEquals(3, count(run.server(), "alpn=hq-interop"), run.both());
        assertQlogPairs(3);
    }

    @Test
    void chacha20IsTheOnlySuiteTheClientOffers() throws Exception {
        List<String> files = List.of("small-4.bin");
        Run run = run("chacha20", "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("TLS_CHACHA20_POLY1305_SHA256"), run.both());
        assertTrue(run.server().contains("suite=TLS_CHACHA20_POLY1305_SHA256"), run.both());
    }

    @Test
    void retryValidatesTheClientFirst() throws Exception {
        List<String> files = List.of("small-5.bin");
        Run run = run("retry", "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("after a Retry"), run.both());
        // RFC 9000 §7.3: after a Retry both sides still name the connection by the client's first Destination CID.
        assertQlogPairs(1);
    }

    /**
     * Checks that QLOGDIR received {@code connections} qlog traces of each side, paired by ODCID, each starting with
     * its JSON-SEQ header.
     */
    private void assertQlogPairs(int connections) throws IOException {
        java.util.Set<String> clients = new java.util.TreeSet<>();
        java.util.Set<String> servers = new java.util.TreeSet<>();
        try (java.util.stream.Stream<Path> files = Files.list(work)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".sqlog")).toList()) {
                String name = f.getFileName().toString();
                String text = Files.readString(f);
                assertTrue(text.startsWith("\u001e{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\""),
                        name + ": " + text.substring(0, Math.min(200, text.length())));
                (name.endsWith("_client.sqlog") ? clients : servers).add(name.substring(0, name.indexOf('_')));
            }
        }
        assertEquals(connections, clients.size(), "client traces: " + clients);
        assertEquals(clients, servers, "one server trace for each client trace, by ODCID");
    }

    @Test
    void resumptionResumesTheSecondConnection() throws Exception {
        List<String> files = List.of("small-6.bin", "small-7.bin", "small-8.bin");
        Run run = run("resumption", "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("connection 2: connected to"), run.both());
        assertTrue(line(run.client(), "connection 2: connected to").contains(", resumed"), run.both());
        assertTrue(!line(run.client(), "connection 1: connected to").contains("resumed"), run.both());
        assertEquals(1, count(run.server(), " resumed "), run.both());
        assertEquals(0, count(run.server(), "0rtt="), "no early data without --0rtt\n" + run.both());
    }

    @Test
    void zerorttSendsTheSecondConnectionsRequestsEarly() throws Exception {
        List<String> files = List.of("small-9.bin", "small-10.bin", "small-11.bin");
        Run run = run("zerortt", "127.0.0.1", files);
        assertDownloaded(files, run);
        assertTrue(run.client().contains("connection 2: resuming"), run.both());
        assertTrue(line(run.client(), "connection 2: connected to").contains(", resumed, 0-RTT accepted"),
                run.both());
        assertEquals(1, count(run.server(), " resumed 0rtt=accepted "), run.both());
    }

    @Test
    void keyupdateUpdatesKeysDuringTheTransfer() throws Exception {
        List<String> files = List.of("large.bin");
        Run run = run("keyupdate", "127.0.0.1", files);
        assertDownloaded(files, run);
        Matcher m = KEY_UPDATES.matcher(run.client());
        assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 1, run.both());
    }

    @Test
    void v2IsReachedByCompatibleNegotiation() throws Exception {
        List<String> files = List.of("small-0.bin", "large.bin");
        Run run = run("v2", "127.0.0.1", files);
        assertDownloaded(files, run);
        // Started in version 1, moved to version 2 by the server (RFC 9368 §2.3).
        assertTrue(line(run.client(), "connected to").contains(", v2 (from v1)"), run.both());
        assertTrue(run.server().contains("version=v2 "), run.both());
    }

    @Test
    void ipv6FetchesOverIpv6Loopback() throws Exception {
        List<String> files = List.of("small-2.bin");
        Run run = run("ipv6", "[::1]", files);
        assertDownloaded(files, run);
        // The server's connection line names the client's address: IPv6 loopback.
        assertTrue(line(run.server(), "alpn=hq-interop").startsWith("[::1]:"), run.both());
    }

    /**
     * connectionmigration: the server offers a preferred address (RFC 9000 §9.6) where it listens too (the runner's
     * server4/server6 by default; here PREFERRED_ADDRESS, a loopback port), and the client moves there after the
     * handshake; the files arrive whole.
     */
    @Test
    void connectionmigrationMovesTheClientToThePreferredAddress() throws Exception {
        List<String> files = List.of("long.bin", "small-3.bin");
        String preferred = "127.0.0.1:" + freeUdpPort();
        Run run = run("connectionmigration", "127.0.0.1", files, Map.of("PREFERRED_ADDRESS", preferred));
        assertDownloaded(files, run);
        assertTrue(run.server().contains("preferred address: " + preferred + " "), run.both());
        assertTrue(run.client().contains("preferred address: moved to the server's preferred address " + preferred),
                run.both());
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"http3", "no-such-case", ""})
    void unsupportedCasesExit127(String testcase) throws Exception {
        for (String role : List.of("client", "server")) {
            Path out = work.resolve(role + ".txt");
            Process p = start(Map.of("ROLE", role, "TESTCASE", testcase, "REQUESTS", "https://127.0.0.1:1/x",
                    "WWW", www.toString(), "CERTS", certs.toString(), "DOWNLOADS", work.toString()), out);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(127, p.exitValue(), Files.readString(out));
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static String line(String text, String start) {
        for (String line : text.split("\n")) {
            if (line.contains(start)) {
                return line;
            }
        }
        return "";
    }
}
