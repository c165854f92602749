package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.HandshakeFactory;
import qsock.core.sim.quic.HandshakeStepper;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * 0-RTT over QUIC (engine and transport, no TCP): a first connection leaves a ticket allowing early data;
 * the second offers it, and the transport's handshake channel sees the client's 0-RTT write secret right
 * after its ClientHello and the server's 0-RTT read secret before its Handshake-level secrets (RFC 9001
 * §4.1.1, §4.6.1); the driver reports the remembered transport parameters and the server's answer, and the
 * handshake completes resumed, on a perfect link and under loss. A policy that refuses gives a rejected
 * attempt that still resumes. (The transport does not send or open 0-RTT packets yet: the next issue's.)
 */
class ZeroRttSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;

    private final InMemoryTicketStore store = new InMemoryTicketStore();
    private final TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop", "echo")
            .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
            .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
    private final ServerTickets tickets = ServerTickets.defaults()
            .withSealer(TicketSealer.withRandomKey(TestPki.seeded(4)))
            .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT);

    private TlsServerConfig serverTls(ServerTickets t) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").tickets(t).build();
    }

    /** A handshake channel that records what the engine hands the transport, in order (also used by other tests). */
    static class Recording implements HandshakeChannel {
        final HandshakeChannel inner;
        final List<String> calls = new ArrayList<>();
        byte[] localParameters;

        Recording(HandshakeChannel inner) {
            this.inner = inner;
        }

        @Override public boolean isClient() { return inner.isClient(); }
        @Override public EncryptionLevel readHandshake(ByteBuffer dst) { return inner.readHandshake(dst); }
        @Override public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
            calls.add("data " + level);
            inner.writeHandshake(level, data);
        }
        @Override public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite,
                                            byte[] secret) {
            calls.add("secret " + level + " " + direction);
            inner.installSecret(level, direction, suite, secret);
        }
        @Override public byte[] localTransportParameters() {
            localParameters = inner.localTransportParameters();
            return localParameters;
        }
        @Override public void peerTransportParameters(byte[] encoded) { inner.peerTransportParameters(encoded); }
        @Override public void handshakeComplete(String applicationProtocol) {
            calls.add("complete");
            inner.handshakeComplete(applicationProtocol);
        }
        @Override public void handshakeFailed(int alert, String reason) { inner.handshakeFailed(alert, reason); }
        @Override public boolean isHandshaking() { return inner.isHandshaking(); }
        @Override public void earlyDataAttempt(byte[] remembered) { inner.earlyDataAttempt(remembered); }
        @Override public void earlyDataStatus(boolean accepted) { inner.earlyDataStatus(accepted); }
        @Override public int handshakeAttempt() { return inner.handshakeAttempt(); }
        @Override public int quicVersion() { return inner.quicVersion(); }
    }

    private record Side(HandshakeDriver driver, Recording channel) {}

    private static final class Factory implements HandshakeFactory {
        final TlsClientConfig clientTls;
        final TlsServerConfig serverTls;
        final SecureRandom random;
        final List<Side> started = new ArrayList<>();

        Factory(TlsClientConfig clientTls, TlsServerConfig serverTls, SecureRandom random) {
            this.clientTls = clientTls;
            this.serverTls = serverTls;
            this.random = random;
        }

        @Override
        public HandshakeStepper start(QuicConnection connection, HandshakeChannel channel) {
            Recording recording = new Recording(channel);
            HandshakeDriver driver = connection.isClient() ? HandshakeDriver.client(recording, clientTls, random)
                    : HandshakeDriver.server(recording, serverTls, random);
            started.add(new Side(driver, recording));
            return () -> TlsHandshakes.step(driver);
        }
    }

    private record Run(ConnectionPair pair, Side client, Side server) {}

    private Run connect(long seed, LinkConfig link, ServerTickets t) throws Exception {
        Factory client = new Factory(clientTls, null, TestPki.seeded(seed * 31 + 1));
        Factory server = new Factory(null, serverTls(t), TestPki.seeded(seed * 31 + 2));
        ConnectionPair pair = ConnectionPair.builder(seed).handshakes(client, server).links(link).build().connect();
        pair.runUntil(() -> pair.bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertEquals(1, store.size("localhost"), pair::describe);
        Run run = new Run(pair, client.started.get(0), server.started.get(0));
        assertNull(run.client().driver().failure(), pair::describe);
        assertNull(run.server().driver().failure(), pair::describe);
        return run;
    }

    private static List<String> secretsAndData(Side side) {
        return side.channel().calls;
    }

    private void zeroRtt(long seed, LinkConfig link) throws Exception {
        Run first = connect(seed, link, tickets);
        assertFalse(first.client().driver().engine().resumed());
        assertNull(first.client().driver().earlyDataAttempt(), "no ticket yet, no 0-RTT");
        assertNull(first.server().driver().earlyDataAccepted());
        Run second = connect(seed + 1000, link, tickets);
        HandshakeDriver client = second.client().driver();
        HandshakeDriver server = second.server().driver();
        assertTrue(client.engine().resumed(), second.pair()::describe);
        assertTrue(server.engine().resumed(), second.pair()::describe);
        assertNotNull(client.earlyDataAttempt());
        // RFC 9000 §7.4.1: what the client must apply to 0-RTT are the first connection's server parameters.
        assertArrayEquals(first.server().channel().localParameters,
                client.earlyDataAttempt().rememberedTransportParameters());
        assertEquals(0xFFFF_FFFFL, client.earlyDataAttempt().maxEarlyDataSize());
        assertEquals(Boolean.TRUE, client.earlyDataAccepted());
        assertEquals(Boolean.TRUE, server.earlyDataAccepted());
        List<String> c = secretsAndData(second.client());
        assertEquals(List.of("data INITIAL", "secret EARLY_DATA WRITE"), c.subList(0, 2), c::toString);
        List<String> s = secretsAndData(second.server());
        assertEquals(List.of("data INITIAL", "secret EARLY_DATA READ", "secret HANDSHAKE READ",
                "secret HANDSHAKE WRITE"), s.subList(0, 4), s::toString);
        assertTrue(c.contains("complete") && s.contains("complete"));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {201, 202})
    void theSecondConnectionSendsZeroRttSecretsInOrder(long seed) throws Exception {
        zeroRtt(seed, LinkConfig.perfect().withDelay(20 * MS, 0));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {211, 212, 213})
    void underThirtyPercentLoss(long seed) throws Exception {
        zeroRtt(seed, LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {221})
    void aRefusingPolicyRejectsAndTheConnectionStillResumes(long seed) throws Exception {
        LinkConfig link = LinkConfig.perfect().withDelay(20 * MS, 0);
        connect(seed, link, tickets);
        Run second = connect(seed + 1000, link, tickets.withEarlyData(true, (alpn, sni, params) -> false));
        assertTrue(second.client().driver().engine().resumed());
        assertNotNull(second.client().driver().earlyDataAttempt());
        assertEquals(Boolean.FALSE, second.client().driver().earlyDataAccepted());
        assertEquals(Boolean.FALSE, second.server().driver().earlyDataAccepted());
        assertFalse(secretsAndData(second.server()).contains("secret EARLY_DATA READ"));
    }
}
