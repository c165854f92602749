package qsock.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;

/**
 * The certificate a client shows a server that asks for one (mutual TLS, RFC 8446 §4.3.2): a PEM chain and key. A
 * mixin of its own because {@code perf}, which also runs a server, gives {@code --cert} to the server.
 */
public final class ClientCertificateOptions {

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM client certificate chain, leaf first, for servers that ask for one (with --key).")
    Path certificate;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of the client certificate (with --cert).")
    Path key;

    /** {@return {@code config} with the client certificate added, or {@code config} itself without one} */
    public TlsClientConfig apply(TlsClientConfig config) throws IOException {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        if (certificate == null) {
            return config;
        }
        return config.withCredentials(java.util.List.of(Credential.fromPem(certificate, key)));
    }
}
