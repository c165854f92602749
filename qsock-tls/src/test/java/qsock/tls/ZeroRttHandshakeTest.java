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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.params.TransportParameters;
import qsock.tls.cert.TestPki;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.Extension;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.EncryptedExtensions;
import qsock.tls.message.EndOfEarlyData;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeType;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.EarlyDataAntiReplay;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * 0-RTT in the engine (RFC 8446 §4.2.10, §4.5, §8; RFC 9001 §4.6; RFC 9000 §7.4.1): a client offering early
 * data with a ticket that allows it, the early traffic secret on both sides, the server accepting only when
 * every rule allows and rejecting otherwise (off, policy, transport parameters, suite, ALPN, replay, stale age,
 * HelloRetryRequest), EndOfEarlyData over TCP only, and the client's checks on the server's acceptance.
 */
class ZeroRttHandshakeTest {

    static final long T0 = 1_700_000_000_000L;

    final AtomicLong clientClock = new AtomicLong(T0);
    final AtomicLong serverClock = new AtomicLong(T0);
    final InMemoryTicketStore store = new InMemoryTicketStore();
    final EarlyDataAntiReplay antiReplay = new EarlyDataAntiReplay(10_000, 1000);
    final ServerTickets serverTickets = ServerTickets.defaults()
            .withSealer(TicketSealer.withRandomKey(TestPki.seeded(77))).withClock(serverClock::get)
            .withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT).withAntiReplay(antiReplay);

    static byte[] params(long maxData) {
        return TransportParameters.builder().initialMaxData(maxData).initialMaxStreamDataBidiLocal(65_536)
                .initialMaxStreamDataBidiRemote(65_536).initialMaxStreamDataUni(65_536).initialMaxStreamsBidi(100)
                .initialMaxStreamsUni(3).activeConnectionIdLimit(4)
                .originalDestinationConnectionId(qsock.core.wire.ConnectionId.of(new byte[] {1, 2, 3, 4}))
                .initialSourceConnectionId(qsock.core.wire.ConnectionId.of(new byte[] {5, 6, 7, 8})).build().toBytes();
    }

    static final byte[] SERVER_PARAMS = params(1_000_000);
    static final byte[] CLIENT_PARAMS = params(2_000_000);

    TlsClientConfig.Builder client(boolean earlyData) {
        return ServerFlight.client("ecdsa-p256").tickets(new ClientTickets(store, earlyData, clientClock::get));
    }

    TlsServerConfig.Builder server() {
        return ServerFlight.server("ecdsa-p256").tickets(serverTickets);
    }

    static EnginePair connect(TlsClientConfig c, TlsServerConfig s, long seed, byte[] serverParams,
                              EnginePair.Tamper tamper) {
        return new EnginePair(TlsEngine.client(c, TestPki.seeded(seed), c.quic() ? CLIENT_PARAMS : null),
                TlsEngine.server(s, TestPki.seeded(seed + 1), s.quic() ? serverParams : null), tamper).run();
    }

    static EnginePair connect(TlsClientConfig c, TlsServerConfig s, long seed) {
        return connect(c, s, seed, SERVER_PARAMS, (fromClient, d) -> d.data());
    }

    /** A first, full handshake that leaves a ticket allowing 0-RTT in the store; then time passes. */
    void firstConnection(TlsClientConfig c, TlsServerConfig s, long seed) {
        EnginePair p = connect(c, s, seed);
        ResumptionHandshakeTest.assertCompleted(p);
        assertFalse(p.client.completion.resumed());
        assertEquals(1, store.size("localhost"));
        clientClock.addAndGet(2_000);
        serverClock.addAndGet(2_000);
    }

    void firstConnection(long seed) {
        firstConnection(client(true).build(), server().build(), seed);
    }

    /** Asserts a resumed handshake whose early data was accepted or not, reported once by each side. */
    static void assertEarlyData(EnginePair p, boolean accepted) {
        ResumptionHandshakeTest.assertCompleted(p);
        assertTrue(p.client.completion.resumed());
        assertTrue(p.server.completion.resumed());
        assertEquals(List.of(accepted), p.client.earlyDataStatus);
        assertEquals(List.of(accepted), p.server.earlyDataStatus);
        assertEquals(accepted, encryptedExtensions(p).extension(EarlyDataIndication.class).isPresent());
        assertEquals(accepted, p.server.readSecrets.containsKey(EncryptionLevel.EARLY_DATA));
        // The status comes before completion on both sides.
        for (EnginePair.Side side : List.of(p.client, p.server)) {
            int status = indexOf(side.events, TlsEvent.EarlyDataStatus.class);
            int complete = indexOf(side.events, TlsEvent.HandshakeComplete.class);
            assertTrue(status >= 0 && status < complete, side.events::toString);
        }
    }

    static int indexOf(List<TlsEvent> events, Class<? extends TlsEvent> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    static EncryptedExtensions encryptedExtensions(EnginePair p) {
        for (TlsEvent e : p.server.events) {
            if (e instanceof TlsEvent.HandshakeData d
                    && d.data()[0] == (byte) HandshakeType.ENCRYPTED_EXTENSIONS.code()) {
                return (EncryptedExtensions) PskHandshakeTest.decode(d.data());
            }
        }
        throw new AssertionError("no EncryptedExtensions");
    }

    // ---- accepted ----------------------------------------------------------------------------------

    @Test
    void quicClientSendsEarlyDataAndTheServerAcceptsIt() {
        firstConnection(1);
        EnginePair p = connect(client(true).build(), server().build(), 2);
        assertEarlyData(p, true);
        ClientHello hello = PskHandshakeTest.firstClientHello(p);
        assertTrue(hello.extension(EarlyDataIndication.class).isPresent());
        // RFC 8446 §4.2.11: pre_shared_key stays last, after early_data.
        List<Extension> ext = hello.extensions();
        assertEquals(qsock.tls.extension.PreSharedKeyClientHello.class, ext.get(ext.size() - 1).getClass());
        // Client: ClientHello, then the attempt with the remembered parameters, then the 0-RTT write secret.
        List<TlsEvent> c = p.client.events;
        assertTrue(c.get(0) instanceof TlsEvent.HandshakeData d && d.level() == EncryptionLevel.INITIAL);
        TlsEvent.EarlyDataAttempt attempt = (TlsEvent.EarlyDataAttempt) c.get(1);
        assertArrayEquals(SERVER_PARAMS, attempt.rememberedTransportParameters(), "RFC 9000 §7.4.1");
        assertEquals(0xFFFF_FFFFL, attempt.maxEarlyDataSize(), "RFC 9001 §4.6.1");
        TlsEvent.SecretReady early = (TlsEvent.SecretReady) c.get(2);
        assertEquals(EncryptionLevel.EARLY_DATA, early.level());
        assertEquals(KeyDirection.WRITE, early.direction());
        // Server: the 0-RTT read secret equals the client's write secret, before the Handshake-level secrets.
        assertArrayEquals(p.client.writeSecrets.get(EncryptionLevel.EARLY_DATA),
                p.server.readSecrets.get(EncryptionLevel.EARLY_DATA));
        assertEquals(early.cipherSuite(), p.server.completion.cipherSuite());
        List<String> order = new ArrayList<>();
        for (TlsEvent e : p.server.events) {
            if (e instanceof TlsEvent.SecretReady s) {
                order.add(s.level() + " " + s.direction());
            } else if (e instanceof TlsEvent.EarlyDataStatus s) {
                order.add("status " + s.accepted());
            }
        }
        assertEquals(List.of("EARLY_DATA READ", "status true", "HANDSHAKE READ", "HANDSHAKE WRITE",
                "APPLICATION WRITE", "APPLICATION READ"), order);
        // RFC 9001 §8.3: no EndOfEarlyData in QUIC.
        assertFalse(PskHandshakeTest.sentTypes(p.client).contains(HandshakeType.END_OF_EARLY_DATA));
        assertFalse(p.server.writeSecrets.containsKey(EncryptionLevel.EARLY_DATA));
    }

    @Test
    void tcpClientEndsEarlyDataWithEndOfEarlyData() {
        TlsClientConfig c = client(true).forTlsOverTcpTesting().build();
        TlsServerConfig s = server().forTlsOverTcpTesting().build();
        firstConnection(c, s, 3);
        EnginePair p = connect(c, s, 4);
        assertEarlyData(p, true);
        assertEquals(16_384, p.client.earlyDataAttempt.maxEarlyDataSize());
        assertEquals(0, p.client.earlyDataAttempt.rememberedTransportParameters().length);
        // RFC 8446 §4.5: EndOfEarlyData under the early traffic key, after the server's Finished, before ours.
        List<String> sent = new ArrayList<>();
        for (TlsEvent e : p.client.events) {
            if (e instanceof TlsEvent.HandshakeData d) {
                sent.add(HandshakeType.fromCode(d.data()[0] & 0xff).name() + "@" + d.level());
            }
        }
        assertEquals(List.of("CLIENT_HELLO@INITIAL", "END_OF_EARLY_DATA@EARLY_DATA", "FINISHED@HANDSHAKE"), sent);
    }

    @Test
    void tcpServerWithoutEndOfEarlyDataIsUnexpectedMessage() {
        TlsClientConfig c = client(true).forTlsOverTcpTesting().build();
        TlsServerConfig s = server().forTlsOverTcpTesting().build();
        firstConnection(c, s, 5);
        EnginePair p = connect(c, s, 6, SERVER_PARAMS,
                (fromClient, d) -> d.level() == EncryptionLevel.EARLY_DATA ? null : d.data());
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, p.server.failure);
    }

    @Test
    void quicServerRefusesEndOfEarlyData() {
        firstConnection(7);
        byte[] eoed = HandshakeCodec.encode(new EndOfEarlyData());
        EnginePair p = connect(client(true).build(), server().build(), 8, SERVER_PARAMS,
                (fromClient, d) -> fromClient && d.level() == EncryptionLevel.HANDSHAKE ? concat(eoed, d.data())
                        : d.data());
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, p.server.failure);
        firstConnection(9);
        EnginePair q = connect(client(true).build(), server().build(), 10, SERVER_PARAMS,
                (fromClient, d) -> d.data());
        assertEarlyData(q, true);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- not offered ---------------------------------------------------------------------------------

    @Test
    void clientWithoutEarlyDataOffersNone() {
        firstConnection(11);
        EnginePair p = connect(client(false).build(), server().build(), 12);
        ResumptionHandshakeTest.assertCompleted(p);
        assertTrue(p.client.completion.resumed());
        assertTrue(PskHandshakeTest.firstClientHello(p).extension(EarlyDataIndication.class).isEmpty());
        assertNull(p.client.earlyDataAttempt);
        assertTrue(p.client.earlyDataStatus.isEmpty());
        assertTrue(p.server.earlyDataStatus.isEmpty(), "no status when nothing was offered");
        assertFalse(p.client.writeSecrets.containsKey(EncryptionLevel.EARLY_DATA));
    }

    @Test
    void ticketWithoutEarlyDataIsNotUsedForIt() {
        firstConnection(client(true).build(),
                server().tickets(serverTickets.withEarlyData(false, ServerTickets.EarlyDataPolicy.ACCEPT)).build(), 13);
        EnginePair p = connect(client(true).build(), server().build(), 14);
        ResumptionHandshakeTest.assertCompleted(p);
        assertTrue(p.client.completion.resumed());
        assertTrue(PskHandshakeTest.firstClientHello(p).extension(EarlyDataIndication.class).isEmpty());
        assertNull(p.client.earlyDataAttempt);
    }

    @Test
    void ticketForAnAlpnNoLongerOfferedCarriesNoEarlyData() {
        firstConnection(client(true).build(), server().applicationProtocols("echo").build(), 15);
        // The ticket's ALPN "echo" is not offered: no resumption of it at all, hence no 0-RTT.
        EnginePair p = connect(client(true).applicationProtocols("hq-interop").build(), server().build(), 16);
        ResumptionHandshakeTest.assertCompleted(p);
        assertTrue(PskHandshakeTest.firstClientHello(p).extension(EarlyDataIndication.class).isEmpty());
    }

    // ---- rejected by the server ---------------------------------------------------------------------------

    @Test
    void serverWithEarlyDataOffRejects() {
        firstConnection(17);
        EnginePair p = connect(client(true).build(),
                server().tickets(serverTickets.withEarlyData(false, ServerTickets.EarlyDataPolicy.ACCEPT)).build(), 18);
        assertEarlyData(p, false);
        assertEquals(0, antiReplay.size(), "a rejected attempt does not use the ticket up");
    }

    @Test
    void policyDecidesAndSeesTheTicket() {
        firstConnection(19);
        AtomicReference<String> seen = new AtomicReference<>();
        EnginePair p = connect(client(true).build(), server().tickets(serverTickets.withEarlyData(true,
                (alpn, sni, params) -> {
                    seen.set(alpn + " " + sni + " " + java.util.Arrays.equals(params, SERVER_PARAMS));
                    return false;
                })).build(), 20);
        assertEarlyData(p, false);
        assertEquals("echo localhost true", seen.get());
        assertEquals(0, antiReplay.size(), "the anti-replay record is asked last");
    }

    @Test
    void reducedTransportParametersReject() {
        firstConnection(21);
        EnginePair p = connect(client(true).build(), server().build(), 22, params(999_999),
                (fromClient, d) -> d.data());
        assertEarlyData(p, false);
    }

    @Test
    void raisedTransportParametersAccept() {
        firstConnection(23);
        EnginePair p = connect(client(true).build(), server().build(), 24, params(5_000_000),
                (fromClient, d) -> d.data());
        assertEarlyData(p, true);
    }

    @Test
    void replayedTicketIsRejectedButResumes() {
        firstConnection(25);
        ClientTicket ticket = store.take("localhost", clientClock.get()).orElseThrow();
        store.store("localhost", ticket);
        assertEarlyData(connect(client(true).build(), server().build(), 26), true);
        store.take("localhost", clientClock.get()); // the new ticket from the first resumption
        store.store("localhost", ticket);
        EnginePair replay = connect(client(true).build(), server().build(), 27);
        assertEarlyData(replay, false);
    }

    @Test
    void staleAgeIsRejected() {
        firstConnection(28);
        serverClock.addAndGet(20_000); // the server sees the ClientHello 20 s later than the client's age says
        assertEarlyData(connect(client(true).build(), server().build(), 29), false);
        assertEquals(0, antiReplay.size());
    }

    @Test
    void anotherSuiteRejects() {
        firstConnection(client(true).build(), server().cipherSuites(CipherSuite.TLS_AES_128_GCM_SHA256).build(), 30);
        EnginePair p = connect(client(true).build(),
                server().cipherSuites(CipherSuite.TLS_CHACHA20_POLY1305_SHA256).build(), 31);
        assertEarlyData(p, false);
    }

    @Test
    void anotherAlpnRejects() {
        // The ticket is for "hq-interop"; the next server prefers "echo", which the client offers too.
        firstConnection(client(true).build(), server().applicationProtocols("hq-interop", "echo").build(), 32);
        EnginePair p = connect(client(true).build(), server().applicationProtocols("echo", "hq-interop").build(), 33);
        ResumptionHandshakeTest.assertCompleted(p);
        assertEquals("echo", p.server.completion.applicationProtocol());
        assertEquals(List.of(false), p.server.earlyDataStatus);
    }

    @Test
    void helloRetryRequestRejectsEarlyData() {
        TlsClientConfig c = client(true).groups(NamedGroup.X25519, NamedGroup.SECP256R1)
                .keyShareGroups(NamedGroup.X25519).build();
        firstConnection(c, server().build(), 34);
        EnginePair p = connect(c, server().groups(NamedGroup.SECP256R1).build(), 35);
        assertEarlyData(p, false);
        List<byte[]> hellos = PskHandshakeTest.sent(p.client, HandshakeType.CLIENT_HELLO);
        assertEquals(2, hellos.size());
        assertTrue(((ClientHello) PskHandshakeTest.decode(hellos.get(0))).extension(EarlyDataIndication.class)
                .isPresent());
        assertTrue(((ClientHello) PskHandshakeTest.decode(hellos.get(1))).extension(EarlyDataIndication.class)
                .isEmpty(), "RFC 8446 §4.1.2: early_data removed from the second ClientHello");
        // The client knows at the HelloRetryRequest, before any Handshake-level secret.
        int status = indexOf(p.client.events, TlsEvent.EarlyDataStatus.class);
        assertTrue(status < indexOf(p.client.events, TlsEvent.PeerTransportParameters.class));
    }

    // ---- the client's checks ---------------------------------------------------------------------------

    /** Adds early_data to the server's EncryptedExtensions in flight. */
    static EnginePair.Tamper acceptingEe() {
        return (fromClient, d) -> {
            if (!fromClient && d.data()[0] == (byte) HandshakeType.ENCRYPTED_EXTENSIONS.code()) {
                EncryptedExtensions ee = (EncryptedExtensions) PskHandshakeTest.decode(d.data());
                List<Extension> ext = new ArrayList<>(ee.extensions());
                ext.add(new EarlyDataIndication());
                return HandshakeCodec.encode(new EncryptedExtensions(ext));
            }
            return d.data();
        };
    }

    @Test
    void acceptanceOfEarlyDataNotOfferedIsRefused() {
        firstConnection(36);
        EnginePair p = connect(client(false).build(), server().build(), 37, SERVER_PARAMS, acceptingEe());
        // RFC 8446 §4.2: a response to an extension we did not send.
        assertAlert(TlsAlert.UNSUPPORTED_EXTENSION, p.client.failure);
    }

    @Test
    void acceptanceWithAnotherIdentityThanTheFirstIsIllegalParameter() {
        firstConnection(38);
        // The server cannot open the ticket (other keys) but knows the external PSK, offered second.
        TlsServerConfig s = server().tickets(serverTickets.withSealer(TicketSealer.withRandomKey(TestPki.seeded(5))))
                .pskKeyring(PskKeyring.of(PskHandshakeTest.PSK)).build();
        EnginePair p = connect(client(true).externalPsk(PskHandshakeTest.PSK).build(), s, 39, SERVER_PARAMS,
                acceptingEe());
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, p.client.failure);
        assertNotNull(p.client.earlyDataAttempt);
    }

    @Test
    void clientKeyLogHasTheEarlySecrets() {
        firstConnection(40);
        List<String> lines = new ArrayList<>();
        EnginePair p = connect(client(true).keyLog(lines::add).build(), server().build(), 41);
        assertEarlyData(p, true);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("CLIENT_EARLY_TRAFFIC_SECRET ")), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("EARLY_EXPORTER_SECRET ")), lines::toString);
    }
}
