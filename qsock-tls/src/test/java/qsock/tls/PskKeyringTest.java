package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.handshake.HashFunction;

/** The keyring file of {@code identity:hex-key} lines (tlshd's form) and what never leaks from it. */
class PskKeyringTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void linesCommentsAndBlankLines() {
        PskKeyring ring = PskKeyring.parse("# keys\n\nalice:00112233\r\n  bob:AABBccdd  \n#carol:11\nnfs:client:0a0b\n");
        assertEquals(3, ring.size());
        assertArrayEquals(HexFormat.of().parseHex("00112233"), ring.find(utf8("alice")).key());
        assertArrayEquals(HexFormat.of().parseHex("aabbccdd"), ring.find(utf8("bob")).key());
        // The identity is all before the last colon.
        assertArrayEquals(new byte[] {10, 11}, ring.find(utf8("nfs:client")).key());
        assertEquals(HashFunction.SHA256, ring.find(utf8("alice")).hash());
        assertNull(ring.find(utf8("carol")));
        assertNull(ring.find(utf8("Alice")));
    }

    @Test
    void aMalformedLineIsNamedByNumberWithoutItsContent() {
        // Full-width digits are digits to Character.digit, not hex digits to HexFormat.
        String[] bad = {"secretid", "secretid:", ":00ff", "secretid:0g", "secretid:abc", "ok:00\nsecretid:00ff\nsecretid:00ff",
            "secretid:\uff10\uff10"};
        int[] lines = {1, 1, 1, 1, 1, 3, 1};
        for (int i = 0; i < bad.length; i++) {
            String text = "# header\n" + bad[i];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PskKeyring.parse(text));
            assertTrue(e.getMessage().contains("line " + (lines[i] + 1)), e.getMessage());
            assertFalse(e.getMessage().contains("secretid"), e.getMessage());
            assertFalse(e.getMessage().contains("00ff"), e.getMessage());
        }
    }

    @Test
    void loadNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("psk.txt");
        Files.writeString(file, "id1:" + "ab".repeat(32) + "\n");
        assertEquals(1, PskKeyring.load(file).size());
        Files.writeString(file, "id1:zz\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PskKeyring.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void neitherKeysNorIdentitiesAppearInToString() {
        ExternalPsk psk = new ExternalPsk("visible-id", HexFormat.of().parseHex("deadbeefcafe"));
        PskKeyring ring = PskKeyring.of(psk);
        TlsClientConfig client = TlsClientConfig.builder().insecure().externalPsk(psk).build();
        TlsServerConfig server = TlsServerConfig.builder(ring).build();
        for (String s : new String[] {psk.toString(), ring.toString(), client.toString(), server.toString()}) {
            assertFalse(s.contains("deadbeef") || s.contains("DEADBEEF") || s.contains("visible-id"), s);
        }
    }

    @Test
    void keysAreCopiedAndChecked() {
        byte[] key = {1, 2, 3};
        ExternalPsk psk = new ExternalPsk("id", key);
        key[0] = 9;
        assertEquals(1, psk.key()[0]);
        psk.key()[1] = 9;
        assertEquals(2, psk.key()[1]);
        assertThrows(IllegalArgumentException.class, () -> new ExternalPsk("", key));
        assertThrows(IllegalArgumentException.class, () -> new ExternalPsk("id", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> PskKeyring.of(psk, new ExternalPsk("id", key)));
        assertThrows(IllegalArgumentException.class, () -> TlsServerConfig.builder(PskKeyring.empty()));
    }
}
