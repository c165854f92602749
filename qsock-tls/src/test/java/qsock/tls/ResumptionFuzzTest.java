package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.testing.Properties;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.Mutations;
import qsock.tls.jca.NamedGroup;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * Resumption with one message damaged in flight, in the style of {@link PskFuzzTest}: a first connection
 * gets a ticket (its NewSessionTicket may be the damaged message), then a second resumes with it (its
 * ClientHello, with the ticket and the resumption binder at the end, or its ServerHello may be damaged), with
 * or without a HelloRetryRequest. Whatever arrives, both engines end in completion, in waiting for more, or
 * in a {@link TlsAlertException} other than internal_error.
 */
@Timeout(300)
class ResumptionFuzzTest {

    private static final int TRIES = Integer.getInteger("qsock.tries", 300);

    record Mutation(boolean retry, boolean inFirst, int target, long seed) {}

    @Test
    void aResumptionWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(r.nextInt(3) == 0, r.nextInt(4) == 0, r.nextInt(8), r.nextLong()),
                ResumptionFuzzTest::mutated);
    }

    private static void mutated(Mutation m) {
        SplittableRandom r = new SplittableRandom(m.seed());
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        InMemoryTicketStore store = new InMemoryTicketStore();
        ServerTickets tickets = ServerTickets.defaults().withSealer(TicketSealer.withRandomKey(TestPki.seeded(m.seed())))
                .withClock(clock::get);
        TlsClientConfig.Builder client = ServerFlight.client("ecdsa-p256")
                .tickets(new ClientTickets(store, false, clock::get));
        TlsServerConfig.Builder server = ServerFlight.server("ecdsa-p256").tickets(tickets);
        if (m.retry()) {
            client.groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519);
            server.groups(NamedGroup.SECP256R1).helloRetryCookie(r.nextBoolean());
        }
        int[] index = {0};
        // In the first connection only the server's NewSessionTicket (its messages after the handshake's) is hit.
        EnginePair.Tamper first = (fromClient, data) -> m.inFirst() && !fromClient
                && data.level() == qsock.core.handshake.EncryptionLevel.APPLICATION
                ? Mutations.mutate(r, data.data()) : data.data();
        EnginePair p1 = new EnginePair(
                TlsEngine.client(client.build(), TestPki.seeded(m.seed()), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server.build(), TestPki.seeded(m.seed() + 1), ServerFlight.SERVER_PARAMS), first)
                .run();
        assertOutcome(p1.client);
        assertOutcome(p1.server);
        clock.addAndGet(r.nextInt(5_000));
        EnginePair.Tamper second = (fromClient, data) ->
                !m.inFirst() && index[0]++ == m.target() ? Mutations.mutate(r, data.data()) : data.data();
        EnginePair p2 = new EnginePair(
                TlsEngine.client(client.build(), TestPki.seeded(m.seed() + 2), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server.build(), TestPki.seeded(m.seed() + 3), ServerFlight.SERVER_PARAMS), second)
                .run();
        assertOutcome(p2.client);
        assertOutcome(p2.server);
    }

    private static void assertOutcome(EnginePair.Side side) {
        if (side.failure != null) {
            assertNotSame(TlsAlert.INTERNAL_ERROR, side.failure.alert(), () -> "a masked bug: " + side.failure
                    + (side.failure.getCause() != null ? " caused by " + side.failure.getCause() : ""));
            EngineAssertions.assertFailedFor(side.engine, side.failure);
        } else {
            TlsEngine.Status s = side.engine.status();
            assertTrue(s == TlsEngine.Status.COMPLETE || s == TlsEngine.Status.IN_PROGRESS, s::toString);
        }
    }
}
