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
 * 0-RTT with one message of the resuming handshake damaged in flight, in the style of {@link ResumptionFuzzTest}:
 * the ClientHello with early_data, the server's EncryptedExtensions with or without it, EndOfEarlyData over TCP
 * (at the early data level), the Finished messages; in QUIC and over TCP, with or without a HelloRetryRequest.
 * Whatever arrives, both engines end in completion, in waiting for more, or in an alert other than internal_error.
 */
@Timeout(300)
class ZeroRttFuzzTest {

    private static final int TRIES = Integer.getInteger("qsock.tries", 200);

    record Mutation(boolean quic, boolean retry, int target, long seed) {}

    @Test
    void aZeroRttHandshakeWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(r.nextBoolean(), r.nextInt(4) == 0, r.nextInt(8), r.nextLong()),
                ZeroRttFuzzTest::mutated);
    }

    private static void mutated(Mutation m) {
        SplittableRandom r = new SplittableRandom(m.seed());
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        InMemoryTicketStore store = new InMemoryTicketStore();
        ServerTickets tickets = ServerTickets.defaults().withSealer(TicketSealer.withRandomKey(TestPki.seeded(m.seed())))
                .withClock(clock::get).withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT);
        TlsClientConfig.Builder client = ServerFlight.client("ecdsa-p256")
                .tickets(new ClientTickets(store, true, clock::get));
        TlsServerConfig.Builder server = ServerFlight.server("ecdsa-p256").tickets(tickets);
        if (!m.quic()) {
            client.forTlsOverTcpTesting();
            server.forTlsOverTcpTesting();
        }
        TlsClientConfig c1 = client.build();
        TlsServerConfig s1 = server.build();
        EnginePair p1 = ZeroRttHandshakeTest.connect(c1, s1, m.seed());
        ResumptionHandshakeTest.assertCompleted(p1);
        if (m.retry()) {
            client.groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519);
            server.groups(NamedGroup.SECP256R1);
        }
        clock.addAndGet(r.nextInt(5_000));
        int[] index = {0};
        EnginePair.Tamper second = (fromClient, data) ->
                index[0]++ == m.target() ? Mutations.mutate(r, data.data()) : data.data();
        EnginePair p2 = ZeroRttHandshakeTest.connect(client.build(), server.build(), m.seed() + 2,
                ZeroRttHandshakeTest.SERVER_PARAMS, second);
        assertOutcome(p2.client);
        assertOutcome(p2.server);
        assertTrue(p2.client.earlyDataStatus.size() <= 1 && p2.server.earlyDataStatus.size() <= 1);
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
