package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.tls.cert.TestPki;

/** The handshake service's configuration file: what a good one gives, and that a bad one is named by its line. */
class HandshakeServiceConfigTest {

    @TempDir
    Path dir;

    @BeforeEach
    void pki() throws IOException {
        for (String file : new String[] {"ecdsa-p256-ca.pem", "ecdsa-p256-chain.pem", "ecdsa-p256-leaf.key"}) {
            Files.writeString(dir.resolve(file), TestPki.text(file), StandardCharsets.US_ASCII);
        }
        Files.writeString(dir.resolve("a.keys"), "smb-1:00112233445566778899aabbccddeeff\n");
        Files.writeString(dir.resolve("b.keys"), "nfs-1:ffeeddccbbaa99887766554433221100\n");
    }

    private HandshakeServiceConfig load(String text) throws IOException {
        Path file = dir.resolve("handshake.conf");
        Files.writeString(file, text);
        return HandshakeServiceConfig.load(file);
    }

    private String error(String text) {
        Exception e = assertThrows(Exception.class, () -> load(text));
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e.toString());
        return e.getMessage();
    }

    @Test
    void fullFileGivesEverySetting() throws IOException {
        HandshakeServiceConfig config = load("""
                ; tlshd-style
                [authenticate]
                keyrings = a.keys, b.keys
                [authenticate.client]
                x509.truststore = ecdsa-p256-ca.pem
                alpn = smb, nfs   # offered by default
                session_ticket_wait = 1500
                [Authenticate.Server]
                x509.certificate = ecdsa-p256-chain.pem
                x509.private_key = ecdsa-p256-leaf.key
                client_certificate = REQUIRE
                """);
        assertEquals(2, config.keyring().size());
        assertNotNull(config.keyring().find("nfs-1".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("smb", "nfs"), config.clientApplicationProtocols());
        assertEquals(List.of(), config.serverApplicationProtocols());
        assertEquals(Duration.ofMillis(1500), config.sessionTicketWait());
        assertEquals(ClientAuth.REQUIRE, config.clientCertificate());
        assertNull(config.clientCredential());
        assertEquals(TestPki.leaf("ecdsa-p256"), config.serverCredential().leaf());
    }

    @Test
    void emptyFileGivesDefaults() throws IOException {
        HandshakeServiceConfig config = load("# nothing\n");
        assertTrue(config.keyring().isEmpty());
        assertEquals(ClientAuth.NONE, config.clientCertificate());
        assertEquals(Duration.ZERO, config.sessionTicketWait());
        assertNull(config.serverCredential());
    }

    @Test
    void malformedLinesAreNamedByNumber() {
        assertTrue(error("[authenticate]\nkeyrings a.keys\n").contains("line 2: neither"));
        assertTrue(error("\n\n[authenticate.peer]\n").contains("line 3: unknown section [authenticate.peer]"));
        assertTrue(error("[authenticate.client\n").contains("line 1: a section header ends with ']'"));
        assertTrue(error("alpn = smb\n").contains("line 1: a key before any [section]"));
        assertTrue(error("[authenticate.server]\nalpn = a\nalpn = b\n").contains("line 3: 'alpn' again (first on line 2)"));
        assertTrue(error("[authenticate.server]\nclient_certificate = maybe\n").contains("line 2: client_certificate"));
        assertTrue(error("[authenticate.client]\nsession_ticket_wait = 2s\n").contains("line 2: session_ticket_wait"));
        assertTrue(error("[authenticate.client]\nsession_ticket_wait = 255001\n").contains("line 2"));
        assertTrue(error("[authenticate.client]\nalpn = smb,,nfs\n").contains("line 2: an empty item"));
        assertTrue(error("[authenticate.client]\nalpn =\n").contains("line 2: 'alpn' has no value"));
        assertTrue(error("[authenticate]\n[authenticate]\n").contains("line 2: section [authenticate] appears twice"));
        assertTrue(error("[authenticate.server]\nx509.certificate = ecdsa-p256-chain.pem\n")
                .contains("line 2: x509.certificate without x509.private_key"));
        assertTrue(error("[authenticate.client]\n\nx509.private_key = ecdsa-p256-leaf.key\n")
                .contains("line 3: x509.private_key without x509.certificate"));
    }

    @Test
    void unreadableOrBadReferencedFilesAreNamedByLine() throws IOException {
        assertTrue(error("[authenticate.client]\nx509.truststore = missing.pem\n").contains("line 2: cannot read"));
        Files.writeString(dir.resolve("bad.keys"), "ok:00\nno-colon\n");
        String message = error("[authenticate]\nkeyrings = bad.keys\n");
        assertTrue(message.contains("line 2") && message.contains("PSK keyring line 2"), message);
        assertTrue(error("[authenticate]\nkeyrings = a.keys, a.keys\n").contains("line 2: two keyrings"));
    }
}
