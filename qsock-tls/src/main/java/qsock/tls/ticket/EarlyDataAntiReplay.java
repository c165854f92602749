package qsock.tls.ticket;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A server's defence against replayed 0-RTT (RFC 8446 §8): the freshness check of §8.3 on the client's
 * obfuscated ticket age, and a bounded, time-windowed record of the tickets already used for 0-RTT, so that
 * each ticket is accepted for early data at most once (§8.1, "single-use tickets", kept for the freshness
 * window only, as §8.2 does for ClientHellos).
 *
 * <p>Why the window suffices: a ClientHello's PSK binder covers its obfuscated age, so a replay carries
 * the age of the original and has the same expected arrival time E (ticket issue time plus the client's
 * age). Both pass the freshness check only if they arrive within {@code tolerance} of E, so a record kept
 * until E + tolerance sees every replay that would pass the freshness check, and nothing older need be
 * kept. Without replays stopped this way, an attacker can make the server act twice on the early data.
 *
 * <p>Bounded: at most {@code capacity} identities, each kept as its 32-byte SHA-256. When the record is full
 * of identities still in their window, {@link #admit} refuses 0-RTT ({@link Verdict#FULL}) rather than
 * forget any of them: failing safe costs only a round trip, since the handshake goes on with 1-RTT data.
 *
 * <p>The record is per server; servers that share ticket keys must share it too, or partition the tickets
 * they accept for 0-RTT (RFC 8446 §8: otherwise a ticket can be replayed once per server).
 *
 * <p>Time is passed in (wall-clock milliseconds since the epoch, the clock tickets' issue times use);
 * nothing here reads a clock. Thread-safe.
 */
public final class EarlyDataAntiReplay {

    /** What {@link #admit} decided. Only {@link #ACCEPTED} lets the server accept early data. */
    public enum Verdict {
        /** Fresh, and its first use within the window: the server may accept 0-RTT. */
        ACCEPTED,
        /** The ClientHello arrived outside the freshness window of its ticket age (RFC 8446 §8.3). */
        STALE,
        /** The ticket was already used for 0-RTT within its window: a replay (RFC 8446 §8.1). */
        REPLAYED,
        /** The record is full of identities still in their window: 0-RTT refused to stay safe. */
        FULL
    }

    private record Entry(ByteBuffer identity, long expiresAtMillis) {}

    private final long toleranceMillis;
    private final int capacity;
    private final Map<ByteBuffer, Long> seen = new HashMap<>();
    private final PriorityQueue<Entry> byExpiry =
            new PriorityQueue<>((a, b) -> Long.compare(a.expiresAtMillis(), b.expiresAtMillis()));

    /**
     * @param toleranceMillis how far, either way, a ClientHello's arrival may be from the time its ticket
     *     age predicts (RFC 8446 §8.3 suggests the order of 10 seconds for clients on the Internet); between
     *     1 ms and one day
     * @param capacity the most identities remembered at once, at least 1
     */
    public EarlyDataAntiReplay(long toleranceMillis, int capacity) {
        if (toleranceMillis < 1 || toleranceMillis > 86_400_000L) {
            throw new IllegalArgumentException("tolerance " + toleranceMillis + " ms not in 1 ms..1 day");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.toleranceMillis = toleranceMillis;
        this.capacity = capacity;
    }

    /**
     * The freshness check (RFC 8446 §8.3): the client's view of the ticket's age is
     * {@code (obfuscatedAge - ageAdd) mod 2^32} milliseconds (§4.2.11.1), the expected arrival time is the
     * issue time plus that age, and the ClientHello is fresh if it arrived within {@code toleranceMillis} of
     * it, earlier or later.
     *
     * @param issuedAtMillis when the server issued the ticket ({@link SessionState#issuedAtMillis})
     * @param obfuscatedAge the obfuscated_ticket_age from the ClientHello's pre_shared_key, a uint32
     * @param ageAdd the ticket's ticket_age_add ({@link SessionState#ageAdd}), a uint32
     * @param nowMillis when the ClientHello arrived
     * @param toleranceMillis how far either way the arrival may be from the expected time
     * @return true if fresh
     */
    public static boolean isFresh(long issuedAtMillis, long obfuscatedAge, long ageAdd, long nowMillis,
                                  long toleranceMillis) {
        if (!inRange(issuedAtMillis) || !inRange(nowMillis)) {
            return false; // times no clock reads; refused rather than risk overflow below
        }
        long expected = expectedArrival(issuedAtMillis, obfuscatedAge, ageAdd);
        return Math.abs(nowMillis - expected) <= toleranceMillis;
    }

    /**
     * Decides whether the early data of a ClientHello that resumes with {@code identity} may be accepted:
     * checks freshness ({@link #isFresh}) and then records the identity, unless it is already recorded
     * (a replay) or the record is full. Call it once per ClientHello whose first PSK is a ticket that
     * allows 0-RTT and that offers early_data, after the binder has been verified (so that only the
     * ticket's holder can fill the record) and only if everything else would let 0-RTT be accepted (so that
     * a rejected attempt does not use the ticket up).
     *
     * @param identity the ticket (the PSK identity) or any unique id of it; only its hash is kept
     * @param issuedAtMillis the ticket's issue time
     * @param obfuscatedAge the obfuscated_ticket_age the client sent with it, a uint32
     * @param ageAdd the ticket's ticket_age_add, a uint32
     * @param nowMillis when the ClientHello arrived
     * @return the verdict; only {@link Verdict#ACCEPTED} records the identity
     */
    public Verdict admit(byte[] identity, long issuedAtMillis, long obfuscatedAge, long ageAdd, long nowMillis) {
        Objects.requireNonNull(identity, "identity");
        if (!isFresh(issuedAtMillis, obfuscatedAge, ageAdd, nowMillis, toleranceMillis)) {
            return Verdict.STALE;
        }
        ByteBuffer key = ByteBuffer.wrap(sha256(identity));
        // A replay that passes the freshness check arrives by E + tolerance (E: the expected arrival).
        long expiresAt = expectedArrival(issuedAtMillis, obfuscatedAge, ageAdd) + toleranceMillis;
        synchronized (this) {
            prune(nowMillis);
            if (seen.containsKey(key)) {
                return Verdict.REPLAYED;
            }
            if (seen.size() >= capacity) {
                return Verdict.FULL;
            }
            seen.put(key, expiresAt);
            byExpiry.add(new Entry(key, expiresAt));
            return Verdict.ACCEPTED;
        }
    }

    /** {@return the number of identities recorded now, including any whose window has passed} */
    public synchronized int size() {
        return seen.size();
    }

    /** Forgets the identities whose window ended before {@code nowMillis}; bounded by the record's size. */
    private void prune(long nowMillis) {
        while (!byExpiry.isEmpty() && byExpiry.peek().expiresAtMillis() < nowMillis) {
            seen.remove(byExpiry.poll().identity());
        }
    }

    /** Epoch milliseconds up to 2^62 (well past the year 100 million), so sums and differences cannot overflow. */
    private static boolean inRange(long millis) {
        return millis >= 0 && millis < (1L << 62);
    }

    private static long expectedArrival(long issuedAtMillis, long obfuscatedAge, long ageAdd) {
        long clientAge = (obfuscatedAge - ageAdd) & 0xFFFF_FFFFL;
        return issuedAtMillis + clientAge;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
