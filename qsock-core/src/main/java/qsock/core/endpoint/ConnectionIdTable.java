package qsock.core.endpoint;

import java.nio.ByteBuffer;
import java.util.Arrays;
import qsock.core.wire.ConnectionId;

/**
 * The endpoint's routing table from connection ID to connection (RFC 9000 §5.2), looked up straight from
 * the bytes of a received datagram so that routing a packet allocates nothing: open addressing with linear
 * probing, keys stored as {@link ConnectionId}s, hashes of the ID bytes.
 *
 * @param <V> the routed-to value
 */
final class ConnectionIdTable<V> {

    private ConnectionId[] keys = new ConnectionId[64];
    private Object[] values = new Object[64];
    private int size;
    private int tombstones;
    private static final ConnectionId TOMBSTONE = ConnectionId.of(new byte[] {0x7f});
    /** Clients choose their first Destination Connection ID: a secret seed keeps them from aiming at one slot. */
    private final int seed;

    ConnectionIdTable(int seed) {
        this.seed = seed;
    }

    int size() {
        return size;
    }

    /** Maps {@code id} to {@code value}, replacing any earlier mapping. */
    void put(ConnectionId id, V value) {
        if ((size + tombstones + 1) * 2 > keys.length) {
            rehash(size * 4 > keys.length ? keys.length * 2 : keys.length);
        }
        int mask = keys.length - 1;
        int free = -1;
        for (int i = hash(id) & mask; ; i = (i + 1) & mask) {
            ConnectionId k = keys[i];
            if (k == null) {
                int at = free >= 0 ? free : i;
                if (free >= 0) {
                    tombstones--;
                }
                keys[at] = id;
                values[at] = value;
                size++;
                return;
            }
            if (k == TOMBSTONE) {
                if (free < 0) {
                    free = i;
                }
            } else if (k.equals(id)) {
                values[i] = value;
                return;
            }
        }
    }

    /** Removes the mapping of {@code id}, if any. */
    void remove(ConnectionId id) {
        int mask = keys.length - 1;
        for (int i = hash(id) & mask; keys[i] != null; i = (i + 1) & mask) {
            if (keys[i] != TOMBSTONE && keys[i].equals(id)) {
                keys[i] = TOMBSTONE;
                values[i] = null;
                size--;
                tombstones++;
                return;
            }
        }
    }

    /** Removes every mapping to {@code value}: a scan of the whole table, for the rare connection given up on. */
    void removeValue(V value) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null && keys[i] != TOMBSTONE && values[i] == value) {
                keys[i] = TOMBSTONE;
                values[i] = null;
                size--;
                tombstones++;
            }
        }
    }

    /** {@return the value of the ID in {@code buf[offset, offset + length)}, or null} */
    @SuppressWarnings("unchecked")
    V get(ByteBuffer buf, int offset, int length) {
        int mask = keys.length - 1;
        for (int i = hash(buf, offset, length) & mask; keys[i] != null; i = (i + 1) & mask) {
            ConnectionId k = keys[i];
            if (k != TOMBSTONE && k.length() == length && k.matches(buf, offset, length)) {
                return (V) values[i];
            }
        }
        return null;
    }

    /** {@return the value of {@code id}, or null} */
    V get(ConnectionId id) {
        byte[] bytes = id.toByteArray();
        return get(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    private void rehash(int capacity) {
        ConnectionId[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new ConnectionId[capacity];
        values = new Object[capacity];
        size = 0;
        tombstones = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null && oldKeys[i] != TOMBSTONE) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
        Arrays.fill(oldValues, null);
    }

    private int hash(ConnectionId id) {
        int h = seed;
        for (int i = 0; i < id.length(); i++) {
            h = 31 * h + id.byteAt(i);
        }
        return mix(h);
    }

    private int hash(ByteBuffer buf, int offset, int length) {
        int h = seed;
        for (int i = 0; i < length; i++) {
            h = 31 * h + buf.get(offset + i);
        }
        return mix(h);
    }

    private static int mix(int h) {
        // Connection IDs are random, but the table must not degrade if a peer picks them to collide.
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }
}
