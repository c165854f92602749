package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.tls.EngineAssertions.assertAlert;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.extension.EarlyDataNewSessionTicket;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.message.ClientHello;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.NewSessionTicket;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.SessionState;
import qsock.tls.ticket.TicketSealer;
import qsock.tls.cert.TestPki;

/**
 * Session tickets and resumption (RFC 8446 §4.6.1, §4.2.11, §2.2) between our client and server: issuing,
 * keeping, offering and accepting tickets; falling back to a full handshake when the server cannot use the
 * ticket; and the checks on NewSessionTicket and on the resumption binder.
 */
class ResumptionHandshakeTest {

    static final long T0 = 1_700_000_000_000L;

    final AtomicLong clientClock = new AtomicLong(T0);
    final AtomicLong serverClock = new AtomicLong(T0);
    final InMemoryTicketStore store = new InMemoryTicketStore();
    final ServerTickets serverTickets = ServerTickets.defaults().withSealer(
            TicketSealer.withRandomKey(TestPki.seeded(99))).withClock(serverClock::get);

    TlsClientConfig.Builder client() {
        return ServerFlight.client("ecdsa-p256")
                .tickets(new ClientTickets(store, false, clientClock::get));
    }

    TlsServerConfig.Builder server() {
        return ServerFlight.server("ecdsa-p256").tickets(serverTickets);
    }

    EnginePair connect(TlsClientConfig c, TlsServerConfig s, long seed) {
        return PskHandshakeTest.pair(c, s, seed);
    }

    EnginePair connect(long seed) {
        return connect(client().build(), server().build(), seed);
    }

    static void assertCompleted(EnginePair p) {
        assertNull(p.client.failure, () -> "client: " + p.client.failure);
        assertNull(p.server.failure, () -> "server: " + p.server.failure);
        assertNotNull(p.client.completion);
        assertNotNull(p.server.completion);
        for (EncryptionLevel level : List.of(EncryptionLevel.HANDSHAKE, EncryptionLevel.APPLICATION)) {
            assertArrayEquals(p.client.writeSecrets.get(level), p.server.readSecrets.get(level), level::toString);
            assertArrayEquals(p.server.writeSecrets.get(level), p.client.readSecrets.get(level), level::toString);
        }
    }

    static List<NewSessionTicket> tickets(EnginePair p) {
        List<NewSessionTicket> out = new ArrayList<>();
        for (TlsEvent e : p.server.events) {
            if (e instanceof TlsEvent.HandshakeData d && d.data()[0] == (byte) HandshakeType.NEW_SESSION_TICKET.code()) {
                assertEquals(EncryptionLevel.APPLICATION, d.level(), "RFC 9001 §4.1.3: tickets at the 1-RTT level");
                out.add((NewSessionTicket) PskHandshakeTest.decode(d.data()));
            }
        }
        return out;
    }

    // ---- issuing -----------------------------------------------------------------------------------

    @Test
    void serverIssuesConfiguredTicketsAfterTheClientFinished() {
        EnginePair p = connect(client().build(), server().tickets(serverTickets.withCount(3)
                .withLifetimeSeconds(3600)).build(), 1);
        assertCompleted(p);
        assertFalse(p.client.completion.resumed());
        List<NewSessionTicket> issued = tickets(p);
        assertEquals(3, issued.size());
        assertEquals(3, issued.stream().map(t -> t.ticketNonce().toString()).distinct().count(),
                "RFC 8446 §4.6.1: distinct nonces");
        assertEquals(3, issued.stream().map(t -> t.ticketAgeAdd()).distinct().count(), "random ticket_age_add");
        for (NewSessionTicket t : issued) {
            assertEquals(3600, t.ticketLifetime());
            assertTrue(t.extension(EarlyDataNewSessionTicket.class).isEmpty(), "no 0-RTT unless enabled");
        }
        // After the handshake's last message: the client's Finished came before.
        List<HandshakeType> types = PskHandshakeTest.sentTypes(p.server);
        assertEquals(HandshakeType.NEW_SESSION_TICKET, types.get(types.size() - 1));
        assertEquals(3, store.size("localhost"));
    }

    @Test
    void defaultsAreOneTicketForADay() {
        EnginePair p = connect(client().build(),
                server().tickets(ServerTickets.defaults().withClock(serverClock::get)).build(), 2);
        assertCompleted(p);
        List<NewSessionTicket> issued = tickets(p);
        assertEquals(1, issued.size());
        assertEquals(86_400, issued.get(0).ticketLifetime());
    }

    @Test
    void serverWithoutTicketsIssuesNone() {
        EnginePair p = connect(client().build(), ServerFlight.server("ecdsa-p256").build(), 3);
        assertCompleted(p);
        assertTrue(tickets(p).isEmpty());
        assertEquals(0, store.size());
    }

    // ---- resuming ------------------------------------------------------------------------------------

    @Test
    void secondConnectionResumesWithoutCertificates() {
        assertCompleted(connect(10));
        assertEquals(1, store.size("localhost"));
        clientClock.addAndGet(5_000);
        serverClock.addAndGet(5_000);
        EnginePair second = connect(11);
        assertCompleted(second);
        assertTrue(second.client.completion.resumed());
        assertTrue(second.server.completion.resumed());
        assertTrue(second.client.engine.resumed());
        assertTrue(second.server.engine.resumed());
        assertNull(second.client.completion.pskIdentity(), "a ticket is not an external PSK identity");
        assertTrue(second.client.completion.peerCertificates().isEmpty());
        // RFC 8446 §2.2: no Certificate or CertificateVerify in a resumed handshake; then a new ticket.
        assertEquals(List.of(HandshakeType.SERVER_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.FINISHED,
                HandshakeType.NEW_SESSION_TICKET), PskHandshakeTest.sentTypes(second.server));
        ClientHello hello = PskHandshakeTest.firstClientHello(second);
        var offered = hello.extension(PreSharedKeyClientHello.class).orElseThrow();
        assertEquals(1, offered.identities().size());
        assertEquals(0, PskHandshakeTest.lastServerHello(second).extension(PreSharedKeyServerHello.class)
                .orElseThrow().selectedIdentity());
        // psk_dhe_ke by default: the ServerHello has a key share.
        assertTrue(PskHandshakeTest.lastServerHello(second).extension(KeyShareServerHello.class).isPresent());
        // The ticket was used up and the new one kept.
        assertEquals(1, store.size("localhost"));
    }

    @Test
    void obfuscatedAgeIsAgePlusAgeAdd() {
        EnginePair p1 = connect(12);
        long ageAdd = tickets(p1).get(0).ticketAgeAdd();
        clientClock.addAndGet(1234);
        EnginePair p2 = connect(13);
        assertCompleted(p2);
        long sent = PskHandshakeTest.firstClientHello(p2).extension(PreSharedKeyClientHello.class).orElseThrow()
                .identities().get(0).obfuscatedTicketAge();
        assertEquals((1234 - 1 + ageAdd) & 0xFFFF_FFFFL, sent, "the age, a millisecond short (ClientTicket)");
    }

    @Test
    void pskKeOnlyWhenConfigured() {
        assertCompleted(connect(14));
        EnginePair p = connect(client().pskModes(PskMode.PSK_KE).build(),
                server().pskModes(PskMode.PSK_KE, PskMode.PSK_DHE_KE).build(), 15);
        assertCompleted(p);
        assertTrue(p.client.completion.resumed());
        assertTrue(PskHandshakeTest.lastServerHello(p).extension(KeyShareServerHello.class).isEmpty());
    }

    @Test
    void resumesWithTheSameHashUnderAnotherSuite() {
        assertCompleted(connect(client().build(),
                server().cipherSuites(CipherSuite.TLS_AES_128_GCM_SHA256).build(), 16));
        EnginePair p = connect(client().build(),
                server().cipherSuites(CipherSuite.TLS_CHACHA20_POLY1305_SHA256).build(), 17);
        assertCompleted(p);
        assertTrue(p.server.completion.resumed());
        assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, p.server.completion.cipherSuite());
    }

    // ---- the server declines: a full handshake ------------------------------------------------------------

    @Test
    void expiredTicketGivesAFullHandshake() {
        assertCompleted(connect(client().build(),
                server().tickets(serverTickets.withLifetimeSeconds(60)).build(), 20));
        serverClock.addAndGet(61_000); // the client still thinks it fresh; the server's clock decides
        EnginePair p = connect(21);
        assertCompleted(p);
        assertFalse(p.server.completion.resumed());
        assertFalse(p.client.completion.resumed());
        assertFalse(p.client.completion.peerCertificates().isEmpty());
    }

    @Test
    void ticketUnderAnotherServersKeyGivesAFullHandshake() {
        assertCompleted(connect(22));
        EnginePair p = connect(client().build(), server().tickets(serverTickets.withSealer(
                TicketSealer.withRandomKey(TestPki.seeded(5)))).build(), 23);
        assertCompleted(p);
        assertFalse(p.client.completion.resumed());
    }

    @Test
    void sharedTicketKeysResumeOnAnotherServer() {
        assertCompleted(connect(24));
        TicketSealer other = TicketSealer.withRandomKey(TestPki.seeded(6));
        other.setKeys(serverTickets.sealer().currentKey(), null);
        EnginePair p = connect(client().build(), server().tickets(serverTickets.withSealer(other)).build(), 25);
        assertCompleted(p);
        assertTrue(p.client.completion.resumed());
    }

    @Test
    void ticketForAnotherAlpnIsNotUsed() {
        assertCompleted(connect(client().applicationProtocols("echo").build(), server().build(), 26));
        EnginePair p = connect(client().applicationProtocols("hq-interop").build(), server().build(), 27);
        assertCompleted(p);
        assertFalse(p.client.completion.resumed());
    }

    @Test
    void forgedTicketGivesAFullHandshakeNotAnAlert() {
        byte[] forged = new byte[200];
        TestPki.seeded(7).nextBytes(forged);
        store.store("localhost", new ClientTicket(forged, new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256, "echo",
                "localhost", T0, 3600, 0, 0, new byte[0]));
        EnginePair p = connect(28);
        assertCompleted(p);
        assertFalse(p.client.completion.resumed());
        assertTrue(PskHandshakeTest.firstClientHello(p).extension(PreSharedKeyClientHello.class).isPresent());
    }

    @Test
    void oversizedTicketGivesAFullHandshake() {
        byte[] big = new byte[TicketSealer.MAX_TICKET_LENGTH + 1000];
        store.store("localhost", new ClientTicket(big, new byte[32], CipherSuite.TLS_AES_128_GCM_SHA256, "echo",
                "localhost", T0, 3600, 0, 0, new byte[0]));
        EnginePair p = connect(29);
        assertCompleted(p);
        assertFalse(p.client.completion.resumed());
    }

    @Test
    void clientWithoutStoreOffersNoTicket() {
        assertCompleted(connect(30));
        EnginePair p = connect(ServerFlight.client("ecdsa-p256").build(), server().build(), 31);
        assertCompleted(p);
        assertTrue(PskHandshakeTest.firstClientHello(p).extension(PreSharedKeyClientHello.class).isEmpty());
    }

    // ---- bad input ------------------------------------------------------------------------------------

    @Test
    void wrongResumptionBinderIsDecryptError() {
        assertCompleted(connect(32));
        EnginePair p = PskHandshakeTest.pair(client().build(), server().build(), 33, (fromClient, d) -> {
            byte[] b = d.data().clone();
            if (fromClient && b[0] == (byte) HandshakeType.CLIENT_HELLO.code()) {
                b[b.length - 1] ^= 1; // the last byte of the last binder (RFC 8446 §4.2.11: pre_shared_key last)
            }
            return b;
        });
        assertNotNull(p.server.failure);
        assertAlert(TlsAlert.DECRYPT_ERROR, p.server.failure);
    }

    /** Replaces the server's tickets by {@code replacement}, re-encoded. */
    static EnginePair.Tamper replaceTickets(java.util.function.UnaryOperator<NewSessionTicket> replacement) {
        return (fromClient, d) -> {
            if (!fromClient && d.data()[0] == (byte) HandshakeType.NEW_SESSION_TICKET.code()) {
                return HandshakeCodec.encode(replacement.apply((NewSessionTicket) PskHandshakeTest.decode(d.data())));
            }
            return d.data();
        };
    }

    @Test
    void ticketLifetimeOverSevenDaysIsIllegalParameter() {
        EnginePair p = PskHandshakeTest.pair(client().build(), server().build(), 34, replaceTickets(t ->
                new NewSessionTicket(SessionState.MAX_LIFETIME_SECONDS + 1, t.ticketAgeAdd(), t.ticketNonce(),
                        t.ticket(), t.extensions())));
        assertNotNull(p.client.failure);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
        assertEquals(0, store.size());
    }

    @Test
    void ticketLifetimeOfSevenDaysIsKept() {
        EnginePair p = PskHandshakeTest.pair(client().build(), server().build(), 35, replaceTickets(t ->
                new NewSessionTicket(SessionState.MAX_LIFETIME_SECONDS, t.ticketAgeAdd(), t.ticketNonce(),
                        t.ticket(), t.extensions())));
        assertCompleted(p);
        assertEquals(1, store.size());
    }

    @Test
    void quicEarlyDataOtherThanAllOnesIsRefused() {
        EnginePair p = PskHandshakeTest.pair(client().build(), server().build(), 36, replaceTickets(t ->
                new NewSessionTicket(t.ticketLifetime(), t.ticketAgeAdd(), t.ticketNonce(), t.ticket(),
                        List.of(new EarlyDataNewSessionTicket(16384)))));
        assertNotNull(p.client.failure);
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
        // RFC 9001 §4.6.1: QUIC closes with PROTOCOL_VIOLATION, not the alert's CRYPTO_ERROR.
        assertTrue(p.client.failure.isQuicProtocolViolation(), "a QUIC PROTOCOL_VIOLATION");
    }

    @Test
    void zeroLifetimeTicketIsNotKept() {
        EnginePair p = PskHandshakeTest.pair(client().build(), server().build(), 37, replaceTickets(t ->
                new NewSessionTicket(0, t.ticketAgeAdd(), t.ticketNonce(), t.ticket(), t.extensions())));
        assertCompleted(p);
        assertEquals(0, store.size());
    }
}
