package qsock.tools.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicStatistics;
import qsock.tools.client.FetchResult;
import qsock.tools.client.HqClient;
import qsock.tools.client.HqUrl;
import qsock.tools.term.Units;

/** {@code qsock client}: fetches URLs over hq-interop on one connection. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Fetch https:// URLs over hq-interop (HTTP/0.9 over QUIC), all on one connection, and save them.",
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
                throw new IllegalArgumentException("all URLs go over one connection to one server: "
                        + first.authority() + " and " + url.authority());
            }
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("--max-concurrent-streams must be at least 1: " + maxConcurrent);
        }
        ConnectionConfig.Builder settings = transport.builder();
        if (keyUpdateInterval != null) {
            if (keyUpdateInterval < 1 || keyUpdateInterval > 1L << 23) {
                throw new IllegalArgumentException("--key-update-interval must be 1..8388608: " + keyUpdateInterval);
            }
            settings.keyUpdateInterval(keyUpdateInterval);
        }
        ConnectionConfig config = settings.build();
        Duration handshakeTimeout = transport.handshakeTimeout();
        Files.createDirectories(output);
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        List<FetchResult> results;
        try (HqClient client = HqClient.connect(first.host(), first.port(),
                transport.apply(psk.apply(clientCertificate.apply(tls.tlsConfig()))), config, handshakeTimeout)) {
            out.println("connected to " + first.authority() + " in " + Units.duration(System.nanoTime() - start)
                    + " (" + client.socket().applicationProtocol() + ", " + client.socket().cipherSuite().name() + ")");
            if (parsed.size() == 1) {
                FetchResult result = client.fetch(first, output, terminal ? out : null);
                out.println(result.describe());
                results = List.of(result);
            } else {
                results = client.fetchAll(parsed, output, maxConcurrent, result -> out.println(result.describe()));
            }
            QuicStatistics statistics = client.socket().statistics();
            if (statistics.keyUpdatesInitiated() + statistics.keyUpdates() > 0) {
                out.println("key updates: " + statistics.keyUpdatesInitiated() + " started, "
                        + statistics.keyUpdates() + " followed");
            }
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
        out.println(parsed.size() + " request(s), " + Units.bytes(total) + " in " + Units.duration(nanos) + ", "
                + Units.rate(total, nanos) + (refused > 0 ? ", " + refused + " refused" : ""));
        return refused == 0 ? 0 : 1;
    }
}
