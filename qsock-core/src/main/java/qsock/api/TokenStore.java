package qsock.api;

import java.net.InetSocketAddress;

/**
 * Where a client keeps the address validation tokens servers gave it in NEW_TOKEN frames (RFC 9000 §8.1.3, §19.7),
 * so that a later connection to the same server puts one in its first Initial and skips a Retry. Tokens are opaque
 * bytes; a server may refuse them. Implementations must be thread-safe when shared between sockets.
 */
public interface TokenStore {

    /** The longest token kept: one that leaves no room in a 1200-byte Initial for the ClientHello is useless. */
    int MAX_TOKEN_LENGTH = 512;

    /**
     * Keeps {@code token} (a copy) for {@code server}, given on a connection of {@code version}, replacing an older
     * one for the same server and version; a token too long is ignored.
     */
    void put(InetSocketAddress server, QuicVersion version, byte[] token);

    /**
     * {@return a token for {@code server} from a connection of {@code version}, or null} RFC 9369 §5: a token from
     * a connection of one version MUST NOT start a connection of another. It is removed: RFC 9000 §8.1.3 says a
     * client SHOULD NOT use a NEW_TOKEN token for more than one connection attempt, lest the attempts be linked.
     */
    byte[] take(InetSocketAddress server, QuicVersion version);

    /** {@return an in-memory store that keeps the tokens of at most {@code servers} servers, the least recently used go first} */
    static TokenStore inMemory(int servers) {
        return new BoundedTokenStore(servers);
    }
}
