package qsock.tools.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.SessionFormatException;

/** The session file of {@code qsock client --session-file}: round trip, expired tickets dropped, bad files refused. */
class SessionFileTest {

    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path temp;

    private static ClientTicket ticket(int tag, long lifetime) {
        return new ClientTicket(new byte[] {(byte) tag, 1, 2}, new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256,
                "hq-interop", "localhost", T0, lifetime, 5, 0xFFFF_FFFFL, new byte[] {1, 2, 3}, 1);
    }

    @Test
    void aSessionComesBackAndExpiredTicketsAreDropped() throws Exception {
        SessionFile session = new SessionFile("localhost", new byte[] {9, 8, 7}, QuicVersion.V1,
                List.of(ticket(1, 60), ticket(2, 3600)));
        Path file = temp.resolve("s");
        session.save(file);
        SessionFile back = SessionFile.load(file, T0 + 61_000);
        assertEquals("localhost", back.serverName());
        assertArrayEquals(new byte[] {9, 8, 7}, back.token());
        assertEquals(QuicVersion.V1, back.tokenVersion());
        assertEquals(List.of(ticket(2, 3600)), back.tickets(), "the expired ticket dropped");
        assertNull(SessionFile.load(temp.resolve("none"), T0), "no file, no session");
    }

    @Test
    void badFilesAreRefusedSayingWhy() throws Exception {
        byte[] good = new SessionFile("localhost", null, null, List.of(ticket(1, 60))).encode();
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            SessionFormatException e = assertThrows(SessionFormatException.class, () -> SessionFile.decode(cut, T0),
                    "cut at " + n);
            assertTrue(!e.getMessage().isEmpty());
        }
        SessionFormatException e = assertThrows(SessionFormatException.class,
                () -> SessionFile.decode(Arrays.copyOf(good, good.length + 1), T0));
        assertTrue(e.getMessage().contains("after the session file's end"), e.getMessage());
        e = assertThrows(SessionFormatException.class,
                () -> SessionFile.decode(new byte[SessionFile.MAX_FILE_LENGTH + 1], T0));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
        byte[] foreign = good.clone();
        foreign[0] = 'x';
        e = assertThrows(SessionFormatException.class, () -> SessionFile.decode(foreign, T0));
        assertTrue(e.getMessage().contains("not a qsock session file"), e.getMessage());
        Path big = temp.resolve("big");
        Files.write(big, new byte[SessionFile.MAX_FILE_LENGTH + 1]);
        assertThrows(SessionFormatException.class, () -> SessionFile.load(big, T0));
    }
}
