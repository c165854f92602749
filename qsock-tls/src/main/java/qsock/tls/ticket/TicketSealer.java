package qsock.tls.ticket;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.api.FleetKeys;
import qsock.api.FleetTicketKey;

/**
 * Seals a server's {@link SessionState} into a self-contained session ticket and opens such tickets again.
 * RFC 8446 §4.6.1 leaves the ticket's form to the server; a self-contained ticket carries the PSK, so it is
 * encrypted and authenticated (as RFC 5077 §4 recommends), and a client can neither read nor forge one. A
 * ticket is
 * <pre>
 *   uint32 key_id | opaque nonce[12] | AES-256-GCM(key, nonce, aad = "qsock ticket v1" | key_id, state)
 * </pre>
 * under the current key of a rotating set of two: {@link #rotate} makes the current key the previous one,
 * and tickets sealed under either still open, so a ticket lives through one rotation (rotate more slowly
 * than the ticket lifetime). Each nonce is random (from the injected {@link SecureRandom}); with random
 * 96-bit nonces a key must seal fewer than 2^32 tickets (NIST SP 800-38D §8.3), so rotate long before that.
 *
 * <p>{@link #open} never throws on a ticket: forged, bit-flipped, truncated, oversized (over
 * {@link #MAX_TICKET_LENGTH} bytes), unknown-key or expired tickets all give an empty result, which the
 * server treats as a PSK it cannot use (RFC 8446 §4.2.11: it then ignores that identity and continues,
 * with a full handshake if no other identity is usable).
 *
 * <p>Thread-safe: the key set is replaced atomically, and each call uses its own {@link Cipher}; the
 * {@link SecureRandom} must be safe for concurrent use, as the JDK's are.
 */
public final class TicketSealer {

    /**
     * The longest ticket {@link #open} considers; anything longer is rejected before decryption, which
     * bounds the work an identity can cause. Every state {@link #seal} is given fits
     * ({@link SessionState#MAX_ENCODED_LENGTH} plus the 32 bytes of key id, nonce and tag).
     */
    public static final int MAX_TICKET_LENGTH = 2048;

    static final int KEY_ID_LENGTH = 4;
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    static final int OVERHEAD = KEY_ID_LENGTH + NONCE_LENGTH + TAG_LENGTH;

    private static final byte[] AAD_LABEL = "qsock ticket v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The keys in use: seals under current; opens under current or previous (null before a rotation). */
    private record KeySet(TicketKey current, TicketKey previous) {}

    private final SecureRandom random;
    private volatile KeySet keys;

    /**
     * A sealer that seals under {@code current} and also opens tickets of {@code previous}.
     *
     * @param previous the key before {@code current}, or null
     * @param random the source of nonces and of keys made by {@link #rotate()}
     * @throws IllegalArgumentException if both keys have the same id
     */
    public TicketSealer(TicketKey current, TicketKey previous, SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
        this.keys = keySet(current, previous);
    }

    /** {@return a sealer with one new random key} */
    public static TicketSealer withRandomKey(SecureRandom random) {
        return new TicketSealer(TicketKey.generate(random), null, random);
    }

    /**
     * {@return a sealer of the fleet's ticket keys} (a fleet key file's {@code ticket-key} lines): it seals under the
     * first and also opens tickets of the second, so that tickets sealed by any server of the fleet open on every
     * other. Read the file again and pass it to {@link #setKeys(FleetKeys)} to rotate.
     *
     * @param random the source of nonces
     * @throws IllegalArgumentException if the file has no ticket key
     */
    public static TicketSealer fromFleetKeys(FleetKeys keys, SecureRandom random) {
        TicketKey[] k = ticketKeys(keys);
        return new TicketSealer(k[0], k[1], random);
    }

    /**
     * Replaces the keys with the fleet's ticket keys, as read again from the file: tickets are sealed under its first
     * key from now on, tickets of its second still open, and tickets of a key the file no longer lists do not.
     *
     * @throws IllegalArgumentException if the file has no ticket key (the keys stay as they were)
     */
    public void setKeys(FleetKeys keys) {
        TicketKey[] k = ticketKeys(keys);
        setKeys(k[0], k[1]);
    }

    private static TicketKey[] ticketKeys(FleetKeys keys) {
        Objects.requireNonNull(keys, "keys");
        List<FleetTicketKey> list = keys.ticketKeys();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("the fleet keys have no ticket-key line to seal session tickets with");
        }
        TicketKey current = new TicketKey(list.get(0).id(), list.get(0).key());
        TicketKey previous = list.size() > 1 ? new TicketKey(list.get(1).id(), list.get(1).key()) : null;
        return new TicketKey[] {current, previous};
    }

    /**
     * Replaces both keys, for servers that take their keys from elsewhere (shared between servers).
     *
     * @param previous the key before {@code current}, or null
     * @throws IllegalArgumentException if both keys have the same id
     */
    public synchronized void setKeys(TicketKey current, TicketKey previous) {
        keys = keySet(current, previous);
    }

    /**
     * Makes {@code next} the current key and the current key the previous one; tickets sealed under the old
     * previous key no longer open.
     *
     * @throws IllegalArgumentException if {@code next} has the id of the current key
     */
    public synchronized void rotate(TicketKey next) {
        keys = keySet(next, keys.current());
    }

    /** Rotates to a new random key, with an id distinct from the current key's. */
    public synchronized void rotate() {
        TicketKey next;
        do {
            next = TicketKey.generate(random);
        } while (next.id() == keys.current().id());
        rotate(next);
    }

    /** {@return the key tickets are sealed under now} */
    public TicketKey currentKey() {
        return keys.current();
    }

    /** {@return the key before the current one, if any} */
    public Optional<TicketKey> previousKey() {
        return Optional.ofNullable(keys.previous());
    }

    /** {@return a ticket holding {@code state}, at most {@link #MAX_TICKET_LENGTH} bytes} */
    public byte[] seal(SessionState state) {
        TicketKey key = keys.current();
        byte[] plaintext = state.encode();
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce); // SecureRandom is safe for concurrent use
        ByteBuffer out = ByteBuffer.allocate(OVERHEAD + plaintext.length);
        out.putInt(key.id()).put(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, key, nonce);
            c.doFinal(ByteBuffer.wrap(plaintext), out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
        return out.array();
    }

    /**
     * Opens a ticket sealed under the current or the previous key and returns its state if it is still
     * usable at {@code nowMillis} ({@link SessionState#isUsableAt}).
     *
     * @param ticket the PSK identity a client sent
     * @param nowMillis the server's wall-clock time, epoch milliseconds
     * @param clockSkewMillis how far in the future an issue time may be (servers sharing keys whose clocks
     *     differ), at least 0
     * @return the state, or empty for any ticket that is not authentic, not ours, malformed or expired
     */
    public Optional<SessionState> open(byte[] ticket, long nowMillis, long clockSkewMillis) {
        if (ticket == null || ticket.length <= OVERHEAD || ticket.length > MAX_TICKET_LENGTH) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(ticket);
        int id = in.getInt();
        KeySet set = keys;
        TicketKey key = set.current().id() == id ? set.current()
                : set.previous() != null && set.previous().id() == id ? set.previous() : null;
        if (key == null) {
            return Optional.empty();
        }
        byte[] nonce = new byte[NONCE_LENGTH];
        in.get(nonce);
        byte[] plaintext;
        try {
            plaintext = cipher(Cipher.DECRYPT_MODE, key, nonce).doFinal(ticket, in.position(), in.remaining());
        } catch (AEADBadTagException e) {
            return Optional.empty(); // forged or damaged: not an error worth more than a full handshake
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
        return SessionState.decode(plaintext).filter(s -> s.isUsableAt(nowMillis, clockSkewMillis));
    }

    private static Cipher cipher(int mode, TicketKey key, byte[] nonce) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key.keyBytes(), "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        // The key id is authenticated: a ticket moved under another id does not open.
        c.updateAAD(AAD_LABEL);
        c.updateAAD(ByteBuffer.allocate(KEY_ID_LENGTH).putInt(key.id()).array());
        return c;
    }

    private static KeySet keySet(TicketKey current, TicketKey previous) {
        Objects.requireNonNull(current, "current");
        if (previous != null && previous.id() == current.id()) {
            throw new IllegalArgumentException("the current and previous ticket keys have the same id");
        }
        return new KeySet(current, previous);
    }
}
