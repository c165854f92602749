package qsock.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import qsock.tls.ClientTickets;
import qsock.tls.KeyLogSink;
import qsock.tls.TlsClientConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;

/** How a client trusts the server: the system's trust store, a CA file, or (for tests) anything. */
public final class ClientTlsOptions {

    @Option(names = "--ca", paramLabel = "FILE",
            description = "Trust only the PEM certificates in FILE (e.g. a server's ~/.qsock/cert.pem).")
    Path caFile;

    @Option(names = {"-k", "--insecure"}, description = "Accept any server certificate (tests only).")
    boolean insecure;

    /** {@return a client configuration with the chosen trust, writing keys to SSLKEYLOGFILE when it is set} */
    public TlsClientConfig tlsConfig() throws IOException {
        return tlsConfig(null);
    }

    /**
     * {@return the configuration of {@link #tlsConfig()}, keeping session tickets and resuming with them as
     * {@code tickets} says (null: none)}
     */
    public TlsClientConfig tlsConfig(ClientTickets tickets) throws IOException {
        if (insecure && caFile != null) {
            throw new IllegalArgumentException("--ca and --insecure exclude each other");
        }
        TlsClientConfig.Builder builder = TlsClientConfig.builder().keyLog(KeyLogSink.fromEnvironment());
        if (tickets != null) {
            builder.tickets(tickets);
        }
        if (insecure) {
            builder.insecure();
        } else if (caFile != null) {
            builder.certificateValidator(CertificateValidator.forTrustedCertificates(PemFiles.readCertificates(caFile)));
        }
        return builder.build();
    }
}
