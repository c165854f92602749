package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.EngineAssertions.assertAlert;
import static qsock.tls.EngineAssertions.assertFails;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.testing.Properties;
import qsock.tls.cert.TestPki;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.Mutations;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;

/**
 * HelloRetryRequest (RFC 8446 §4.1.4) in both roles: a client whose first key share the server does not
 * accept completes after one retry with the same secrets on both sides, and every rule of the retry is
 * enforced with the alert RFC 8446 names.
 */
class HelloRetryRequestTest {

    private static final SupportedVersionsServerHello TLS13 = new SupportedVersionsServerHello(0x0304);

    /** A client offering x25519 and secp256r1 with a share for x25519 only. */
    private static TlsClientConfig.Builder x25519First() {
        return ServerFlight.client("ecdsa-p256").groups(NamedGroup.X25519, NamedGroup.SECP256R1)
                .keyShareGroups(NamedGroup.X25519);
    }

    /** A server accepting secp256r1 only. */
    private static TlsServerConfig.Builder p256Only() {
        return ServerFlight.server("ecdsa-p256").groups(NamedGroup.SECP256R1);
    }

    private static EnginePair pair(TlsClientConfig client, TlsServerConfig server, long seed, EnginePair.Tamper t) {
        return new EnginePair(TlsEngine.client(client, TestPki.seeded(seed), ServerFlight.CLIENT_PARAMS),
                TlsEngine.server(server, TestPki.seeded(seed + 1), ServerFlight.SERVER_PARAMS), t).run();
    }

    private static HandshakeMessage decode(byte[] message) {
        try {
            return HandshakeCodec.decode(FramedMessage.of(ByteBuffer.wrap(message)), 0);
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
    }

    private static List<TlsEvent.HandshakeData> sent(EnginePair.Side side, EncryptionLevel level) {
        return side.events.stream().filter(e -> e instanceof TlsEvent.HandshakeData d && d.level() == level)
                .map(e -> (TlsEvent.HandshakeData) e).toList();
    }

    private static void assertCompletedWithAgreedSecrets(EnginePair p) {
        assertNull(p.client.failure, () -> "client: " + p.client.failure);
        assertNull(p.server.failure, () -> "server: " + p.server.failure);
        assertNotNull(p.client.completion);
        assertNotNull(p.server.completion);
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level::toString);
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level::toString);
        }
        assertEquals(NamedGroup.SECP256R1, p.client.engine.keyExchangeGroup());
        assertEquals(NamedGroup.SECP256R1, p.server.engine.keyExchangeGroup());
    }

    // ---- both roles together ---------------------------------------------------------------------

    @Test
    void aClientWhoseShareTheServerDoesNotAcceptRetriesAndCompletes() {
        EnginePair p = pair(x25519First().build(), p256Only().build(), 1, (c, d) -> d.data());
        assertCompletedWithAgreedSecrets(p);
        // At the Initial level: ClientHello twice from the client, HelloRetryRequest then ServerHello back.
        List<TlsEvent.HandshakeData> clientInitial = sent(p.client, EncryptionLevel.INITIAL);
        List<TlsEvent.HandshakeData> serverInitial = sent(p.server, EncryptionLevel.INITIAL);
        assertEquals(2, clientInitial.size());
        assertEquals(2, serverInitial.size());
        ServerHello retry = (ServerHello) decode(serverInitial.get(0).data());
        assertTrue(retry.isHelloRetryRequest());
        assertEquals(NamedGroup.SECP256R1.code(),
                retry.extension(KeyShareHelloRetryRequest.class).orElseThrow().selectedGroup());
        assertTrue(retry.extension(Cookie.class).isEmpty(), "no cookie unless configured");
        ClientHello first = (ClientHello) decode(clientInitial.get(0).data());
        ClientHello second = (ClientHello) decode(clientInitial.get(1).data());
        assertEquals(first.random(), second.random());
        assertEquals(List.of(NamedGroup.SECP256R1.code()), second.extension(KeyShareClientHello.class).orElseThrow()
                .clientShares().stream().map(s -> s.group()).toList());
        assertTrue(((ServerHello) decode(serverInitial.get(1).data())).random()
                .equals(ServerHello.HELLO_RETRY_REQUEST_RANDOM) == false);
    }

    @Test
    void theServerAsksForItsMostPreferredGroupTheClientSupports() {
        TlsServerConfig server = ServerFlight.server("ecdsa-p256").groups(NamedGroup.SECP384R1, NamedGroup.SECP256R1)
                .build();
        TlsClientConfig client = ServerFlight.client("ecdsa-p256")
                .groups(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1).keyShareGroups(NamedGroup.X25519)
                .build();
        EnginePair p = pair(client, server, 3, (c, d) -> d.data());
        assertNull(p.client.failure);
        assertNull(p.server.failure);
        assertEquals(NamedGroup.SECP384R1, p.client.engine.keyExchangeGroup());
    }

    @Test
    void aRetryWithACookieCompletes() {
        EnginePair p = pair(x25519First().build(), p256Only().helloRetryCookie(true).build(), 5, (c, d) -> d.data());
        assertCompletedWithAgreedSecrets(p);
        ServerHello retry = (ServerHello) decode(sent(p.server, EncryptionLevel.INITIAL).get(0).data());
        Cookie cookie = retry.extension(Cookie.class).orElseThrow();
        ClientHello second = (ClientHello) decode(sent(p.client, EncryptionLevel.INITIAL).get(1).data());
        assertEquals(cookie, second.extension(Cookie.class).orElseThrow(), "the client echoes the cookie");
    }

    @Test
    void aRetryWithDelegatedTasksAndSha384Completes() {
        TlsClientConfig client = x25519First().cipherSuites(CipherSuite.TLS_AES_256_GCM_SHA384).delegateTasks(true)
                .build();
        TlsServerConfig server = p256Only().delegateTasks(true).helloRetryCookie(true).build();
        assertCompletedWithAgreedSecrets(pair(client, server, 7, (c, d) -> d.data()));
    }

    // ---- the client's refusals -------------------------------------------------------------------

    private static TlsEngine clientAfterFirstHello(TlsClientConfig config, long seed) {
        TlsEngine client = TlsEngine.client(config, TestPki.seeded(seed), ServerFlight.CLIENT_PARAMS);
        assertNotNull(client.poll());
        return client;
    }

    private static byte[] retry(int suite, Extension... extensions) {
        return Raw.encode(ServerHello.helloRetryRequest(Opaque.EMPTY, suite, List.of(extensions)));
    }

    @Test
    void theClientAnswersAHelloRetryRequestWithASecondClientHello() throws TlsAlertException {
        TlsEngine client = clientAfterFirstHello(x25519First().build(), 11);
        client.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(retry(0x1301, TLS13,
                new KeyShareHelloRetryRequest(NamedGroup.SECP256R1.code()), new Cookie(Opaque.of((byte) 9)))));
        TlsEvent.HandshakeData second = (TlsEvent.HandshakeData) client.poll();
        assertEquals(EncryptionLevel.INITIAL, second.level());
        ClientHello hello = (ClientHello) decode(second.data());
        assertEquals(new Cookie(Opaque.of((byte) 9)), hello.extension(Cookie.class).orElseThrow());
        assertEquals(TlsEngine.Status.IN_PROGRESS, client.status());
    }

    @Test
    void aSecondHelloRetryRequestIsUnexpectedMessage() throws TlsAlertException {
        // RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in the same connection ...
        // it MUST abort the handshake with an "unexpected_message" alert."
        TlsEngine client = clientAfterFirstHello(x25519First().groups(NamedGroup.X25519, NamedGroup.SECP256R1,
                NamedGroup.SECP384R1).build(), 12);
        client.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(retry(0x1301, TLS13,
                new KeyShareHelloRetryRequest(NamedGroup.SECP256R1.code()))));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, assertFails(client, EncryptionLevel.INITIAL, retry(0x1301, TLS13,
                new KeyShareHelloRetryRequest(NamedGroup.SECP384R1.code()))));
    }

    @Test
    void aServerHelloWithAnotherSuiteThanTheRetrysIsIllegalParameter() {
        // RFC 8446 §4.1.4: the cipher suite of the ServerHello must be the HelloRetryRequest's. The suite of the
        // real HelloRetryRequest is changed in flight; the ServerHello keeps the server's choice.
        EnginePair p = pair(x25519First().build(), p256Only().build(), 13, (fromClient, d) -> {
            if (fromClient || d.data()[0] != HandshakeType.SERVER_HELLO.code()) {
                return d.data();
            }
            ServerHello sh = (ServerHello) decode(d.data());
            if (!sh.isHelloRetryRequest()) {
                return d.data();
            }
            return Raw.encode(ServerHello.helloRetryRequest(sh.legacySessionIdEcho(), 0x1303, sh.extensions()));
        });
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
        EngineAssertions.assertFailedFor(p.client.engine, p.client.failure);
    }

    @Test
    void aHelloRetryRequestForAGroupNotSupportedOrAlreadySharedIsIllegalParameter() {
        // RFC 8446 §4.2.8 (the client supports x25519 and secp256r1, and shared x25519).
        for (int group : new int[] {NamedGroup.X25519.code(), NamedGroup.SECP384R1.code(), 0x1234}) {
            assertAlert(TlsAlert.ILLEGAL_PARAMETER, assertFails(clientAfterFirstHello(x25519First().build(), 14),
                    EncryptionLevel.INITIAL, retry(0x1301, TLS13, new KeyShareHelloRetryRequest(group))));
        }
    }

    @Test
    void aHelloRetryRequestThatChangesNothingIsIllegalParameter() {
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, assertFails(clientAfterFirstHello(x25519First().build(), 15),
                EncryptionLevel.INITIAL, retry(0x1301, TLS13)));
    }

    // ---- the server's refusals -------------------------------------------------------------------

    private static final TlsServerConfig SERVER = ServerFlight.server("ecdsa-p256").build();

    /** A ClientHello with no key share at all, so that the default server (x25519 first) asks for x25519. */
    private static RawClientHello shareless() {
        return RawClientHello.valid(21).with(new KeyShareClientHello(List.of()));
    }

    /** A server that has answered {@link #shareless()} with a HelloRetryRequest; returns it and the HRR. */
    private record Retried(TlsEngine server, ServerHello retry) {}

    private static Retried retried(TlsServerConfig config) {
        TlsEngine server = TlsEngine.server(config, TestPki.seeded(22), ServerFlight.SERVER_PARAMS);
        try {
            server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(shareless().encode()));
        } catch (TlsAlertException e) {
            throw new AssertionError(e);
        }
        TlsEvent.HandshakeData d = (TlsEvent.HandshakeData) server.poll();
        assertNull(server.poll(), "nothing but the HelloRetryRequest");
        assertEquals(EncryptionLevel.INITIAL, d.level());
        ServerHello retry = (ServerHello) decode(d.data());
        assertTrue(retry.isHelloRetryRequest());
        assertEquals(NamedGroup.X25519.code(), retry.extension(KeyShareHelloRetryRequest.class).orElseThrow()
                .selectedGroup());
        return new Retried(server, retry);
    }

    /** {@return the second ClientHello: the first with an x25519 share, then changed} */
    private static byte[] second(UnaryOperator<RawClientHello> change) {
        return change.apply(shareless().keyShares(NamedGroup.X25519)).encode();
    }

    private static void assertSecondAccepted(TlsServerConfig config, UnaryOperator<RawClientHello> change)
            throws TlsAlertException {
        Retried r = retried(config);
        Cookie cookie = r.retry().extension(Cookie.class).orElse(null);
        r.server().receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(second(h -> {
            RawClientHello changed = change.apply(h);
            return cookie == null ? changed : changed.with(cookie);
        })));
        TlsEvent e = r.server().poll();
        while (!(e instanceof TlsEvent.HandshakeData)) {
            assertNotNull(e, "no ServerHello");
            e = r.server().poll();
        }
        ServerHello sh = (ServerHello) decode(((TlsEvent.HandshakeData) e).data());
        assertTrue(!sh.isHelloRetryRequest());
        assertEquals(TlsEngine.Status.IN_PROGRESS, r.server().status());
    }

    private static void assertSecondRefused(TlsAlert alert, TlsServerConfig config,
                                            UnaryOperator<RawClientHello> change) {
        assertAlert(alert, assertFails(retried(config).server(), EncryptionLevel.INITIAL, second(change)));
    }

    @Test
    void theSecondClientHelloIsAccepted() throws TlsAlertException {
        assertSecondAccepted(SERVER, h -> h);
        // RFC 8446 §4.1.2: padding may be added.
        assertSecondAccepted(SERVER, h -> h.withData(21, new byte[7]));
    }

    @Test
    void aSecondClientHelloThatChangesWhatItMayNotIsIllegalParameter() {
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.cipherSuites(0x1301, 0x1302));
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER,
                h -> h.with(ApplicationLayerProtocolNegotiation.of("hq-interop")));
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.without(0x0000));
        // early_data is removed, never added (RFC 8446 §4.1.2).
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.with(new EarlyDataIndication()));
        // A different random: another ClientHello altogether.
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, assertFails(retried(SERVER).server(), EncryptionLevel.INITIAL,
                RawClientHello.valid(99).keyShares(NamedGroup.X25519).encode()));
    }

    @Test
    void aSecondClientHelloWithoutTheOneRequestedShareIsIllegalParameter() {
        // Still no usable share, a share in another group, or more than the one share.
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.with(new KeyShareClientHello(List.of())));
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.keyShares(NamedGroup.SECP256R1));
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.keyShares(NamedGroup.X25519, NamedGroup.SECP256R1));
    }

    @Test
    void aCookieRoundTripsAndAForgedOrMissingOneIsIllegalParameter() throws TlsAlertException {
        TlsServerConfig withCookie = ServerFlight.server("ecdsa-p256").helloRetryCookie(true).build();
        assertSecondAccepted(withCookie, h -> h);
        // Missing.
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, withCookie, h -> h);
        // Forged: each byte flipped in turn at a few places (header, MAC).
        Retried probe = retried(withCookie);
        byte[] real = probe.retry().extension(Cookie.class).orElseThrow().cookie().toByteArray();
        for (int at : new int[] {0, 3, real.length / 2, real.length - 1}) {
            Retried r = retried(withCookie);
            byte[] forged = r.retry().extension(Cookie.class).orElseThrow().cookie().toByteArray();
            forged[at] ^= 1;
            assertAlert(TlsAlert.ILLEGAL_PARAMETER, assertFails(r.server(), EncryptionLevel.INITIAL,
                    second(h -> h.with(new Cookie(Opaque.of(forged))))));
        }
        // A cookie MACed with another server's key, and one too short to hold a MAC.
        byte[] other = retried(ServerFlight.server("ecdsa-p256").helloRetryCookie(true).build()).retry()
                .extension(Cookie.class).orElseThrow().cookie().toByteArray();
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, withCookie, h -> h.with(new Cookie(Opaque.of(other))));
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, withCookie, h -> h.with(new Cookie(Opaque.of((byte) 1))));
        // A cookie when the server sent none.
        assertSecondRefused(TlsAlert.ILLEGAL_PARAMETER, SERVER, h -> h.with(new Cookie(Opaque.of(real))));
    }

    @Test
    void serversSharingACookieKeyMakeTheSameCookieForTheSameClientHello() {
        byte[] key = new byte[32];
        TlsServerConfig a = ServerFlight.server("ecdsa-p256").helloRetryCookieKey(key).build();
        // The cookie depends on the key and the first ClientHello only, so servers sharing the key agree on it.
        Cookie fromA = retried(a).retry().extension(Cookie.class).orElseThrow();
        Cookie fromB = retried(ServerFlight.server("ecdsa-p256").helloRetryCookieKey(key).build()).retry()
                .extension(Cookie.class).orElseThrow();
        assertEquals(fromA, fromB);
        Cookie fromC = retried(ServerFlight.server("ecdsa-p256").helloRetryCookie(true).build()).retry()
                .extension(Cookie.class).orElseThrow();
        assertTrue(!fromA.equals(fromC), "another key, another cookie");
    }

    // ---- fuzz ------------------------------------------------------------------------------------

    private static final int TRIES = Integer.getInteger("qsock.tries", 300);

    /** CH1, HRR, CH2, ServerHello, EE, Certificate, CertificateVerify, Finished, client Finished. */
    private static final int MESSAGES = 9;

    record Mutation(boolean cookie, int target, long seed) {}

    @Test
    @Timeout(300)
    void aRetriedHandshakeWithOneMessageMutatedInFlightCompletesOrAlerts() {
        Properties.forAll(TRIES, r -> new Mutation(r.nextBoolean(), r.nextInt(MESSAGES), r.nextLong()), m -> {
            SplittableRandom r = new SplittableRandom(m.seed());
            int[] index = {0};
            List<byte[]> seen = new java.util.ArrayList<>();
            EnginePair p = pair(x25519First().build(), p256Only().helloRetryCookie(m.cookie()).build(), m.seed(),
                    (fromClient, d) -> {
                        seen.add(d.data());
                        return index[0]++ == m.target() ? Mutations.mutate(r, d.data()) : d.data();
                    });
            assertOutcome(p.client);
            assertOutcome(p.server);
            if (m.target() > 0) {
                // The first ClientHello arrived whole, so the server answered it with a HelloRetryRequest.
                assertTrue(seen.size() >= 2 && ((ServerHello) decode(seen.get(1))).isHelloRetryRequest());
            }
        });
    }

    @Test
    @Timeout(300)
    void damagedSecondClientHellosAndRetriesCompleteWaitOrAlert() {
        Properties.forAll(TRIES, r -> new Mutation(r.nextBoolean(), r.nextInt(2), r.nextLong()), m -> {
            SplittableRandom r = new SplittableRandom(m.seed());
            TlsEngine engine;
            byte[] bytes;
            if (m.target() == 0) {
                // The server after its HelloRetryRequest, fed a damaged second ClientHello.
                Retried retried = retried(ServerFlight.server("ecdsa-p256").helloRetryCookie(m.cookie()).build());
                Cookie cookie = retried.retry().extension(Cookie.class).orElse(null);
                engine = retried.server();
                bytes = Mutations.mutate(r, second(h -> cookie == null ? h : h.with(cookie)));
            } else {
                // The client before any retry, fed a damaged HelloRetryRequest.
                engine = clientAfterFirstHello(x25519First().build(), m.seed());
                bytes = Mutations.mutate(r, retry(0x1301, TLS13,
                        new KeyShareHelloRetryRequest(NamedGroup.SECP256R1.code()), new Cookie(Opaque.of((byte) 7))));
            }
            try {
                engine.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(bytes));
                assertTrue(engine.status() != TlsEngine.Status.FAILED);
            } catch (TlsAlertException e) {
                assertNotSame(TlsAlert.INTERNAL_ERROR, e.alert(), () -> "a masked bug: " + e);
                EngineAssertions.assertFailedFor(engine, e);
            }
        });
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
