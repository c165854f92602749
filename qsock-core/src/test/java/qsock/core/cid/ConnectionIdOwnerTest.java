package qsock.core.cid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.wire.ConnectionId;

/** The thread index a listener's I/O thread writes into the connection IDs it issues. */
class ConnectionIdOwnerTest {

    @Test
    void theMaskTakesAsFewBitsAsTheOwnersNeed() {
        assertEquals(0, ConnectionIdOwner.mask(1));
        assertEquals(1, ConnectionIdOwner.mask(2));
        assertEquals(3, ConnectionIdOwner.mask(3));
        assertEquals(3, ConnectionIdOwner.mask(4));
        assertEquals(7, ConnectionIdOwner.mask(5));
        assertEquals(31, ConnectionIdOwner.mask(32));
    }

    @Test
    void everyIdNamesItsOwnerAndTheRestStaysRandom() {
        SplittableRandom random = new SplittableRandom(5);
        for (int owners : new int[] {2, 3, 4, 7, 32}) {
            for (int index = 0; index < owners; index++) {
                ConnectionIdOwner owner = new ConnectionIdOwner(index, owners);
                Set<Integer> firstBytes = new HashSet<>();
                for (int i = 0; i < 200; i++) {
                    ConnectionId id = owner.newId(random, 8);
                    assertEquals(8, id.length());
                    byte first = id.toByteArray()[0];
                    assertEquals(index, ConnectionIdOwner.ownerOf(first, owners));
                    firstBytes.add(first & ~ConnectionIdOwner.mask(owners) & 0xff);
                }
                // The bits the index leaves (QUIC-LB's config rotation bits among them) are drawn.
                assertTrue(firstBytes.size() > 2, "first bytes vary: " + firstBytes);
            }
        }
    }

    @Test
    void aFirstByteBeyondTheOwnersNamesNone() {
        assertEquals(-1, ConnectionIdOwner.ownerOf((byte) 3, 3));
        assertEquals(2, ConnectionIdOwner.ownerOf((byte) 0xfe, 3));
        assertEquals(0, ConnectionIdOwner.ownerOf((byte) 0xff, 1));
    }

    @Test
    void aZeroLengthIdCarriesNoOwner() {
        assertEquals(ConnectionId.EMPTY, new ConnectionIdOwner(1, 2).newId(new SplittableRandom(1), 0));
    }

    @Test
    void indexAndCountAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionIdOwner(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionIdOwner(0, 33));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionIdOwner(2, 2));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionIdOwner(-1, 2));
    }
}
