package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/**
 * Client certificates (mutual TLS) through the {@code qsock} command: a server started with
 * {@code --client-auth require --client-ca FILE}, as the server command parses them, and the client command
 * with and without {@code --cert}/{@code --key}, on loopback.
 */
@Timeout(120)
class ClientCertificateCommandTest {

    @TempDir
    Path temp;

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** A CA and the client certificate it issued (extendedKeyUsage clientAuth), written as PEM files. */
    private record ClientPki(Path caFile, Path certificateFile, Path keyFile) {}

    private ClientPki clientPki(String name) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair caKeys = generator.generateKeyPair();
        KeyPair leafKeys = generator.generateKeyPair();
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=" + name + " client CA");
        X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), caName,
                caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign)), caKeys.getPrivate());
        X509Certificate leaf = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.TWO,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("O=qsock tests,CN=" + name + " client"), leafKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)),
                caKeys.getPrivate());
        Path dir = Files.createDirectories(temp.resolve(name));
        Path caFile = Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
        Path certificateFile = Files.writeString(dir.resolve("client.pem"),
                pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
        Path keyFile = Files.writeString(dir.resolve("client.key"), pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded()));
        return new ClientPki(caFile, certificateFile, keyFile);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** {@return the server command's TLS options, parsed from these arguments} */
    private static ServerTlsOptions serverOptions(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.tls;
    }

    @Test
    void aServerRequiringClientCertificatesServesAClientWithOneAndRefusesAClientWithout() throws Exception {
        ClientPki trusted = clientPki("trusted");
        ClientPki other = clientPki("other");
        Path www = Files.createDirectories(temp.resolve("www"));
        byte[] content = new byte[20_000];
        new java.util.Random(5).nextBytes(content);
        Files.write(www.resolve("f.bin"), content);
        Path state = temp.resolve("state");
        ServerTlsOptions tls = serverOptions("--state-dir", state.toString(), "--client-auth", "require",
                "--client-ca", trusted.caFile().toString());
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tls.tlsConfig(), ServerCommand.handlers(List.of("hq-interop"), www), lines::add)) {
            String url = "https://localhost:" + server.port() + "/f.bin";
            String serverCa = state.resolve(SelfSignedCertificate.CERTIFICATE_FILE).toString();
            Path downloads = temp.resolve("downloads");

            CommandRun ok = run("client", "--ca", serverCa, "--cert", trusted.certificateFile().toString(),
                    "--key", trusted.keyFile().toString(), "-o", downloads.toString(), url);
            assertEquals(0, ok.status(), ok.err());
            assertArrayEquals(content, Files.readAllBytes(downloads.resolve("f.bin")));
            ConnectionLogLine served = lines.poll(30, TimeUnit.SECONDS);
            assertTrue(served != null && served.format().contains("client=\"CN=trusted client,O=qsock tests\""),
                    String.valueOf(served));

            CommandRun without = run("client", "--ca", serverCa, "-o", temp.resolve("d2").toString(), url);
            assertEquals(1, without.status(), without.out());
            assertTrue(without.err().contains("requires a client certificate") && without.err().contains("certificate_required(116)"), without.err());

            // A certificate from another CA is not sent (certificate_authorities names only the trusted one).
            CommandRun foreign = run("client", "--ca", serverCa, "--cert", other.certificateFile().toString(),
                    "--key", other.keyFile().toString(), "-o", temp.resolve("d3").toString(), url);
            assertEquals(1, foreign.status(), foreign.out());
            assertTrue(foreign.err().contains("certificate_required"), foreign.err());
        }
    }

    @Test
    void aServerRequestingClientCertificatesServesClientsWithAndWithout() throws Exception {
        ClientPki trusted = clientPki("trusted");
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello");
        Path state = temp.resolve("state");
        ServerTlsOptions tls = serverOptions("--state-dir", state.toString(), "--client-auth", "request",
                "--client-ca", trusted.caFile().toString());
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tls.tlsConfig(), ServerCommand.handlers(List.of("hq-interop"), www), lines::add)) {
            String url = "https://localhost:" + server.port() + "/a.txt";
            String serverCa = state.resolve(SelfSignedCertificate.CERTIFICATE_FILE).toString();
            CommandRun anonymous = run("client", "--ca", serverCa, "-o", temp.resolve("d1").toString(), url);
            assertEquals(0, anonymous.status(), anonymous.err());
            ConnectionLogLine line = lines.poll(30, TimeUnit.SECONDS);
            assertTrue(line != null && !line.format().contains("client="), String.valueOf(line));
        }
    }

    @Test
    void inconsistentOptionsAreUsageErrors() throws Exception {
        Path ca = clientPki("x").caFile();
        CommandRun noCa = run("server", "--state-dir", temp.resolve("s").toString(), "--client-auth", "require");
        assertEquals(2, noCa.status());
        assertTrue(noCa.err().contains("--client-ca"), noCa.err());
        CommandRun badPolicy = run("server", "--state-dir", temp.resolve("s").toString(), "--client-auth", "sometimes",
                "--client-ca", ca.toString());
        assertEquals(2, badPolicy.status());
        assertTrue(badPolicy.err().contains("none, request or require"), badPolicy.err());
        CommandRun caWithoutPolicy = run("server", "--state-dir", temp.resolve("s").toString(), "--client-ca", ca.toString());
        assertEquals(2, caWithoutPolicy.status());
        CommandRun certWithoutKey = run("client", "--cert", ca.toString(), "https://127.0.0.1:1/x");
        assertEquals(2, certWithoutKey.status());
        assertTrue(certWithoutKey.err().contains("--cert and --key go together"), certWithoutKey.err());
    }
}
