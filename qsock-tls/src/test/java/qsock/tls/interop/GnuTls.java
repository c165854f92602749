package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import qsock.core.handshake.CipherSuite;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/**
 * GnuTLS's command-line tools (Debian's gnutls-bin: gnutls-serv and gnutls-cli) as the peer: where they
 * are, their priority strings and names, the test PKI as files for them, and a client run.
 *
 * <p>The tools are required: a test that cannot find them fails and says how to install them (CI installs
 * gnutls-bin), rather than skipping and passing without having tested anything.
 */
final class GnuTls {

    /** The priority string of TLS 1.2 alone, for the protocol_version test. */
    static final String TLS12_ONLY = "NORMAL:-VERS-ALL:+VERS-TLS1.2";

    private GnuTls() {}

    /**
     * {@return the path of a gnutls-bin tool (or of coreutils' stdbuf) on the PATH, failing the test if
     * there is none}
     */
    static String executable(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail(name + " is not on the PATH (" + path + "). The interop tests run GnuTLS's command-line "
                + "tools as peers: install them (Debian/Ubuntu: apt-get install gnutls-bin; CI does). "
                + "gnutls-serv runs under stdbuf, from coreutils.");
    }

    /** A GnuTLS priority string allowing TLS 1.3 only, with NORMAL's suites, groups and signature algorithms. */
    static final String TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

    /**
     * {@return a priority string allowing TLS 1.3 only, with one cipher suite and one group} Signature
     * algorithms stay NORMAL's, which include RSA-PSS, ECDSA and Ed25519.
     */
    static String priority(CipherSuite suite, NamedGroup group) {
        return TLS13 + ":-CIPHER-ALL:+" + cipherName(suite) + ":-GROUP-ALL:+GROUP-"
                + groupName(group);
    }

    /** {@return GnuTLS's name of a suite's cipher, as priority strings and session descriptions spell it} */
    static String cipherName(CipherSuite suite) {
        return switch (suite) {
            case TLS_AES_128_GCM_SHA256 -> "AES-128-GCM";
            case TLS_AES_256_GCM_SHA384 -> "AES-256-GCM";
            case TLS_CHACHA20_POLY1305_SHA256 -> "CHACHA20-POLY1305";
        };
    }

    /** {@return GnuTLS's name of a group, as in "GROUP-X25519" and "(ECDHE-X25519)"} */
    static String groupName(NamedGroup group) {
        return switch (group) {
            case X25519 -> "X25519";
            case SECP256R1 -> "SECP256R1";
            case SECP384R1 -> "SECP384R1";
            default -> throw new IllegalArgumentException("not used with GnuTLS: " + group);
        };
    }

    /** The test PKI of one key type, as files in a directory. */
    record PkiFiles(Path chain, Path key, Path ca) {}

    /** {@return the chain, leaf key and CA of {@code pki}, written into {@code dir}} */
    static PkiFiles write(Path dir, String pki) throws IOException {
        Path chain = Files.writeString(dir.resolve(pki + "-chain.pem"), TestPki.text(pki + "-chain.pem"));
        Path key = Files.writeString(dir.resolve(pki + "-leaf.key"), TestPki.text(pki + "-leaf.key"));
        Path ca = Files.writeString(dir.resolve(pki + "-ca.pem"), TestPki.text(pki + "-ca.pem"));
        return new PkiFiles(chain, key, ca);
    }

    /**
     * {@return a running gnutls-cli connected to 127.0.0.1:{@code port}} It verifies the server against
     * {@code ca} and the name "localhost" (also sent as SNI), copies its stdin to the server and what it
     * receives to its stdout, and writes everything else to {@code log}, which holds the session
     * description and any alert.
     */
    static PeerProcess client(Path dir, int port, Path ca, String priority, Path log, String... options)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(executable("gnutls-cli"), "-p", Integer.toString(port),
                "--x509cafile=" + ca, "--sni-hostname=localhost", "--verify-hostname=localhost",
                "--priority=" + priority, "--logfile=" + log));
        command.addAll(List.of(options));
        command.add("127.0.0.1");
        return PeerProcess.start("gnutls-cli", command, dir);
    }

    /** {@return what gnutls-cli wrote to its log, empty if nothing} */
    static String log(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    /**
     * {@return the "- Description: (TLS1.3-X.509)-(ECDHE-X25519)-(...)-(AES-128-GCM)" line gnutls-serv and
     * gnutls-cli print for a session, or null}
     */
    static String description(String output) {
        return output.lines().filter(l -> l.startsWith("- Description: ")).findFirst().orElse(null);
    }
}
