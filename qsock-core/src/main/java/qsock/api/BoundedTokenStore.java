package qsock.api;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The in-memory {@link TokenStore}: one token per server, at most a fixed number of servers, least recently used out. */
final class BoundedTokenStore implements TokenStore {

    private final int capacity;
    private final LinkedHashMap<InetSocketAddress, byte[]> tokens;

    BoundedTokenStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
        this.tokens = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, byte[]> eldest) {
                return size() > BoundedTokenStore.this.capacity;
            }
        };
    }

    @Override
    public synchronized void put(InetSocketAddress server, byte[] token) {
        Objects.requireNonNull(server, "server");
        if (token == null || token.length == 0 || token.length > MAX_TOKEN_LENGTH) {
            return;
        }
        tokens.put(server, token.clone());
    }

    @Override
    public synchronized byte[] take(InetSocketAddress server) {
        return tokens.remove(Objects.requireNonNull(server, "server"));
    }

    @Override
    public synchronized String toString() {
        return "TokenStore[" + tokens.size() + " of " + capacity + " servers]";
    }
}
