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

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "Handshake timeout (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientTlsOptions tls;

    @Mixin
    ClientCertificateOptions clientCertificate;

    @Mixin
    ClientPskOptions psk;

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
        Files.createDirectories(output);
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        List<FetchResult> results;
        try (HqClient client = HqClient.connect(first.host(), first.port(), psk.apply(clientCertificate.apply(tls.tlsConfig())),
                Duration.ofSeconds(timeoutSeconds))) {
            out.println("connected to " + first.authority() + " in " + Units.duration(System.nanoTime() - start)
                    + " (" + client.socket().applicationProtocol() + ")");
            if (parsed.size() == 1) {
                FetchResult result = client.fetch(first, output, terminal ? out : null);
                out.println(result.describe());
                results = List.of(result);
            } else {
                results = client.fetchAll(parsed, output, maxConcurrent, result -> out.println(result.describe()));
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
