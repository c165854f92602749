package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;

/** The client's ticket store: single-use, newest first, bounded per server and in all, expiring. */
class InMemoryTicketStoreTest {

    private static final long T0 = 1_700_000_000_000L;

    /** A ticket whose first byte tells it apart, received at {@code at}, living {@code lifetime} seconds. */
    private static ClientTicket ticket(int tag, long at, long lifetime) {
        return new ClientTicket(new byte[] {(byte) tag, 0x55}, new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256,
                "h3", "example.com", at, lifetime, 0x0102_0304L, 0xFFFF_FFFFL, new byte[] {9});
    }

    private static int tag(Optional<ClientTicket> t) {
        return t.orElseThrow().ticket()[0];
    }

    private static ClientTicket ticket(int tag, long at, long lifetime, int quicVersion) {
        return new ClientTicket(new byte[] {(byte) tag, 0x55}, new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256,
                "h3", "example.com", at, lifetime, 0x0102_0304L, 0xFFFF_FFFFL, new byte[] {9}, quicVersion);
    }

    /** RFC 9369 §5: a ticket of one QUIC version is not taken for a connection of another; it stays for its own. */
    @Test
    void takesOnlyTicketsOfTheVersionAndLeavesTheOthers() {
        InMemoryTicketStore store = new InMemoryTicketStore();
        store.store("example.com", ticket(1, T0, 3600, 1));
        store.store("example.com", ticket(2, T0 + 1, 3600, 0x6b33_43cf));
        store.store("example.com", ticket(3, T0 + 2, 1, 0x6b33_43cf));
        assertEquals(1, tag(store.take("example.com", 1, T0 + 10_000)), "not the newer ones of version 2");
        assertEquals(1, store.size("example.com"), "the expired version 2 ticket met on the way is dropped");
        assertEquals(Optional.empty(), store.take("example.com", 1, T0 + 10_000));
        assertEquals(2, tag(store.take("example.com", 0x6b33_43cf, T0 + 10_000)));
        store.store("example.com", ticket(4, T0, 3600, 1));
        TicketStore plain = new TicketStore() {
            @Override
            public void store(String serverName, ClientTicket ticket) {
            }

            @Override
            public Optional<ClientTicket> take(String serverName, long nowMillis) {
                return store.take(serverName, nowMillis);
            }
        };
        assertEquals(Optional.empty(), plain.take("example.com", 0x6b33_43cf, T0 + 10),
                "the default method gives no ticket of another version");
        assertEquals(0, store.size(), "and drops it");
    }

    @Test
    void takesTheNewestOnceAndKeysByServerName() {
        InMemoryTicketStore store = new InMemoryTicketStore();
        store.store("example.com", ticket(1, T0, 3600));
        store.store("Example.COM", ticket(2, T0 + 1, 3600));
        store.store("other.org", ticket(3, T0, 3600));
        assertEquals(2, store.size("example.com"));
        assertEquals(2, tag(store.take("EXAMPLE.com", T0 + 10)), "the newest, name case-insensitive");
        assertEquals(1, tag(store.take("example.com", T0 + 10)));
        assertEquals(Optional.empty(), store.take("example.com", T0 + 10), "single-use: both taken");
        assertEquals(3, tag(store.take("other.org", T0 + 10)));
        assertEquals(0, store.size());
    }

    @Test
    void expiredTicketsAreDroppedNotReturned() {
        InMemoryTicketStore store = new InMemoryTicketStore();
        store.store("s", ticket(1, T0, 100));
        store.store("s", ticket(2, T0, 10)); // newer, shorter-lived
        assertEquals(1, tag(store.take("s", T0 + 10_000)), "the 10 s ticket expired, the older one lives");
        assertEquals(0, store.size("s"), "the expired ticket was dropped on the way");
        store.store("s", ticket(3, T0, 100));
        assertEquals(Optional.empty(), store.take("s", T0 + 100_000), "expired at its lifetime");
        assertEquals(Optional.empty(), store.take("s", T0 - 1), "received after now");
        store.store("s", ticket(4, T0, 0));
        assertEquals(0, store.size("s"), "a lifetime of 0 is discarded at once (RFC 8446 §4.6.1)");
    }

    @Test
    void perServerBoundEvictsThatServersOldest() {
        InMemoryTicketStore store = new InMemoryTicketStore(2, 10);
        store.store("a", ticket(1, T0, 3600));
        store.store("b", ticket(9, T0, 3600));
        store.store("a", ticket(2, T0, 3600));
        store.store("a", ticket(3, T0, 3600));
        assertEquals(2, store.size("a"));
        assertEquals(1, store.size("b"), "another server's ticket is not evicted");
        assertEquals(3, tag(store.take("a", T0)));
        assertEquals(2, tag(store.take("a", T0)));
        assertEquals(Optional.empty(), store.take("a", T0), "ticket 1 was evicted");
    }

    @Test
    void totalBoundEvictsTheOldestOfAll() {
        InMemoryTicketStore store = new InMemoryTicketStore(3, 4);
        for (int i = 1; i <= 6; i++) {
            store.store("s" + (i % 3), ticket(i, T0, 3600));
        }
        assertEquals(4, store.size());
        // Tickets 1 (s1) and 2 (s2) were the oldest.
        assertEquals(4, tag(store.take("s1", T0)));
        assertEquals(Optional.empty(), store.take("s1", T0));
        assertEquals(5, tag(store.take("s2", T0)));
        assertEquals(Optional.empty(), store.take("s2", T0));
        assertEquals(6, tag(store.take("s0", T0)));
        assertEquals(3, tag(store.take("s0", T0)));
    }

    @Test
    void boundsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new InMemoryTicketStore(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryTicketStore(2, 1));
        assertThrows(NullPointerException.class, () -> new InMemoryTicketStore().store(null, ticket(1, T0, 1)));
    }

    @Test
    void clientTicketEnforcesTheSevenDayCeilingAndRanges() {
        assertThrows(IllegalArgumentException.class, () -> ticket(1, T0, 604_801));
        ClientTicket week = ticket(1, T0, 604_800);
        assertTrue(week.isUsableAt(T0 + 604_800_000L - 1));
        assertFalse(week.isUsableAt(T0 + 604_800_000L));
        assertThrows(IllegalArgumentException.class, () -> new ClientTicket(new byte[0], new byte[32],
                CipherSuite.TLS_AES_128_GCM_SHA256, "", "", T0, 1, 0, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new ClientTicket(new byte[1], new byte[32],
                CipherSuite.TLS_AES_256_GCM_SHA384, "", "", T0, 1, 0, 0, new byte[0]));
    }

    /**
     * RFC 8446 §4.2.11.1: the age in milliseconds plus ticket_age_add, modulo 2^32; the age one millisecond short of
     * the difference of the two whole-millisecond times, so that it never exceeds the time that passed (a server's
     * own count from the same times can be a millisecond smaller; GnuTLS refuses 0-RTT when the client's is larger).
     */
    @Test
    void obfuscatedAgeAddsAgeAddModulo2To32() {
        ClientTicket t = new ClientTicket(new byte[1], new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256, "", "", T0,
                3600, 0xFFFF_FF00L, 0, new byte[0]);
        assertEquals(0xFFFF_FF00L, t.obfuscatedAge(T0));
        assertEquals(0xFFFF_FF00L, t.obfuscatedAge(T0 + 1), "a millisecond's difference may be no time at all");
        assertEquals(0xFFFF_FFFFL, t.obfuscatedAge(T0 + 0x100));
        assertEquals(0x0000_0A00L, t.obfuscatedAge(T0 + 0xB01), "wraps");
        assertEquals(3_000 - 1 - 0x100, t.obfuscatedAge(T0 + 3_000), "age 3 s, wrapped");
        // The server recovers the client's age from it (what EarlyDataAntiReplay.isFresh relies on).
        assertTrue(EarlyDataAntiReplay.isFresh(T0, t.obfuscatedAge(T0 + 3_000), t.ageAdd(), T0 + 3_000, 1));
    }
}
