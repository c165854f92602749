package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.error.StreamResetException;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.CryptoSecret;
import qsock.socket.PeerTransportParameters;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamErrorInfo;
import qsock.socket.StreamFlags;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * The options of one connection's life over real handshakes on loopback: SESSION_TICKET (a session received, read,
 * and resumed from in a fresh socket), CONFIG's receiveSessionTicket wait, the server parameters set for 0-RTT
 * (REMOTE_TRANSPORT_PARAMETERS), TOKEN on a server, the handshake-only options after the handshake, and the
 * write-only stream options.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSocketSessionOptionsTest {

    /** One server configuration for every connection of a test: its tickets are sealed under one random key. */
    private final TlsServerConfig ticketing = ticketingServer();

    private static TlsServerConfig ticketingServer() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                .applicationProtocols("echo")
                .tickets(ServerTickets.defaults().withEarlyData(true, ServerTickets.EarlyDataPolicy.ACCEPT)).build();
    }

    /** Waits up to 10 s for the server's session ticket after the handshake (CONFIG receiveSessionTicket). */
    private static final OptionsLoopback.Setup WAIT_FOR_TICKET = s -> s.setOption(QuicSocketOptions.CONFIG,
            s.getOption(QuicSocketOptions.CONFIG).withReceiveSessionTicket(Duration.ofSeconds(10)));

    /** {@return the session of a fresh connection to {@code loopback}, read from SESSION_TICKET} */
    private byte[] session(OptionsLoopback loopback) throws Exception {
        // The TLS configuration keeps no tickets of its own: the socket's slot is where the session goes.
        try (OptionsLoopback.Connection c = loopback.connect(WAIT_FOR_TICKET, Loopback.clientTls(), ticketing)) {
            assertFalse(c.clientEngine().resumed());
            // receiveSessionTicket: the handshake call returned once the ticket was in.
            byte[] session = c.client().getOption(QuicSocketOptions.SESSION_TICKET);
            assertNotNull(session, "the session of the server's ticket");
            assertEquals("echo", ClientTicket.decode(session).alpn());
            return session;
        }
    }

    @Test
    void aSessionReadFromOneSocketResumesInAnother() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE)) {
            byte[] session = session(loopback);
            try (OptionsLoopback.Connection c = loopback.connect(
                    s -> s.setOption(QuicSocketOptions.SESSION_TICKET, session), Loopback.clientTls(),
                    ticketing)) {
                assertTrue(c.clientEngine().resumed(), "resumed with the session set");
                assertTrue(c.serverEngine().resumed());
                assertThrows(UnsupportedOperationException.class,
                        () -> c.server().getOption(QuicSocketOptions.SESSION_TICKET), "a server's keys are its TLS"
                                + " configuration's");
                assertThrows(IllegalStateException.class,
                        () -> c.client().setOption(QuicSocketOptions.SESSION_TICKET, session), "after the start");
            }
        }
    }

    /**
     * receiveSessionTicket, made deterministic: the server's handshake is stepped by hand and held before it reads the
     * client's Finished (after which it sends its ticket) until the client's handshake call either returned or waits
     * for the ticket. Without the wait the call returns with no session; with it, it returns with the session.
     */
    @Test
    void theHandshakeCallWaitsForTheTicketTheServerSendsLater() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             QuicSocket client = QuicSocket.open()) {
            WAIT_FOR_TICKET.apply(client);
            client.connect(loopback.address);
            java.util.concurrent.CompletableFuture<byte[]> atReturn = new java.util.concurrent.CompletableFuture<>();
            Thread clientThread = Thread.ofPlatform().start(() -> {
                try {
                    QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                    atReturn.complete(client.getOption(QuicSocketOptions.SESSION_TICKET));
                } catch (Throwable t) {
                    atReturn.completeExceptionally(t);
                }
            });
            try (QuicSocket server = loopback.listener.accept()) {
                qsock.tls.HandshakeDriver driver = qsock.tls.HandshakeDriver.server(server.handshakeChannel(),
                        ticketing, new java.security.SecureRandom());
                // The server's flight (the step that reads the ClientHello writes it all: it signs inline), then no
                // step until the client's call returned or waits.
                Waits.until("the server's flight", () -> {
                    stepOnce(server, driver);
                    return driver.engine().cipherSuite() != null;
                });
                Waits.until("the client completed its side", () -> client.state().isEstablished());
                Waits.until("the client's call returned or waits for the ticket", () -> atReturn.isDone()
                        || Arrays.stream(clientThread.getStackTrace()).anyMatch(f -> f.getMethodName()
                                .equals("awaitTicket")));
                // Now the server reads the client's Finished and sends its ticket.
                Waits.until("the server's handshake completed", () -> stepOnce(server, driver)
                        == qsock.tls.HandshakeDriver.Step.COMPLETE);
                server.setPostHandshakeReader(driver::step);
                byte[] session = atReturn.get(Waits.LIMIT.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(session, "the call returned once the ticket was in");
                assertEquals("echo", ClientTicket.decode(session).alpn());
            } finally {
                clientThread.join(Waits.LIMIT.toMillis());
            }
        }
    }

    /** One step of a server driver, its delegated tasks run; {@return the step's outcome} */
    private static qsock.tls.HandshakeDriver.Step stepOnce(QuicSocket server, qsock.tls.HandshakeDriver driver) {
        qsock.tls.HandshakeDriver.Step step = driver.step();
        for (int i = 0; i < 16 && step == qsock.tls.HandshakeDriver.Step.TASK_PENDING; i++) {
            Runnable task = driver.delegatedTask();
            if (task != null) {
                task.run();
            }
            step = driver.step();
        }
        assertTrue(step != qsock.tls.HandshakeDriver.Step.FAILED, "the server's handshake failed");
        return step;
    }

    @Test
    void aSessionTheTlsHelperCannotReadIsRefusedClearly() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             QuicSocket client = QuicSocket.open()) {
            client.setOption(QuicSocketOptions.SESSION_TICKET, new byte[100]);
            client.connect(loopback.address);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT));
            assertTrue(e.getMessage().contains("no session qsock-tls made"), e.getMessage());
        }
    }

    /** The server limits of qsock's defaults, but {@code maxStreamsBidi} bidirectional streams. */
    private static PeerTransportParameters remembered(long maxStreamsBidi) {
        return new PeerTransportParameters(false, true, true, false, 7, 3, 0, 65527, Duration.ofSeconds(30),
                Duration.ofMillis(25), maxStreamsBidi, 100, 2 << 20, 1 << 20, 1 << 20, 1 << 20);
    }

    /**
     * A 0-RTT connection resuming {@code session}, with the remembered server parameters set to {@code set} (null:
     * the ticket's); {@return how many bidirectional streams opened before the handshake completed, of 10 tried}
     */
    private int streamsIn0Rtt(OptionsLoopback loopback, byte[] session, PeerTransportParameters set)
            throws Exception {
        TlsClientConfig zeroRtt = Loopback.clientTls().withTickets(
                ClientTickets.defaults().withStore(new InMemoryTicketStore()).withEarlyData(true));
        Future<QuicSocket> accepted = loopback.background(() -> {
            QuicSocket s = loopback.listener.accept();
            QuicHandshake.serverHandshake(s, ticketing, Loopback.HANDSHAKE_TIMEOUT);
            return s;
        });
        try (QuicSocket client = QuicSocket.open()) {
            client.setOption(QuicSocketOptions.SESSION_TICKET, session);
            if (set != null) {
                client.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, set);
                assertEquals(set, client.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            }
            client.connect(loopback.address);
            QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(client, zeroRtt,
                    Loopback.HANDSHAKE_TIMEOUT);
            assertTrue(handshake.earlyData(), "the session allows early data");
            int opened = 0;
            // At most 10 tried: the ticket's limit is 100, the one set lower.
            try {
                while (opened < 10) {
                    client.openStream(StreamFlags.DONTWAIT);
                    opened++;
                }
            } catch (qsock.socket.StreamLimitException atTheLimit) {
                // The limit set, or the ticket's.
            }
            handshake.finish();
            assertEquals(Boolean.TRUE, client.earlyDataAccepted());
            assertTrue(client.openStream(StreamFlags.DONTWAIT) >= 0, "after the handshake, the server's own limit");
            assertTrue(client.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).maxStreamsBidi() >= 100,
                    "the server's parameters, once they arrived");
            accepted.get().close();
            return opened;
        }
    }

    @Test
    void remoteTransportParametersSetAreWhat0RttKeepsTo() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE)) {
            byte[] first = session(loopback);
            byte[] second = session(loopback);
            assertEquals(10, streamsIn0Rtt(loopback, first, null), "within the ticket's remembered limit, 100");
            assertEquals(2, streamsIn0Rtt(loopback, second, remembered(2)), "the limit set, in its place");
        }
    }

    @Test
    void aServerIssuesANewTokenWhenTheOptionIsSet() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE)) {
            Future<QuicSocket> accepted = loopback.background(() -> {
                QuicSocket s = loopback.listener.accept();
                IllegalStateException early = assertThrows(IllegalStateException.class,
                        () -> s.setOption(QuicSocketOptions.TOKEN, null));
                assertTrue(early.getMessage().contains("handshake is complete"), early.getMessage());
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loopback.address);
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get()) {
                    // The token a server sends by itself after the handshake (RFC 9000 §8.1.3).
                    Waits.until("the first token", () -> client.getOption(QuicSocketOptions.TOKEN) != null);
                    byte[] first = client.getOption(QuicSocketOptions.TOKEN);
                    assertNull(server.getOption(QuicSocketOptions.TOKEN), "a server reads none");
                    assertThrows(IllegalArgumentException.class,
                            () -> server.setOption(QuicSocketOptions.TOKEN, new byte[8]));
                    server.setOption(QuicSocketOptions.TOKEN, null);
                    Waits.until("a second token", () -> !Arrays.equals(first,
                            client.getOption(QuicSocketOptions.TOKEN)));
                    assertTrue(client.getOption(QuicSocketOptions.TOKEN).length > 0);
                }
            }
        }
    }

    @Test
    void theHandshakeOnlyOptionsAreRefusedAfterTheHandshake() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, Loopback.clientTls(),
                     Loopback.serverTls())) {
            for (QuicSocket s : List.of(c.client(), c.server())) {
                assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.CRYPTO_SECRET,
                        new CryptoSecret(EncryptionLevel.APPLICATION, KeyDirection.WRITE,
                                CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32])));
                assertThrows(IllegalStateException.class, () -> s.getOption(QuicSocketOptions.TRANSPORT_PARAM_EXT));
                assertThrows(IllegalStateException.class,
                        () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM_EXT, new byte[0]));
            }
            assertThrows(IllegalStateException.class, () -> c.client().setOption(
                    QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remembered(1)));
        }
    }

    @Test
    void streamResetSetOnTheSocketReachesThePeerWithItsCode() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, Loopback.clientTls(),
                     Loopback.serverTls())) {
            long id = c.client().openStream(StreamFlags.NEW);
            c.client().send(ByteBuffer.wrap(new byte[1000]), id, 0);
            c.client().setOption(QuicSocketOptions.STREAM_RESET, new StreamErrorInfo(id, 77));
            StreamResetException e = assertThrows(StreamResetException.class, () -> {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (true) {
                    buf.clear();
                    c.server().receive(buf); // data that arrived before the reset may come first
                }
            });
            assertEquals(id, e.streamId());
            assertEquals(77, e.errorCode());
        }
    }

    @Test
    void stopSendingSetOnTheSocketMakesThePeersSendFailWithItsCode() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, Loopback.clientTls(),
                     Loopback.serverTls())) {
            long id = c.client().openStream(StreamFlags.NEW);
            c.client().send(ByteBuffer.wrap(new byte[10]), id, 0);
            c.server().receive(ByteBuffer.allocate(100));
            c.server().setOption(QuicSocketOptions.STREAM_STOP_SENDING, new StreamErrorInfo(id, 88));
            StreamResetException e = assertThrows(StreamResetException.class, () -> {
                while (true) {
                    c.client().send(ByteBuffer.wrap(new byte[100_000]), id, 0);
                }
            });
            assertEquals(88, e.errorCode());
        }
    }

    @Test
    void theSessionOfTheSlotIsTheLatestTheServerSent() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE)) {
            TlsServerConfig twoTickets = TlsServerConfig.builder(
                    new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                    .applicationProtocols("echo").tickets(ServerTickets.defaults().withCount(2)).build();
            InMemoryTicketStore store = new InMemoryTicketStore();
            TlsClientConfig keeping = Loopback.clientTls().withTickets(ClientTickets.defaults().withStore(store));
            try (OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, keeping, twoTickets)) {
                // The configuration's own store keeps both; the slot reads the latest.
                Waits.until("both tickets", () -> store.size("localhost") == 2);
                byte[] latest = c.client().getOption(QuicSocketOptions.SESSION_TICKET);
                List<ClientTicket> kept = store.takeAll("localhost", System.currentTimeMillis());
                assertTrue(kept.stream().anyMatch(t -> Arrays.equals(t.encode(), latest)), "one of the two");
                assertArrayEquals(ClientTicket.decode(latest).ticket(),
                        kept.stream().filter(t -> Arrays.equals(t.encode(), latest)).findFirst().orElseThrow().ticket());
            }
        }
    }
}
