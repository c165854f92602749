package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A running gnutls-serv on a free port. A free port is found with an ephemeral {@link ServerSocket}, which
 * is closed again before gnutls-serv binds it; if another process takes the port meanwhile, gnutls-serv
 * reports "bind() failed" and a new port is tried.
 *
 * @param process the server process: stdout carries each session's description and the alerts it received
 * @param port the port it listens on, on every IPv4 address
 */
record GnuTlsServer(PeerProcess process, int port) implements AutoCloseable {

    private static final int ATTEMPTS = 5;
    private static final Duration STARTUP = Duration.ofSeconds(10);

    /**
     * {@return gnutls-serv listening} with the chain and key of {@code pki}, the priority string and
     * further options (such as --echo and --alpn)
     */
    static GnuTlsServer start(Path dir, GnuTls.PkiFiles pki, String priority, String... options)
            throws IOException, InterruptedException {
        StringBuilder failures = new StringBuilder();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            // gnutls-serv writes session descriptions and received alerts to stdout through stdio, which
            // a pipe makes fully buffered (and SIGTERM does not flush): coreutils' stdbuf makes it line-buffered.
            List<String> command = new ArrayList<>(List.of(GnuTls.executable("stdbuf"), "-oL",
                    GnuTls.executable("gnutls-serv"), "-p", Integer.toString(port),
                    "--x509certfile=" + pki.chain(), "--x509keyfile=" + pki.key(), "--priority=" + priority));
            command.addAll(List.of(options));
            PeerProcess process = PeerProcess.start("gnutls-serv", command, dir);
            String listening = "IPv4 0.0.0.0 port " + port + "...";
            boolean settled = process.stderr().awaitText(t -> t.contains(listening + "done")
                    || t.contains(listening + "bind() failed"), STARTUP);
            if (settled && process.stderr().text().contains(listening + "done")) {
                return new GnuTlsServer(process, port);
            }
            process.close();
            failures.append("\n").append(process);
        }
        return fail("gnutls-serv did not start listening in " + ATTEMPTS + " attempts:" + failures);
    }

    /**
     * {@return the server's stdout once it contains {@code expected}}, waiting for at most 10 seconds (the
     * server prints a session's description as soon as its handshake completes)
     *
     * @throws AssertionError with the transcript if it does not appear
     */
    String awaitStdout(String expected) throws InterruptedException {
        if (!process.stdout().awaitText(t -> t.contains(expected), Duration.ofSeconds(10))) {
            throw new AssertionError("gnutls-serv did not print \"" + expected + "\": " + process);
        }
        return process.stdout().text();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }
}
