package qsock.api;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The in-memory {@link TokenStore}: one token per server and version, at most a fixed number of those, least
 * recently used out.
 */
final class BoundedTokenStore implements TokenStore {

    private record Key(InetSocketAddress server, QuicVersion version) {}

    private final int capacity;
    private final LinkedHashMap<Key, byte[]> tokens;

    BoundedTokenStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
        this.tokens = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
                return size() > BoundedTokenStore.this.capacity;
            }
        };
    }

    @Override
    public synchronized void put(InetSocketAddress server, QuicVersion version, byte[] token) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(version, "version");
        if (token == null || token.length == 0 || token.length > MAX_TOKEN_LENGTH) {
            return;
        }
        tokens.put(new Key(server, version), token.clone());
    }

    @Override
    public synchronized byte[] take(InetSocketAddress server, QuicVersion version) {
        return tokens.remove(new Key(Objects.requireNonNull(server, "server"), Objects.requireNonNull(version, "version")));
    }

    @Override
    public synchronized String toString() {
        return "TokenStore[" + tokens.size() + " of " + capacity + " servers and versions]";
    }
}
