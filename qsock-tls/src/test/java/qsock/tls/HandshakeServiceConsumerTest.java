package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.socket.HandshakeService;
import qsock.socket.QuicSocket;
import qsock.tls.cert.TestPki;
import qsock.tls.remote.HandshakeDaemon;

/**
 * A consumer of the handshake service as the kernel's SMB or NFS is of tlshd: a module that {@code requires
 * qsock.core} alone, compiled here against qsock-core's module alone (so it cannot name a TLS type: a variant that
 * tries does not compile), then run in its own JVM on the module path. With qsock-tls on that path the module
 * system binds its provider (qsock-core {@code uses} the service, qsock-tls {@code provides} it) and the
 * consumer's X.509 and PSK handshakes work; without it the consumer gets NO_SERVICE, unless it is given the socket
 * of a {@code qsock handshaked} ({@link HandshakeDaemon}), whose process then runs its handshakes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HandshakeServiceConsumerTest {

    private static final String MODULE_INFO = "module qsock.consumer { requires qsock.core; }\n";

    /** Serves and asks one X.509 and one PSK connection through the service; prints what it saw. */
    private static final String MAIN = """
            package consumer;

            import java.net.InetSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.charset.StandardCharsets;
            import java.time.Duration;
            import java.util.concurrent.Executors;
            import java.util.concurrent.Future;
            import qsock.socket.*;

            public final class Main {
                public static void main(String[] args) throws Exception {
                    HandshakeService service;
                    try {
                        service = HandshakeService.load();
                    } catch (HandshakeFailedException e) {
                        System.out.println("FAILED " + e.reason());
                        return;
                    }
                    System.out.println("SERVICE " + service.getClass().getModule().getName());
                    Duration timeout = Duration.ofSeconds(20);
                    HandshakeRequest[][] cases = {
                        {HandshakeRequest.x509("localhost"), HandshakeRequest.anyPeer()},
                        {HandshakeRequest.psk("nfs-client-1"), HandshakeRequest.psk("nfs-client-1")},
                    };
                    try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
                         var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                        listener.listen(4);
                        for (HandshakeRequest[] c : cases) {
                            Future<QuicSocket> server = threads.submit(() -> {
                                QuicSocket s = service.serverHandshake(listener.accept(), c[1], timeout);
                                echo(s);
                                return s;
                            });
                            try (QuicSocket client = QuicSocket.open()) {
                                client.connect(listener.localAddress());
                                service.clientHandshake(client, c[0], timeout);
                                System.out.println("ECHO " + ask(client, c[0].pskIdentity() == null ? "x509" : "psk"));
                            }
                            server.get().close();
                        }
                    }
                }

                static void echo(QuicSocket s) throws Exception {
                    ByteBuffer buf = ByteBuffer.allocate(256);
                    for (int i = 0; i < 100; i++) {
                        QuicMessage m = s.receive(buf, 0);
                        if (!m.isEvent() && m.fin()) {
                            s.send(buf.flip(), m.streamId(), StreamFlags.FIN);
                            return;
                        }
                    }
                }

                static String ask(QuicSocket c, String text) throws Exception {
                    long id = c.openStream(-1, 0);
                    c.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), id, StreamFlags.FIN);
                    ByteBuffer buf = ByteBuffer.allocate(256);
                    for (int i = 0; i < 100; i++) {
                        QuicMessage m = c.receive(buf, 0);
                        if (!m.isEvent() && m.fin()) {
                            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                        }
                    }
                    return "no answer";
                }
            }
            """;

    @TempDir
    Path dir;

    private Path core;
    private Path tls;

    @BeforeEach
    void modules() throws URISyntaxException {
        core = Path.of(QuicSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        tls = Path.of(TlsHandshakeService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** {@return the diagnostics of compiling the consumer module with {@code main} against qsock-core alone} */
    private List<String> compile(Path out, String main) throws IOException {
        Path src = dir.resolve("src-" + out.getFileName());
        Files.createDirectories(src.resolve("consumer"));
        Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
        Files.writeString(src.resolve("consumer/Main.java"), main);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "a JDK, not a JRE, runs the tests");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null,
                StandardCharsets.UTF_8)) {
            List<String> options = List.of("--module-path", core.toString(), "-d", out.toString(), "-proc:none");
            boolean ok = compiler.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjects(src.resolve("module-info.java"), src.resolve("consumer/Main.java")))
                    .call();
            List<String> messages = new ArrayList<>();
            diagnostics.getDiagnostics().forEach(d -> messages.add(d.getKind() + " " + d.getMessage(null)));
            if (ok) {
                assertFalse(messages.stream().anyMatch(m -> m.startsWith("ERROR")), messages.toString());
                return List.of();
            }
            assertFalse(messages.isEmpty(), "a failed compilation says why");
            return messages;
        }
    }

    /** {@return the consumer's output, run on {@code modulePath} with the configuration file set} */
    private List<String> run(Path config, Path... modulePath) throws Exception {
        return run("-D" + HandshakeServiceConfig.PROPERTY + "=" + config, Map.of(), modulePath);
    }

    /**
     * {@return the consumer's output, run on {@code modulePath} with the system property {@code property} set (null:
     * none) and {@code environment} added to its environment}
     */
    private List<String> run(String property, Map<String, String> environment, Path... modulePath)
            throws Exception {
        String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(launcher, "-Xmx256m", "--enable-native-access=qsock.core"));
        if (property != null) {
            command.add(property);
        }
        command.addAll(List.of("--module-path", String.join(File.pathSeparator,
                Arrays.stream(modulePath).map(Path::toString).toList()), "-m", "qsock.consumer/consumer.Main"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(HandshakeService.ENVIRONMENT);
        builder.environment().putAll(environment);
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the consumer did not finish: " + Files.readString(dir.resolve("out.txt")));
        }
        List<String> lines = Files.readAllLines(dir.resolve("out.txt"));
        assertEquals(0, process.exitValue(), lines.toString());
        return lines.stream().filter(l -> l.matches("(SERVICE|ECHO|FAILED) .*")).toList();
    }

    private Path config() throws IOException {
        for (String file : new String[] {"ecdsa-p256-ca.pem", "ecdsa-p256-chain.pem", "ecdsa-p256-leaf.key"}) {
            Files.writeString(dir.resolve(file), TestPki.text(file), StandardCharsets.US_ASCII);
        }
        Files.writeString(dir.resolve("psk.keys"), "nfs-client-1:" + "ab".repeat(32) + "\n");
        Path conf = dir.resolve("handshake.conf");
        Files.writeString(conf, """
                [authenticate]
                keyrings = psk.keys
                [authenticate.client]
                x509.truststore = ecdsa-p256-ca.pem
                alpn = nfs
                [authenticate.server]
                x509.certificate = ecdsa-p256-chain.pem
                x509.private_key = ecdsa-p256-leaf.key
                alpn = nfs
                """);
        return conf;
    }

    @Test
    void consumerCompiledAgainstCoreAloneCannotNameTlsTypes() throws IOException {
        Path out = Files.createDirectories(dir.resolve("bad"));
        List<String> errors = compile(out, "package consumer;\npublic final class Main {\n"
                + "    static Class<?> c = qsock.tls.QuicHandshake.class;\n}\n");
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("ERROR") && m.contains("qsock.tls")), errors.toString());
    }

    @Test
    void consumerHandshakesThroughServiceFoundAtRunTime() throws Exception {
        Path out = Files.createDirectories(dir.resolve("good"));
        assertEquals(List.of(), compile(out, MAIN));
        Path config = config();
        assertEquals(List.of("SERVICE qsock.tls", "ECHO x509", "ECHO psk"), run(config, out, core, tls));
    }

    @Test
    void consumerWithoutQsockTlsOnTheModulePathGetsNoService() throws Exception {
        Path out = Files.createDirectories(dir.resolve("good"));
        assertEquals(List.of(), compile(out, MAIN));
        assertEquals(List.of("FAILED NO_SERVICE"), run(config(), out, core));
    }

    @Test
    void consumerWithoutQsockTlsHandshakesThroughTheDaemon() throws Exception {
        Path out = Files.createDirectories(dir.resolve("good"));
        assertEquals(List.of(), compile(out, MAIN));
        // The consumer's module path holds qsock-core alone: no TLS engine, no key can be in its process. The
        // daemon, in this JVM, has them; the environment variable that names its socket is all the consumer is given.
        try (HandshakeDaemon daemon = HandshakeDaemon.start(config(), dir.resolve("hsd.sock"))) {
            assertEquals(List.of("SERVICE qsock.core", "ECHO x509", "ECHO psk"), run(null,
                    Map.of(HandshakeService.ENVIRONMENT, daemon.socketPath().toString()), out, core));
            assertEquals(4, daemon.established(), "both ends of both connections handshook in the daemon");
        }
    }
}
