package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionState;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
import qsock.tls.ExternalPsk;
import qsock.tls.HandshakeDriver;
import qsock.tls.PskKeyring;
import qsock.tls.PskMode;
import qsock.tls.TlsAlert;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.TestPki;

/**
 * External pre-shared keys over QUIC (the kernel's PSK mode): a server without a certificate and a client
 * with the key complete the handshake, in both modes and under 30% loss; an unknown identity ends in
 * unknown_psk_identity.
 */
class PskSimulationTest {

    private static final String IDENTITY = "smb-host-3";
    private static final ExternalPsk PSK = new ExternalPsk(IDENTITY,
            "a shared secret of thirty-two by".getBytes(StandardCharsets.US_ASCII));

    private record Run(ConnectionPair.Builder builder, TlsHandshakes client, TlsHandshakes server) {}

    private static Run run(long seed, ExternalPsk clientKey, PskMode mode) {
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("hq-interop", "echo").externalPsk(clientKey).pskModes(mode).build();
        TlsServerConfig serverTls = TlsServerConfig.builder(PskKeyring.of(PSK)).applicationProtocols("echo", "hq-interop")
                .pskModes(mode).build();
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2));
        return new Run(ConnectionPair.builder(seed).handshakes(client, server), client, server);
    }

    private static void assertPsk(Run run, ConnectionPair pair, PskMode mode) {
        HandshakeDriver server = run.server().started.get(0);
        HandshakeDriver client = run.client().started.get(0);
        assertNull(server.failure(), pair::describe);
        assertNull(client.failure(), pair::describe);
        assertEquals(IDENTITY, server.engine().pskIdentity(), pair::describe);
        assertEquals(IDENTITY, client.engine().pskIdentity(), pair::describe);
        assertTrue(client.engine().peerCertificates().isEmpty());
        assertEquals(mode == PskMode.PSK_DHE_KE, client.engine().keyExchangeGroup() != null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PSK_DHE_KE", "PSK_KE"})
    void aPskHandshakeCompletesOverQuic(String modeName) throws Exception {
        PskMode mode = PskMode.valueOf(modeName);
        Run run = run(81, PSK, mode);
        ConnectionPair pair = run.builder().links(LinkConfig.perfect().withDelay(20 * MS, 0)).build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        assertEquals(ConnectionState.CONFIRMED, pair.serverSession().connection.state(), pair.describe());
        assertPsk(run, pair, mode);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {91, 92, 93, 94})
    void aPskHandshakeCompletesUnderThirtyPercentLossBothWays(long seed) throws Exception {
        PskMode mode = seed % 2 == 0 ? PskMode.PSK_DHE_KE : PskMode.PSK_KE;
        Run run = run(seed, PSK, mode);
        ConnectionPair pair = run.builder()
                .links(LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30)).build().connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertPsk(run, pair, mode);
    }

    @Test
    void anUnknownIdentityEndsInUnknownPskIdentity() throws Exception {
        Run run = run(82, new ExternalPsk("stranger", PSK.key()), PskMode.PSK_DHE_KE);
        ConnectionPair pair = run.builder().links(LinkConfig.perfect().withDelay(20 * MS, 0)).build().connect();
        pair.runUntil(() -> !run.server().started.isEmpty() && run.server().started.get(0).failure() != null,
                10 * SECOND, 10_000);
        HandshakeDriver server = run.server().started.get(0);
        assertNotNull(server.failure(), pair::describe);
        assertEquals(TlsAlert.UNKNOWN_PSK_IDENTITY, server.failure().alert(), pair::describe);
    }
}
