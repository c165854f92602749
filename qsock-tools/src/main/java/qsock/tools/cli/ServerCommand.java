package qsock.tools.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import qsock.tools.term.Units;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import qsock.tools.hq.HqInterop;
import qsock.tools.hq.ServedDirectory;
import qsock.tools.perf.PerfHandler;
import qsock.tools.perf.PerfProtocol;
import qsock.tools.server.ApplicationHandler;
import qsock.tools.server.EchoHandler;
import qsock.tools.server.HqInteropHandler;
import qsock.tools.server.QsockServer;
import java.io.IOException;
import qsock.tls.ServerTickets;
import qsock.tls.TlsServerConfig;

/** {@code qsock server}: serves a directory over hq-interop, and echo, until interrupted. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Serve a directory over hq-interop (HTTP/0.9 over QUIC) and the echo protocol.",
                "Without --cert, a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated on first "
                        + "run and kept in the state directory; clients trust it with --ca <state-dir>/cert.pem.",
                "With --psk-keyring and no certificate option, the server has no certificate and accepts clients "
                        + "with a pre-shared key only.",
                "Logs one line per connection. SSLKEYLOGFILE, when set, receives the TLS secrets."})
public final class ServerCommand implements Callable<Integer> {

    @Option(names = {"-b", "--bind"}, paramLabel = "ADDRESS", defaultValue = "::",
            description = "Local address (default: ${DEFAULT-VALUE}, IPv4 and IPv6).")
    String bind;

    @Option(names = {"-p", "--port"}, defaultValue = "4433", description = "UDP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-d", "--dir"}, paramLabel = "DIR", defaultValue = ".",
            description = "Directory served over hq-interop (default: the current one).")
    Path directory;

    @Option(names = "--alpn", split = ",", paramLabel = "PROTOCOL", defaultValue = "hq-interop,echo",
            description = "Protocols served, in preference order: hq-interop, echo, qsock-perf (default: ${DEFAULT-VALUE}).")
    List<String> protocols;

    @Option(names = "--retry",
            description = "Validate every client's address with a Retry before keeping any state for it "
                    + "(RFC 9000 §8.1.2); without it, Retry starts only past 512 half-open connections.")
    boolean retry;

    @Option(names = "--early-data",
            description = "Accept 0-RTT data from clients that resume a session (RFC 9001 §4.6), in the session "
                    + "tickets issued and when they come back. Early data can be replayed by an attacker "
                    + "(RFC 8446 §8): qsock's anti-replay record refuses a ticket's second 0-RTT attempt within "
                    + "this process. Every connection gets one session ticket, valid a day, either way.")
    boolean earlyData;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerTlsOptions tls;

    @Mixin
    TransportOptions transport;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, ApplicationHandler> handlers = handlers(protocols, directory);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName(bind), port);
        TlsServerConfig config = transport.apply(tls.tlsConfig(tickets()));
        QsockServer server = QsockServer.start(local, config, handlers, line -> out.println(line.format()),
                transport.connectionConfig(), transport.handshakeTimeout(), retry);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        out.println("qsock server on " + Units.address(server.localAddress()) + ", protocols " + handlers.keySet()
                + (handlers.containsKey(HqInterop.ALPN) ? ", serving " + directory.toAbsolutePath().normalize() : ""));
        if (retry || earlyData || transport.versions() != null) {
            out.println((retry ? "retry: every client; " : "") + (earlyData ? "0-RTT: accepted; " : "")
                    + "versions: " + transport.connectionConfig().versions().stream()
                            .map(v -> v.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
        if (!config.pskKeyring().isEmpty()) {
            // The number of keys only: neither identities nor keys are printed.
            out.println("pre-shared keys: " + config.pskKeyring().size() + " from " + tls.pskKeyringFile()
                    + (tls.pskOnly() ? " (no certificate: PSK clients only)" : " (or the certificate)"));
        }
        if (tls.selfSigned()) {
            out.println("self-signed certificate: " + tls.stateDirectory().resolve("cert.pem")
                    + " (clients: --ca that file, or --insecure)");
        }
        stopped.await();
        return 0;
    }

    /**
     * {@return the session tickets the server issues: one per connection, valid a day, under a key of this process,
     * allowing 0-RTT with --early-data} Resumption saves a returning client the certificate and its signature.
     */
    ServerTickets tickets() {
        ServerTickets tickets = ServerTickets.defaults();
        return earlyData ? tickets.withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT) : tickets;
    }

    /** {@return the handlers for the protocol names, in their order} */
    static Map<String, ApplicationHandler> handlers(List<String> protocols, Path directory) throws IOException {
        Map<String, ApplicationHandler> handlers = new LinkedHashMap<>();
        for (String protocol : protocols) {
            switch (protocol) {
                case HqInterop.ALPN -> handlers.put(protocol, new HqInteropHandler(new ServedDirectory(directory)));
                case EchoHandler.ALPN -> handlers.put(protocol, new EchoHandler());
                case PerfProtocol.ALPN -> handlers.put(protocol, new PerfHandler());
                default -> throw new IllegalArgumentException("unknown protocol '" + protocol
                        + "': hq-interop, echo and qsock-perf are served");
            }
        }
        return handlers;
    }
}
