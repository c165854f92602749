package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.testing.Properties;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.Mutations;

/**
 * The client-authentication messages (CertificateRequest, the client's Certificate and CertificateVerify)
 * damaged in flight, in the style of {@link EngineFuzzTest}: whatever arrives, both engines end in
 * completion, in waiting for more, or in a {@link TlsAlertException} other than internal_error.
 */
@Timeout(300)
class ClientAuthFuzzTest {

    private static final int TRIES = Integer.getInteger("qsock.tries", 400);

    /**
     * The messages of a mutually authenticated handshake in the order they travel: ClientHello; ServerHello,
     * EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished; the client's
     * Certificate, CertificateVerify and Finished.
     */
    private static final int MESSAGES = 10;

    record Mutation(String pki, ClientAuth policy, boolean clientCredential, boolean delegate, int target, long seed) {}

    @Test
    void aMutualHandshakeWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(TestPki.NAMES.get(r.nextInt(TestPki.NAMES.size())),
                r.nextBoolean() ? ClientAuth.REQUEST : ClientAuth.REQUIRE, r.nextInt(4) != 0, r.nextInt(4) == 0,
                // Mostly the client-authentication messages: CertificateRequest and the client's flight.
                r.nextInt(3) == 0 ? r.nextInt(MESSAGES) : List.of(3, 7, 8).get(r.nextInt(3)), r.nextLong()),
                ClientAuthFuzzTest::mutated);
    }

    private static void mutated(Mutation m) {
        SplittableRandom r = new SplittableRandom(m.seed());
        int[] index = {0};
        EnginePair.Tamper tamper = (fromClient, data) ->
                index[0]++ == m.target() ? Mutations.mutate(r, data.data()) : data.data();
        TlsClientConfig.Builder client = ServerFlight.client(m.pki()).delegateTasks(m.delegate());
        if (m.clientCredential()) {
            client.credential(new Credential(TestPki.chain(m.pki()), TestPki.leafKey(m.pki())));
        }
        TlsServerConfig server = ServerFlight.server(m.pki()).delegateTasks(m.delegate())
                .clientAuthentication(m.policy(),
                        CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(m.pki())))).build();
        EnginePair p = new EnginePair(TlsEngine.client(client.build(), TestPki.seeded(m.seed()), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server, TestPki.seeded(m.seed() + 1), ServerFlight.SERVER_PARAMS), tamper).run();
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
