package qsock.socket;

import java.net.InetSocketAddress;
import qsock.api.QuicVersion;
import qsock.api.TokenStore;

/**
 * What a client socket's connection takes its Initial token from and gives the NEW_TOKEN tokens it receives to:
 * the token set with {@link QuicSocketOptions#TOKEN} before connecting, if any, in place of one from the
 * {@link QuicSocketOptions#TOKEN_STORE} (which then keeps its own); every token received goes to the socket's TOKEN
 * slot, where {@code getOption} reads it, and on to the store.
 */
final class SocketTokenStore implements TokenStore {

    private final SocketOptionTable options;
    private final TokenStore store;
    /** The token set before connecting, used once; null when none was. */
    private byte[] explicit;

    SocketTokenStore(SocketOptionTable options, TokenStore store, byte[] explicit) {
        this.options = options;
        this.store = store;
        this.explicit = explicit;
    }

    @Override
    public synchronized void put(InetSocketAddress server, QuicVersion version, byte[] token) {
        if (token == null || token.length == 0 || token.length > MAX_TOKEN_LENGTH) {
            return; // the TOKEN option's bound, the store's too
        }
        options.tokenReceived(token);
        if (store != null) {
            store.put(server, version, token);
        }
    }

    @Override
    public synchronized byte[] take(InetSocketAddress server, QuicVersion version) {
        byte[] token = explicit;
        if (token != null) {
            explicit = null;
            return token;
        }
        return store == null ? null : store.take(server, version);
    }
}
