package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.router.RouterDaemon;
import qsock.core.router.RouterStatistics;
import qsock.socket.ConnectionCloseInfo;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * Listeners behind routerd (issue 16, "Across processes"): the daemon owns the public port, routes each new
 * connection by its ClientHello's ALPN to a registered listener, and after the first datagrams the listener's own
 * socket, connected to the client, takes the client's datagrams straight from the kernel. The listeners here live in
 * the test's JVM but reach the daemon only through its control socket, as another process would.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RouterdTest {

    @TempDir
    Path dir;

    private RouterDaemon daemon;
    private final List<QuicSocket> sockets = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void startDaemon() throws IOException {
        daemon = RouterDaemon.start(new InetSocketAddress("127.0.0.1", 0), dir.resolve("routerd.sock"));
    }

    @AfterEach
    void stop() {
        for (QuicSocket s : sockets.reversed()) {
            s.close();
        }
        threads.shutdownNow();
        daemon.close();
    }

    /** A server configuration without ALPN: each accepted socket serves its listener's ALPN option. */
    static TlsServerConfig serverTls() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI), TestPki.leafKey(Loopback.PKI)))
                .build();
    }

    /** A client configuration without ALPN: the socket's ALPN option is offered. */
    static TlsClientConfig clientTls() {
        return TlsClientConfig.builder().serverName("localhost")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(Loopback.PKI))))
                .build();
    }

    private QuicSocket listener(boolean reusePort, String... alpn) throws IOException {
        QuicSocket s = QuicSocket.open();
        sockets.add(s);
        s.setOption(QuicSocketOptions.ROUTER, daemon.controlPath());
        s.setOption(QuicSocketOptions.ALPN, List.of(alpn));
        if (reusePort) {
            s.setOption(QuicSocketOptions.REUSE_PORT, true);
        }
        // The wildcard and port 0: the daemon's address is the one (its own works too, another is refused).
        s.bind(new InetSocketAddress(0));
        s.listen(16);
        return s;
    }

    /** The two ends of one connection made through the daemon, and which listener took it. */
    private record Connection(QuicSocket client, QuicSocket server, int listener) {
    }

    private Connection connect(List<QuicSocket> listeners, String... alpn) throws Exception {
        QuicSocket client = QuicSocket.open();
        sockets.add(client);
        client.setOption(QuicSocketOptions.ALPN, List.of(alpn));
        client.connect(daemon.publicAddress());
        Future<?> handshake = threads.submit(() -> {
            QuicHandshake.clientHandshake(client, clientTls(), Loopback.HANDSHAKE_TIMEOUT);
            return null;
        });
        Waits.until("a listener has the connection queued",
                () -> listeners.stream().anyMatch(l -> l.acceptQueueLength() > 0),
                () -> daemon.statistics().toString());
        int index = -1;
        for (int i = 0; i < listeners.size(); i++) {
            if (listeners.get(i).acceptQueueLength() > 0) {
                assertEquals(-1, index, "one connection, one listener");
                index = i;
            }
        }
        QuicSocket server = listeners.get(index).accept();
        sockets.add(server);
        QuicHandshake.serverHandshake(server, serverTls(), Loopback.HANDSHAKE_TIMEOUT);
        handshake.get(20, TimeUnit.SECONDS);
        return new Connection(client, server, index);
    }

    @Test
    void eachNewConnectionGoesToTheListenerOfItsAlpnOverIpv6() throws Exception {
        daemon.close();
        daemon = RouterDaemon.start(new InetSocketAddress("::1", 0), dir.resolve("routerd6.sock"));
        eachNewConnectionGoesToTheListenerOfItsAlpn();
    }

    @Test
    void aBindToAnotherAddressThanTheDaemonsIsRefused() throws IOException {
        QuicSocket s = QuicSocket.open();
        sockets.add(s);
        s.setOption(QuicSocketOptions.ROUTER, daemon.controlPath());
        s.setOption(QuicSocketOptions.ALPN, List.of("h3"));
        assertThrows(BindException.class, () -> s.bind(new InetSocketAddress("127.0.0.2", 0)));
        assertThrows(BindException.class, () -> s.bind(new InetSocketAddress("127.0.0.1",
                daemon.publicAddress().getPort() == 65535 ? 1 : daemon.publicAddress().getPort() + 1)));
        s.bind(daemon.publicAddress());
        assertEquals(daemon.publicAddress(), s.localAddress());
        assertEquals(1, daemon.statistics().listeners());
    }

    @Test
    void eachNewConnectionGoesToTheListenerOfItsAlpn() throws Exception {
        QuicSocket smbd = listener(false, "smbd");
        QuicSocket h3 = listener(false, "h3", "h3-29");
        QuicSocket ksmbd = listener(false, "ksmbd");
        for (QuicSocket l : List.of(smbd, h3, ksmbd)) {
            assertEquals(daemon.publicAddress(), l.localAddress(), "a listener reads the daemon's address");
        }
        List<QuicSocket> listeners = List.of(smbd, h3, ksmbd);
        assertEquals(1, connect(listeners, "h3-29").listener());
        assertEquals(2, connect(listeners, "ksmbd").listener());
        assertEquals(0, connect(listeners, "x-unknown", "smbd").listener());
        Connection c = connect(listeners, "h3");
        assertEquals(1, c.listener());
        assertEquals(List.of("h3"), c.server().getOption(QuicSocketOptions.ALPN));
        assertArrayEquals(echo(c, 100_000, 1), digestOf(100_000, 1), "data flows both ways");
        assertEquals(4, daemon.statistics().newConnections());
    }

    @Test
    void afterItsFirstDatagramsAConnectionBypassesTheDaemon() throws Exception {
        QuicSocket h3 = listener(false, "h3");
        Connection c = connect(List.of(h3), "h3");
        long before = daemon.statistics().datagramsForwarded();
        int n = 8 << 20;
        // 8 MiB up and back: some 14,000 datagrams from the client alone.
        assertArrayEquals(digestOf(n, 2), echo(c, n, 2));
        RouterStatistics after = daemon.statistics();
        assertTrue(after.datagramsForwarded() - before < 50, "the daemon forwarded "
                + (after.datagramsForwarded() - before) + " datagrams of the transfer: " + after);
        assertTrue(after.datagramsReceived() < 100, "the daemon received " + after.datagramsReceived() + ": " + after);
    }

    @Test
    void aClientThatMovesIsRoutedByTheServerIdInItsConnectionId() throws Exception {
        QuicSocket smbd = listener(false, "smbd");
        QuicSocket h3 = listener(false, "h3");
        Connection c = connect(List.of(smbd, h3), "h3");
        assertEquals(1, c.listener());
        assertArrayEquals(digestOf(10_000, 3), echo(c, 10_000, 3));
        InetSocketAddress before = (InetSocketAddress) c.client().localAddress();
        long forwardedBefore = daemon.statistics().datagramsForwarded();
        c.client().setOption(QuicSocketOptions.CONNECTION_MIGRATION, new InetSocketAddress("127.0.0.1", 0));
        // The client's new address has no socket connected to it: its datagrams reach the daemon, which finds the
        // listener from the QUIC-LB server ID in their Destination Connection ID.
        assertArrayEquals(digestOf(200_000, 4), echo(c, 200_000, 4));
        Waits.until("the server follows the client's move",
                () -> !before.equals(c.server().remoteAddress()));
        assertEquals(c.client().localAddress(), c.server().remoteAddress());
        assertTrue(daemon.statistics().datagramsForwarded() > forwardedBefore,
                "the moved client's first datagrams went through the daemon");
        long forwardedAfterMove = daemon.statistics().datagramsForwarded();
        assertArrayEquals(digestOf(2 << 20, 5), echo(c, 2 << 20, 5));
        assertTrue(daemon.statistics().datagramsForwarded() - forwardedAfterMove < 50,
                "after the move the listener's new connected socket takes the client's datagrams");
    }

    @Test
    void aClientHelloNoListenerServesIsClosedWithNoApplicationProtocol() throws Exception {
        listener(false, "h3");
        QuicSocket client = QuicSocket.open();
        sockets.add(client);
        client.setOption(QuicSocketOptions.ALPN, List.of("smbd"));
        client.connect(daemon.publicAddress());
        ExecutionException e = assertThrows(ExecutionException.class, () -> threads.submit(() -> {
            QuicHandshake.clientHandshake(client, clientTls(), Loopback.HANDSHAKE_TIMEOUT);
            return null;
        }).get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IOException, "the handshake failed: " + e.getCause());
        ConnectionCloseInfo close = client.getOption(QuicSocketOptions.CONNECTION_CLOSE);
        assertEquals(0x178, close.errorCode(), "CRYPTO_ERROR no_application_protocol: " + close);
        assertEquals(1, daemon.statistics().noApplicationProtocol());
    }

    @Test
    void anOverlappingAlpnListIsRefusedAndAReusePortGroupShares() throws Exception {
        listener(false, "h3", "h3-29");
        QuicSocket overlapping = QuicSocket.open();
        sockets.add(overlapping);
        overlapping.setOption(QuicSocketOptions.ROUTER, daemon.controlPath());
        overlapping.setOption(QuicSocketOptions.ALPN, List.of("h3-29"));
        assertThrows(BindException.class, () -> overlapping.bind(new InetSocketAddress("127.0.0.1", 0)));

        QuicSocket first = listener(true, "smbd");
        QuicSocket second = listener(true, "smbd");
        boolean[] served = new boolean[2];
        for (int i = 0; i < 40 && !(served[0] && served[1]); i++) {
            Connection c = connect(List.of(first, second), "smbd");
            served[c.listener()] = true;
            c.client().close();
        }
        assertTrue(served[0] && served[1], "both members of the group got connections");
    }

    @Test
    void noDaemonRunningFailsTheBindWithConnectException() throws IOException {
        QuicSocket s = QuicSocket.open();
        sockets.add(s);
        s.setOption(QuicSocketOptions.ROUTER, dir.resolve("nobody.sock"));
        s.setOption(QuicSocketOptions.ALPN, List.of("h3"));
        assertThrows(ConnectException.class, () -> s.bind(new InetSocketAddress("127.0.0.1", 0)));
    }

    @Test
    void aListenerThatGoesLosesOnlyItsOwnConnectionsAndGarbageHarmsNothing() throws Exception {
        QuicSocket smbd = listener(false, "smbd");
        QuicSocket h3 = listener(false, "h3");
        Connection kept = connect(List.of(smbd, h3), "h3");
        Connection lost = connect(List.of(smbd, h3), "smbd");
        lost.server().close();
        smbd.close();
        Waits.until("the daemon forgot the listener that went", () -> daemon.statistics().listeners() == 1);

        // Garbage on the public port and on the control socket.
        try (DatagramChannel udp = DatagramChannel.open()) {
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[1 + random.nextInt(1400)];
                random.nextBytes(junk);
                if (i % 2 == 0) {
                    junk[0] = (byte) (0xC0 | junk[0]); // a long header, Initial-looking
                }
                udp.send(ByteBuffer.wrap(junk), daemon.publicAddress());
            }
        }
        try (SocketChannel control = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            control.connect(UnixDomainSocketAddress.of(daemon.controlPath()));
            // A HELLO whose ALPN list runs past its frame: the daemon hangs up on it.
            control.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 9, 1, 1, 0, 9, 9, 9, 9, 9, 9}));
            assertHungUp(control);
        }
        try (SocketChannel control = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            control.connect(UnixDomainSocketAddress.of(daemon.controlPath()));
            // A frame length beyond any frame.
            control.write(ByteBuffer.wrap(new byte[] {(byte) 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1}));
            assertHungUp(control);
        }
        assertArrayEquals(digestOf(50_000, 6), echo(kept, 50_000, 6), "the other listener's connection goes on");
        Connection again = connect(List.of(h3), "h3");
        assertArrayEquals(digestOf(50_000, 7), echo(again, 50_000, 7), "and new ones are routed");
        QuicSocket restarted = listener(false, "smbd");
        assertEquals(0, connect(List.of(restarted), "smbd").listener(), "a restarted listener registers again");
        assertNotEquals(0, daemon.statistics().malformed() + daemon.statistics().unroutable());
    }

    /** Asserts that the daemon closed {@code control}: an end of stream, or a reset where data was left unread. */
    private static void assertHungUp(SocketChannel control) {
        try {
            assertEquals(-1, control.read(ByteBuffer.allocate(64)), "the daemon closed the broken control connection");
        } catch (IOException reset) {
            // ECONNRESET: closed with bytes of ours unread, as closed as can be.
        }
    }

    /** The client sends {@code n} seeded bytes on a new stream; the server echoes them; {@return their digest} */
    private byte[] echo(Connection c, int n, long seed) throws Exception {
        Future<?> server = threads.submit(() -> {
            byte[] got = receiveAll(c.server());
            c.server().send(ByteBuffer.wrap(got), -1, StreamFlags.NEW | StreamFlags.FIN);
            return null;
        });
        byte[] data = bytes(n, seed);
        c.client().send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
        byte[] back = receiveAll(c.client());
        server.get(30, TimeUnit.SECONDS);
        return digest(back);
    }

    private static byte[] receiveAll(QuicSocket socket) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            out.write(buf.array(), 0, buf.position());
            if (m.fin()) {
                return out.toByteArray();
            }
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] data = new byte[n];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    private static byte[] digestOf(int n, long seed) throws Exception {
        return digest(bytes(n, seed));
    }

    private static byte[] digest(byte[] data) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    }
}
