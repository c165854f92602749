package qsock.tools.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import qsock.api.ConnectionConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tools.TransportDefaults;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.perf.PerfClient;
import qsock.tools.perf.PerfHandler;
import qsock.tools.perf.PerfLoad;
import qsock.tools.perf.PerfProtocol;
import qsock.tools.perf.RequestResponseResult;
import qsock.tools.perf.ThroughputResult;
import qsock.tools.server.QsockServer;
import qsock.tools.term.Units;

/** {@code qsock perf}: the kernel's perf tool, bulk throughput and request/response latency. */
@Command(name = "perf", mixinStandardHelpOptions = true,
        description = {"Measure throughput and request/response latency between two qsock endpoints.",
                "Server: qsock perf --server [-p PORT]. Client: qsock perf HOST [-p PORT] [--mode ...].",
                "--loopback runs both in this process over 127.0.0.1."})
public final class PerfCommand implements Callable<Integer> {

    /**
     * What the client measures: {@code all} is throughput and rr; {@code suite} adds handshakes and concurrent, so
     * that scripts/perf-compare gets a stack's whole row from one JVM.
     */
    enum Mode {
        throughput, rr, all, handshakes, concurrent, suite;

        boolean bulk() {
            return this == throughput || this == all || this == suite;
        }

        boolean requestResponse() {
            return this == rr || this == all || this == suite;
        }

        boolean handshakeRate() {
            return this == handshakes || this == suite;
        }

        boolean manyConnections() {
            return this == concurrent || this == suite;
        }
    }

    @Option(names = "--server", description = "Run the perf server.")
    boolean server;

    @Option(names = "--router", paramLabel = "SOCKET",
            description = "Server: listen through the qsock routerd whose control socket is SOCKET (--bind and --port"
                    + " are then unused).")
    java.nio.file.Path router;

    @Option(names = "--loopback", description = "Run a server and the client in this process, over 127.0.0.1.")
    boolean loopback;

    @Parameters(arity = "0..1", paramLabel = "HOST", description = "The perf server's host (client mode).")
    String host;

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDRESS", defaultValue = "::",
            description = "Server: local address (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = {"-p", "--port"}, defaultValue = "4434", description = "UDP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--mode", defaultValue = "all",
            description = "throughput, rr (request/response), all (both), handshakes, concurrent (--connections "
                    + "at once) or suite (all of them) (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--msg-size", paramLabel = "SIZE", defaultValue = "64k", converter = SizeConverter.class,
            description = "Throughput: bytes per send call (default: ${DEFAULT-VALUE}).")
    long messageSize;

    @Option(names = "--total", paramLabel = "SIZE", defaultValue = "256M", converter = SizeConverter.class,
            description = "Throughput: bytes to send (default: ${DEFAULT-VALUE}).")
    long total;

    @Option(names = "--count", defaultValue = "10000",
            description = "Request/response: round trips (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--rr-size", paramLabel = "SIZE", defaultValue = "1k", converter = SizeConverter.class,
            description = "Request/response: bytes each way (default: ${DEFAULT-VALUE}).")
    long rrSize;

    @Option(names = "--runs", defaultValue = "1", description = "Repeat each measurement (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--handshakes", paramLabel = "N", defaultValue = "1000",
            description = "Handshakes: connections to open and close (default: ${DEFAULT-VALUE}).")
    int handshakeCount;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "Handshakes: client threads connecting at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--connections", paramLabel = "N[,N...]", split = ",", defaultValue = "1,10,100",
            description = "Concurrent: numbers of connections sending at once, each number a run of its own "
                    + "(default: ${DEFAULT-VALUE}).")
    int[] connections;

    @Option(names = "--concurrent-total", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Concurrent: bytes over all connections together, split evenly (default: --total).")
    Long concurrentTotal;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "120",
            description = "Handshakes, concurrent: a run not done by then fails (default: ${DEFAULT-VALUE}).")
    long deadlineSeconds;

    @Option(names = "--warmup-handshakes", paramLabel = "N", defaultValue = "0",
            description = "Handshakes: connections opened and closed first, unreported (default: ${DEFAULT-VALUE}).")
    int warmupHandshakes;

    @Option(names = "--datagram-size", paramLabel = "BYTES",
            description = "Client: send UDP payloads of exactly this size, 1200..65527, without path MTU "
                    + "discovery (default: start at 1200 and discover the path's MTU).")
    Integer datagramSize;

    @Option(names = "--warmup", paramLabel = "SIZE", defaultValue = "0", converter = SizeConverter.class,
            description = "Throughput: bytes sent first, unreported, on a connection of their own, so that the "
                    + "measured one starts with the JIT warm but flow and congestion control cold "
                    + "(default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--ready-handler",
            description = "Serve, and run the request/response client, from the I/O thread in the socket's ready "
                    + "handler (QuicSocket.setReadyHandler) instead of with blocking calls on application threads.")
    boolean readyHandler;

    @Option(names = "--warmup-count", defaultValue = "0",
            description = "Request/response: round trips run first, unreported, on that warm-up connection "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmupCount;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerTlsOptions serverTls;

    @Mixin
    ClientTlsOptions clientTls;

    @Mixin
    QlogOptions qlog;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (server) {
            InetSocketAddress local = router != null ? new InetSocketAddress(0)
                    : new InetSocketAddress(InetAddress.getByName(bind), port);
            QsockServer s = QsockServer.start(local, serverTls.tlsConfig(),
                    Map.of(PerfProtocol.ALPN, new PerfHandler(readyHandler)), line -> out.println(line.format()),
                    qsock.tools.TransportDefaults.connectionConfig(), QsockServer.HANDSHAKE_TIMEOUT, false,
                    listener -> {
                        qlog.applyTo(listener);
                        if (router != null) {
                            QsockServer.throughRouter(router).apply(listener);
                        }
                    });
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                s.close();
                stopped.countDown();
            }));
            out.println("qsock perf server on " + Units.address(s.localAddress()));
            stopped.await();
            return 0;
        }
        if (messageSize <= 0 || messageSize > Integer.MAX_VALUE || rrSize <= 0 || rrSize > Integer.MAX_VALUE
                || count <= 0 || runs <= 0) {
            throw new IllegalArgumentException("--msg-size, --rr-size, --count and --runs must be positive");
        }
        if (warmup < 0 || warmupCount < 0 || warmupHandshakes < 0) {
            throw new IllegalArgumentException("--warmup, --warmup-count and --warmup-handshakes must not be negative");
        }
        if (handshakeCount <= 0 || parallel <= 0 || deadlineSeconds <= 0) {
            throw new IllegalArgumentException("--handshakes, --parallel and --deadline must be positive");
        }
        for (int n : connections) {
            if (n <= 0 || n > 10_000 || n > concurrentTotal()) {
                throw new IllegalArgumentException("--connections: " + n + " is not 1..10000 or more than the bytes");
            }
        }
        if (loopback) {
            // A key and certificate for this run only: nothing is written, the client trusts exactly it.
            Credential credential = SelfSignedCertificate.generate(Instant.now());
            try (QsockServer s = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    TlsServerConfig.builder(credential).build(), Map.of(PerfProtocol.ALPN, new PerfHandler(readyHandler)),
                    line -> logServerLine(out, line))) {
                TlsClientConfig tls = TlsClientConfig.builder()
                        .certificateValidator(CertificateValidator.forTrustedCertificates(credential.chain())).build();
                run(out, s.localAddress(), "localhost", tls);
            }
            return 0;
        }
        if (host == null) {
            throw new IllegalArgumentException("give the server's HOST, or --server, or --loopback");
        }
        run(out, new InetSocketAddress(InetAddress.getByName(host), port), host, clientTls.tlsConfig());
        return 0;
    }

    /**
     * The loopback server's line per connection: printed in the modes of one or two connections, left out where
     * hundreds of connections come and go (the handshakes would then measure the printing too).
     */
    private void logServerLine(PrintWriter out, qsock.tools.server.ConnectionLogLine line) {
        if (!mode.handshakeRate() && !mode.manyConnections()) {
            out.println("server: " + line.format());
        }
    }

    private RequestResponseResult requestResponse(PerfClient client, int rounds) throws IOException {
        return readyHandler ? client.requestResponseOnIoThread(rounds, (int) rrSize, Duration.ofSeconds(deadlineSeconds))
                : client.requestResponse(rounds, (int) rrSize);
    }

    private long concurrentTotal() {
        return concurrentTotal == null ? total : concurrentTotal;
    }

    private void run(PrintWriter out, InetSocketAddress address, String serverName, TlsClientConfig tls)
            throws Exception {
        ConnectionConfig transport = datagramSize == null ? TransportDefaults.connectionConfig()
                : TransportDefaults.fixedDatagramSize(datagramSize);
        java.nio.file.Path qlogDir = qlog.directory();
        PerfLoad.Connector connector = () -> PerfClient.connect(address, serverName, tls, Duration.ofSeconds(10),
                transport, qlogDir);
        boolean warmThroughput = (mode.bulk() || mode.manyConnections()) && warmup > 0;
        boolean warmRequestResponse = mode.requestResponse() && warmupCount > 0;
        if (warmThroughput || warmRequestResponse) {
            try (PerfClient client = connector.connect()) {
                if (warmThroughput) {
                    client.throughput(warmup, (int) messageSize, true);
                }
                if (warmRequestResponse) {
                    requestResponse(client, warmupCount);
                }
            }
            out.println("warmed up: " + (warmThroughput ? Units.bytes(warmup) : "no bytes") + ", "
                    + (warmRequestResponse ? warmupCount : 0) + " round trips");
        }
        if (mode.bulk() || mode.requestResponse()) {
            try (PerfClient client = connector.connect()) {
                out.println("connected to " + Units.address(address));
                for (int run = 0; run < runs; run++) {
                    if (mode.bulk()) {
                        ThroughputResult result = client.throughput(total, (int) messageSize);
                        out.println(result);
                    }
                    if (mode.requestResponse()) {
                        RequestResponseResult result = requestResponse(client, count);
                        out.println(result);
                    }
                }
            }
        }
        long deadline = deadlineSeconds * 1_000_000_000L;
        if (mode.handshakeRate()) {
            if (warmupHandshakes > 0) {
                PerfLoad.handshakes(connector, warmupHandshakes, parallel, System.nanoTime() + deadline);
                out.println("warmed up: " + warmupHandshakes + " handshakes");
            }
            for (int run = 0; run < runs; run++) {
                out.println(PerfLoad.handshakes(connector, handshakeCount, parallel, System.nanoTime() + deadline));
            }
        }
        if (mode.manyConnections()) {
            for (int run = 0; run < runs; run++) {
                for (int n : connections) {
                    out.println(PerfLoad.concurrent(connector, n, concurrentTotal(), (int) messageSize,
                            System.nanoTime() + deadline));
                }
            }
        }
    }
}
