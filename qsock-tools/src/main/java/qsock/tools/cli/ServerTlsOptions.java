package qsock.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.KeyLogSink;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;
import qsock.tools.cert.SelfSignedCertificate;

/**
 * The server's certificate options: a PEM chain and key, or the self-signed one kept in the state directory; and
 * whether to ask clients for certificates (mutual TLS), with the CAs that issue them.
 */
public final class ServerTlsOptions {

    @Option(names = "--cert", paramLabel = "FILE", description = "PEM certificate chain, leaf first (with --key).")
    Path certificate;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of the certificate (with --cert).")
    Path key;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the self-signed certificate is kept when --cert is not given (default: ~/.qsock).")
    Path stateDirectory;

    @Option(names = "--client-auth", paramLabel = "POLICY", defaultValue = "none",
            description = "Client certificates: none, request (ask, accept clients without one) or require "
                    + "(refuse clients without one) (default: ${DEFAULT-VALUE}; request and require need --client-ca).")
    String clientAuth;

    @Option(names = "--client-ca", paramLabel = "FILE",
            description = "PEM certificates of the CAs whose client certificates are accepted; their names are "
                    + "sent to clients (certificate_authorities).")
    Path clientCa;

    /** {@return the client-certificate policy of --client-auth} */
    public ClientAuth clientAuth() {
        String policy = clientAuth == null ? "none" : clientAuth.toLowerCase(Locale.ROOT);
        return switch (policy) {
            case "none" -> ClientAuth.NONE;
            case "request" -> ClientAuth.REQUEST;
            case "require" -> ClientAuth.REQUIRE;
            default -> throw new IllegalArgumentException(
                    "--client-auth must be none, request or require, not '" + clientAuth + "'");
        };
    }

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
        ClientAuth policy = clientAuth();
        if (policy == ClientAuth.NONE && clientCa != null) {
            throw new IllegalArgumentException("--client-ca needs --client-auth request or require");
        }
        if (policy != ClientAuth.NONE && clientCa == null) {
            throw new IllegalArgumentException("--client-auth " + clientAuth + " needs --client-ca FILE");
        }
        TlsServerConfig.Builder builder = TlsServerConfig.builder(credential()).keyLog(KeyLogSink.fromEnvironment());
        if (policy != ClientAuth.NONE) {
            builder.clientAuthentication(policy,
                    CertificateValidator.forTrustedCertificates(PemFiles.readCertificates(clientCa)));
        }
        return builder.build();
    }
}
