package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeFramer;

/**
 * The post-quantum hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) as the engines use it by default: the
 * client sends a hybrid share and an x25519 fallback share, a server that has the hybrid picks it, a server
 * without it takes the x25519 share with no HelloRetryRequest, and either side can turn it off.
 */
class HybridGroupHandshakeTest {

    private static final String PKI = "ecdsa-p256";

    @Test
    void byDefaultTheClientOffersTheHybridFirstWithAnX25519FallbackShare() throws TlsAlertException {
        EnginePair p = TlsEngineHandshakeTest.handshake(TlsEngineHandshakeTest.client(PKI).build(),
                TlsEngineHandshakeTest.server(PKI).build(), 3);
        ClientHello hello = clientHello(p);
        assertEquals(List.of(0x11ec, 0x001d, 0x0017, 0x0018),
                hello.extension(SupportedGroups.class).orElseThrow().namedGroupList());
        List<KeyShareEntry> shares = hello.extension(KeyShareClientHello.class).orElseThrow().clientShares();
        assertEquals(List.of(0x11ec, 0x001d), shares.stream().map(KeyShareEntry::group).toList());
        assertEquals(1216, shares.get(0).keyExchange().length());
        assertEquals(32, shares.get(1).keyExchange().length());
        // RFC 9000 §14.1: a ClientHello this large does not fit one 1200-byte Initial.
        assertTrue(initialBytes(p) > 1200, "ClientHello of " + initialBytes(p) + " bytes");
        // The default server prefers the hybrid; both sides report it and their keys agree.
        assertCompleteWith(p, NamedGroup.X25519MLKEM768);
    }

    @Test
    void aServerWithoutTheHybridTakesTheX25519ShareWithoutARetry() {
        EnginePair p = TlsEngineHandshakeTest.handshake(TlsEngineHandshakeTest.client(PKI).build(),
                TlsEngineHandshakeTest.server(PKI).groups(NamedGroup.X25519, NamedGroup.SECP256R1).build(), 4);
        assertCompleteWith(p, NamedGroup.X25519);
    }

    @Test
    void aServerThatPrefersAClassicalGroupGetsIt() {
        // The server's preference order decides among the shares the client sent (RFC 8446 §4.2.8).
        EnginePair p = TlsEngineHandshakeTest.handshake(TlsEngineHandshakeTest.client(PKI).build(),
                TlsEngineHandshakeTest.server(PKI).groups(NamedGroup.X25519, NamedGroup.X25519MLKEM768).build(), 5);
        assertCompleteWith(p, NamedGroup.X25519);
    }

    @Test
    void aClientWithoutTheHybridSendsOneClassicalShareAndTheDefaultServerAcceptsIt() throws TlsAlertException {
        EnginePair p = TlsEngineHandshakeTest.handshake(
                TlsEngineHandshakeTest.client(PKI).groups(NamedGroup.X25519, NamedGroup.SECP256R1).build(),
                TlsEngineHandshakeTest.server(PKI).build(), 6);
        List<KeyShareEntry> shares = clientHello(p).extension(KeyShareClientHello.class).orElseThrow().clientShares();
        assertEquals(List.of(0x001d), shares.stream().map(KeyShareEntry::group).toList());
        assertTrue(initialBytes(p) < 1200, "ClientHello of " + initialBytes(p) + " bytes");
        assertCompleteWith(p, NamedGroup.X25519);
    }

    @Test
    void onlyTheHybridOnBothSidesCompletes() {
        EnginePair p = TlsEngineHandshakeTest.handshake(
                TlsEngineHandshakeTest.client(PKI).groups(NamedGroup.X25519MLKEM768).build(),
                TlsEngineHandshakeTest.server(PKI).groups(NamedGroup.X25519MLKEM768).build(), 7);
        assertCompleteWith(p, NamedGroup.X25519MLKEM768);
    }

    @Test
    void theDefaultKeySharesFollowTheGroupsOrder() {
        assertEquals(List.of(NamedGroup.X25519MLKEM768, NamedGroup.X25519),
                TlsClientConfig.builder().build().keyShareGroups());
        assertEquals(List.of(NamedGroup.X25519MLKEM768, NamedGroup.SECP256R1), TlsClientConfig.builder()
                .groups(NamedGroup.X25519MLKEM768, NamedGroup.SECP256R1).build().keyShareGroups());
        assertEquals(List.of(NamedGroup.X25519MLKEM768),
                TlsClientConfig.builder().groups(NamedGroup.X25519MLKEM768).build().keyShareGroups());
        assertEquals(List.of(NamedGroup.SECP256R1), TlsClientConfig.builder()
                .groups(NamedGroup.SECP256R1, NamedGroup.X25519MLKEM768).build().keyShareGroups());
        assertEquals(NamedGroup.X25519MLKEM768, TlsServerConfig.builder(
                new Credential(qsock.tls.cert.TestPki.chain(PKI), qsock.tls.cert.TestPki.leafKey(PKI)))
                .build().groups().getFirst());
    }

    private static void assertCompleteWith(EnginePair p, NamedGroup group) {
        assertNull(p.client.failure);
        assertNull(p.server.failure);
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
        assertEquals(TlsEngine.Status.COMPLETE, p.server.engine.status());
        assertEquals(group, p.client.engine.keyExchangeGroup());
        assertEquals(group, p.server.engine.keyExchangeGroup());
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level + " c->s");
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level + " s->c");
        }
    }

    /** {@return how many handshake bytes the client sent at the Initial level} */
    private static int initialBytes(EnginePair p) {
        return p.client.events.stream()
                .filter(e -> e instanceof TlsEvent.HandshakeData d && d.level() == EncryptionLevel.INITIAL)
                .mapToInt(e -> ((TlsEvent.HandshakeData) e).data().length).sum();
    }

    private static ClientHello clientHello(EnginePair p) throws TlsAlertException {
        HandshakeFramer framer = new HandshakeFramer();
        for (TlsEvent e : p.client.events) {
            if (e instanceof TlsEvent.HandshakeData d && d.level() == EncryptionLevel.INITIAL) {
                framer.feed(ByteBuffer.wrap(d.data()));
            }
        }
        FramedMessage first = framer.next();
        return (ClientHello) HandshakeCodec.decode(first, 0);
    }
}
