package qsock.tools.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import qsock.tls.remote.HandshakeDaemon;

/**
 * {@code qsock handshaked}: the handshake service out of process, qsock's tlshd. Applications name its socket with
 * the system property {@code qsock.handshaked} or the environment variable {@code QSOCK_HANDSHAKED}; their TLS
 * handshakes then run here, with keys that never enter their processes. Runs until the process ends (or this thread
 * is interrupted), then removes its socket.
 */
@Command(name = "handshaked", mixinStandardHelpOptions = true,
        description = {"Run the QUIC handshake service out of process: listen on a Unix domain socket and run the "
                + "TLS handshakes of applications that name it (-Dqsock.handshaked=PATH or QSOCK_HANDSHAKED=PATH), "
                + "with the certificates, keys and PSK keyring of a handshake-service configuration file."})
public final class HandshakedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "The handshake-service configuration file (the format of /etc/qsock/handshake.conf).")
    Path config;

    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "The Unix domain socket to listen on (made owner-only; a stale one is replaced).")
    Path socket;

    @Override
    public Integer call() throws Exception {
        HandshakeDaemon daemon = HandshakeDaemon.start(config, socket);
        Thread hook = new Thread(daemon::close, "qsock-handshaked-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine().getOut().println("qsock handshaked: listening on " + daemon.socketPath() + " with "
                + config);
        spec.commandLine().getOut().flush();
        try {
            daemon.awaitClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            daemon.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or ran: it closed the daemon.
            }
        }
        spec.commandLine().getOut().println("qsock handshaked: stopped (" + daemon.established() + " established, "
                + daemon.resumedSessions() + " resumed, " + daemon.failed() + " failed, " + daemon.refused() + " refused)");
        return 0;
    }
}
