package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
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
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;
import qsock.tls.ticket.TicketStore;

/**
 * Session tickets bound to the QUIC version end to end, over the simulated transport with the real TLS engine (RFC
 * 9369 §5): a client "MUST NOT use a session ticket ... from a QUIC version 1 connection to initiate a QUIC version 2
 * connection, and vice versa", servers "MUST validate the originating version of any session ticket", and after
 * compatible negotiation "any resulting session ticket maps to the negotiated version rather than the original one".
 * One server, speaking both versions and preferring version 2, keeps its ticket keys across the connections of a test;
 * one client keeps its ticket store.
 */
class VersionBoundTicketSimulationTest {

    private static final String PKI = TlsHandshakes.DEFAULT_PKI;
    private static final int V1 = QuicVersion.V1.wireValue();
    private static final int V2 = QuicVersion.V2.wireValue();

    /**
     * The client's ticket store: an {@link InMemoryTicketStore} that records the tickets stored and taken, and,
     * when {@code ignoreVersion}, hands out a ticket of any version (a client that breaks the rule, so that the
     * server's own check is what is seen).
     */
    private static final class RecordingStore implements TicketStore {
        final InMemoryTicketStore inner = new InMemoryTicketStore();
        final List<ClientTicket> stored = new ArrayList<>();
        final List<ClientTicket> taken = new ArrayList<>();
        boolean ignoreVersion;

        @Override
        public void store(String serverName, ClientTicket ticket) {
            stored.add(ticket);
            inner.store(serverName, ticket);
        }

        @Override
        public Optional<ClientTicket> take(String serverName, long nowMillis) {
            return record(inner.take(serverName, nowMillis));
        }

        @Override
        public Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
            return record(ignoreVersion ? inner.take(serverName, nowMillis)
                    : inner.take(serverName, quicVersion, nowMillis));
        }

        private Optional<ClientTicket> record(Optional<ClientTicket> t) {
            t.ifPresent(taken::add);
            return t;
        }
    }

    private final RecordingStore store = new RecordingStore();
    private final TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
            .applicationProtocols("hq-interop", "echo")
            .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI))))
            .tickets(ClientTickets.defaults().withStore(store)).build();
    private final TlsServerConfig serverTls = TlsServerConfig.builder(
                    new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
            .applicationProtocols("echo", "hq-interop")
            .tickets(ServerTickets.defaults().withSealer(
                    TicketSealer.withRandomKey(TestPki.seeded(7)))).build();
    /** The server speaks both versions and prefers version 2 (RFC 9368 §2.3: it moves a willing v1 client there). */
    private static final ConnectionConfig SERVER = versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1);

    private static ConnectionConfig versions(QuicVersion start, QuicVersion... versions) {
        return ConnectionConfig.builder().version(start).versions(versions).build();
    }

    private record Run(ConnectionPair pair, HandshakeDriver client, HandshakeDriver server, List<ClientTicket> taken) {}

    /**
     * One connection of the client configured by {@code client}: established, and the ticket sent after the
     * handshake (at the 1-RTT level, RFC 9001 §4.1.3) stored.
     */
    private Run connect(long seed, ConnectionConfig client) throws Exception {
        TlsHandshakes c = new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1));
        TlsHandshakes s = new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2));
        int storedBefore = store.stored.size();
        int takenBefore = store.taken.size();
        ConnectionPair pair = ConnectionPair.builder(seed).handshakes(c, s)
                .links(LinkConfig.perfect().withDelay(20 * MS, 0))
                .clientConfig(client).serverConfig(SERVER).build().connect();
        pair.runUntil(() -> pair.bothEstablished() && store.stored.size() > storedBefore, 30 * SECOND, 100_000);
        assertTrue(pair.bothEstablished(), pair.describe());
        assertEquals(storedBefore + 1, store.stored.size(), pair::describe);
        assertNull(pair.clientConnection().closeError(), pair::describe);
        Run run = new Run(pair, c.started.getLast(), s.started.getLast(),
                List.copyOf(store.taken.subList(takenBefore, store.taken.size())));
        assertNull(run.client().failure(), pair::describe);
        assertNull(run.server().failure(), pair::describe);
        return run;
    }

    private static void assertVersion(Run run, QuicVersion version) {
        assertEquals(version, run.pair().clientConnection().version(), run.pair()::describe);
        assertEquals(version, run.pair().serverConnection().version(), run.pair()::describe);
    }

    private static void assertResumed(Run run, boolean resumed) {
        assertEquals(resumed, run.client().engine().resumed(), run.pair()::describe);
        assertEquals(resumed, run.server().engine().resumed(), run.pair()::describe);
        // RFC 8446 §2.2: a resumed handshake sends no certificate, a full one does.
        assertEquals(resumed, run.client().engine().peerCertificates().isEmpty(), run.pair()::describe);
    }

    /** {@return the version of the ticket the last connection left} */
    private int lastStoredVersion() {
        return store.stored.getLast().quicVersion();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {301, 302})
    void aVersion1TicketResumesTheNextVersion1Connection(long seed) throws Exception {
        Run first = connect(seed, versions(QuicVersion.V1, QuicVersion.V1));
        assertVersion(first, QuicVersion.V1);
        assertResumed(first, false);
        assertEquals(V1, lastStoredVersion());
        Run second = connect(seed + 1000, versions(QuicVersion.V1, QuicVersion.V1));
        assertVersion(second, QuicVersion.V1);
        assertEquals(1, second.taken().size());
        assertEquals(V1, second.taken().getFirst().quicVersion());
        assertResumed(second, true);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {311, 312})
    void aVersion2ConnectionDoesNotOfferTheVersion1TicketWhichStaysForTheNextVersion1Connection(long seed)
            throws Exception {
        Run first = connect(seed, versions(QuicVersion.V1, QuicVersion.V1));
        assertEquals(V1, lastStoredVersion());
        // Starts in version 2, able to speak version 1 too: its ClientHello offers no ticket, the handshake is full.
        Run second = connect(seed + 1000, versions(QuicVersion.V2, QuicVersion.V2, QuicVersion.V1));
        assertVersion(second, QuicVersion.V2);
        assertEquals(List.of(), second.taken(), "no ticket of version 1 taken for a version 2 ClientHello");
        assertResumed(second, false);
        assertEquals(V2, lastStoredVersion());
        assertEquals(2, store.inner.size("localhost"), "the version 1 ticket is kept beside the new version 2 one");
        // The version 1 ticket is still good for a version 1 connection.
        Run third = connect(seed + 2000, versions(QuicVersion.V1, QuicVersion.V1));
        assertEquals(1, third.taken().size());
        assertEquals(V1, third.taken().getFirst().quicVersion());
        assertResumed(third, true);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {321, 322})
    void theServerRefusesAVersion1TicketOfferedOnAVersion2Connection(long seed) throws Exception {
        connect(seed, versions(QuicVersion.V1, QuicVersion.V1));
        store.ignoreVersion = true; // the client breaks RFC 9369 §5: the server's check must hold on its own
        Run second = connect(seed + 1000, versions(QuicVersion.V2, QuicVersion.V2));
        assertVersion(second, QuicVersion.V2);
        assertEquals(1, second.taken().size());
        assertEquals(V1, second.taken().getFirst().quicVersion(), "the version 1 ticket was offered");
        assertResumed(second, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {331, 332})
    void aConnectionMovedToVersion2LeavesAVersion2TicketThatResumesVersion2(long seed) throws Exception {
        // Starts in version 1 offering version 2 too; the server, preferring 2, moves it there (RFC 9368 §2.3).
        Run first = connect(seed, versions(QuicVersion.V1, QuicVersion.V2, QuicVersion.V1));
        assertVersion(first, QuicVersion.V2);
        assertEquals(0, first.pair().server.endpoint.versionNegotiationsSent());
        assertResumed(first, false);
        assertEquals(V2, lastStoredVersion(), "the ticket maps to the negotiated version");
        Run second = connect(seed + 1000, versions(QuicVersion.V2, QuicVersion.V2));
        assertVersion(second, QuicVersion.V2);
        assertEquals(1, second.taken().size());
        assertEquals(V2, second.taken().getFirst().quicVersion());
        assertResumed(second, true);
    }
}
