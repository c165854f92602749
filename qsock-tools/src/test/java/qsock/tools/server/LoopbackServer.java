package qsock.tools.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.ServedDirectory;
import qsock.tools.perf.PerfHandler;
import qsock.tools.perf.PerfProtocol;

/** Test support: a {@link QsockServer} on 127.0.0.1 serving hq-interop, echo and perf, and a client trusting it. */
public final class LoopbackServer implements AutoCloseable {

    /** One credential for the whole test run: generating keys is not what the tests measure. */
    private static final Credential CREDENTIAL;

    static {
        try {
            CREDENTIAL = SelfSignedCertificate.generate(Instant.now());
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final QsockServer server;
    private final HqInteropHandler hq;
    private final LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();

    /** Starts a server serving {@code directory}. */
    public LoopbackServer(Path directory) throws IOException {
        this(directory, ResponseObserver.NONE);
    }

    /** Starts a server serving {@code directory}, its hq-interop responses seen by {@code observer}. */
    public LoopbackServer(Path directory, ResponseObserver observer) throws IOException {
        Map<String, ApplicationHandler> handlers = new LinkedHashMap<>();
        hq = new HqInteropHandler(new ServedDirectory(directory), observer);
        handlers.put(HqInterop.ALPN, hq);
        handlers.put(EchoHandler.ALPN, new EchoHandler());
        handlers.put(PerfProtocol.ALPN, new PerfHandler());
        server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                serverConfig(), handlers, lines::add);
    }

    /** {@return the server} */
    public QsockServer server() {
        return server;
    }

    /** {@return the server's hq-interop handler} */
    public HqInteropHandler hq() {
        return hq;
    }

    /** {@return the server configuration of the test credential, for servers with handlers of their own} */
    public static TlsServerConfig serverConfig() {
        return TlsServerConfig.builder(CREDENTIAL).build();
    }

    /** {@return a client configuration trusting the server's certificate, offering {@code alpn}} */
    public static TlsClientConfig clientConfig(String... alpn) {
        return TlsClientConfig.builder().applicationProtocols(alpn).serverName("localhost")
                .certificateValidator(CertificateValidator.forTrustedCertificates(CREDENTIAL.chain())).build();
    }

    /** {@return the next connection's log line, waiting for it to end} */
    public ConnectionLogLine nextLine() throws InterruptedException {
        ConnectionLogLine line = lines.poll(30, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("no connection log line within 30 s");
        }
        return line;
    }

    /** {@return the handshake timeout the tests use} */
    public static Duration timeout() {
        return Duration.ofSeconds(10);
    }

    /** {@return the lines so far} */
    public List<ConnectionLogLine> linesSoFar() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        server.close();
    }
}
