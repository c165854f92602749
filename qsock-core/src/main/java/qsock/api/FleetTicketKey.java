package qsock.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * One session ticket key of a {@link FleetKeys} file: the 32-byte AES-256-GCM key a TLS engine seals session tickets
 * with (RFC 8446 §4.6.1 leaves their form to the server) and the id written in front of each ticket, by which any
 * server of the fleet finds the key again. The transport does not use it; qsock-tls builds its ticket sealer from it.
 *
 * @param id the key id carried in each ticket; the keys of one file have distinct ids
 * @param key the 32 key bytes
 */
public record FleetTicketKey(int id, byte[] key) {

    /** The key length: AES-256. */
    public static final int KEY_LENGTH = 32;

    /** Checks and copies the key. */
    public FleetTicketKey {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a ticket key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        key = key.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FleetTicketKey k && id == k.id && Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
        return 31 * id + Arrays.hashCode(key);
    }

    /** {@return the id only: key bytes never go to logs} */
    @Override
    public String toString() {
        return "FleetTicketKey[id=" + String.format("%08x", id) + "]";
    }
}
