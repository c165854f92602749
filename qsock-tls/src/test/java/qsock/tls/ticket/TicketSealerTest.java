package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;
import qsock.tls.extension.Mutations;

/** Sealed tickets open under the current and previous key only, and any damage gives an empty result. */
class TicketSealerTest {

    private static final long NOW = 1_700_000_000_000L;

    private static SecureRandom random(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static TicketKey key(int id, int fill) {
        byte[] k = new byte[TicketKey.KEY_LENGTH];
        Arrays.fill(k, (byte) fill);
        return new TicketKey(id, k);
    }

    @Test
    void sealedStatesOpen() {
        TicketSealer sealer = TicketSealer.withRandomKey(random(1));
        Properties.forAll(200, TicketTestData::state, s -> {
            byte[] ticket = sealer.seal(s);
            assertTrue(ticket.length <= TicketSealer.MAX_TICKET_LENGTH);
            // Any state is usable at its own issue time if its lifetime is not 0.
            assertEquals(s.lifetimeSeconds() > 0 ? Optional.of(s) : Optional.empty(),
                    sealer.open(ticket, s.issuedAtMillis(), 0));
        });
    }

    /** The largest state seals into a ticket within the bound {@link TicketSealer#open} enforces. */
    @Test
    void largestStateSealsWithinTheBound() {
        SessionState s = new SessionState(qsock.core.handshake.CipherSuite.TLS_AES_256_GCM_SHA384, new byte[48],
                "a".repeat(255), "b".repeat(255), NOW, SessionState.MAX_LIFETIME_SECONDS, 0xFFFF_FFFFL, 0xFFFF_FFFFL,
                new byte[SessionState.MAX_TRANSPORT_PARAMETERS]);
        TicketSealer sealer = TicketSealer.withRandomKey(random(13));
        byte[] ticket = sealer.seal(s);
        assertEquals(SessionState.MAX_ENCODED_LENGTH + TicketSealer.OVERHEAD, ticket.length);
        assertTrue(ticket.length <= TicketSealer.MAX_TICKET_LENGTH);
        assertEquals(Optional.of(s), sealer.open(ticket, NOW, 0));
    }

    @Test
    void ticketsAreEncryptedAndDistinct() {
        TicketSealer sealer = TicketSealer.withRandomKey(random(2));
        SessionState s = TicketTestData.state(NOW);
        byte[] a = sealer.seal(s);
        byte[] b = sealer.seal(s);
        assertFalse(Arrays.equals(a, b), "a fresh nonce per ticket");
        byte[] plain = s.encode();
        // The PSK does not appear in the ticket.
        assertEquals(-1, indexOf(a, s.psk()));
        assertEquals(plain.length + TicketSealer.OVERHEAD, a.length);
        assertEquals(sealer.currentKey().id(), ByteBuffer.wrap(a).getInt());
    }

    @Test
    void ticketOfThePreviousKeyOpensUntilTheSecondRotation() {
        TicketSealer sealer = new TicketSealer(key(1, 1), null, random(3));
        SessionState s = TicketTestData.state(NOW);
        byte[] ticket = sealer.seal(s);
        sealer.rotate();
        assertNotEquals(1, sealer.currentKey().id());
        assertEquals(Optional.of(key(1, 1)), sealer.previousKey());
        assertEquals(Optional.of(s), sealer.open(ticket, NOW, 0), "sealed under the previous key");
        byte[] newer = sealer.seal(s);
        assertEquals(sealer.currentKey().id(), ByteBuffer.wrap(newer).getInt());
        sealer.rotate(key(7, 7));
        assertEquals(Optional.empty(), sealer.open(ticket, NOW, 0), "its key is gone after two rotations");
        assertEquals(Optional.of(s), sealer.open(newer, NOW, 0));
        assertThrows(IllegalArgumentException.class, () -> sealer.rotate(key(7, 8)), "same id as current");
    }

    /** Servers that share keys open each other's tickets; a server with other keys opens none. */
    @Test
    void serversSharingKeysOpenEachOthersTickets() {
        TicketSealer a = new TicketSealer(key(5, 0x55), key(4, 0x44), random(4));
        TicketSealer b = new TicketSealer(key(9, 0x99), null, random(5));
        SessionState s = TicketTestData.state(NOW);
        byte[] ticket = a.seal(s);
        assertEquals(Optional.empty(), b.open(ticket, NOW, 0));
        b.setKeys(key(5, 0x55), key(4, 0x44));
        assertEquals(Optional.of(s), b.open(ticket, NOW, 0));
        assertThrows(IllegalArgumentException.class, () -> b.setKeys(key(3, 1), key(3, 2)));
        // Same id, other key bytes: authentication fails, it does not open under the wrong key.
        TicketSealer c = new TicketSealer(key(5, 0x56), null, random(6));
        assertEquals(Optional.empty(), c.open(ticket, NOW, 0));
    }

    @Test
    void everyBitFlipIsRejected() {
        TicketSealer sealer = TicketSealer.withRandomKey(random(7));
        byte[] ticket = sealer.seal(TicketTestData.state(NOW));
        for (int i = 0; i < ticket.length * 8; i++) {
            byte[] forged = ticket.clone();
            forged[i / 8] ^= (byte) (1 << (i % 8));
            assertEquals(Optional.empty(), sealer.open(forged, NOW, 0), "bit " + i);
        }
    }

    @Test
    void truncatedExtendedAndOversizedTicketsAreRejected() {
        TicketSealer sealer = TicketSealer.withRandomKey(random(8));
        byte[] ticket = sealer.seal(TicketTestData.state(NOW));
        for (int n = 0; n < ticket.length; n++) {
            assertEquals(Optional.empty(), sealer.open(Arrays.copyOf(ticket, n), NOW, 0), "cut to " + n);
        }
        assertEquals(Optional.empty(), sealer.open(Arrays.copyOf(ticket, ticket.length + 1), NOW, 0));
        assertEquals(Optional.empty(), sealer.open(null, NOW, 0));
        byte[] huge = Arrays.copyOf(ticket, 0xFFFF);
        assertEquals(Optional.empty(), sealer.open(huge, NOW, 0), "over 2 KiB");
        assertEquals(Optional.empty(), sealer.open(Arrays.copyOf(ticket, TicketSealer.MAX_TICKET_LENGTH + 1), NOW,
                0));
    }

    @Test
    void unknownKeyIdAndForgedTicketsAreRejected() {
        TicketSealer sealer = new TicketSealer(key(1, 1), key(2, 2), random(9));
        byte[] ticket = sealer.seal(TicketTestData.state(NOW));
        // Relabelled with the previous key's id: the id is authenticated, and the key differs.
        byte[] relabelled = ticket.clone();
        ByteBuffer.wrap(relabelled).putInt(2);
        assertEquals(Optional.empty(), sealer.open(relabelled, NOW, 0));
        byte[] unknown = ticket.clone();
        ByteBuffer.wrap(unknown).putInt(3);
        assertEquals(Optional.empty(), sealer.open(unknown, NOW, 0));
        // A client's own construction: our key id and random bytes.
        byte[] made = new byte[200];
        random(10).nextBytes(made);
        ByteBuffer.wrap(made).putInt(1);
        assertEquals(Optional.empty(), sealer.open(made, NOW, 0));
    }

    @Test
    void expiredTicketsAreRejected() {
        TicketSealer sealer = TicketSealer.withRandomKey(random(11));
        SessionState s = TicketTestData.state(NOW); // one day
        byte[] ticket = sealer.seal(s);
        assertEquals(Optional.of(s), sealer.open(ticket, NOW + 86_400_000L - 1, 0));
        assertEquals(Optional.empty(), sealer.open(ticket, NOW + 86_400_000L, 0));
        assertEquals(Optional.empty(), sealer.open(ticket, NOW - 1, 0), "issued after now");
    }

    record Damaged(SessionState state, byte[] ticket) {}

    /** Random damage to tickets, and random bytes, never open and never throw. */
    @Test
    void damagedTicketsNeverOpen() {
        TicketSealer sealer = new TicketSealer(key(1, 1), key(2, 2), random(12));
        Properties.forAll(r -> {
            SessionState s = TicketTestData.state(r);
            byte[] ticket = sealer.seal(s);
            byte[] damaged;
            do {
                damaged = Mutations.mutate(r, ticket);
            } while (Arrays.equals(ticket, damaged));
            return new Damaged(s, damaged);
        }, d -> assertEquals(Optional.empty(), sealer.open(d.ticket(), d.state().issuedAtMillis(), 0)));
        Properties.forAll(r -> TicketTestData.bytes(r, r.nextInt(3000)),
                bytes -> assertEquals(Optional.empty(), sealer.open(bytes, NOW, 0)));
    }

    /**
     * Seals and opens from several threads while another rotates the keys: no exception, and whatever
     * opens is the state sealed (a ticket may miss its key if two rotations pass between seal and open).
     */
    @Test
    void concurrentSealOpenAndRotate() throws Exception {
        TicketSealer sealer = TicketSealer.withRandomKey(new SecureRandom());
        SessionState s = TicketTestData.state(NOW);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                results.add(pool.submit(() -> {
                    int opened = 0;
                    for (int i = 0; i < 200; i++) {
                        Optional<SessionState> o = sealer.open(sealer.seal(s), NOW, 0);
                        if (o.isPresent()) {
                            assertEquals(s, o.get());
                            opened++;
                        }
                    }
                    return opened;
                }));
            }
            for (int i = 0; i < 20; i++) {
                sealer.rotate();
            }
            int opened = 0;
            for (Future<Integer> f : results) {
                opened += f.get(60, TimeUnit.SECONDS); // rethrows any assertion failure of the thread
            }
            // A thread's seal-open pairs are disjoint in time, and one fails only if two of the 20 rotations
            // fall between its seal and its open: at most 10 failures a thread.
            assertTrue(opened >= 3 * (200 - 10), opened + " opened");
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(Optional.of(s), sealer.open(sealer.seal(s), NOW, 0));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
