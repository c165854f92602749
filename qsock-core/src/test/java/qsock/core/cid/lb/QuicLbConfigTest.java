package qsock.core.cid.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The draft's bounds on a QUIC-LB configuration (§"Config Rotation", §"Configuration Agent Actions"). */
class QuicLbConfigTest {

    private static final byte[] KEY = new byte[16];

    @Test
    void rotationIsThreeBitsAndNotTheUnroutableCodepoint() {
        for (int rotation = 0; rotation <= 6; rotation++) {
            assertEquals(rotation, new QuicLbConfig(rotation, 1, 4, null, true).configRotation());
        }
        refused(() -> new QuicLbConfig(7, 1, 4, null, true), "0b111");
        refused(() -> new QuicLbConfig(-1, 1, 4, null, true), "rotation");
        refused(() -> new QuicLbConfig(8, 1, 4, null, true), "rotation");
    }

    @Test
    void lengthsHaveTheDraftsMinimaAndFitTwentyOctets() {
        assertEquals(6, new QuicLbConfig(0, 1, 4, KEY, true).connectionIdLength());
        assertEquals(20, new QuicLbConfig(0, 15, 4, KEY, true).connectionIdLength());
        assertEquals(20, new QuicLbConfig(0, 1, 18, KEY, true).connectionIdLength());
        refused(() -> new QuicLbConfig(0, 0, 4, KEY, true), "server ID length 0");
        refused(() -> new QuicLbConfig(0, 1, 3, KEY, true), "nonce length 3");
        refused(() -> new QuicLbConfig(0, 16, 4, KEY, true), "over 19");
        refused(() -> new QuicLbConfig(0, 1, 19, KEY, true), "over 19");
    }

    @Test
    void keyIsSixteenOctetsOrAbsent() {
        assertFalse(new QuicLbConfig(0, 1, 4, null, true).encrypted());
        assertTrue(new QuicLbConfig(0, 1, 4, KEY, true).encrypted());
        refused(() -> new QuicLbConfig(0, 1, 4, new byte[15], true), "not 16");
        refused(() -> new QuicLbConfig(0, 1, 4, new byte[32], true), "not 16");
    }

    @Test
    void keyIsCopiedInAndOutAndKeptOutOfToString() {
        byte[] key = new byte[16];
        key[0] = 1;
        QuicLbConfig config = new QuicLbConfig(0, 1, 4, key, true);
        key[0] = 2;
        assertEquals(1, config.key()[0]);
        config.key()[0] = 3;
        assertEquals(1, config.key()[0]);
        assertEquals(config, new QuicLbConfig(0, 1, 4, config.key(), true));
        assertArrayEquals(config.key(), new QuicLbConfig(0, 1, 4, config.key(), true).key());
        assertFalse(config.toString().contains("key="));
    }

    private static void refused(org.junit.jupiter.api.function.Executable e, String messagePart) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(messagePart), x.getMessage());
    }
}
