package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.api.QuicVersion;
import qsock.api.TokenStore;
import qsock.core.connection.QuicConnection;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.FrameType;
import qsock.core.frame.NewTokenFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Session;
import qsock.core.sim.quic.Wire;

/** NEW_TOKEN (RFC 9000 §8.1.3, §19.7): issued after the handshake, kept by the client, and skipping Retry later. */
class NewTokenTest {

    /** A token store that remembers what it was given, around the bounded default. */
    private static final class CountingStore implements TokenStore {
        final TokenStore inner = TokenStore.inMemory(4);
        int puts;
        int takes;

        @Override
        public void put(InetSocketAddress server, QuicVersion version, byte[] token) {
            puts++;
            inner.put(server, version, token);
        }

        @Override
        public byte[] take(InetSocketAddress server, QuicVersion version) {
            byte[] t = inner.take(server, version);
            if (t != null) {
                takes++;
            }
            return t;
        }
    }

    @Test
    void aNewTokenFromTheFirstConnectionLetsTheNextSkipRetry() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(21).build();
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withAlwaysRetry(true));
        CountingStore store = new CountingStore();
        pair.client.endpoint.setTokenStore(store);
        pair.connect().confirm();
        assertEquals(1, pair.clientConnection().retries());
        pair.runUntil(() -> store.puts > 0, 5 * SECOND, 10_000);
        assertEquals(1, store.puts, "one NEW_TOKEN, after confirmation");

        Session second = pair.client.connect(pair.server.address, pair.network.now());
        assertEquals(1, store.takes, "the second connection took the token (and it is gone from the store)");
        pair.runUntil(() -> second.connection.state() == ConnectionState.CONFIRMED
                && pair.server.sessions.size() == 2
                && pair.server.sessions.get(1).connection.state() == ConnectionState.CONFIRMED);
        assertEquals(0, second.connection.retries(), "no Retry: the NEW_TOKEN token proved the address");
        assertEquals(1, pair.server.endpoint.retriesSent());
        assertEquals(2, pair.server.endpoint.validatedByToken());
        QuicConnection secondServer = pair.server.sessions.get(1).connection;
        assertTrue(secondServer.isAddressValidated());
        assertNull(second.connection.peerTransportParameters().retrySourceConnectionId());
    }

    @Test
    void aServerSendsNoNewTokenWhenToldNotTo() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(22).build();
        pair.server.endpoint.setAddressValidation(AddressValidation.defaults().withIssueNewTokens(false));
        CountingStore store = new CountingStore();
        pair.client.endpoint.setTokenStore(store);
        pair.connect().confirm();
        pair.runFor(2 * SECOND);
        assertEquals(0, store.puts);
    }

    @Test
    void aLostNewTokenIsSentAgain() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(23).build();
        CountingStore store = new CountingStore();
        pair.client.endpoint.setTokenStore(store);
        Wire[] wire = {null};
        boolean[] dropped = {false};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (dropped[0] || Wire.types(datagram, 8).stream().noneMatch(t -> t == qsock.core.packet.PacketType.ONE_RTT)) {
                return false;
            }
            if (wire[0] == null) {
                wire[0] = new Wire(Role.SERVER, CipherSuite.TLS_AES_128_GCM_SHA256, qsock.api.QuicVersion.V1,
                        pair.clientConnection().originalDestinationId(), 8);
            }
            for (Wire.Packet p : wire[0].read(datagram)) {
                if (!p.frames(NewTokenFrame.class).isEmpty()) {
                    dropped[0] = true;
                    return true;
                }
            }
            return false;
        });
        pair.connect().confirm();
        pair.runUntil(() -> store.puts > 0, 10 * SECOND, 20_000);
        assertTrue(dropped[0], "the first NEW_TOKEN was lost");
        assertEquals(1, store.puts);
    }

    @Test
    void aNewTokenFrameFromAClientIsAProtocolViolation() throws Exception {
        ConnectionPair pair = ConnectionPair.established(24);
        QuicConnection server = pair.serverConnection();
        pair.server.receive(pair.client.address, Wire.oneRtt(Role.CLIENT, CipherSuite.TLS_AES_128_GCM_SHA256,
                server.version(), 0, server.localId(), 9_000, Wire.frames(new NewTokenFrame(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3})))),
                pair.network.now());
        assertTrue(server.state().isClosingOrClosed());
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION.value(), server.closeError().code());
        assertEquals(FrameType.NEW_TOKEN.firstCode(), server.closeError().frameType());
    }

    @Test
    void theInMemoryStoreIsBoundedAndHandsATokenOutOnce() {
        TokenStore store = TokenStore.inMemory(2);
        InetSocketAddress a = new InetSocketAddress("192.0.2.1", 443);
        InetSocketAddress b = new InetSocketAddress("192.0.2.2", 443);
        InetSocketAddress c = new InetSocketAddress("192.0.2.3", 443);
        QuicVersion v1 = QuicVersion.V1;
        store.put(a, v1, new byte[] {1});
        store.put(b, v1, new byte[] {2});
        store.put(c, v1, new byte[] {3});
        assertNull(store.take(a, v1), "the least recently used server went");
        assertEquals(2, store.take(b, v1)[0]);
        assertNull(store.take(b, v1), "RFC 9000 §8.1.3: a token is used for one connection attempt");
        store.put(a, v1, new byte[TokenStore.MAX_TOKEN_LENGTH + 1]);
        assertNull(store.take(a, v1), "too long to fit an Initial: not kept");
        assertNull(store.take(c, QuicVersion.V2), "RFC 9369 §5: a v1 token does not start a v2 connection");
        assertNotNull(store.take(c, v1));
    }
}
