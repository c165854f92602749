package qsock.tls.ticket;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * One key of a {@link TicketSealer}'s key set: an AES-256 key and the short id written in front of every
 * ticket it seals, by which the opener finds the key again. Servers that share tickets share their keys:
 * build the same key from the same bytes on each ({@link #TicketKey(int, byte[])}), and distribute new keys
 * before any server seals with them.
 *
 * @param id the key id written in each ticket; the keys a sealer holds at one time have distinct ids
 * @param key 32 bytes, the AES-256-GCM key
 */
public record TicketKey(int id, byte[] key) {

    /** The key length: AES-256. */
    public static final int KEY_LENGTH = 32;

    /** @throws IllegalArgumentException if the key is not {@link #KEY_LENGTH} bytes */
    public TicketKey {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a ticket key has " + KEY_LENGTH + " bytes, not " + key.length);
        }
        key = key.clone();
    }

    /** {@return a new random key with a random id} */
    public static TicketKey generate(SecureRandom random) {
        byte[] key = new byte[KEY_LENGTH];
        random.nextBytes(key);
        return new TicketKey(random.nextInt(), key);
    }

    /** {@return a copy of the key bytes} */
    @Override
    public byte[] key() {
        return key.clone();
    }

    byte[] keyBytes() {
        return key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TicketKey k && id == k.id && Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
        return 31 * id + Arrays.hashCode(key);
    }

    /** {@return the id only: key bytes never go to logs} */
    @Override
    public String toString() {
        return "TicketKey[id=" + Integer.toHexString(id) + "]";
    }
}
