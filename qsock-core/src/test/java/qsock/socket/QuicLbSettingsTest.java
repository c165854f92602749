package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The public QUIC-LB settings: the draft's bounds refused, the command-line form, and decoding a server ID. */
class QuicLbSettingsTest {

    private static final byte[] ID = {0x12, 0x34, 0x56};

    @Test
    void settingsOutOfTheDraftsBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(new byte[0], 8, 0, null),
                "an empty server ID");
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(ID, 3, 0, null), "a nonce under 4");
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(ID, 17, 0, null), "over 19 octets");
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(ID, 8, 7, null),
                "rotation 7 is the unroutable codepoint");
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(ID, 8, -1, null), "rotation -1");
        assertThrows(IllegalArgumentException.class, () -> new QuicLbSettings(ID, 8, 0, new byte[15]),
                "a key of 15 octets");
        assertEquals(12, new QuicLbSettings(ID, 8, 6, new byte[16]).connectionIdLength());
    }

    @Test
    void parsesTheCommandLineForm() {
        QuicLbSettings s = QuicLbSettings.parse("server-id=123456,nonce=6,key=" + "ab".repeat(16) + ",rotation=2");
        assertArrayEquals(ID, s.serverId());
        assertEquals(6, s.nonceLength());
        assertEquals(2, s.configRotation());
        assertArrayEquals(HexFormat.of().parseHex("ab".repeat(16)), s.key());
        QuicLbSettings plain = QuicLbSettings.parse("server-id=01,nonce=4");
        assertNull(plain.key());
        assertEquals(0, plain.configRotation());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuicLbSettings.parse("nonce=4")).getMessage()
                .contains("server-id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> QuicLbSettings.parse("server-id=01,nonce=4,colour=red")).getMessage().contains("colour"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> QuicLbSettings.parse("server-id=0g,nonce=4")).getMessage().contains("hex"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> QuicLbSettings.parse("server-id=01,nonce=four")).getMessage().contains("not a number"));
    }

    @Test
    void serverIdOfReadsAPlaintextIdAndRefusesOtherRotations() {
        // Plaintext mode (draft-ietf-quic-load-balancers §"Plaintext Algorithm"): octet 0, then the ID in clear. The
        // encrypted modes are checked against the draft's vectors in qsock.core.cid.lb; here the settings' decoder.
        QuicLbSettings plain = new QuicLbSettings(ID, 4, 1, null);
        byte[] cid = {(byte) (1 << 5 | 3), 0x12, 0x34, 0x56, 1, 2, 3, 4};
        assertArrayEquals(ID, plain.serverIdOf(cid).orElseThrow(), "plaintext: the ID in clear after octet 0");
        cid[0] = (byte) (2 << 5);
        assertTrue(plain.serverIdOf(cid).isEmpty(), "another config rotation is not this configuration's");
        assertTrue(plain.serverIdOf(new byte[] {0x20, 0x12}).isEmpty(), "too short");
        assertTrue(plain.serverIdOf(new byte[0]).isEmpty(), "empty");
    }
}
