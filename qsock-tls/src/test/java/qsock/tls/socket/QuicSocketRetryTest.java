package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.tls.QuicHandshake;
import qsock.api.TokenStore;
import qsock.socket.QuicSocketOptions;

/**
 * Address validation through real sockets and the real TLS engine: a listener with
 * {@link QuicSocketOptions#VALIDATE_PEER_ADDRESS} makes the first client follow a Retry (RFC 9000 §8.1.2); the
 * NEW_TOKEN token it then receives goes to its {@link QuicSocketOptions#TOKEN_STORE}, and the next client socket
 * sharing the store gets in without a Retry (§8.1.3).
 */
class QuicSocketRetryTest {

    /** The bounded in-memory store, counting what servers gave. */
    private static final class CountingStore implements TokenStore {
        final TokenStore inner = TokenStore.inMemory(8);
        final AtomicInteger puts = new AtomicInteger();

        @Override
        public void put(InetSocketAddress server, qsock.api.QuicVersion version, byte[] token) {
            puts.incrementAndGet();
            inner.put(server, version, token);
        }

        @Override
        public byte[] take(InetSocketAddress server, qsock.api.QuicVersion version) {
            return inner.take(server, version);
        }
    }

    /** Connects a client socket that keeps its tokens in {@code store}, and accepts it; both handshakes done. */
    private static Loopback.Connection connect(Loopback loopback, TokenStore store) throws Exception {
        Future<QuicSocket> accepted = loopback.background(() -> {
            QuicSocket s = loopback.listener.accept();
            QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
            return s;
        });
        QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
        try {
            client.setOption(QuicSocketOptions.TOKEN_STORE, store);
            client.connect(loopback.address);
            QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
            return new Loopback.Connection(client, accepted.get());
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    @Test
    void aListenerThatValidatesAddressesRetriesOnceAndANewTokenSkipsTheNextRetry() throws Exception {
        CountingStore store = new CountingStore();
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            loopback.listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, true);
            // The settings take effect when the socket (again) listens.
            loopback.listener.listen(16);
            assertTrue(loopback.listener.getOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS));
            try (Loopback.Connection first = connect(loopback, store)) {
                assertEquals(1, first.client().statistics().retries(), "the first client followed a Retry");
                Waits.until("a NEW_TOKEN token kept", () -> store.puts.get() == 1);
            }
            try (Loopback.Connection second = connect(loopback, store)) {
                assertEquals(0, second.client().statistics().retries(), "the NEW_TOKEN token validated the address");
            }
        }
    }
}
