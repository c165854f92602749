package qsock.tools.cli;

import java.io.PrintWriter;
import java.net.Inet4Address;
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
import qsock.api.ConnectionConfig;
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

    @Option(names = "--preferred-address", paramLabel = "HOST:PORT", converter = HostPort.class,
            description = "Offer this address to every client as the server's preferred address (RFC 9000 §9.6): "
                    + "the server listens there too, and a client moves its connection there after the handshake "
                    + "(it validates the new path first; the first address keeps working until it moves). At most "
                    + "one IPv4 and one IPv6 address (repeat the option); not a wildcard; port 0 picks a free one. "
                    + "An IPv6 address goes in brackets: [::1]:4434.")
    List<InetSocketAddress> preferredAddresses;

    @Spec
    CommandSpec spec;

    @Option(names = "--router", paramLabel = "SOCKET",
            description = "Listen through a qsock routerd whose control socket is SOCKET: the daemon owns the public"
                    + " address and port and routes new connections here by ALPN (--bind and --port are then unused).")
    java.nio.file.Path router;

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
        ConnectionConfig connectionConfig = connectionConfig();
        if (router != null) {
            local = new InetSocketAddress(0);
        }
        QsockServer server = QsockServer.start(local, config, handlers, line -> out.println(line.format()),
                connectionConfig, transport.handshakeTimeout(), retry,
                router == null ? listener -> { } : QsockServer.throughRouter(router));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        out.println("qsock server on " + Units.address(server.localAddress())
                + (router != null ? " through routerd " + router : "") + ", protocols " + handlers.keySet()
                + (handlers.containsKey(HqInterop.ALPN) ? ", serving " + directory.toAbsolutePath().normalize() : ""));
        if (preferredAddresses != null) {
            out.println("preferred address: " + describePreferred(connectionConfig, server.preferredAddress())
                    + " (clients move there after the handshake, RFC 9000 §9.6)");
        }
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
     * {@return the transport settings of every connection: the transport options, and the preferred addresses}
     *
     * @throws IllegalArgumentException if two preferred addresses are of one family, or one is a wildcard
     */
    ConnectionConfig connectionConfig() {
        ConnectionConfig.Builder settings = transport.builder();
        if (preferredAddresses != null) {
            InetSocketAddress ipv4 = null;
            InetSocketAddress ipv6 = null;
            for (InetSocketAddress a : preferredAddresses) {
                if (a.getAddress().isAnyLocalAddress()) {
                    // RFC 9000 §18.2: the address a client sends to; a wildcard names none.
                    throw new IllegalArgumentException("--preferred-address must be an address clients can reach, "
                            + "not the wildcard " + Units.address(a));
                }
                boolean v4 = a.getAddress() instanceof Inet4Address;
                if ((v4 ? ipv4 : ipv6) != null) {
                    // The transport parameter holds one address per family (RFC 9000 §18.2).
                    throw new IllegalArgumentException("--preferred-address: one IPv4 and one IPv6 address at most, "
                            + "not two of IPv" + (v4 ? "4" : "6") + ": " + preferredAddresses.stream()
                                    .map(Units::address).toList());
                }
                if (v4) {
                    ipv4 = a;
                } else {
                    ipv6 = a;
                }
            }
            settings.preferredAddress(ipv4, ipv6);
        }
        return settings.build();
    }

    /**
     * {@return the preferred addresses of {@code config}, the one {@code bound} names (its port chosen when port 0
     * was asked for) in its place}
     */
    private static String describePreferred(ConnectionConfig config, InetSocketAddress bound) {
        List<String> named = new java.util.ArrayList<>();
        for (InetSocketAddress a : new InetSocketAddress[] {config.preferredAddressIpv4(), config.preferredAddressIpv6()}) {
            if (a != null) {
                boolean sameFamily = bound != null && bound.getAddress().getClass() == a.getAddress().getClass();
                named.add(Units.address(sameFamily ? bound : a));
            }
        }
        return String.join(" and ", named);
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
