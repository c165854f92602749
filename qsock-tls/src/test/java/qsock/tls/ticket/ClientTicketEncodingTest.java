package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;

/**
 * The byte form of a client's session ticket (the socket draft's SESSION_TICKET): a round trip keeps every field,
 * bytes that are not one form (truncated, foreign, of another format version, too long, with trailing bytes or a
 * field out of range) are refused with a {@link SessionFormatException} that says why, and an expired ticket is
 * refused on load; a store's tickets for one server move to another store, expired ones dropped.
 */
class ClientTicketEncodingTest {

    private static final long T0 = 1_700_000_000_000L;

    private static ClientTicket ticket(int tag, long at, long lifetime) {
        byte[] params = new byte[] {0x04, 0x04, (byte) 0x80, 0x10, 0x00, 0x00, 0x08, 0x01, 0x64};
        return new ClientTicket(new byte[] {(byte) tag, 0x55, 0x66}, new byte[48], CipherSuite.TLS_AES_256_GCM_SHA384,
                "hq-interop", "example.com", at, lifetime, 0x0102_0304L, 0xFFFF_FFFFL, params, 0x6b3343cf);
    }

    @Test
    void aTicketComesBackWithEveryField() throws Exception {
        ClientTicket t = ticket(7, T0, 3600);
        byte[] form = t.encode();
        assertEquals(t.encodedLength(), form.length);
        ClientTicket back = ClientTicket.decode(form, T0 + 1000);
        assertEquals(t, back);
        assertArrayEquals(t.serverTransportParameters(), back.serverTransportParameters());
        assertEquals(0x6b3343cf, back.quicVersion());
        assertEquals("hq-interop", back.alpn());
        assertEquals(t.obfuscatedAge(T0 + 5000), back.obfuscatedAge(T0 + 5000));
    }

    @Test
    void everyTruncationIsRefusedWithAClearError() throws Exception {
        byte[] form = ticket(1, T0, 3600).encode();
        for (int n = 0; n < form.length; n++) {
            byte[] cut = Arrays.copyOf(form, n);
            SessionFormatException e = assertThrows(SessionFormatException.class, () -> ClientTicket.decode(cut),
                    "cut at " + n);
            assertTrue(n < 4 ? e.getMessage().contains("not a qsock session")
                    : e.getMessage().contains("truncated or malformed"), n + ": " + e.getMessage());
        }
    }

    @Test
    void foreignOversizedAndOtherFormatsAreRefused() throws Exception {
        byte[] form = ticket(1, T0, 3600).encode();
        SessionFormatException e = assertThrows(SessionFormatException.class,
                () -> ClientTicket.decode("hello, not a session at all".getBytes()));
        assertTrue(e.getMessage().contains("not a qsock session"), e.getMessage());

        byte[] big = Arrays.copyOf(form, ClientTicket.MAX_ENCODED_LENGTH + 1);
        e = assertThrows(SessionFormatException.class, () -> ClientTicket.decode(big));
        assertTrue(e.getMessage().contains("at most 4096 bytes"), e.getMessage());

        byte[] otherFormat = form.clone();
        otherFormat[4] = 2;
        e = assertThrows(SessionFormatException.class, () -> ClientTicket.decode(otherFormat));
        assertTrue(e.getMessage().contains("format 2 is not known"), e.getMessage());

        byte[] trailing = Arrays.copyOf(form, form.length + 1);
        e = assertThrows(SessionFormatException.class, () -> ClientTicket.decode(trailing));
        assertTrue(e.getMessage().contains("left over"), e.getMessage());

        // The lifetime (after magic, format, suite, psk, alpn, server name, receipt time) above seven days.
        byte[] longLived = form.clone();
        int lifetimeAt = 4 + 1 + 2 + 1 + 48 + 1 + "hq-interop".length() + 1 + "example.com".length() + 8;
        longLived[lifetimeAt] = 0x7F;
        e = assertThrows(SessionFormatException.class, () -> ClientTicket.decode(longLived));
        assertTrue(e.getMessage().contains("invalid session"), e.getMessage());

        assertThrows(SessionFormatException.class, () -> ClientTicket.decode(null));
    }

    @Test
    void randomBytesNeverThrowAnythingElse() {
        Random random = new Random(12);
        byte[] form = ticket(1, T0, 3600).encode();
        for (int i = 0; i < 2000; i++) {
            byte[] mutated = form.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            try {
                ClientTicket.decode(mutated);
            } catch (SessionFormatException expected) {
                // a clear refusal is fine; anything else fails the test
            }
        }
    }

    @Test
    void anExpiredTicketIsRefusedOnLoad() {
        byte[] form = ticket(1, T0, 60).encode();
        SessionFormatException e = assertThrows(SessionFormatException.class,
                () -> ClientTicket.decode(form, T0 + 60_000));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }

    @Test
    void aTicketTooLargeForTheBoundHasNoForm() {
        ClientTicket huge = new ClientTicket(new byte[5000], new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256, "", "",
                T0, 60, 0, 0, new byte[0]);
        assertFalse(huge.isEncodable());
        assertThrows(IllegalStateException.class, huge::encode);
    }

    @Test
    void aStoresTicketsMoveToAnotherStoreExpiredOnesDropped() throws Exception {
        InMemoryTicketStore first = new InMemoryTicketStore();
        first.store("example.com", ticket(1, T0, 60));
        first.store("example.com", ticket(2, T0 + 1000, 3600));
        first.store("other.org", ticket(3, T0, 3600));
        List<ClientTicket> taken = first.takeAll("EXAMPLE.com", T0 + 61_000);
        assertEquals(List.of(ticket(2, T0 + 1000, 3600)), taken, "the expired one dropped");
        assertEquals(0, first.size("example.com"), "taken out: a ticket is used once");
        assertEquals(1, first.size("other.org"));

        InMemoryTicketStore second = new InMemoryTicketStore();
        for (ClientTicket t : taken) {
            second.store("example.com", ClientTicket.decode(t.encode(), T0 + 62_000));
        }
        assertEquals(ticket(2, T0 + 1000, 3600), second.take("example.com", T0 + 62_000).orElseThrow());
    }
}
