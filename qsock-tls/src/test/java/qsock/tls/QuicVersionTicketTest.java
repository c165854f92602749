package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.ticket.EarlyDataAntiReplay;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * Session tickets are specific to the QUIC version of the connection that provided them (RFC 9369 §5): a client
 * does not offer a ticket of another version than the one its ClientHello starts, a server does not resume one (a
 * full handshake without 0-RTT), and after compatible negotiation a ticket is of the negotiated version.
 */
class QuicVersionTicketTest {

    static final long T0 = 1_700_000_000_000L;
    static final int V1 = QuicVersion.V1.wireValue();
    static final int V2 = QuicVersion.V2.wireValue();

    final AtomicLong clientClock = new AtomicLong(T0);
    final AtomicLong serverClock = new AtomicLong(T0);
    final InMemoryTicketStore store = new InMemoryTicketStore();
    final ServerTickets serverTickets = ServerTickets.defaults()
            .withSealer(TicketSealer.withRandomKey(TestPki.seeded(55))).withClock(serverClock::get)
            .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)
            .withAntiReplay(new EarlyDataAntiReplay(10_000, 1000));
    final TlsClientConfig clientConfig = ServerFlight.client("ecdsa-p256")
            .tickets(new ClientTickets(store, true, clientClock::get)).build();
    final TlsServerConfig serverConfig = ServerFlight.server("ecdsa-p256").tickets(serverTickets).build();

    /** A handshake whose client connection is of {@code clientVersion} and server connection of {@code serverVersion}. */
    EnginePair connect(IntSupplier clientVersion, IntSupplier serverVersion, long seed) {
        EnginePair p = new EnginePair(
                TlsEngine.client(clientConfig, TestPki.seeded(seed), ZeroRttHandshakeTest.CLIENT_PARAMS, clientVersion),
                TlsEngine.server(serverConfig, TestPki.seeded(seed + 1), peer -> ZeroRttHandshakeTest.SERVER_PARAMS,
                        serverVersion)).run();
        ResumptionHandshakeTest.assertCompleted(p);
        clientClock.addAndGet(2_000);
        serverClock.addAndGet(2_000);
        return p;
    }

    EnginePair connect(int version, long seed) {
        return connect(() -> version, () -> version, seed);
    }

    static boolean offersTicket(EnginePair p) {
        return PskHandshakeTest.firstClientHello(p).extension(PreSharedKeyClientHello.class).isPresent();
    }

    @Test
    void aTicketResumesWithZeroRttInTheSameVersion() {
        for (int version : new int[] {V1, V2}) {
            assertFalse(connect(version, 1).client.completion.resumed());
            EnginePair second = connect(version, 2);
            assertTrue(second.client.completion.resumed());
            assertTrue(second.server.completion.resumed());
            assertEquals(java.util.List.of(true), second.server.earlyDataStatus);
        }
    }

    @Test
    void aClientDoesNotOfferAVersion1TicketToStartAVersion2ConnectionAndKeepsIt() {
        connect(V1, 3);
        assertEquals(1, store.size("localhost"));
        EnginePair v2 = connect(V2, 4);
        assertFalse(offersTicket(v2), "RFC 9369 §5: no ticket from a version 1 connection to initiate version 2");
        assertFalse(PskHandshakeTest.firstClientHello(v2).extension(EarlyDataIndication.class).isPresent());
        assertFalse(v2.client.completion.resumed());
        assertNull(v2.client.earlyDataAttempt);
        // The version 1 ticket stayed for a version 1 connection; the version 2 connection left one of its own.
        assertEquals(2, store.size("localhost"));
        EnginePair v1 = connect(V1, 5);
        assertTrue(v1.client.completion.resumed());
        EnginePair v2Again = connect(V2, 6);
        assertTrue(v2Again.client.completion.resumed());
    }

    @Test
    void aServerDoesNotResumeATicketOfAnotherVersion() {
        connect(V2, 7);
        // A client that breaks the rule: it takes its version 2 ticket into a connection the server sees as version 1.
        EnginePair p = connect(() -> V2, () -> V1, 8);
        assertTrue(offersTicket(p));
        assertFalse(p.server.completion.resumed(), "RFC 9369 §5: a ticket of another version is not accepted");
        assertFalse(p.client.completion.resumed());
        assertEquals(java.util.List.of(false), p.server.earlyDataStatus, "a full handshake without 0-RTT");
    }

    @Test
    void afterCompatibleNegotiationTheTicketIsOfTheNegotiatedVersion() {
        // Both connections start in version 1 and move to version 2 before the ticket (RFC 9368 §2.3).
        AtomicInteger clientCalls = new AtomicInteger();
        AtomicInteger serverCalls = new AtomicInteger();
        connect(() -> clientCalls.getAndIncrement() == 0 ? V1 : V2, () -> serverCalls.getAndIncrement() == 0 ? V1 : V2,
                9);
        assertTrue(clientCalls.get() >= 2 && serverCalls.get() >= 2, "the version is asked again for the ticket");
        assertFalse(offersTicket(connect(V1, 10)), "the ticket maps to the negotiated version, not the original");
        EnginePair v2 = connect(V2, 11);
        assertTrue(v2.client.completion.resumed());
        assertTrue(v2.server.completion.resumed());
    }
}
