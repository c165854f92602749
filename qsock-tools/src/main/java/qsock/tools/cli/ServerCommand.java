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
import qsock.tools.server.FleetKeyReloader;
import qsock.tools.server.HqInteropHandler;
import qsock.tools.server.QsockServer;
import java.io.IOException;
import java.security.SecureRandom;
import qsock.api.ConnectionConfig;
import qsock.api.FleetKeys;
import qsock.socket.QuicLbSettings;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ticket.TicketSealer;
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

    /** How often {@code --fleet-keys} FILE is read again for rotated keys. */
    static final java.time.Duration FLEET_KEYS_CHECK = java.time.Duration.ofSeconds(10);

    @Option(names = "--fleet-keys", paramLabel = "FILE",
            description = "Share keys with the other servers of a fleet (a file of token-key, ticket-key and "
                    + "stateless-reset-key lines, see the README; 'qsock fleet-keys --out FILE' writes one): any of "
                    + "them accepts the others' Retry and NEW_TOKEN tokens, resumes their session tickets and sends "
                    + "stateless resets their clients recognise. The file is read again every 10 s: rewrite it "
                    + "on every server to rotate keys (the stateless reset key stays).")
    Path fleetKeysFile;

    @Option(names = "--quic-lb", paramLabel = "server-id=HEX,nonce=N[,key=HEX][,rotation=R]",
            description = "Issue QUIC-LB routable connection IDs (draft-ietf-quic-load-balancers) that carry this "
                    + "server ID, so a QUIC-LB load balancer routes every packet of a connection here: the server "
                    + "ID in hex, the nonce length in octets (at least 4; with the ID at most 19), an AES-128 key "
                    + "in hex for encrypted IDs (32 hex digits; without, the ID is in clear), the config rotation "
                    + "0 to 6 (default 0).")
    String quicLb;

    @Spec
    CommandSpec spec;

    @Option(names = "--router", paramLabel = "SOCKET",
            description = "Listen through a qsock routerd whose control socket is SOCKET: the daemon owns the public"
                    + " address and port and routes new connections here by ALPN (--bind and --port are then unused).")
    java.nio.file.Path router;

    @Option(names = "--reuse-port",
            description = "Share new connections with other servers of the same ALPN list by client address: with"
                    + " --router, servers in other processes behind the same routerd (a reuse-port group).")
    boolean reusePort;

    @Mixin
    ServerTlsOptions tls;

    @Mixin
    TransportOptions transport;

    @Mixin
    QlogOptions qlog;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, ApplicationHandler> handlers = handlers(protocols, directory);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName(bind), port);
        FleetKeys fleet = fleetKeys();
        QuicLbSettings lb = quicLbSettings();
        TlsServerConfig config = transport.apply(tls.tlsConfig(tickets(fleet)));
        ConnectionConfig connectionConfig = connectionConfig();
        if (router != null) {
            local = new InetSocketAddress(0);
        }
        QsockServer server = start(local, handlers, config, line -> out.println(line.format()), fleet, lb);
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
        if (fleet != null) {
            // How many keys, never the keys.
            out.println("fleet keys: " + fleetKeysFile + " (" + (fleet.tokenKeys().previous() == null ? 1 : 2)
                    + " token key(s), " + fleet.ticketKeys().size() + " ticket key(s), a stateless reset key)");
        }
        if (lb != null) {
            out.println("QUIC-LB: server ID " + java.util.HexFormat.of().formatHex(lb.serverId()) + ", "
                    + lb.connectionIdLength() + "-byte connection IDs, config rotation " + lb.configRotation()
                    + (lb.key() == null ? ", plaintext" : ", encrypted"));
        }
        if (tls.selfSigned()) {
            out.println("self-signed certificate: " + tls.stateDirectory().resolve("cert.pem")
                    + " (clients: --ca that file, or --insecure)");
        }
        if (fleet != null) {
            // Rotation: the file is read again every FLEET_KEYS_CHECK, and changed keys replace the old ones.
            FleetKeyReloader reloader = new FleetKeyReloader(fleetKeysFile, fleet, keys -> {
                server.setListenerOption(QuicSocketOptions.FLEET_KEYS, keys);
                if (config.tickets() != null && !keys.ticketKeys().isEmpty()) {
                    config.tickets().sealer().setKeys(keys);
                }
            }, out::println);
            reloader.start(FLEET_KEYS_CHECK);
        }
        stopped.await();
        return 0;
    }

    /**
     * {@return a server started as this command starts it, on {@code local}, serving {@code handlers}, logging to {@code
     * log}} With its TLS, transport, Retry, fleet keys and QUIC-LB options.
     */
    QsockServer start(InetSocketAddress local, Map<String, ApplicationHandler> handlers,
                      java.util.function.Consumer<qsock.tools.server.ConnectionLogLine> log) throws IOException {
        FleetKeys fleet = fleetKeys();
        return start(local, handlers, transport.apply(tls.tlsConfig(tickets(fleet))), log, fleet, quicLbSettings());
    }

    private QsockServer start(InetSocketAddress local, Map<String, ApplicationHandler> handlers,
                              TlsServerConfig config,
                              java.util.function.Consumer<qsock.tools.server.ConnectionLogLine> log, FleetKeys fleet,
                              QuicLbSettings lb) throws IOException {
        return QsockServer.start(local, config, handlers, log, connectionConfig(), transport.handshakeTimeout(), retry,
                listener -> {
                    qlog.applyTo(listener);
                    if (router != null) {
                        listener.setOption(QuicSocketOptions.ROUTER, router);
                    }
                    if (reusePort) {
                        listener.setOption(QuicSocketOptions.REUSE_PORT, true);
                    }
                    if (fleet != null) {
                        listener.setOption(QuicSocketOptions.FLEET_KEYS, fleet);
                    }
                    if (lb != null) {
                        listener.setOption(QuicSocketOptions.QUIC_LB, lb);
                    }
                });
    }

    /** {@return the keys of --fleet-keys, read now, or null without the option} */
    FleetKeys fleetKeys() throws IOException {
        return fleetKeysFile == null ? null : FleetKeys.load(fleetKeysFile);
    }

    /** {@return the settings of --quic-lb, or null without the option} */
    QuicLbSettings quicLbSettings() {
        return quicLb == null ? null : QuicLbSettings.parse(quicLb);
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
     * allowing 0-RTT with --early-data; under the fleet's ticket keys with --fleet-keys} Resumption saves a returning
     * client the certificate and its signature.
     */
    ServerTickets tickets() {
        return tickets(null);
    }

    /** {@link #tickets()}, sealed under the fleet's ticket keys if {@code fleet} has any. */
    ServerTickets tickets(FleetKeys fleet) {
        ServerTickets tickets = ServerTickets.defaults();
        if (fleet != null && !fleet.ticketKeys().isEmpty()) {
            // The fleet's ticket keys: a ticket of any server of the fleet resumes here (RFC 8446 §4.6.1).
            tickets = tickets.withSealer(TicketSealer.fromFleetKeys(fleet, new SecureRandom()));
        }
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
