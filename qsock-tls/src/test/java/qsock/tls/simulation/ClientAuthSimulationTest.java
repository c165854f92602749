package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsAlert;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * Client certificates over QUIC: the CertificateRequest and the client's Certificate and CertificateVerify
 * travel in Handshake packets (RFC 9001 §4.1.4), the server learns the client's chain, and a server that
 * requires a certificate refuses a client without one with certificate_required.
 */
class ClientAuthSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;

    private record Run(ConnectionPair.Builder builder, TlsHandshakes client, TlsHandshakes server) {}

    private static Run mutual(long seed, boolean clientCredential) {
        TlsClientConfig.Builder clientTls = TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))));
        if (clientCredential) {
            clientTls.credential(new Credential(TestPki.chain("ed25519"), TestPki.leafKey("ed25519")));
        }
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").clientAuthentication(ClientAuth.REQUIRE,
                        CertificateValidator.forTrustedCertificates(List.of(TestPki.ca("ed25519"))))
                .build();
        TlsHandshakes client = new TlsHandshakes(clientTls.build(), null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2));
        return new Run(ConnectionPair.builder(seed).handshakes(client, server), client, server);
    }

    private static void assertClientAuthenticated(Run run, ConnectionPair pair) {
        HandshakeDriver server = run.server().started.get(0);
        assertNull(server.failure(), pair::describe);
        assertEquals(TestPki.chain("ed25519"), server.engine().peerCertificates(), pair::describe);
        assertNull(run.client().started.get(0).failure(), pair::describe);
    }

    @Test
    void aClientCertificateIsVerifiedOverQuic() throws Exception {
        Run run = mutual(61, true);
        ConnectionPair pair = run.builder().links(LinkConfig.perfect().withDelay(20 * MS, 0)).build().connect();
        pair.runUntil(() -> pair.clientSession.connection.state() == ConnectionState.CONFIRMED
                && pair.serverSession().connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        assertEquals(ConnectionState.CONFIRMED, pair.serverSession().connection.state(), pair.describe());
        assertClientAuthenticated(run, pair);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {71, 72, 73, 74})
    void aMutualHandshakeCompletesUnderThirtyPercentLossBothWays(long seed) throws Exception {
        Run run = mutual(seed, true);
        ConnectionPair pair = run.builder()
                .links(LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30)).build().connect();
        pair.runUntil(pair::bothEstablished, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertClientAuthenticated(run, pair);
    }

    @Test
    void aServerRequiringACertificateRefusesAClientWithoutOneWithCertificateRequired() throws Exception {
        Run run = mutual(62, false);
        ConnectionPair pair = run.builder().links(LinkConfig.perfect().withDelay(20 * MS, 0)).build().connect();
        pair.runUntil(() -> !run.server().started.isEmpty() && run.server().started.get(0).failure() != null,
                10 * SECOND, 10_000);
        HandshakeDriver server = run.server().started.get(0);
        assertNotNull(server.failure(), pair::describe);
        assertEquals(TlsAlert.CERTIFICATE_REQUIRED, server.failure().alert(), pair::describe);
        assertTrue(server.engine().peerCertificates().isEmpty());
    }
}
