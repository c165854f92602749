package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionState;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/**
 * A QUIC client whose first key share the server does not accept: the server's HelloRetryRequest and the
 * client's second ClientHello travel in Initial packets (RFC 9001 §4.1.4 ties the ClientHellos and the
 * HelloRetryRequest to the Initial level), and the handshake completes, also on a lossy path.
 */
class HelloRetrySimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;

    private record Run(ConnectionPair.Builder builder, TlsHandshakes client, TlsHandshakes server) {}

    /** A pair whose client shares x25519 only while supporting secp256r1, the server's only group. */
    private static Run retrying(long seed, boolean cookie) {
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
                .groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519)
                .build();
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").groups(NamedGroup.SECP256R1).helloRetryCookie(cookie)
                .build();
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2));
        return new Run(ConnectionPair.builder(seed).handshakes(client, server), client, server);
    }

    /** Asserts that the handshake agreed on secp256r1, which the client had no share for at first. */
    private static void assertRetried(Run run, ConnectionPair pair) {
        for (TlsHandshakes side : List.of(run.client(), run.server())) {
            assertEquals(1, side.started.size());
            HandshakeDriver driver = side.started.get(0);
            assertNull(driver.failure(), pair::describe);
            assertEquals(NamedGroup.SECP256R1, driver.engine().keyExchangeGroup(), pair::describe);
        }
    }

    @Test
    void aClientWhoseFirstShareIsRefusedCompletesAfterAHelloRetryRequest() throws Exception {
        Run run = retrying(41, true);
        ConnectionPair pair = run.builder().links(LinkConfig.perfect().withDelay(20 * MS, 0)).build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        assertEquals("echo", pair.clientSession.connection.applicationProtocol(), pair.describe());
        assertRetried(run, pair);
        // The retry costs one round trip more than a handshake without one (two round trips to confirmation).
        long elapsed = pair.network.now() - qsock.core.sim.SimNetwork.EPOCH_NANOS;
        assertTrue(elapsed >= 100 * MS && elapsed < 300 * MS, elapsed + " ns; " + pair.describe());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {51, 52, 53, 54, 55, 56})
    void aRetriedHandshakeCompletesUnderThirtyPercentLossBothWays(long seed) throws Exception {
        Run run = retrying(seed, seed % 2 == 0);
        ConnectionPair pair = run.builder()
                .links(LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30)).build().connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertRetried(run, pair);
    }
}
