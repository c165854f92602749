package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.testing.Properties;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.Mutations;
import qsock.tls.jca.NamedGroup;

/**
 * The external-PSK handshake with one message damaged in flight, in the style of {@link EngineFuzzTest}:
 * mostly the ClientHello (its pre_shared_key and binders at the end) and the ServerHello (selected_identity),
 * in both modes and with a HelloRetryRequest. Whatever arrives, both engines end in completion, in waiting
 * for more, or in a {@link TlsAlertException} other than internal_error.
 */
@Timeout(300)
class PskFuzzTest {

    private static final int TRIES = Integer.getInteger("qsock.tries", 400);

    record Mutation(boolean pskKe, boolean retry, boolean certificate, int target, long seed) {}

    @Test
    void aPskHandshakeWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(r.nextBoolean(), r.nextInt(3) == 0, r.nextInt(3) == 0,
                // ClientHello (0) and ServerHello (1) most; with a retry: ClientHello2 (2) and ServerHello (3).
                r.nextInt(3) == 0 ? r.nextInt(6) : r.nextInt(4), r.nextLong()), PskFuzzTest::mutated);
    }

    private static void mutated(Mutation m) {
        SplittableRandom r = new SplittableRandom(m.seed());
        int[] index = {0};
        EnginePair.Tamper tamper = (fromClient, data) ->
                index[0]++ == m.target() ? Mutations.mutate(r, data.data()) : data.data();
        TlsClientConfig.Builder client = PskHandshakeTest.client();
        TlsServerConfig.Builder server = m.certificate()
                ? ServerFlight.server("ecdsa-p256").pskKeyring(PskKeyring.of(PskHandshakeTest.PSK))
                : PskHandshakeTest.pskOnlyServer();
        if (m.pskKe()) {
            client.pskModes(PskMode.PSK_KE, PskMode.PSK_DHE_KE);
            server.pskModes(PskMode.PSK_KE);
        }
        if (m.retry()) {
            client.groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519);
            server.groups(NamedGroup.SECP256R1).helloRetryCookie(r.nextBoolean());
        }
        EnginePair p = new EnginePair(
                TlsEngine.client(client.build(), TestPki.seeded(m.seed()), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server.build(), TestPki.seeded(m.seed() + 1), ServerFlight.SERVER_PARAMS), tamper)
                .run();
        assertOutcome(p.client);
        assertOutcome(p.server);
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
