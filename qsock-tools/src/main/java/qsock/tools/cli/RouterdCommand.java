package qsock.tools.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import qsock.core.router.RouterDaemon;
import qsock.core.router.RouterStatistics;

/**
 * {@code qsock routerd}: owns a public UDP port and routes each new QUIC connection to the listener, in whatever
 * process, whose ALPN list the client's ClientHello picks ({@code qsock server --router}, or any QuicSocket with
 * {@code QuicSocketOptions.ROUTER}).
 */
@Command(name = "routerd", mixinStandardHelpOptions = true,
        description = {"Own a public UDP address and port for the QUIC listeners of several processes: each registers "
                + "its ALPN protocols over a Unix domain socket, and each new connection goes to the one the client's "
                + "ALPN picks. After a connection's first datagrams the listener's own socket takes the client's "
                + "datagrams from the kernel, not through the daemon. Runs until stopped."})
public final class RouterdCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:4433", converter = HostPort.class,
            description = "The public UDP address and port (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--control", paramLabel = "SOCKET", defaultValue = "${env:XDG_RUNTIME_DIR:-/tmp}/qsock-routerd.sock",
            description = "The Unix domain socket listeners register at (default: ${DEFAULT-VALUE}); made readable "
                    + "by its owner only.")
    Path control;

    @Option(names = "--stats", paramLabel = "SECONDS", defaultValue = "0",
            description = "Print the daemon's counters every SECONDS (0: only when it stops).")
    int stats;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (stats < 0) {
            throw new IllegalArgumentException("--stats must not be negative");
        }
        RouterDaemon daemon = RouterDaemon.start(listen, control);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            out.println("qsock routerd stopped: " + describe(daemon.statistics()));
            out.flush();
            stopped.countDown();
        }));
        out.println("qsock routerd on " + daemon.publicAddress() + ", listeners register at " + daemon.controlPath());
        out.flush();
        while (!stopped.await(stats == 0 ? 3600 : stats, TimeUnit.SECONDS)) {
            if (stats > 0) {
                out.println(describe(daemon.statistics()));
                out.flush();
            }
        }
        return 0;
    }

    static String describe(RouterStatistics s) {
        return s.listeners() + " listeners, " + s.newConnections() + " connections routed, " + s.datagramsReceived()
                + " datagrams received, " + s.datagramsForwarded() + " forwarded, " + s.noApplicationProtocol()
                + " refused (no ALPN match), " + s.malformed() + " malformed, " + s.unroutable() + " unroutable, "
                + (s.droppedQueueFull() + s.droppedPending()) + " dropped";
    }
}
