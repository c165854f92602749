package qsock.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import qsock.tls.Credential;
import qsock.tls.KeyLogSink;
import qsock.tls.TlsServerConfig;
import qsock.tools.cert.SelfSignedCertificate;

/** The server's certificate options: a PEM chain and key, or the self-signed one kept in the state directory. */
public final class ServerTlsOptions {

    @Option(names = "--cert", paramLabel = "FILE", description = "PEM certificate chain, leaf first (with --key).")
    Path certificate;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of the certificate (with --cert).")
    Path key;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the self-signed certificate is kept when --cert is not given (default: ~/.qsock).")
    Path stateDirectory;

    /** {@return the state directory: the option's, else ~/.qsock} */
    public Path stateDirectory() {
        return stateDirectory != null ? stateDirectory : defaultStateDirectory();
    }

    /** {@return ~/.qsock} */
    public static Path defaultStateDirectory() {
        return Path.of(System.getProperty("user.home"), ".qsock");
    }

    /** {@return true when the server uses the generated self-signed certificate} */
    public boolean selfSigned() {
        return certificate == null;
    }

    /** {@return the credential: the files given, or the self-signed one, generated on first use} */
    public Credential credential() throws IOException {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        return certificate != null ? Credential.fromPem(certificate, key)
                : SelfSignedCertificate.loadOrCreate(stateDirectory());
    }

    /** {@return the TLS configuration with the credential, writing keys to SSLKEYLOGFILE when it is set} */
    public TlsServerConfig tlsConfig() throws IOException {
        return TlsServerConfig.builder(credential()).keyLog(KeyLogSink.fromEnvironment()).build();
    }
}
