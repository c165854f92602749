package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.api.FleetKeys;
import qsock.api.QuicVersion;
import qsock.api.TokenStore;
import qsock.core.error.ConnectionError;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.TicketSealer;

/**
 * Two servers of a fleet, two listeners of this JVM that loaded one fleet key file ({@link FleetKeys},
 * {@link QuicSocketOptions#FLEET_KEYS}, {@link TicketSealer#fromFleetKeys}), both validating every client's address
 * with Retry: what one gives a client works at the other. A NEW_TOKEN token of server 1 skips server 2's Retry
 * (RFC 9000 §8.1.3), a Retry token of 1 is accepted by 2 (§8.1.2), a session ticket of 1 resumes at 2 (RFC 8446
 * §4.6.1), a stateless reset sent by 2 for a connection of 1 closes it (RFC 9000 §10.3); after a rotation old tokens
 * still open, and once their key left the file they do not. A {@link UdpRelay} stands for the load balancer in
 * front, so that both servers see one client address.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FleetKeysSocketTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String RESET = "5a".repeat(32);
    private static final String TICKET = "ticket-key 0000000a " + "7e".repeat(32);

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        threads.shutdownNow();
    }

    /** A server of the fleet: its listener with the fleet keys and Retry for every client, its own ticket sealer. */
    private final class Server {
        final QuicSocket listener;
        final InetSocketAddress address;
        final TlsServerConfig tls;

        Server(FleetKeys keys, int ioThreads) throws Exception {
            listener = QuicSocket.open(ConnectionConfig.defaults());
            closing.add(listener);
            listener.setOption(QuicSocketOptions.FLEET_KEYS, keys);
            listener.setOption(QuicSocketOptions.IO_THREADS, ioThreads);
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, true);
            listener.listen(16);
            address = (InetSocketAddress) listener.localAddress();
            // Another process would build its own sealer from the file: so does each server here.
            TicketSealer sealer = TicketSealer.fromFleetKeys(keys, new SecureRandom());
            tls = TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                    .applicationProtocols("echo").tickets(ServerTickets.defaults().withSealer(sealer)).build();
        }

        /** {@return the next connection accepted, its handshake done, with the server's engine} */
        Future<Object[]> acceptOne() {
            return threads.submit(() -> {
                QuicSocket s = listener.accept();
                closing.add(s);
                return new Object[] {s, QuicHandshake.serverHandshake(s, tls, Loopback.HANDSHAKE_TIMEOUT)};
            });
        }
    }

    /** Keeps every NEW_TOKEN token given, and hands out the latest. */
    private static final class RecordingStore implements TokenStore {
        final List<byte[]> given = new CopyOnWriteArrayList<>();

        @Override
        public void put(InetSocketAddress server, QuicVersion version, byte[] token) {
            given.add(token.clone());
        }

        @Override
        public byte[] take(InetSocketAddress server, QuicVersion version) {
            return given.isEmpty() ? null : given.getLast().clone();
        }
    }

    private FleetKeys write(String... lines) throws Exception {
        Path file = dir.resolve("fleet.keys");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return FleetKeys.load(file);
    }

    private static String tokenKey(int b) {
        return "token-key " + HEX.toHexDigits((byte) b).repeat(32);
    }

    private static TlsClientConfig clientTls(InMemoryTicketStore tickets) {
        TlsClientConfig.Builder b = TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))));
        if (tickets != null) {
            b.tickets(ClientTickets.defaults().withStore(tickets));
        }
        return b.build();
    }

    /**
     * Connects a client to {@code to} (a server or the relay) with {@code token} in its first Initial (or none) and
     * {@code store} for NEW_TOKEN tokens, the handshake done with {@code server}. {@return the client}
     */
    private QuicSocket connect(InetSocketAddress to, Server server, byte[] token, TokenStore store,
                               TlsClientConfig tls) throws Exception {
        Future<Object[]> accepted = server.acceptOne();
        QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
        closing.add(client);
        if (store != null) {
            client.setOption(QuicSocketOptions.TOKEN_STORE, store);
        }
        if (token != null) {
            client.setOption(QuicSocketOptions.TOKEN, token);
        }
        client.connect(to);
        QuicHandshake.clientHandshake(client, tls, Loopback.HANDSHAKE_TIMEOUT);
        accepted.get(20, TimeUnit.SECONDS);
        return client;
    }

    private UdpRelay relay(InetSocketAddress target) throws Exception {
        UdpRelay relay = new UdpRelay(target);
        closing.add(relay);
        return relay;
    }

    @Test
    void aNewTokenOfServerOneSkipsTheRetryOfServerTwo() throws Exception {
        FleetKeys keys = write(tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        Server one = new Server(keys, 1);
        Server two = new Server(keys, 2);
        UdpRelay relay = relay(one.address);
        RecordingStore store = new RecordingStore();
        QuicSocket first = connect(relay.address(), one, null, store, clientTls(null));
        assertEquals(1, first.statistics().retries(), "server one validated the address with a Retry");
        Waits.until("server one's NEW_TOKEN token kept", () -> !store.given.isEmpty());
        first.close();

        relay.target(two.address);
        QuicSocket second = connect(relay.address(), two, null, store, clientTls(null));
        assertEquals(0, second.statistics().retries(), "server two opened server one's token: no Retry");
    }

    @Test
    void aRetryTokenOfServerOneIsAcceptedByServerTwo() throws Exception {
        FleetKeys keys = write(tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        Server one = new Server(keys, 2);
        Server two = new Server(keys, 1);
        UdpRelay relay = relay(one.address);
        // Server one answers the first Initial with a Retry; the client's Initial with the token goes to two.
        relay.targetAfterFirstAnswer(two.address);
        QuicSocket client = connect(relay.address(), two, null, null, clientTls(null));
        assertEquals(1, client.statistics().retries(), "the client followed server one's Retry");
        assertNull(client.closeError(), "server two accepted the Retry token and completed the handshake");
        one.listener.configureBlocking(false);
        assertNull(one.listener.accept(), "server one kept no connection");
    }

    @Test
    void aSessionTicketOfServerOneResumesAtServerTwo() throws Exception {
        FleetKeys keys = write(tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        Server one = new Server(keys, 1);
        Server two = new Server(keys, 1);
        InMemoryTicketStore tickets = new InMemoryTicketStore();
        TlsClientConfig tls = clientTls(tickets);
        connect(one.address, one, null, null, tls);
        Waits.until("server one's session ticket kept", () -> tickets.size("localhost") > 0);

        Future<Object[]> accepted = two.acceptOne();
        try (QuicSocket client = QuicSocket.open(ConnectionConfig.defaults())) {
            client.connect(two.address);
            TlsEngine engine = QuicHandshake.clientHandshake(client, tls, Loopback.HANDSHAKE_TIMEOUT);
            TlsEngine serverEngine = (TlsEngine) accepted.get(20, TimeUnit.SECONDS)[1];
            assertTrue(engine.resumed(), "the client resumed at server two with server one's ticket");
            assertTrue(serverEngine.resumed(), "server two opened server one's ticket");
        }
    }

    @Test
    void aStatelessResetOfServerTwoClosesAConnectionOfServerOne() throws Exception {
        FleetKeys keys = write(tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        Server one = new Server(keys, 1);
        Server two = new Server(keys, 2);
        UdpRelay relay = relay(one.address);
        Future<Object[]> accepted = one.acceptOne();
        QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
        closing.add(client);
        client.connect(relay.address());
        QuicHandshake.clientHandshake(client, clientTls(null), Loopback.HANDSHAKE_TIMEOUT);
        Waits.untilConfirmed(client, (QuicSocket) accepted.get(20, TimeUnit.SECONDS)[0]);

        // The load balancer now sends the connection to server two, which does not know it (RFC 9000 §10.3).
        relay.target(two.address);
        client.send(ByteBuffer.wrap(new byte[200]), -1, StreamFlags.NEW | StreamFlags.FIN);
        Waits.until("the client took server two's stateless reset", () -> client.closeError() != null);
        assertEquals(ConnectionError.Kind.STATELESS_RESET, client.closeError().kind(), client.closeError()::toString);
    }

    @Test
    void afterARotationOldTokensStillOpenAndOnceTheirKeyIsDroppedTheyDoNot() throws Exception {
        Path file = dir.resolve("fleet.keys");
        FleetKeys v1 = write(tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        Server one = new Server(v1, 1);
        Server two = new Server(v1, 2);
        UdpRelay relay = relay(one.address);
        RecordingStore store = new RecordingStore();
        // The NEW_TOKEN frame follows the handshake: the connection stays open until it arrived.
        QuicSocket first = connect(relay.address(), one, null, store, clientTls(null));
        Waits.until("a token under key 1", () -> store.given.size() == 1);
        first.close();
        byte[] underKey1 = store.given.getFirst();

        // Rotation: key 2 seals from now on, key 1 still opens.
        write(tokenKey(2), tokenKey(1), TICKET, "stateless-reset-key " + RESET);
        one.listener.setOption(QuicSocketOptions.FLEET_KEYS, FleetKeys.load(file));
        two.listener.setOption(QuicSocketOptions.FLEET_KEYS, FleetKeys.load(file));
        relay.target(two.address);
        QuicSocket c = connect(relay.address(), two, underKey1, store, clientTls(null));
        assertEquals(0, c.statistics().retries(), "a token of key 1 still opens after the rotation");
        Waits.until("a token under key 2", () -> store.given.size() == 2);
        byte[] underKey2 = store.given.getLast();
        c.close();

        // Key 1 leaves the file.
        write(tokenKey(2), TICKET, "stateless-reset-key " + RESET);
        two.listener.setOption(QuicSocketOptions.FLEET_KEYS, FleetKeys.load(file));
        QuicSocket old = connect(relay.address(), two, underKey1, null, clientTls(null));
        assertEquals(1, old.statistics().retries(), "a token of a dropped key no longer opens: Retry again");
        QuicSocket fresh = connect(relay.address(), two, underKey2, null, clientTls(null));
        assertEquals(0, fresh.statistics().retries(), "the new first key sealed the token given after the rotation");
    }
}
