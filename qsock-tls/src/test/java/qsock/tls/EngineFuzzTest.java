package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.Mutations;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.HandshakeType;

/**
 * Whatever a peer sends, receive() and resume() end in completion, in waiting for more, or in a
 * {@link TlsAlertException}, never in another exception. The engine turns a RuntimeException of its own
 * into internal_error, so an internal_error here is a bug it masked, and fails the property too.
 */
@Timeout(300)
class EngineFuzzTest {

    /** Tries per property: a full handshake each, so fewer than the default unless asked for. */
    private static final int TRIES = Integer.getInteger("qsock.tries", 400);

    /** The messages of a handshake in the order they travel: ClientHello, the server's five, client Finished. */
    private static final int MESSAGES = 7;

    /** A handshake with one message damaged in flight. */
    record Mutation(String pki, CipherSuite suite, NamedGroup group, boolean insecure, boolean delegate,
                    int target, long seed) {}

    @Test
    void aHandshakeWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(TestPki.NAMES.get(r.nextInt(TestPki.NAMES.size())),
                CipherSuite.values()[r.nextInt(CipherSuite.values().length)],
                List.of(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1).get(r.nextInt(3)),
                r.nextBoolean(), r.nextInt(4) == 0, r.nextInt(MESSAGES), r.nextLong()), EngineFuzzTest::mutated);
    }

    private static void mutated(Mutation m) {
        SplittableRandom r = new SplittableRandom(m.seed());
        int[] index = {0};
        EnginePair.Tamper tamper = (fromClient, data) ->
                index[0]++ == m.target() ? Mutations.mutate(r, data.data()) : data.data();
        TlsClientConfig.Builder client = ServerFlight.client(m.pki()).cipherSuites(m.suite()).groups(m.group())
                .delegateTasks(m.delegate());
        if (m.insecure()) {
            // Then a damaged certificate reaches the signature check with whatever key it now holds.
            client.insecure();
        }
        TlsServerConfig server = ServerFlight.server(m.pki()).cipherSuites(m.suite()).groups(m.group())
                .delegateTasks(m.delegate()).build();
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

    /** An engine in one of its reading states, fed bytes that are random or a real message damaged. */
    record Garbage(int state, byte[] bytes, long cutSeed) {
        @Override
        public String toString() {
            return "Garbage[state " + state + ", " + HexFormat.of().formatHex(bytes) + ", cuts " + cutSeed + "]";
        }
    }

    /** The reading states: the engine and level, and the real message of that state (to damage). */
    private record Target(TlsEngine engine, EncryptionLevel level, byte[] real) {}

    private static final int STATES = 7;

    private static Target target(int state, long seed) {
        return switch (state) {
            case 0 -> new Target(TlsEngine.server(ServerFlight.server("ecdsa-p256").build(), TestPki.seeded(seed),
                    ServerFlight.SERVER_PARAMS), EncryptionLevel.INITIAL, RawClientHello.valid(seed).encode());
            case 1 -> {
                ServerFlight f = ServerFlight.of("ed25519", seed);
                yield new Target(f.client(), EncryptionLevel.INITIAL, f.serverHello());
            }
            case 2 -> {
                ServerFlight f = ServerFlight.of("ecdsa-p384", seed).helloDelivered();
                yield new Target(f.client(), EncryptionLevel.HANDSHAKE, f.encryptedExtensions());
            }
            case 3 -> {
                ServerFlight f = ServerFlight.of("ecdsa-p256", seed);
                f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, f.encryptedExtensions());
                yield new Target(f.client(), EncryptionLevel.HANDSHAKE, f.certificate());
            }
            case 4 -> {
                ServerFlight f = ServerFlight.of("ecdsa-p256", seed);
                yield new Target(f.server(), EncryptionLevel.HANDSHAKE, Raw.sample(HandshakeType.FINISHED));
            }
            case 5 -> new Target(ServerFlight.of("ecdsa-p256", seed).completed().client(), EncryptionLevel.APPLICATION,
                    Raw.sample(HandshakeType.NEW_SESSION_TICKET));
            default -> new Target(ServerFlight.of("ecdsa-p256", seed).completed().server(), EncryptionLevel.APPLICATION,
                    Raw.sample(HandshakeType.KEY_UPDATE));
        };
    }

    @Test
    void randomOrDamagedBytesInEveryReadingStateCompleteWaitOrAlert() {
        Properties.forAll(TRIES, r -> {
            int state = r.nextInt(STATES);
            long seed = r.nextLong();
            byte[] bytes = switch (r.nextInt(3)) {
                case 0 -> Generators.bytesUpTo(r, 400);
                case 1 -> {
                    // A well-formed header of a random type over a random body: the decoders get the body.
                    byte[] body = Generators.bytesUpTo(r, 400);
                    yield Raw.message(r.nextInt(4) == 0 ? r.nextInt(256) : List.of(1, 2, 4, 8, 11, 13, 15, 20, 24)
                            .get(r.nextInt(9)), body);
                }
                default -> Mutations.mutate(r, target(state, seed).real());
            };
            return new Garbage(state, bytes, seed);
        }, g -> {
            Target t = target(g.state(), g.cutSeed());
            SplittableRandom cuts = new SplittableRandom(g.cutSeed());
            try {
                for (int at = 0; at < g.bytes().length; ) {
                    int n = 1 + cuts.nextInt(Math.min(g.bytes().length - at, 64));
                    t.engine().receive(t.level(), ByteBuffer.wrap(g.bytes(), at, n));
                    at += n;
                }
                TlsEngine.Status s = t.engine().status();
                assertTrue(s != TlsEngine.Status.FAILED, s::toString);
            } catch (TlsAlertException e) {
                assertNotSame(TlsAlert.INTERNAL_ERROR, e.alert(),
                        () -> "a masked bug: " + e + (e.getCause() != null ? " caused by " + e.getCause() : ""));
                EngineAssertions.assertFailedFor(t.engine(), e);
            }
        });
    }
}
