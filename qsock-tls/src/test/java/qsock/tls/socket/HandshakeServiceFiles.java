package qsock.tls.socket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import qsock.tls.cert.TestPki;

/**
 * A handshake service configuration in a directory: the test PKI's PEM files, a PSK keyring, and a
 * {@code handshake.conf} naming them by relative paths (as a system's file would name /etc/pki paths).
 */
final class HandshakeServiceFiles {

    static final String PSK_IDENTITY = "nfs-client-1";
    static final String PSK_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private HandshakeServiceFiles() {}

    /**
     * Writes the files; {@code extraServer} is appended to [authenticate.server] and {@code extraClient} to
     * [authenticate.client].
     *
     * @return the configuration file
     */
    static Path write(Path dir, String extraClient, String extraServer) throws IOException {
        for (String file : new String[] {"ecdsa-p256-ca.pem", "ecdsa-p256-chain.pem", "ecdsa-p256-leaf.key"}) {
            Files.writeString(dir.resolve(file), TestPki.text(file), StandardCharsets.US_ASCII);
        }
        Files.writeString(dir.resolve("psk.keys"), "# tlshd-style keyring\n" + PSK_IDENTITY + ":" + PSK_KEY + "\n",
                StandardCharsets.US_ASCII);
        String conf = """
                # qsock handshake service, as a test writes it
                [authenticate]
                keyrings = psk.keys

                [authenticate.client]
                x509.truststore = ecdsa-p256-ca.pem
                x509.certificate = ecdsa-p256-chain.pem
                x509.private_key = ecdsa-p256-leaf.key
                alpn = echo
                %s
                [authenticate.server]
                x509.truststore = ecdsa-p256-ca.pem
                x509.certificate = ecdsa-p256-chain.pem
                x509.private_key = ecdsa-p256-leaf.key
                alpn = echo
                %s
                """.formatted(extraClient, extraServer);
        Path file = dir.resolve("handshake.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return file;
    }
}
