package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/** Client and server engines against each other in memory: what a complete handshake yields. */
class TlsEngineHandshakeTest {

    static final byte[] CLIENT_PARAMS = {1, 2, 3};
    static final byte[] SERVER_PARAMS = {4, 5, 6, 7};

    static TlsClientConfig.Builder client(String pki) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki))));
    }

    static TlsServerConfig.Builder server(String pki) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(pki), TestPki.leafKey(pki)))
                .applicationProtocols("echo", "hq-interop");
    }

    static EnginePair handshake(TlsClientConfig c, TlsServerConfig s, long seed) {
        return new EnginePair(TlsEngine.client(c, TestPki.seeded(seed), CLIENT_PARAMS),
                TlsEngine.server(s, TestPki.seeded(seed + 1), SERVER_PARAMS)).run();
    }

    static Stream<Arguments> everyCombination() {
        List<Arguments> all = new ArrayList<>();
        for (String pki : TestPki.NAMES) {
            for (CipherSuite suite : CipherSuite.values()) {
                for (NamedGroup group : List.of(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1,
                        NamedGroup.X25519MLKEM768)) {
                    all.add(Arguments.of(pki, suite, group));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("everyCombination")
    void handshakeCompletesWithMatchingSecrets(String pki, CipherSuite suite, NamedGroup group) {
        EnginePair p = handshake(client(pki).cipherSuites(suite).groups(group).build(),
                server(pki).cipherSuites(suite).groups(group).build(), 7);
        assertNull(p.client.failure);
        assertNull(p.server.failure);
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
        assertEquals(TlsEngine.Status.COMPLETE, p.server.engine.status());
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertNotNull(p.client.writeSecrets.get(level));
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level + " c->s");
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level + " s->c");
            assertEquals(suite.hash().length(), p.client.writeSecrets.get(level).length);
        }
        assertArrayEquals(SERVER_PARAMS, p.client.peerTransportParameters);
        assertArrayEquals(CLIENT_PARAMS, p.server.peerTransportParameters);
        // The server's preference wins: "echo" is its first and the client offers it.
        assertEquals("echo", p.client.completion.applicationProtocol());
        assertEquals("echo", p.server.engine.applicationProtocol());
        assertEquals(suite, p.client.completion.cipherSuite());
        assertEquals(group, p.client.engine.keyExchangeGroup());
        assertEquals(group, p.server.engine.keyExchangeGroup());
        assertEquals(TestPki.leaf(pki), p.client.engine.peerCertificates().get(0));
        assertEquals("localhost", p.server.engine.serverName());
    }

    @Test
    void levelsAndOrderOfWhatTheEnginesEmitFollowRfc9001() {
        EnginePair p = handshake(client("ecdsa-p256").build(), server("ecdsa-p256").build(), 1);
        List<String> clientSeq = p.client.events.stream().map(TlsEngineHandshakeTest::describe).toList();
        assertEquals(List.of("data INITIAL", "secret HANDSHAKE READ", "secret HANDSHAKE WRITE", "params",
                "secret APPLICATION READ", "data HANDSHAKE", "secret APPLICATION WRITE", "complete"), clientSeq);
        List<String> serverSeq = p.server.events.stream().map(TlsEngineHandshakeTest::describe).toList();
        assertEquals(List.of("params", "data INITIAL", "secret HANDSHAKE READ", "secret HANDSHAKE WRITE",
                "data HANDSHAKE", "data HANDSHAKE", "data HANDSHAKE", "data HANDSHAKE", "secret APPLICATION WRITE",
                "secret APPLICATION READ", "complete"), serverSeq);
    }

    private static String describe(TlsEvent e) {
        return switch (e) {
            case TlsEvent.HandshakeData d -> "data " + d.level();
            case TlsEvent.SecretReady s -> "secret " + s.level() + " " + s.direction();
            case TlsEvent.PeerTransportParameters t -> "params";
            case TlsEvent.EarlyDataAttempt a -> "early attempt";
            case TlsEvent.EarlyDataStatus st -> "early " + st.accepted();
            case TlsEvent.HandshakeComplete c -> "complete";
        };
    }

    @Test
    void seededRandomnessReplaysTheHandshakeByteForByte() {
        EnginePair a = handshake(client("ecdsa-p384").build(), server("ecdsa-p384").build(), 42);
        EnginePair b = handshake(client("ecdsa-p384").build(), server("ecdsa-p384").build(), 42);
        EnginePair c = handshake(client("ecdsa-p384").build(), server("ecdsa-p384").build(), 43);
        assertEquals(bytesOf(a.client.events), bytesOf(b.client.events));
        assertEquals(bytesOf(a.server.events), bytesOf(b.server.events));
        assertTrue(!bytesOf(a.server.events).equals(bytesOf(c.server.events)));
    }

    private static List<ByteBuffer> bytesOf(List<TlsEvent> events) {
        return events.stream().<ByteBuffer>mapMulti((e, out) -> {
            if (e instanceof TlsEvent.HandshakeData d) {
                out.accept(ByteBuffer.wrap(d.data()));
            } else if (e instanceof TlsEvent.SecretReady s) {
                out.accept(ByteBuffer.wrap(s.secret()));
            }
        }).toList();
    }

    @Test
    void delegatedTasksRunOnAnotherThread() throws Exception {
        TlsEngine c = TlsEngine.client(client("rsa").delegateTasks(true).build(), TestPki.seeded(1), CLIENT_PARAMS);
        TlsEngine s = TlsEngine.server(server("rsa").delegateTasks(true).build(), TestPki.seeded(2), SERVER_PARAMS);
        s.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(((TlsEvent.HandshakeData) c.poll()).data()));
        // The server needs its RSA signature before it can finish its flight.
        assertEquals(TlsEngine.Status.TASK_PENDING, s.status());
        assertThrows(IllegalStateException.class, s::resume);
        CompletableFuture.runAsync(s.delegatedTask()).get(30, TimeUnit.SECONDS);
        s.resume();
        assertEquals(TlsEngine.Status.IN_PROGRESS, s.status());
        EnginePair p = new EnginePair(c, s);
        // Deliver what the server produced so far, then let the pair finish (it runs tasks inline).
        p.run();
        assertEquals(TlsEngine.Status.COMPLETE, c.status());
        assertEquals(TlsEngine.Status.COMPLETE, s.status());
    }

    @Test
    void keyLogLinesNameEverySecretWithTheClientRandom() {
        List<String> clientLines = new ArrayList<>();
        List<String> serverLines = new ArrayList<>();
        EnginePair p = handshake(client("ed25519").keyLog(clientLines::add).build(),
                server("ed25519").keyLog(serverLines::add).build(), 3);
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
        List<String> labels = clientLines.stream().map(l -> l.split(" ")[0]).sorted().toList();
        assertEquals(List.of("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"), labels);
        assertEquals(clientLines.stream().sorted().toList(), serverLines.stream().sorted().toList());
        String random = clientLines.get(0).split(" ")[1];
        assertTrue(clientLines.stream().allMatch(l -> l.split(" ")[1].equals(random) && l.split(" ").length == 3));
        assertEquals(64, random.length());
    }

    @Test
    void aFailingKeyLogDoesNotBreakTheHandshake() {
        EnginePair p = handshake(client("ed25519").keyLog(line -> { throw new IllegalStateException("disk full"); })
                .build(), server("ed25519").build(), 3);
        assertEquals(TlsEngine.Status.COMPLETE, p.client.engine.status());
    }
}
