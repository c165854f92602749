package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * Several listeners of one JVM on one address and port, each new connection routed to one by its ClientHello's ALPN
 * (issue 16, "ALPN routing in one JVM"). qsock's client offers X25519MLKEM768 by default, so every ClientHello here
 * spans two Initial packets and is reassembled before it is routed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AlpnRoutingTest {

    private final List<QuicSocket> sockets = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void closeAll() {
        for (QuicSocket s : sockets.reversed()) {
            s.close();
        }
        threads.shutdownNow();
    }

    /** A server configuration without ALPN: each accepted socket serves its listener's ALPN option. */
    private static TlsServerConfig serverTls() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                .build();
    }

    /** A client configuration without ALPN: the socket's ALPN option is offered. */
    private static TlsClientConfig clientTls() {
        return TlsClientConfig.builder().serverName("localhost")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .build();
    }

    private QuicSocket listener(String host, int port, boolean reusePort, String... alpn) throws IOException {
        QuicSocket s = QuicSocket.open();
        sockets.add(s);
        if (alpn.length > 0) {
            s.setOption(QuicSocketOptions.ALPN, List.of(alpn));
        }
        if (reusePort) {
            s.setOption(QuicSocketOptions.REUSE_PORT, true);
        }
        s.bind(new InetSocketAddress(Loopback.address(host), port));
        s.listen(16);
        return s;
    }

    private static int port(QuicSocket s) {
        return ((InetSocketAddress) s.localAddress()).getPort();
    }

    /** A client asking for {@code alpn} (none if empty), its handshake running in the background. */
    private record Client(QuicSocket socket, Future<?> handshake) {
    }

    private Client connect(InetSocketAddress to, String... alpn) throws IOException {
        QuicSocket client = QuicSocket.open();
        sockets.add(client);
        if (alpn.length > 0) {
            client.setOption(QuicSocketOptions.ALPN, List.of(alpn));
        }
        client.connect(to);
        Future<?> handshake = threads.submit(() -> {
            QuicHandshake.clientHandshake(client, clientTls(), Loopback.HANDSHAKE_TIMEOUT);
            return null;
        });
        return new Client(client, handshake);
    }

    /**
     * {@return the index of the listener the next connection was routed to} Waits until one of them has it queued,
     * accepts it there and completes the server's handshake; fails if more than one got a connection.
     */
    private int acceptedBy(List<QuicSocket> listeners, List<QuicSocket> accepted) {
        Waits.until("a listener has a connection queued",
                () -> listeners.stream().anyMatch(l -> l.acceptQueueLength() > 0));
        int index = -1;
        for (int i = 0; i < listeners.size(); i++) {
            if (listeners.get(i).acceptQueueLength() > 0) {
                assertEquals(-1, index, "one connection, one listener");
                index = i;
            }
        }
        try {
            QuicSocket s = listeners.get(index).accept();
            sockets.add(s);
            accepted.add(s);
            QuicHandshake.serverHandshake(s, serverTls(), Loopback.HANDSHAKE_TIMEOUT);
        } catch (IOException e) {
            throw new AssertionError("the server's handshake failed", e);
        }
        return index;
    }

    /** The two ends of the connection {@link #route} made last. */
    private QuicSocket lastClient;
    private QuicSocket lastAccepted;

    /** Connects a client asking for {@code alpn} and {@return the index of the listener that served it} */
    private int route(List<QuicSocket> listeners, InetSocketAddress to, String expectedAlpn, String... alpn)
            throws Exception {
        Client c = connect(to, alpn);
        List<QuicSocket> accepted = new ArrayList<>();
        int index = acceptedBy(listeners, accepted);
        c.handshake().get(20, TimeUnit.SECONDS);
        lastClient = c.socket();
        lastAccepted = accepted.getFirst();
        assertEquals(List.of(expectedAlpn), c.socket().getOption(QuicSocketOptions.ALPN), "the client's ALPN");
        assertEquals(List.of(expectedAlpn), accepted.getFirst().getOption(QuicSocketOptions.ALPN), "the server's");
        return index;
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void threeListenersOnOnePortEachClientLandsOnItsOwn(String host) throws Exception {
        QuicSocket smbd = listener(host, 0, false, "smbd");
        int port = port(smbd);
        QuicSocket h3 = listener(host, port, false, "h3", "h3-29");
        QuicSocket ksmbd = listener(host, port, false, "ksmbd");
        assertEquals(port, port(h3));
        assertEquals(port, port(ksmbd));
        List<QuicSocket> listeners = List.of(smbd, h3, ksmbd);
        InetSocketAddress to = new InetSocketAddress(Loopback.address(host), port);
        assertEquals(1, route(listeners, to, "h3-29", "h3-29"));
        assertEquals(2, route(listeners, to, "ksmbd", "ksmbd"));
        assertEquals(0, route(listeners, to, "smbd", "smbd"));
        assertEquals(1, route(listeners, to, "h3", "x-unknown", "h3"), "an ALPN nobody serves is skipped");
    }

    @Test
    void theClientsOrderDecidesWhenTwoListenersCouldServe() throws Exception {
        QuicSocket smbd = listener("127.0.0.1", 0, false, "smbd");
        int port = port(smbd);
        QuicSocket h3 = listener("127.0.0.1", port, false, "h3", "h3-29");
        List<QuicSocket> listeners = List.of(smbd, h3);
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        assertEquals(1, route(listeners, to, "h3-29", "h3-29", "smbd"));
        assertEquals(0, route(listeners, to, "smbd", "smbd", "h3"));
    }

    @Test
    void aSpecificAddressBeatsTheWildcard() throws Exception {
        // The wildcard socket learns each datagram's destination from IP_PKTINFO, which the NIO runtime cannot read.
        assumeFalse("nio".equals(System.getProperty("qsock.io")), "needs the datagram's destination address");
        QuicSocket wildcard = listener("0.0.0.0", 0, false, "h3");
        int port = port(wildcard);
        QuicSocket specific = listener("127.0.0.2", port, false, "h3");
        List<QuicSocket> listeners = List.of(wildcard, specific);
        assertEquals(1, route(listeners, new InetSocketAddress(Loopback.address("127.0.0.2"), port), "h3", "h3"));
        assertEquals(0, route(listeners, new InetSocketAddress(Loopback.address("127.0.0.1"), port), "h3", "h3"));
    }

    @Test
    void aReusePortGroupSharesNewConnections() throws Exception {
        QuicSocket first = listener("127.0.0.1", 0, true, "h3");
        int port = port(first);
        QuicSocket second = listener("127.0.0.1", port, true, "h3");
        List<QuicSocket> listeners = List.of(first, second);
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        boolean[] served = new boolean[2];
        // Clients from ports picked by the system hash to either member: both serve some (bounded: 2^-39 odds of a
        // miss with 40 clients).
        for (int i = 0; i < 40 && !(served[0] && served[1]); i++) {
            served[route(listeners, to, "h3", "h3")] = true;
        }
        assertTrue(served[0] && served[1], "both members of the group got connections");
    }

    @Test
    void overlappingListsAreRefusedAndDisjointOnesAccepted() throws Exception {
        QuicSocket h3 = listener("127.0.0.1", 0, false, "h3", "h3-29");
        int port = port(h3);
        QuicSocket same = QuicSocket.open();
        sockets.add(same);
        same.setOption(QuicSocketOptions.ALPN, List.of("h3-29", "h3"));
        same.bind(new InetSocketAddress(Loopback.address("127.0.0.1"), port));
        BindException e = assertThrows(BindException.class, () -> same.listen(16));
        assertTrue(e.getMessage().contains("EADDRINUSE"), e.getMessage());
        QuicSocket overlap = QuicSocket.open();
        sockets.add(overlap);
        overlap.setOption(QuicSocketOptions.ALPN, List.of("x", "h3-29"));
        overlap.bind(new InetSocketAddress(Loopback.address("127.0.0.1"), port));
        assertThrows(BindException.class, () -> overlap.listen(16));
        // A plain socket (neither ALPN nor REUSE_PORT before bind) does not share: the port is in use, as ever
        // (EADDRINUSE, as the runtime reports it).
        QuicSocket plain = QuicSocket.open();
        sockets.add(plain);
        assertThrows(IOException.class, () -> plain.bind(new InetSocketAddress(Loopback.address("127.0.0.1"),
                port)));
        QuicSocket ksmbd = listener("127.0.0.1", port, false, "ksmbd");
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        assertEquals(1, route(List.of(h3, ksmbd), to, "ksmbd", "ksmbd"), "the refused sockets took nothing");
        assertEquals(0, route(List.of(h3, ksmbd), to, "h3", "h3"));
    }

    @Test
    void aClientHelloWithoutAlpnGoesToTheListenerWithoutAlpn() throws Exception {
        QuicSocket h3 = listener("127.0.0.1", 0, false, "h3");
        int port = port(h3);
        QuicSocket none = listener("127.0.0.1", port, true);
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        Client c = connect(to);
        Waits.until("a listener has a connection queued", () -> h3.acceptQueueLength() + none.acceptQueueLength() > 0);
        assertEquals(1, none.acceptQueueLength(), "the listener without ALPN has it");
        assertEquals(0, h3.acceptQueueLength(), "the listener with ALPN never gets it");
        QuicSocket accepted = none.accept();
        sockets.add(accepted);
        // QUIC needs an application protocol (RFC 9001 §8.1): the handshake itself fails, but it reached the right one.
        assertThrows(IOException.class, () -> QuicHandshake.serverHandshake(accepted, serverTls(),
                Loopback.HANDSHAKE_TIMEOUT));
        assertThrows(Exception.class, () -> c.handshake().get(20, TimeUnit.SECONDS));
        assertEquals(0, route(List.of(h3, none), to, "h3", "h3"));
    }

    @Test
    void aMalformedClientHelloMakesNoConnection() throws Exception {
        QuicSocket h3 = listener("127.0.0.1", 0, false, "h3");
        int port = port(h3);
        QuicSocket smbd = listener("127.0.0.1", port, false, "smbd");
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        QuicSocket bad = QuicSocket.open();
        sockets.add(bad);
        bad.connect(to);
        // A ClientHello header whose legacy_version is not 0x0303 (RFC 8446 §4.1.2), in a well-protected Initial.
        ByteBuffer hello = ByteBuffer.allocate(64);
        hello.put((byte) 1).put((byte) 0).put((byte) 0).put((byte) 60).putShort((short) 0x0301);
        hello.position(64).flip();
        bad.handshakeChannel().writeHandshake(EncryptionLevel.INITIAL, hello);
        // The good client's Initials reach the server's UDP socket after the bad one's, and are handled in order.
        assertEquals(0, route(List.of(h3, smbd), to, "h3", "h3"));
        assertEquals(0, h3.acceptQueueLength() + smbd.acceptQueueLength(), "the malformed one is queued nowhere");
        assertEquals(0, bad.statistics().packetsReceived(), "and answered with nothing");
    }

    @Test
    void noMatchingListenerClosesWithNoApplicationProtocol() throws Exception {
        QuicSocket h3 = listener("127.0.0.1", 0, false, "h3");
        int port = port(h3);
        QuicSocket smbd = listener("127.0.0.1", port, false, "smbd");
        Client c = connect(new InetSocketAddress(Loopback.address("127.0.0.1"), port), "ksmbd", "hq-interop");
        Exception e = assertThrows(Exception.class, () -> c.handshake().get(20, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getCause()).contains("no_application_protocol"), String.valueOf(e.getCause()));
        assertEquals(0x178, c.socket().closeError().code());
        assertEquals(0, h3.acceptQueueLength() + smbd.acceptQueueLength());
    }

    @Test
    void closingOneListenerLeavesTheOthersAndEveryAcceptedConnection() throws Exception {
        QuicSocket smbd = listener("127.0.0.1", 0, false, "smbd");
        int port = port(smbd);
        QuicSocket h3 = listener("127.0.0.1", port, false, "h3");
        QuicSocket ksmbd = listener("127.0.0.1", port, false, "ksmbd");
        InetSocketAddress to = new InetSocketAddress(Loopback.address("127.0.0.1"), port);
        List<QuicSocket> listeners = List.of(smbd, h3, ksmbd);
        assertEquals(1, route(listeners, to, "h3", "h3"));
        QuicSocket client = lastClient;
        QuicSocket server = lastAccepted;
        smbd.close();
        assertEquals(2, route(listeners, to, "ksmbd", "ksmbd"), "the others still route");
        Client refused = connect(to, "smbd");
        Exception e = assertThrows(Exception.class, () -> refused.handshake().get(20, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getCause()).contains("no_application_protocol"), String.valueOf(e.getCause()));
        h3.close();
        ksmbd.close();
        // No listener is left; the connections accepted keep the shared endpoint, and work.
        byte[] request = "still here".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        client.send(ByteBuffer.wrap(request), -1, qsock.socket.StreamFlags.NEW | qsock.socket.StreamFlags.FIN);
        long[] id = {-1};
        org.junit.jupiter.api.Assertions.assertArrayEquals(request, EchoServer.receiveStream(server, id));
    }

    @Test
    void aSharingSocketHasOneIoThreadAndCannotConnect() throws Exception {
        QuicSocket h3 = listener("127.0.0.1", 0, false, "h3");
        int port = port(h3);
        QuicSocket threaded = QuicSocket.open();
        sockets.add(threaded);
        threaded.setOption(QuicSocketOptions.ALPN, List.of("smbd"));
        threaded.setOption(QuicSocketOptions.IO_THREADS, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> threaded.bind(new InetSocketAddress(Loopback.address("127.0.0.1"), port)));
        assertTrue(e.getMessage().contains("IO_THREADS"), e.getMessage());
        QuicSocket joined = QuicSocket.open();
        sockets.add(joined);
        joined.setOption(QuicSocketOptions.REUSE_PORT, true);
        assertEquals(true, joined.getOption(QuicSocketOptions.REUSE_PORT));
        joined.bind(new InetSocketAddress(Loopback.address("127.0.0.1"), port));
        assertThrows(java.nio.channels.AlreadyBoundException.class,
                () -> joined.setOption(QuicSocketOptions.REUSE_PORT, false));
        assertThrows(IllegalStateException.class, () -> joined.connect(new InetSocketAddress(
                Loopback.address("127.0.0.1"), port(h3))), "a socket sharing a listener's port does not connect");
    }

    @Test
    void aPortHeldByASocketThatDoesNotShareStaysInUse() throws Exception {
        // A listener without ALPN or REUSE_PORT, and a client's socket: neither shares its port.
        QuicSocket plain = listener("127.0.0.1", 0, false);
        QuicSocket client = QuicSocket.open();
        sockets.add(client);
        client.connect(new InetSocketAddress(Loopback.address("127.0.0.1"), port(plain)));
        for (int port : new int[] {port(plain), ((InetSocketAddress) client.localAddress()).getPort()}) {
            QuicSocket routed = QuicSocket.open();
            sockets.add(routed);
            routed.setOption(QuicSocketOptions.ALPN, List.of("h3"));
            routed.setOption(QuicSocketOptions.REUSE_PORT, true);
            assertThrows(IOException.class,
                    () -> routed.bind(new InetSocketAddress(Loopback.address("127.0.0.1"), port)), "port " + port);
        }
    }
}
