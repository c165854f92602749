package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenSSL 3.0's {@code openssl s_server} and {@code s_client} as TLS 1.3 peers over loopback TCP, modelled on
 * {@link GnuTls} and {@link GnuTlsServer}: the same PKI files, found on the PATH (Debian's {@code openssl}).
 */
final class OpenSsl {

    private static final int ATTEMPTS = 5;
    private static final Duration STARTUP = Duration.ofSeconds(10);
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

    private OpenSsl() {}

    /** A running s_server on a free loopback port. */
    record Server(PeerProcess process, int port) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.close();
        }

        @Override
        public String toString() {
            return process.toString();
        }
    }

    /**
     * {@return s_server listening on 127.0.0.1} for one connection, TLS 1.3 only, with the chain and key of
     * {@code pki} and further options (such as {@code -groups} and {@code -rev}, which answers each line
     * reversed)
     */
    static Server server(Path dir, GnuTls.PkiFiles pki, String... options) throws IOException, InterruptedException {
        Path extra = intermediates(dir, pki);
        List<String> certificate = new ArrayList<>(List.of("-cert", pki.chain().toString(), "-key",
                pki.key().toString()));
        if (extra != null) {
            certificate.addAll(List.of("-cert_chain", extra.toString()));
        }
        return start(dir, certificate, options);
    }

    /**
     * {@return s_server listening on 127.0.0.1} for one connection, TLS 1.3 only, without a certificate
     * ({@code -nocert}): for external PSKs ({@code -psk}, {@code -psk_identity} among the options)
     */
    static Server serverWithoutCertificate(Path dir, String... options) throws IOException, InterruptedException {
        return start(dir, List.of("-nocert"), options);
    }

    private static Server start(Path dir, List<String> certificate, String... options)
            throws IOException, InterruptedException {
        StringBuilder failures = new StringBuilder();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            // stdbuf: s_server's stdout through a pipe would be fully buffered (see GnuTlsServer).
            List<String> command = new ArrayList<>(List.of(GnuTls.executable("stdbuf"), "-oL",
                    GnuTls.executable("openssl"), "s_server", "-accept", "127.0.0.1:" + port, "-naccept", "1",
                    "-tls1_3"));
            command.addAll(certificate);
            command.addAll(List.of(options));
            PeerProcess process = PeerProcess.start("openssl-s_server", command, dir);
            boolean settled = process.stdout().awaitText(t -> t.contains("ACCEPT"), STARTUP)
                    || !process.isAlive();
            if (settled && process.stdout().text().contains("ACCEPT")) {
                return new Server(process, port);
            }
            process.close();
            failures.append("\n").append(process);
        }
        return fail("openssl s_server did not start listening in " + ATTEMPTS + " attempts:" + failures);
    }

    /**
     * {@return s_client connected to 127.0.0.1:{@code port}}, TLS 1.3 only, verifying the chain against
     * {@code ca} and the name "localhost" (also the SNI); {@code -quiet}: its stdout carries only what it
     * receives, its stdin goes to the server.
     */
    static PeerProcess client(Path dir, int port, Path ca, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(GnuTls.executable("openssl"), "s_client", "-connect",
                "127.0.0.1:" + port, "-tls1_3", "-CAfile", ca.toString(), "-servername", "localhost",
                "-verify_hostname", "localhost", "-verify_return_error", "-quiet"));
        command.addAll(List.of(options));
        return PeerProcess.start("openssl-s_client", command, dir);
    }

    /** {@return a file with the chain's certificates after the leaf, or null if the chain is the leaf only} */
    private static Path intermediates(Path dir, GnuTls.PkiFiles pki) throws IOException {
        String chain = Files.readString(pki.chain());
        int second = chain.indexOf(BEGIN, chain.indexOf(BEGIN) + BEGIN.length());
        if (second < 0) {
            return null;
        }
        return Files.writeString(dir.resolve("openssl-intermediates.pem"), chain.substring(second));
    }
}
