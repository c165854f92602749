package qsock.tools.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.api.TokenStore;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.SessionFormatException;
import qsock.tools.client.SessionFile;
import qsock.tls.ClientTickets;
import qsock.tls.TlsClientConfig;
import qsock.socket.QuicStatistics;
import qsock.tools.client.FetchResult;
import qsock.tools.client.HqClient;
import qsock.tools.client.HqUrl;
import qsock.tools.term.Units;

/** {@code qsock client}: fetches URLs over hq-interop, on one connection or several. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Fetch https:// URLs over hq-interop (HTTP/0.9 over QUIC), all on one connection (or as "
                + "--one-connection-per-request, --resume and --0rtt say), and save them.",
                "Requests go out side by side, up to -j at once and the server's stream limit.",
                "Prints size, time and throughput per file as each ends; draws a progress bar on a terminal for one URL.",
                "A file is written under a temporary name and renamed when complete: a failed download leaves none.",
                "Exit status: 0 when every file arrived, 1 when the server refused one or the connection failed."})
public final class ClientCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "URL", description = "https://host:port/path (one server for all).")
    List<String> urls;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".",
            description = "Directory to save the files in (default: the current one).")
    Path output;

    @Option(names = {"-j", "--max-concurrent-streams"}, paramLabel = "N", defaultValue = "" + HqClient.DEFAULT_MAX_CONCURRENT,
            description = "Requests in flight at once, at most; the server's stream limit may allow fewer "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--key-update-interval", paramLabel = "PACKETS",
            description = "Start a key update after this many packets under one key (RFC 9001 §6), 1..8388608; "
                    + "each update waits for the peer to acknowledge a packet of the current keys "
                    + "(default: 4194304, half the AES-GCM limit).")
    Long keyUpdateInterval;

    @Option(names = "--initial-version", paramLabel = "VERSION", converter = TransportOptions.VersionConverter.class,
            description = "The QUIC version of the first Initial, one of --versions (default: the first of them). "
                    + "--versions v2,v1 --initial-version v1 starts with v1 and asks the server to move to v2 "
                    + "(compatible negotiation, RFC 9368).")
    QuicVersion initialVersion;

    @Option(names = "--one-connection-per-request",
            description = "Fetch each URL on a connection of its own, one after the other, in order.")
    boolean connectionPerRequest;

    @Option(names = "--resume",
            description = "Resume: the first URL goes on a first connection, the others on a second connection that "
                    + "resumes the first one's TLS session with its ticket (RFC 8446 §2.2); with "
                    + "--one-connection-per-request, every connection after the first resumes the one before.")
    boolean resume;

    @Option(names = "--0rtt",
            description = "As --resume, and the resuming connections send their requests as 0-RTT, before the "
                    + "handshake completes (RFC 9001 §4.6); requests the server refuses early are sent again.")
    boolean zeroRtt;

    @Option(names = "--session-file", paramLabel = "FILE",
            description = "Keep the TLS session between runs: at the start, if FILE exists, its session tickets and "
                    + "address validation token are loaded, so the first connection resumes (with --0rtt, sending "
                    + "its requests as 0-RTT) and skips a Retry; at the end, the server's latest tickets and token "
                    + "are written to FILE (owner-only permissions: it holds secrets). A file of another server, "
                    + "or one that cannot be read, is ignored with a warning.")
    Path sessionFile;

    @Option(names = "--migrate-after", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Move the connection to a new local address (RFC 9000 §9.2: connection migration) once "
                    + "this many response bytes arrived on it (sizes like 1M), and print the move and the new local "
                    + "address. The client probes the new path first and stays where it was if the server does not "
                    + "answer there; a server that sent disable_active_migration refuses the move.")
    Long migrateAfter;

    @Option(names = "--migrate-to", paramLabel = "HOST:PORT", converter = HostPort.class,
            description = "The local address --migrate-after moves to; port 0 for any free one (default: the "
                    + "current local IP address, a new port). An IPv6 address goes in brackets: [::1]:0.")
    InetSocketAddress migrateTo;

    @Option(names = "--no-preferred-address",
            description = "Stay at the address connected to when the server offers a preferred address (RFC 9000 "
                    + "§9.6); by default the client moves there after the handshake and prints the move.")
    boolean noPreferredAddress;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientTlsOptions tls;

    @Mixin
    ClientCertificateOptions clientCertificate;

    @Mixin
    ClientPskOptions psk;

    @Mixin
    TransportOptions transport;

    @Mixin
    QlogOptions qlog;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<HqUrl> parsed = new ArrayList<>();
        for (String url : urls) {
            parsed.add(HqUrl.parse(url));
        }
        HqUrl first = parsed.get(0);
        for (HqUrl url : parsed) {
            if (!url.authority().equals(first.authority())) {
                throw new IllegalArgumentException("all URLs go over one connection to one server (or several connections to it): "
                        + first.authority() + " and " + url.authority());
            }
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("--max-concurrent-streams must be at least 1: " + maxConcurrent);
        }
        boolean resuming = resume || zeroRtt;
        if (resuming && parsed.size() < 2 && sessionFile == null) {
            throw new IllegalArgumentException((zeroRtt ? "--0rtt" : "--resume")
                    + " needs at least two URLs: the first connection fetches the first, the resuming one the rest");
        }
        if (migrateTo != null && migrateAfter == null) {
            throw new IllegalArgumentException("--migrate-to needs --migrate-after: when to move");
        }
        if (migrateAfter != null && migrateAfter < 0) {
            throw new IllegalArgumentException("--migrate-after must not be negative: " + migrateAfter);
        }
        ConnectionConfig.Builder settings = transport.builder().migrateToPreferredAddress(!noPreferredAddress);
        if (keyUpdateInterval != null) {
            if (keyUpdateInterval < 1 || keyUpdateInterval > 1L << 23) {
                throw new IllegalArgumentException("--key-update-interval must be 1..8388608: " + keyUpdateInterval);
            }
            settings.keyUpdateInterval(keyUpdateInterval);
        }
        if (initialVersion != null) {
            List<QuicVersion> offered = transport.versions() != null ? transport.versions()
                    : List.of(QuicVersion.values());
            if (!offered.contains(initialVersion)) {
                throw new IllegalArgumentException("--initial-version " + initialVersion + " is not among --versions "
                        + offered);
            }
            settings.version(initialVersion).versions(offered.toArray(QuicVersion[]::new));
        }
        ConnectionConfig config = settings.build();
        Duration handshakeTimeout = transport.handshakeTimeout();
        // One store for the command's connections: each takes the ticket the one before it left (RFC 8446 §C.4: a
        // ticket is used once). With --session-file, it starts with the tickets of an earlier run.
        InMemoryTicketStore ticketStore = new InMemoryTicketStore();
        ClientTickets tickets = resuming || sessionFile != null
                ? ClientTickets.defaults().withStore(ticketStore).withEarlyData(zeroRtt) : null;
        TlsClientConfig tlsConfig = transport.apply(psk.apply(clientCertificate.apply(tls.tlsConfig(tickets))));
        // The name tickets are kept under: the TLS server name, the URL's host without one (as HqClient sends it).
        String serverName = tlsConfig.serverName() != null ? tlsConfig.serverName() : first.host();
        TokenStore tokens = sessionFile == null ? null : TokenStore.inMemory(4);
        boolean sessionLoaded = sessionFile != null && loadSession(serverName, first, ticketStore, tokens, out);
        Files.createDirectories(output);
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        List<FetchResult> results = new ArrayList<>();
        List<List<HqUrl>> connections = connections(parsed);
        byte[] lastToken = null;
        QuicVersion lastVersion = null;
        for (int i = 0; i < connections.size(); i++) {
            List<HqUrl> batch = connections.get(i);
            String name = connections.size() > 1 ? "connection " + (i + 1) + ": " : "";
            long connectStart = System.nanoTime();
            try (HqClient client = HqClient.connect(first.host(), first.port(), tlsConfig, config, handshakeTimeout,
                    zeroRtt && (i > 0 || sessionLoaded), tokens, qlog.directory())) {
                if (client.handshakeComplete()) {
                    out.println(name + "connected to " + first.authority() + " in "
                            + Units.duration(System.nanoTime() - connectStart) + " ("
                            + describe(client, config.version()) + ")");
                } else {
                    out.println(name + "resuming " + first.authority() + ", sending " + batch.size()
                            + " request(s) as 0-RTT");
                }
                // Each connection moves once after --migrate-after bytes; every move it makes is printed.
                client.migrateAfter(migrateAfter == null ? -1 : migrateAfter, migrateTo, note -> out.println(name + note));
                if (batch.size() == 1 && connections.size() == 1) {
                    FetchResult result = client.fetch(batch.getFirst(), output, terminal ? out : null);
                    out.println(result.describe());
                    results.add(result);
                } else {
                    results.addAll(client.fetchAll(batch, output, maxConcurrent,
                            result -> out.println(result.describe())));
                }
                if (client.earlyDataSent()) {
                    out.println(name + "connected to " + first.authority() + " ("
                            + describe(client, config.version()) + ")");
                }
                client.reportPathChanges();
                // The draft's TOKEN read after the connection: the NEW_TOKEN token it received, if any.
                lastToken = client.socket().getOption(QuicSocketOptions.TOKEN);
                lastVersion = client.socket().version();
                QuicStatistics statistics = client.socket().statistics();
                if (statistics.keyUpdatesInitiated() + statistics.keyUpdates() > 0) {
                    out.println(name + "key updates: " + statistics.keyUpdatesInitiated() + " started, "
                            + statistics.keyUpdates() + " followed");
                }
            }
        }
        if (sessionFile != null) {
            List<ClientTicket> kept = ticketStore.takeAll(serverName, System.currentTimeMillis());
            SessionFile session = new SessionFile(serverName, lastToken, lastVersion, kept);
            session.save(sessionFile);
            out.println("session: saved " + session.tickets().size() + " ticket(s)"
                    + (session.token() != null ? " and a token" : "") + " for " + serverName + " to " + sessionFile);
        }
        int refused = 0;
        long total = 0;
        for (FetchResult result : results) {
            if (result.ok()) {
                total += result.bytes();
            } else {
                refused++;
            }
        }
        long nanos = System.nanoTime() - start;
        out.println(parsed.size() + " request(s)" + (connections.size() > 1 ? " on " + connections.size()
                + " connections" : "") + ", " + Units.bytes(total) + " in " + Units.duration(nanos) + ", "
                + Units.rate(total, nanos) + (refused > 0 ? ", " + refused + " refused" : ""));
        return refused == 0 ? 0 : 1;
    }

    /**
     * Loads {@link #sessionFile} into the stores, if it exists and is for {@code serverName}; a file that cannot be
     * used is reported and left for the end of the run to replace. {@return true if a ticket was loaded}
     */
    private boolean loadSession(String serverName, HqUrl server, InMemoryTicketStore ticketStore, TokenStore tokens,
                                PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        SessionFile session;
        try {
            session = SessionFile.load(sessionFile, System.currentTimeMillis());
        } catch (SessionFormatException e) {
            err.println("qsock client: ignoring session file " + sessionFile + ": " + e.getMessage());
            return false;
        }
        if (session == null) {
            return false;
        }
        if (!session.serverName().equalsIgnoreCase(serverName)) {
            err.println("qsock client: ignoring session file " + sessionFile + ": it is for " + session.serverName()
                    + ", not " + serverName);
            return false;
        }
        for (ClientTicket t : session.tickets()) {
            ticketStore.store(serverName, t);
        }
        if (session.token() != null) {
            // RFC 9000 §8.1.3: the token proves our address to the server that gave it; RFC 9369 §5: for its version.
            tokens.put(new InetSocketAddress(InetAddress.getByName(server.host()), server.port()),
                    session.tokenVersion(), session.token());
        }
        out.println("session: loaded " + session.tickets().size() + " ticket(s)"
                + (session.token() != null ? " and a token" : "") + " for " + serverName + " from " + sessionFile);
        return !session.tickets().isEmpty();
    }

    /** {@return the URLs of each connection, in order} */
    private List<List<HqUrl>> connections(List<HqUrl> urls) {
        if (connectionPerRequest) {
            return urls.stream().map(List::of).toList();
        }
        if ((resume || zeroRtt) && urls.size() > 1) {
            return List.of(List.of(urls.getFirst()), urls.subList(1, urls.size()));
        }
        return List.of(urls);
    }

    /**
     * {@return what the handshake gave: protocol, cipher suite, QUIC version (and the one it started with, when
     * they differ), whether a Retry came first (RFC 9000
     * §8.1.2), whether the session was resumed and the 0-RTT requests accepted}
     */
    private static String describe(HqClient client, QuicVersion initial) {
        QuicVersion version = client.socket().version();
        Boolean early = client.earlyDataAccepted();
        return client.socket().applicationProtocol() + ", " + client.socket().cipherSuite().name()
                + (version == null ? "" : ", " + version.name().toLowerCase(Locale.ROOT))
                // Version Negotiation or the server's compatible move (RFC 9368) changed it during the handshake.
                + (version == null || version == initial ? ""
                        : " (from " + initial.name().toLowerCase(Locale.ROOT) + ")")
                + (client.socket().statistics().retries() > 0 ? ", after a Retry" : "")
                + (client.resumed() ? ", resumed" : "")
                + (early == null ? "" : early ? ", 0-RTT accepted" : ", 0-RTT rejected");
    }
}
