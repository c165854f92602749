package qsock.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.KeyLogSink;
import qsock.tls.PskKeyring;
import qsock.tls.PskMode;
import qsock.tls.ServerTickets;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;
import qsock.tools.cert.SelfSignedCertificate;

/**
 * The server's certificate options: a PEM chain and key, or the self-signed one kept in the state directory; and
 * whether to ask clients for certificates (mutual TLS), with the CAs that issue them; and the external pre-shared
 * keys (RFC 8446 §4.2.11) clients may authenticate with instead, alone (no certificate) or beside a certificate.
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

    @Option(names = "--psk-keyring", paramLabel = "FILE",
            description = "External pre-shared keys clients may use (RFC 8446 §4.2.11): one identity:hex-key per "
                    + "line, as tlshd's PSK users write them. Without --cert and --state-dir the server uses no "
                    + "certificate and accepts PSK clients only; with either, it accepts both.")
    Path pskKeyring;

    @Option(names = "--psk-ke",
            description = "Also accept psk_ke (the PSK alone: no (EC)DHE, no forward secrecy) from clients that "
                    + "offer only it; clients that offer psk_dhe_ke keep it (needs --psk-keyring).")
    boolean pskKe;

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
        return certificate == null && !pskOnly();
    }

    /**
     * {@return true when the server authenticates with pre-shared keys only} That is a keyring without any
     * certificate option (--cert, --key, --state-dir): tlshd's PSK mode, where no certificate exists.
     */
    public boolean pskOnly() {
        return pskKeyring != null && certificate == null && key == null && stateDirectory == null;
    }

    /** {@return the file of --psk-keyring, or null} */
    public Path pskKeyringFile() {
        return pskKeyring;
    }

    /** {@return the credential: the files given, or the self-signed one, generated on first use} */
    public Credential credential() throws IOException {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        return certificate != null ? Credential.fromPem(certificate, key)
                : SelfSignedCertificate.loadOrCreate(stateDirectory());
    }

    /**
     * {@return the TLS configuration: the credential, or only the pre-shared keys, or both; writing keys to
     * SSLKEYLOGFILE when it is set}
     */
    public TlsServerConfig tlsConfig() throws IOException {
        return tlsConfig(null);
    }

    /**
     * {@return the TLS configuration of {@link #tlsConfig()}, issuing and accepting session tickets as
     * {@code tickets} says (null: none)}
     */
    public TlsServerConfig tlsConfig(ServerTickets tickets) throws IOException {
        ClientAuth policy = clientAuth();
        if (policy == ClientAuth.NONE && clientCa != null) {
            throw new IllegalArgumentException("--client-ca needs --client-auth request or require");
        }
        if (policy != ClientAuth.NONE && clientCa == null) {
            throw new IllegalArgumentException("--client-auth " + clientAuth + " needs --client-ca FILE");
        }
        if (pskKe && pskKeyring == null) {
            throw new IllegalArgumentException("--psk-ke needs --psk-keyring FILE");
        }
        PskKeyring keyring = null;
        if (pskKeyring != null) {
            // The keyring's parse errors name the file and line, never a line's content (a key).
            keyring = PskKeyring.load(pskKeyring);
            if (keyring.isEmpty()) {
                throw new IllegalArgumentException("--psk-keyring " + pskKeyring + " holds no key");
            }
        }
        if (pskOnly() && policy != ClientAuth.NONE) {
            // RFC 8446 §4.3.2: a server authenticating with a PSK sends no CertificateRequest.
            throw new IllegalArgumentException("--client-auth needs a server certificate (--cert and --key, or "
                    + "--state-dir): a server with only --psk-keyring asks no client for a certificate");
        }
        TlsServerConfig.Builder builder = pskOnly() ? TlsServerConfig.builder(keyring)
                : TlsServerConfig.builder(credential());
        builder.keyLog(KeyLogSink.fromEnvironment());
        if (tickets != null) {
            builder.tickets(tickets);
        }
        if (keyring != null) {
            builder.pskKeyring(keyring);
            // The server takes the first of its modes the client offers: psk_dhe_ke stays first, so that psk_ke
            // (no forward secrecy) serves only clients that offer nothing else.
            builder.pskModes(pskKe ? new PskMode[] {PskMode.PSK_DHE_KE, PskMode.PSK_KE}
                    : new PskMode[] {PskMode.PSK_DHE_KE});
        }
        if (policy != ClientAuth.NONE) {
            builder.clientAuthentication(policy,
                    CertificateValidator.forTrustedCertificates(PemFiles.readCertificates(clientCa)));
        }
        return builder.build();
    }
}
