package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;

/** The endpoint's routing of new connections among listeners sharing its port, by the ClientHello's ALPN. */
class AlpnRoutingEndpointTest {

    private static final long NOW = 1_000_000_000L;
    private static final InetSocketAddress SERVER = address(2);

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last}), 4433);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final InetAddress ANY = address(0).getAddress().isAnyLocalAddress() ? address(0).getAddress()
            : wildcard();

    private static InetAddress wildcard() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final QuicEndpoint server = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), new byte[32]),
            new SplittableRandom(1));
    private final List<QuicEndpoint> clients = new ArrayList<>();

    /** {@return the datagrams of a client's first flight: its Initials carrying {@code hello}} */
    private List<ByteBuffer> clientFlight(long seed, byte[] hello) {
        QuicEndpoint client = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(seed));
        clients.add(client);
        QuicConnection c = client.connect(SERVER, NOW);
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(hello), NOW);
        List<ByteBuffer> flight = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ByteBuffer out = ByteBuffer.allocate(1500);
            if (client.pollDatagram(out, NOW) == null) {
                break;
            }
            flight.add(out.flip());
        }
        return flight;
    }

    private AlpnListener listen(String... protocols) throws BindException {
        AlpnListener l = new AlpnListener(ANY, List.of(protocols), false);
        server.addListener(l, 8);
        return l;
    }

    @Test
    void aTwoPacketClientHelloIsRoutedOnceWholeToTheListenerOfItsFirstKnownAlpn() throws Exception {
        AlpnListener smbd = listen("smbd");
        AlpnListener h3 = listen("h3", "h3-29");
        AlpnListener ksmbd = listen("ksmbd");
        List<ByteBuffer> flight = clientFlight(2, ClientHellos.clientHello(List.of("x", "h3-29", "smbd"), 1500));
        assertEquals(2, flight.size(), "the ClientHello spans two Initials");
        server.handleDatagram(address(10), flight.get(0), NOW);
        assertEquals(0, server.acceptQueueLength(), "half a ClientHello routes nowhere yet");
        server.handleDatagram(address(10), flight.get(1), NOW);
        assertNull(server.accept(smbd));
        assertNull(server.accept(ksmbd));
        QuicConnection c = server.accept(h3);
        assertNotNull(c);
        // The handshake still reads the whole ClientHello: routing looked without consuming.
        ByteBuffer read = ByteBuffer.allocate(4096);
        assertEquals(EncryptionLevel.INITIAL, c.readHandshake(read));
        assertTrue(read.position() > 1500);
    }

    @Test
    void aLoneListenerTakesEveryConnectionAtItsFirstInitialAsBefore() throws Exception {
        AlpnListener h3 = listen("h3");
        List<ByteBuffer> flight = clientFlight(3, ClientHellos.clientHello(List.of("smbd"), 1500));
        server.handleDatagram(address(10), flight.get(0), NOW);
        assertNotNull(server.accept(h3), "no routing with one listener: accept returns at the first Initial");
    }

    @Test
    void aClientHelloWithoutAlpnGoesOnlyToTheListenerWithoutAlpn() throws Exception {
        AlpnListener h3 = listen("h3");
        AlpnListener none = listen();
        for (ByteBuffer d : clientFlight(4, ClientHellos.clientHello(null, 0))) {
            server.handleDatagram(address(10), d, NOW);
        }
        assertNull(server.accept(h3));
        assertNotNull(server.accept(none));
        for (ByteBuffer d : clientFlight(5, ClientHellos.clientHello(List.of("h3"), 0))) {
            server.handleDatagram(address(11), d, NOW);
        }
        assertNull(server.accept(none), "a listener without ALPN never gets a ClientHello with ALPN");
        assertNotNull(server.accept(h3));
    }

    @Test
    void aMalformedClientHelloIsDroppedWithoutAWord() throws Exception {
        AlpnListener h3 = listen("h3");
        AlpnListener smbd = listen("smbd");
        byte[] hello = ClientHellos.clientHello(List.of("h3"), 0);
        hello[4] = 3;
        hello[5] = 1; // legacy_version 0x0301
        for (ByteBuffer d : clientFlight(6, hello)) {
            server.handleDatagram(address(10), d, NOW);
        }
        assertNull(server.accept(h3));
        assertNull(server.accept(smbd));
        assertEquals(1, server.clientHellosMalformed());
        assertEquals(0, server.connectionCount());
        assertNull(server.pollDatagram(ByteBuffer.allocate(1500), NOW), "nothing is sent back");
    }

    @Test
    void noMatchIsAnsweredWithCryptoErrorNoApplicationProtocol() throws Exception {
        AlpnListener h3 = listen("h3");
        listen("smbd");
        QuicEndpoint client = new QuicEndpoint(EndpointConfig.defaults(), new SplittableRandom(7));
        QuicConnection c = client.connect(SERVER, NOW);
        c.writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(ClientHellos.clientHello(List.of("ksmbd"), 0)), NOW);
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(SERVER, client.pollDatagram(out, NOW));
        server.handleDatagram(address(10), out.flip(), NOW);
        assertNull(server.accept(h3));
        assertEquals(1, server.noApplicationProtocol());
        ByteBuffer answer = ByteBuffer.allocate(1500);
        InetSocketAddress to = server.pollDatagram(answer, NOW);
        assertEquals(address(10), to);
        client.handleDatagram(SERVER, answer.flip(), NOW);
        assertTrue(c.state().isClosingOrClosed(), c.state().toString());
        assertEquals(0x178, c.closeError().code());
        assertTrue(c.closeError().byPeer());
    }

    @Test
    void aReusePortGroupSharesByTheClientsAddressAndOverlapsAreRefused() throws Exception {
        AlpnListener a = new AlpnListener(ANY, List.of("h3"), true);
        AlpnListener b = new AlpnListener(ANY, List.of("h3"), true);
        server.addListener(a, 8);
        server.addListener(b, 8);
        assertThrows(BindException.class, () -> server.addListener(new AlpnListener(ANY, List.of("h3"), false), 8));
        assertThrows(BindException.class,
                () -> server.addListener(new AlpnListener(ANY, List.of("x", "h3"), true), 8));
        int[] served = new int[2];
        for (int i = 0; i < 40; i++) {
            for (ByteBuffer d : clientFlight(100 + i, ClientHellos.clientHello(List.of("h3"), 0))) {
                server.handleDatagram(new InetSocketAddress(address(10).getAddress(), 5000 + i), d, NOW);
            }
            if (server.accept(a) != null) {
                served[0]++;
            } else {
                assertNotNull(server.accept(b));
                served[1]++;
            }
        }
        assertTrue(served[0] > 0 && served[1] > 0, served[0] + " and " + served[1]);
    }

    @Test
    void removingAListenerLeavesTheOthersTheirConnections() throws Exception {
        AlpnListener h3 = listen("h3");
        AlpnListener smbd = listen("smbd");
        for (ByteBuffer d : clientFlight(8, ClientHellos.clientHello(List.of("h3"), 0))) {
            server.handleDatagram(address(10), d, NOW);
        }
        for (ByteBuffer d : clientFlight(9, ClientHellos.clientHello(List.of("smbd"), 0))) {
            server.handleDatagram(address(11), d, NOW);
        }
        server.removeListener(smbd);
        assertEquals(0, server.acceptQueueLength(smbd));
        QuicConnection c = server.accept(h3);
        assertNotNull(c);
        assertSame(ConnectionState.HANDSHAKING, c.state());
    }
}
