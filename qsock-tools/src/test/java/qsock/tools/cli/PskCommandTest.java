package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import qsock.tools.cert.SelfSignedCertificate;
import qsock.tools.server.ConnectionLogLine;
import qsock.tools.server.QsockServer;

/**
 * External pre-shared keys (RFC 8446 §4.2.11) through the {@code qsock} command, the way tlshd's PSK users know
 * them: a server started with {@code --psk-keyring FILE} (as the server command parses it), and the client command
 * with {@code --psk-identity} and {@code --psk-key-file} or {@code --psk-keyring}, on loopback. Every run's output
 * is checked for the keys, which must never appear.
 */
@Timeout(120)
class PskCommandTest {

    private static final String ALICE_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static final String BOB_KEY = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
    private static final String WRONG_KEY = "ffeeddccbbaa99887766554433221100";
    /** An identity with an escape sequence in it, as a hostile client might choose. */
    private static final String ODD_IDENTITY = "odd\u001b[31m";
    private static final String ODD_KEY = "5eed5eed5eed5eed5eed5eed5eed5eed";
    private static final List<String> KEYS = List.of(ALICE_KEY, BOB_KEY, WRONG_KEY, ODD_KEY);

    @TempDir
    Path temp;

    private static CommandRun run(String... args) {
        CommandRun run = CommandRun.of(args);
        assertNoKey(run.out() + run.err());
        return run;
    }

    /** Fails if {@code text} holds any of the test's keys, in either case. */
    private static void assertNoKey(String text) {
        for (String key : KEYS) {
            assertFalse(text.toLowerCase(java.util.Locale.ROOT).contains(key), "a key appeared in: " + text);
        }
    }

    /** {@return the server command's TLS options, parsed from these arguments} */
    private static ServerTlsOptions serverOptions(String... args) {
        ServerCommand command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.tls;
    }

    private Path keyring() throws Exception {
        return Files.writeString(temp.resolve("keyring"), "# tlshd-style keyring\nalice:" + ALICE_KEY + "\n\nbob:"
                + BOB_KEY + "\n" + ODD_IDENTITY + ":" + ODD_KEY + "\n");
    }

    private Path keyFile(String name, String content) throws Exception {
        return Files.writeString(temp.resolve(name), content);
    }

    private static ConnectionLogLine next(LinkedBlockingQueue<ConnectionLogLine> lines) throws InterruptedException {
        ConnectionLogLine line = lines.poll(30, TimeUnit.SECONDS);
        assertNotNull(line, "no log line");
        assertNoKey(line.format());
        return line;
    }

    private QsockServer start(ServerTlsOptions tls, Path www, LinkedBlockingQueue<ConnectionLogLine> lines)
            throws Exception {
        return QsockServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tls.tlsConfig(),
                ServerCommand.handlers(List.of("hq-interop"), www), lines::add);
    }

    @Test
    void aPskOnlyServerServesClientsWithAKeyFileOrAKeyringAndNamesTheIdentity() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        byte[] content = new byte[30_000];
        new Random(11).nextBytes(content);
        Files.write(www.resolve("f.bin"), content);
        Path keyring = keyring();
        Path aliceKey = keyFile("alice.key", ALICE_KEY.toUpperCase(java.util.Locale.ROOT) + "\n");
        ServerTlsOptions tls = serverOptions("--psk-keyring", keyring.toString());
        assertTrue(tls.pskOnly() && !tls.selfSigned(), "no certificate option: PSK only");
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(tls, www, lines)) {
            String url = "https://127.0.0.1:" + server.port() + "/f.bin";

            CommandRun withKeyFile = run("client", "--psk-identity", "alice", "--psk-key-file", aliceKey.toString(),
                    "-o", temp.resolve("d1").toString(), url);
            assertEquals(0, withKeyFile.status(), withKeyFile.err());
            assertArrayEquals(content, Files.readAllBytes(temp.resolve("d1").resolve("f.bin")));
            String line = next(lines).format();
            assertTrue(line.contains(" psk=\"alice\" psk_mode=psk_dhe_ke ") && line.contains("in=") , line);
            assertFalse(line.contains("client="), line);

            CommandRun withKeyring = run("client", "--psk-keyring", keyring.toString(), "--psk-identity", "bob",
                    "-o", temp.resolve("d2").toString(), url);
            assertEquals(0, withKeyring.status(), withKeyring.err());
            assertArrayEquals(content, Files.readAllBytes(temp.resolve("d2").resolve("f.bin")));
            assertTrue(next(lines).format().contains(" psk=\"bob\" psk_mode=psk_dhe_ke "));

            // The identity is the client's text: its escape sequence reaches the log escaped.
            CommandRun odd = run("client", "--psk-keyring", keyring.toString(), "--psk-identity", ODD_IDENTITY,
                    "-o", temp.resolve("d3").toString(), url);
            assertEquals(0, odd.status(), odd.err());
            String oddLine = next(lines).format();
            assertTrue(oddLine.contains(" psk=\"odd\\x1b[31m\" "), oddLine);
            assertFalse(oddLine.contains("\u001b"), oddLine);

            // No certificate to fall back on: a client without a key is refused, and its message says so.
            CommandRun withoutPsk = run("client", "--insecure", "-o", temp.resolve("d4").toString(), url);
            assertEquals(1, withoutPsk.status(), withoutPsk.out());
            assertTrue(withoutPsk.err().contains("handshake_failure(40)")
                    && withoutPsk.err().contains("no pre-shared key"), withoutPsk.err());
            assertTrue(next(lines).format().contains("handshake_failure"));
        }
    }

    @Test
    void pskKeIsUsedOnlyWhenBothSidesAskForItAndAServerPrefersPskDheKe() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello");
        Path keyring = keyring();
        Path aliceKey = keyFile("alice.key", ALICE_KEY);
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(serverOptions("--psk-keyring", keyring.toString(), "--psk-ke"), www, lines)) {
            String url = "https://127.0.0.1:" + server.port() + "/a.txt";
            CommandRun both = run("client", "--psk-identity", "alice", "--psk-key-file", aliceKey.toString(), "--psk-ke",
                    "-o", temp.resolve("d1").toString(), url);
            assertEquals(0, both.status(), both.err());
            assertEquals("hello", Files.readString(temp.resolve("d1").resolve("a.txt")));
            String line = next(lines).format();
            assertTrue(line.contains(" psk=\"alice\" psk_mode=psk_ke "), line);

            CommandRun serverOnly = run("client", "--psk-identity", "alice", "--psk-key-file", aliceKey.toString(),
                    "-o", temp.resolve("d2").toString(), url);
            assertEquals(0, serverOnly.status(), serverOnly.err());
            assertTrue(next(lines).format().contains(" psk_mode=psk_dhe_ke "));
        }
        try (QsockServer server = start(serverOptions("--psk-keyring", keyring.toString()), www, lines)) {
            // A client asking for psk_ke alone, at a server that does not allow it: refused, and told why.
            CommandRun clientOnly = run("client", "--psk-identity", "alice", "--psk-key-file", aliceKey.toString(),
                    "--psk-ke", "-o", temp.resolve("d3").toString(), "https://127.0.0.1:" + server.port() + "/a.txt");
            assertEquals(1, clientOnly.status(), clientOnly.out());
            assertTrue(clientOnly.err().contains("--psk-ke"), clientOnly.err());
        }
    }

    @Test
    void aWrongKeyOrAnUnknownIdentityFailsWithAClearMessageAndLeaksNeither() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello");
        Path wrongKey = keyFile("wrong.key", WRONG_KEY);
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(serverOptions("--psk-keyring", keyring().toString()), www, lines)) {
            String url = "https://127.0.0.1:" + server.port() + "/a.txt";

            CommandRun wrong = run("client", "--psk-identity", "alice", "--psk-key-file", wrongKey.toString(),
                    "-o", temp.resolve("d1").toString(), url);
            assertEquals(1, wrong.status(), wrong.out());
            assertTrue(wrong.err().contains("another key for this PSK identity")
                    && wrong.err().contains("decrypt_error(51)"), wrong.err());
            assertFalse(Files.exists(temp.resolve("d1").resolve("a.txt")));
            String refusedLine = next(lines).format();
            assertTrue(refusedLine.contains("decrypt_error") && !refusedLine.contains("psk="), refusedLine);

            CommandRun unknown = run("client", "--psk-identity", "mallory", "--psk-key-file", wrongKey.toString(),
                    "-o", temp.resolve("d2").toString(), url);
            assertEquals(1, unknown.status(), unknown.out());
            assertTrue(unknown.err().contains("knows no pre-shared key of the identity offered")
                    && unknown.err().contains("unknown_psk_identity(115)")
                    && unknown.err().contains("--psk-identity"), unknown.err());
            // The server names no identity it does not know (RFC 8446 §4.2.11: identities may be private).
            String unknownLine = next(lines).format();
            assertTrue(unknownLine.contains("unknown_psk_identity") && !unknownLine.contains("mallory"), unknownLine);
        }
    }

    @Test
    void aServerWithACertificateAndAKeyringAcceptsBoth() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "hello");
        Path state = temp.resolve("state");
        ServerTlsOptions tls = serverOptions("--state-dir", state.toString(), "--psk-keyring", keyring().toString());
        assertFalse(tls.pskOnly());
        LinkedBlockingQueue<ConnectionLogLine> lines = new LinkedBlockingQueue<>();
        try (QsockServer server = start(tls, www, lines)) {
            String url = "https://localhost:" + server.port() + "/a.txt";
            String serverCa = state.resolve(SelfSignedCertificate.CERTIFICATE_FILE).toString();
            CommandRun certificate = run("client", "--ca", serverCa, "-o", temp.resolve("d1").toString(), url);
            assertEquals(0, certificate.status(), certificate.err());
            assertFalse(next(lines).format().contains("psk="));

            CommandRun psk = run("client", "--ca", serverCa, "--psk-identity", "alice", "--psk-key-file",
                    keyFile("alice.key", ALICE_KEY).toString(), "-o", temp.resolve("d2").toString(), url);
            assertEquals(0, psk.status(), psk.err());
            assertTrue(next(lines).format().contains(" psk=\"alice\" "));
        }
    }

    @Test
    void inconsistentOptionsAndBadKeysAreUsageErrorsThatNeverShowTheKey() throws Exception {
        Path keyring = keyring();
        Path aliceKey = keyFile("alice.key", ALICE_KEY);
        String url = "https://127.0.0.1:1/x";

        CommandRun noKey = run("client", "--psk-identity", "alice", url);
        assertEquals(2, noKey.status());
        assertTrue(noKey.err().contains("--psk-identity needs its key"), noKey.err());

        CommandRun noIdentity = run("client", "--psk-key-file", aliceKey.toString(), url);
        assertEquals(2, noIdentity.status());
        assertTrue(noIdentity.err().contains("need --psk-identity"), noIdentity.err());

        CommandRun both = run("client", "--psk-identity", "alice", "--psk-key-file", aliceKey.toString(),
                "--psk-keyring", keyring.toString(), url);
        assertEquals(2, both.status());
        assertTrue(both.err().contains("exclude each other"), both.err());

        // A typo in the key: the message says what is wrong, not what the file holds.
        CommandRun oddDigits = run("client", "--psk-identity", "alice", "--psk-key-file",
                keyFile("odd.key", ALICE_KEY + "0").toString(), url);
        assertEquals(2, oddDigits.status());
        assertTrue(oddDigits.err().contains("does not hold a key as an even number of hex digits"), oddDigits.err());
        CommandRun notHex = run("client", "--psk-identity", "alice", "--psk-key-file",
                keyFile("nothex.key", ALICE_KEY.substring(0, 30) + "zz" + ALICE_KEY.substring(32)).toString(), url);
        assertEquals(2, notHex.status());
        assertTrue(notHex.err().contains("does not hold a key"), notHex.err());
        assertFalse(notHex.err().contains(ALICE_KEY.substring(0, 30)), notHex.err());
        CommandRun empty = run("client", "--psk-identity", "alice", "--psk-key-file", keyFile("empty.key", "\n").toString(),
                url);
        assertEquals(2, empty.status());
        assertTrue(empty.err().contains("holds no key"), empty.err());

        CommandRun notInKeyring = run("client", "--psk-identity", "carol", "--psk-keyring", keyring.toString(), url);
        assertEquals(2, notInKeyring.status());
        assertTrue(notInKeyring.err().contains("holds no key for the identity 'carol'"), notInKeyring.err());

        CommandRun keWithoutIdentity = run("client", "--psk-ke", url);
        assertEquals(2, keWithoutIdentity.status());

        Path badKeyring = Files.writeString(temp.resolve("bad-keyring"), "alice:" + ALICE_KEY + "\nbob " + BOB_KEY + "\n");
        CommandRun clientBadKeyring = run("client", "--psk-identity", "alice", "--psk-keyring", badKeyring.toString(), url);
        assertEquals(2, clientBadKeyring.status());
        assertTrue(clientBadKeyring.err().contains("line 2"), clientBadKeyring.err());

        Path state = temp.resolve("s");
        CommandRun serverBadKeyring = run("server", "-p", "0", "--psk-keyring", badKeyring.toString());
        assertEquals(2, serverBadKeyring.status());
        assertTrue(serverBadKeyring.err().contains("line 2"), serverBadKeyring.err());
        CommandRun serverKeWithoutKeyring = run("server", "-p", "0", "--state-dir", state.toString(), "--psk-ke");
        assertEquals(2, serverKeWithoutKeyring.status());
        assertTrue(serverKeWithoutKeyring.err().contains("--psk-ke needs --psk-keyring"), serverKeWithoutKeyring.err());
        CommandRun emptyKeyring = run("server", "-p", "0", "--psk-keyring",
                Files.writeString(temp.resolve("empty-keyring"), "# none\n").toString());
        assertEquals(2, emptyKeyring.status());
        assertTrue(emptyKeyring.err().contains("holds no key"), emptyKeyring.err());
        CommandRun clientAuthWithoutCertificate = run("server", "-p", "0", "--psk-keyring", keyring.toString(),
                "--client-auth", "require", "--client-ca", keyring.toString());
        assertEquals(2, clientAuthWithoutCertificate.status());
        assertTrue(clientAuthWithoutCertificate.err().contains("--client-auth needs a server certificate"),
                clientAuthWithoutCertificate.err());
    }
}
