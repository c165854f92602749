package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import qsock.api.FleetKeys;

/**
 * A ticket sealer built from a fleet key file's ticket keys ({@link TicketSealer#fromFleetKeys}): two servers' sealers
 * of one file open each other's tickets; after the file rotates, old tickets still open while their key is listed and
 * new ones are sealed under the new first key; once the old key leaves the file, its tickets do not open.
 */
class FleetTicketSealerTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String REST = "token-key " + "11".repeat(16) + "\nstateless-reset-key " + "22".repeat(32);
    private static final String KEY_A = "ticket-key 000000aa " + "aa".repeat(32) + "\n";
    private static final String KEY_B = "ticket-key 000000bb " + "bb".repeat(32) + "\n";

    @Test
    void sealersOfOneFileOpenEachOthersTicketsAndFollowItsRotation() {
        FleetKeys v1 = FleetKeys.parse("v1", KEY_A + REST);
        TicketSealer one = TicketSealer.fromFleetKeys(v1, new SecureRandom());
        TicketSealer two = TicketSealer.fromFleetKeys(v1, new SecureRandom());
        SessionState state = TicketTestData.state(NOW);
        byte[] underA = one.seal(state);
        assertEquals(Optional.of(state), two.open(underA, NOW, 0), "server two opens server one's ticket");
        assertTrue(TicketSealer.withRandomKey(new SecureRandom()).open(underA, NOW, 0).isEmpty(),
                "a sealer of another key does not");

        // Rotation: B seals, A still opens.
        FleetKeys v2 = FleetKeys.parse("v2", KEY_B + KEY_A + REST);
        one.setKeys(v2);
        two.setKeys(v2);
        assertEquals(Optional.of(state), two.open(underA, NOW, 0), "a ticket of the older key still opens");
        byte[] underB = one.seal(state);
        assertEquals(0xbb, two.currentKey().id());
        assertEquals(Optional.of(state), two.open(underB, NOW, 0));

        // A leaves the file.
        two.setKeys(FleetKeys.parse("v3", KEY_B + REST));
        assertTrue(two.open(underA, NOW, 0).isEmpty(), "a ticket of a key no longer listed does not open");
        assertEquals(Optional.of(state), two.open(underB, NOW, 0));
    }

    @Test
    void aFileWithoutTicketKeysBuildsNoSealer() {
        FleetKeys none = FleetKeys.parse("f", REST);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TicketSealer.fromFleetKeys(none, new SecureRandom())).getMessage().contains("ticket-key"));
        TicketSealer sealer = TicketSealer.fromFleetKeys(FleetKeys.parse("f", KEY_A + REST), new SecureRandom());
        assertThrows(IllegalArgumentException.class, () -> sealer.setKeys(none));
        assertEquals(0xaa, sealer.currentKey().id(), "a refused file leaves the keys as they were");
    }
}
