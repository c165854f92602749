package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.ConnectionPair;
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
 * Session resumption over QUIC (engine and transport, no TCP): a first connection gets a NewSessionTicket at
 * the 1-RTT level after the handshake (RFC 9001 §4.1.3), which the transport must still hand to the engine;
 * a second connection sharing the client's ticket store and the server's ticket keys resumes with it, on a
 * perfect link and under 30% loss both ways.
 */
class ResumptionSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;

    private final InMemoryTicketStore store = new InMemoryTicketStore();
    private final TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop", "echo")
            .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
            .tickets(ClientTickets.defaults().withStore(store)).build();
    private final TlsServerConfig serverTls = TlsServerConfig.builder(
                    new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
            .applicationProtocols("echo", "hq-interop")
            .tickets(ServerTickets.defaults().withSealer(TicketSealer.withRandomKey(TestPki.seeded(4)))).build();

    private record Run(ConnectionPair pair, TlsHandshakes client, TlsHandshakes server) {}

    private Run connect(long seed, LinkConfig link) throws Exception {
        TlsHandshakes client = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes server = new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2));
        ConnectionPair pair = ConnectionPair.builder(seed).handshakes(client, server).links(link).build().connect();
        // Established, and the ticket (sent after the client's Finished, at the 1-RTT level) arrived.
        pair.runUntil(() -> pair.bothEstablished() && store.size() > 0, 120 * SECOND, 200_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertEquals(1, store.size("localhost"), pair::describe);
        return new Run(pair, client, server);
    }

    private static void assertResumed(Run run, boolean resumed) {
        HandshakeDriver client = run.client().started.get(0);
        HandshakeDriver server = run.server().started.get(0);
        assertNull(client.failure(), run.pair()::describe);
        assertNull(server.failure(), run.pair()::describe);
        assertEquals(resumed, client.engine().resumed(), run.pair()::describe);
        assertEquals(resumed, server.engine().resumed(), run.pair()::describe);
        // RFC 8446 §2.2: a resumed handshake sends no certificate.
        assertEquals(resumed, client.engine().peerCertificates().isEmpty());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {101, 102})
    void theSecondConnectionResumes(long seed) throws Exception {
        LinkConfig link = LinkConfig.perfect().withDelay(20 * MS, 0);
        Run first = connect(seed, link);
        assertResumed(first, false);
        Run second = connect(seed + 1000, link);
        assertResumed(second, true);
        assertFalse(store.size() > 1, "the used ticket was taken, the new one kept");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {111, 112, 113, 114})
    void theSecondConnectionResumesUnderThirtyPercentLoss(long seed) throws Exception {
        LinkConfig link = LinkConfig.perfect().withDelay(20 * MS, 5 * MS).withLoss(0.30);
        Run first = connect(seed, link);
        assertResumed(first, false);
        Run second = connect(seed + 1000, link);
        assertResumed(second, true);
    }
}
