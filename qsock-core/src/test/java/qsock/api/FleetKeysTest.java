package qsock.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fleet key file: what it holds, and each malformed line refused with its file and line number. */
class FleetKeysTest {

    private static final String TOKEN32 = "11".repeat(32);
    private static final String TOKEN16 = "22".repeat(16);
    private static final String TICKET = "33".repeat(32);
    private static final String TICKET2 = "44".repeat(32);
    private static final String RESET = "55".repeat(32);

    @Test
    void readsEachKindTheFirstLineSealingTheSecondOpening(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fleet.keys");
        Files.writeString(file, """
                # qsock fleet keys
                token-key %s   # the sealing one

                token-key %s
                ticket-key 0a0b0c0d %s
                ticket-key FFFFFFFF %s
                stateless-reset-key %s
                """.formatted(TOKEN32, TOKEN16, TICKET, TICKET2, RESET));
        FleetKeys keys = FleetKeys.load(file);
        HexFormat hex = HexFormat.of();
        assertArrayEquals(hex.parseHex(TOKEN32), keys.tokenKeys().current());
        assertArrayEquals(hex.parseHex(TOKEN16), keys.tokenKeys().previous());
        assertEquals(2, keys.ticketKeys().size());
        assertEquals(0x0a0b0c0d, keys.ticketKeys().get(0).id());
        assertArrayEquals(hex.parseHex(TICKET), keys.ticketKeys().get(0).key());
        assertEquals(0xffffffff, keys.ticketKeys().get(1).id());
        assertArrayEquals(hex.parseHex(RESET), keys.statelessResetKey());
        assertFalse(keys.toString().contains("1111"), "no key in the string form: " + keys);
    }

    @Test
    void aFileWithOneTokenKeyAndNoTicketKeyHasNoPreviousAndNoTickets() {
        FleetKeys keys = FleetKeys.parse("f", "token-key " + TOKEN16 + "\nstateless-reset-key " + RESET + "\n");
        assertNull(keys.tokenKeys().previous());
        assertTrue(keys.ticketKeys().isEmpty());
    }

    @Test
    void generatedKeysWriteAndReadBackEqual(@TempDir Path dir) throws Exception {
        FleetKeys keys = FleetKeys.generate(new SplittableRandom(5));
        Path file = dir.resolve("k");
        Files.writeString(file, keys.format());
        assertEquals(keys, FleetKeys.load(file));
        assertEquals(1, keys.ticketKeys().size());
        assertEquals(32, keys.tokenKeys().current().length);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown kind|session-key 00|f:2: unknown line 'session-key'",
        "token key of 20 bytes|token-key " + "ab" + "00000000000000000000000000000000000000|f:2: a token-key is 16 or 32 bytes",
        "odd hex digits|token-key abc|f:2: the token-key is not an even number of hex digits",
        "not hex|token-key zz" + "00000000000000000000000000000000000000000000000000000000000000|f:2: the token-key is not an even number",
        "token key without value|token-key|f:2: expected 'token-key HEX', found 0 value(s)",
        "ticket id too short|ticket-key 0a0b " + "33333333333333333333333333333333333333333333333333333333333333" + "33|f:2: a ticket-key id is 8 hex digits",
        "ticket key of 16 bytes|ticket-key 0a0b0c0d 33333333333333333333333333333333|f:2: a ticket-key is 32 bytes",
        "reset key of 16 bytes|stateless-reset-key 55555555555555555555555555555555|f:2: a stateless-reset-key is 32 bytes",
    })
    void aMalformedLineIsRefusedNamingItsLine(String what, String line, String message) {
        // Line 1 is fine; the bad line is line 2.
        String text = "token-key " + TOKEN16 + "\n" + line + "\nstateless-reset-key " + RESET + "\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FleetKeys.parse("f", text));
        assertTrue(e.getMessage().startsWith(message), what + ": " + e.getMessage());
    }

    @Test
    void aThirdKeyOfAKindASecondResetKeyAndARepeatedTicketIdAreRefusedNamingTheLine() {
        String third = "token-key " + TOKEN16 + "\ntoken-key " + TOKEN16 + "\ntoken-key " + TOKEN32
                + "\nstateless-reset-key " + RESET;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetKeys.parse("f", third)).getMessage()
                .startsWith("f:3: a third token-key"));
        String twoResets = "token-key " + TOKEN16 + "\nstateless-reset-key " + RESET + "\nstateless-reset-key "
                + RESET;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetKeys.parse("f", twoResets)).getMessage()
                .startsWith("f:3: a second stateless-reset-key"));
        String sameId = "ticket-key 00000001 " + TICKET + "\nticket-key 00000001 " + TICKET2 + "\ntoken-key "
                + TOKEN16 + "\nstateless-reset-key " + RESET;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetKeys.parse("f", sameId)).getMessage()
                .startsWith("f:2: a second ticket-key with the id 00000001"));
    }

    @Test
    void aFileWithoutATokenKeyOrWithoutAResetKeyIsRefused() {
        assertEquals("f: no token-key line", assertThrows(IllegalArgumentException.class,
                () -> FleetKeys.parse("f", "stateless-reset-key " + RESET)).getMessage());
        assertEquals("f: no stateless-reset-key line", assertThrows(IllegalArgumentException.class,
                () -> FleetKeys.parse("f", "# nothing\ntoken-key " + TOKEN16)).getMessage());
    }

    @Test
    void aMissingFileIsNoSuchFileNamingItAndAnOversizedOneIsRefused(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("absent.keys");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FleetKeys.load(missing));
        assertTrue(e.getMessage().contains("absent.keys"), e.getMessage());
        Path big = dir.resolve("big.keys");
        Files.writeString(big, "#".repeat(FleetKeys.MAX_FILE_BYTES + 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FleetKeys.load(big)).getMessage()
                .contains("larger than a fleet key file may be"));
    }
}
