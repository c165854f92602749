package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.tls.ticket.EarlyDataAntiReplay.Verdict;

/** 0-RTT anti-replay (RFC 8446 §8): each ticket once within its window, fresh ages only, refusal when full. */
class EarlyDataAntiReplayTest {

    private static final long ISSUED = 1_700_000_000_000L;
    private static final long AGE_ADD = 0x8000_0000L;
    private static final long TOLERANCE = 10_000;

    /** The obfuscated age a client sends {@code ageMillis} after the ticket's issue (client and server agree). */
    private static long obfuscated(long ageMillis) {
        return (ageMillis + AGE_ADD) & 0xFFFF_FFFFL;
    }

    private static byte[] id(int n) {
        return new byte[] {(byte) n, (byte) (n >> 8), 7, 7, 7};
    }

    @Test
    void acceptsATicketOnceAndRefusesTheReplay() {
        EarlyDataAntiReplay guard = new EarlyDataAntiReplay(TOLERANCE, 100);
        long now = ISSUED + 60_000;
        assertEquals(Verdict.ACCEPTED, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD, now));
        assertEquals(Verdict.REPLAYED, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD, now + 5_000));
        // A new ClientHello with the same ticket (another age) is a second use of it as well.
        assertEquals(Verdict.REPLAYED, guard.admit(id(1), ISSUED, obfuscated(62_000), AGE_ADD, now + 2_000));
        assertEquals(Verdict.ACCEPTED, guard.admit(id(2), ISSUED, obfuscated(60_000), AGE_ADD, now));
        assertEquals(2, guard.size());
    }

    /** A replay at the last moment it would be fresh is still caught; after that, freshness refuses it. */
    @Test
    void recordLastsExactlyAsLongAsAReplayCouldBeFresh() {
        EarlyDataAntiReplay guard = new EarlyDataAntiReplay(TOLERANCE, 100);
        long expected = ISSUED + 60_000;
        assertEquals(Verdict.ACCEPTED, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD,
                expected - TOLERANCE));
        assertEquals(Verdict.REPLAYED, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD,
                expected + TOLERANCE));
        assertEquals(Verdict.STALE, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD,
                expected + TOLERANCE + 1));
    }

    @Test
    void entriesLeaveWhenTheirWindowEnds() {
        EarlyDataAntiReplay guard = new EarlyDataAntiReplay(TOLERANCE, 2);
        assertEquals(Verdict.ACCEPTED, guard.admit(id(1), ISSUED, obfuscated(0), AGE_ADD, ISSUED));
        assertEquals(Verdict.ACCEPTED, guard.admit(id(2), ISSUED, obfuscated(5_000), AGE_ADD, ISSUED + 5_000));
        assertEquals(Verdict.FULL, guard.admit(id(3), ISSUED, obfuscated(9_000), AGE_ADD, ISSUED + 9_000));
        // At ISSUED + 10 001 the first identity's window (until ISSUED + 10 000) is over: its place is free.
        assertEquals(Verdict.ACCEPTED, guard.admit(id(3), ISSUED, obfuscated(10_001), AGE_ADD, ISSUED + 10_001));
        assertEquals(2, guard.size());
        assertEquals(Verdict.REPLAYED, guard.admit(id(2), ISSUED, obfuscated(5_000), AGE_ADD, ISSUED + 10_001),
                "identity 2 is still in its window");
    }

    /** Full of live identities: refuse newcomers, and still refuse the replays of those recorded. */
    @Test
    void failsSafeWhenFull() {
        EarlyDataAntiReplay guard = new EarlyDataAntiReplay(TOLERANCE, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(Verdict.ACCEPTED, guard.admit(id(i), ISSUED, obfuscated(1_000), AGE_ADD, ISSUED + 1_000));
        }
        for (int i = 3; i < 50; i++) {
            assertEquals(Verdict.FULL, guard.admit(id(i), ISSUED, obfuscated(1_000), AGE_ADD, ISSUED + 1_000 + i));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(Verdict.REPLAYED, guard.admit(id(i), ISSUED, obfuscated(1_000), AGE_ADD, ISSUED + 2_000),
                    "nothing in its window was forgotten");
        }
        assertEquals(3, guard.size());
    }

    @Test
    void staleAttemptsAreNotRecorded() {
        EarlyDataAntiReplay guard = new EarlyDataAntiReplay(TOLERANCE, 1);
        assertEquals(Verdict.STALE, guard.admit(id(1), ISSUED, obfuscated(0), AGE_ADD, ISSUED + 60_000));
        assertEquals(0, guard.size());
        assertEquals(Verdict.ACCEPTED, guard.admit(id(1), ISSUED, obfuscated(60_000), AGE_ADD, ISSUED + 60_000));
    }

    /** RFC 8446 §8.3: expected arrival = issue time + the client's age; fresh within the tolerance either way. */
    @Test
    void freshnessBounds() {
        long age = 3_600_000;
        long expected = ISSUED + age;
        long o = obfuscated(age);
        assertTrue(EarlyDataAntiReplay.isFresh(ISSUED, o, AGE_ADD, expected, TOLERANCE));
        assertTrue(EarlyDataAntiReplay.isFresh(ISSUED, o, AGE_ADD, expected + TOLERANCE, TOLERANCE));
        assertTrue(EarlyDataAntiReplay.isFresh(ISSUED, o, AGE_ADD, expected - TOLERANCE, TOLERANCE));
        assertFalse(EarlyDataAntiReplay.isFresh(ISSUED, o, AGE_ADD, expected + TOLERANCE + 1, TOLERANCE), "late");
        assertFalse(EarlyDataAntiReplay.isFresh(ISSUED, o, AGE_ADD, expected - TOLERANCE - 1, TOLERANCE),
                "early: the client claims an age older than the ticket");
        // Without ticket_age_add removed the age would be off by ~2^31 ms: not fresh.
        assertFalse(EarlyDataAntiReplay.isFresh(ISSUED, o, 0, expected, TOLERANCE));
        // The obfuscated age wraps modulo 2^32 (§4.2.11.1): ageAdd above the obfuscated value.
        assertTrue(EarlyDataAntiReplay.isFresh(ISSUED, 5, 0xFFFF_FFFFL, ISSUED + 6, 0));
        // Times outside the representable range are refused, not overflowed.
        assertFalse(EarlyDataAntiReplay.isFresh(Long.MAX_VALUE, 0, 0, Long.MIN_VALUE, TOLERANCE));
        assertFalse(EarlyDataAntiReplay.isFresh(-1, 0, 0, 0, TOLERANCE));
    }

    @Test
    void parametersAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new EarlyDataAntiReplay(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new EarlyDataAntiReplay(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyDataAntiReplay(86_400_001L, 1));
    }
}
