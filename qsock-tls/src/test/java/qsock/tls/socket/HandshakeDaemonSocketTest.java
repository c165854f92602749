package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import qsock.api.ConnectionConfig;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;
import qsock.socket.HandshakeService;
import qsock.socket.QuicMessage;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.TlsHandshakeService;
import qsock.tls.remote.HandshakeDaemon;

/**
 * The handshake service out of process: {@link HandshakeDaemon} on a Unix domain socket in a temporary directory,
 * both ends of each connection handshaking through it with {@link HandshakeService#remote(Path)}, as applications
 * whose processes hold no key would.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HandshakeDaemonSocketTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private HandshakeDaemon daemon;
    private HandshakeService service;

    @BeforeEach
    void startDaemon() throws IOException {
        daemon = HandshakeDaemon.start(HandshakeServiceFiles.write(dir, "", ""), dir.resolve("hsd.sock"));
        service = HandshakeService.remote(daemon.socketPath());
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    @Test
    void x509HandshakeThroughTheDaemonCarriesData() throws Exception {
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.anyPeer()));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                assertEquals(client, service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT));
                assertEquals("echo", client.getOption(QuicSocketOptions.ALPN).getFirst());
                assertEquals("through the daemon", ask(client, "through the daemon"));
            }
            server.get().close();
        }
        assertEquals(2, daemon.established());
    }

    @Test
    void ipv6X509HandshakeWithClientCertificateNamingThePeer() throws Exception {
        try (Loopback loop = Loopback.listen("::1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.x509("localhost")));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                assertEquals("mutual", ask(client, "mutual"));
            }
            server.get().close();
        }
    }

    @Test
    void pskHandshakeThroughTheDaemon() throws Exception {
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                    HandshakeRequest.psk(HandshakeServiceFiles.PSK_IDENTITY)));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.psk(HandshakeServiceFiles.PSK_IDENTITY), TIMEOUT);
                assertEquals("psk", ask(client, "psk"));
            }
            server.get().close();
        }
    }

    @Test
    void remoteClientAndInProcessServerInteroperate() throws Exception {
        HandshakeService local = new TlsHandshakeService(dir.resolve("handshake.conf"));
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> echoOnce(local, loop.listener.accept(),
                    HandshakeRequest.anyPeer()));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                assertEquals("mixed", ask(client, "mixed"));
            }
            server.get().close();
        }
    }

    @Test
    void sessionTicketWaitKeepsTheTicketInTheDaemonAndTheNextConnectionResumes() throws Exception {
        daemon.close();
        daemon = HandshakeDaemon.start(HandshakeServiceFiles.write(dir, "session_ticket_wait = 20000", ""),
                dir.resolve("hsd.sock"));
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            for (int i = 0; i < 2; i++) {
                Future<QuicSocket> server = loop.background(() -> echoOnce(service, loop.listener.accept(),
                        HandshakeRequest.anyPeer()));
                try (QuicSocket client = QuicSocket.open()) {
                    client.connect(loop.address);
                    // A 20 s ticket wait inside a 10 s request: the ticket comes at once, else the wait would end
                    // with the request, before its deadline, and the handshake would still succeed.
                    service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                    assertEquals("ticket " + i, ask(client, "ticket " + i));
                }
                server.get().close();
            }
        }
        assertEquals(4, daemon.established());
        // The first connection's ticket reached the daemon's store before clientHandshake returned: the second
        // connection resumed with it, on both sides.
        assertEquals(2, daemon.resumedSessions());
    }

    @Test
    void clientCertificatePolicyFailureComesBackTyped() throws Exception {
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> service.serverHandshake(loop.listener.accept(),
                    HandshakeRequest.x509("smb.example"), TIMEOUT));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                service.clientHandshake(client, HandshakeRequest.x509("localhost"), TIMEOUT);
                ExecutionException e = assertThrows(ExecutionException.class, server::get);
                HandshakeFailedException failure = assertInstanceOf(HandshakeFailedException.class, e.getCause());
                assertEquals(HandshakeFailure.AUTHENTICATION_FAILED, failure.reason());
                assertTrue(failure.getMessage().contains("does not name smb.example"), failure.getMessage());
            }
        }
    }

    @Test
    void clientRefusingTheServersNameIsAuthenticationFailedAndServerSeesPeerRejected() throws Exception {
        try (Loopback loop = Loopback.listen("127.0.0.1")) {
            Future<QuicSocket> server = loop.background(() -> service.serverHandshake(loop.listener.accept(),
                    HandshakeRequest.anyPeer(), TIMEOUT));
            try (QuicSocket client = QuicSocket.open()) {
                client.connect(loop.address);
                HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                        () -> service.clientHandshake(client, HandshakeRequest.x509("nfs.example"), TIMEOUT));
                assertEquals(HandshakeFailure.AUTHENTICATION_FAILED, e.reason());
                assertTrue(client.state().isClosingOrClosed(), client.state().toString());
            }
            ExecutionException e = assertThrows(ExecutionException.class, server::get);
            assertEquals(HandshakeFailure.PEER_REJECTED,
                    assertInstanceOf(HandshakeFailedException.class, e.getCause()).reason());
        }
    }

    @Test
    void unknownPskIdentityIsLocalConfiguration() throws Exception {
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.psk("nobody"), TIMEOUT));
            assertEquals(HandshakeFailure.LOCAL_CONFIGURATION, e.reason());
            assertTrue(client.state().isClosingOrClosed(), client.state().toString());
        }
    }

    @Test
    void silentServerGivesTimeout() throws Exception {
        // A UDP socket that never answers: the client's Initials go nowhere; the daemon waits for input in vain.
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             QuicSocket client = QuicSocket.open()) {
            client.connect(silent.getLocalSocketAddress());
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"),
                            Duration.ofMillis(300)));
            assertEquals(HandshakeFailure.TIMEOUT, e.reason());
            assertTrue(client.state().isClosingOrClosed(), "the timed-out connection is closed: " + client.state());
        }
    }

    @Test
    void absentSocketIsNoServiceWithoutWaitingForTheTimeout() throws Exception {
        HandshakeService absent = HandshakeService.remote(dir.resolve("nobody.sock"));
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            // A timeout longer than the class's: only a failure without waiting can pass.
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> absent.clientHandshake(client, HandshakeRequest.x509("localhost"), Duration.ofMinutes(5)));
            assertEquals(HandshakeFailure.NO_SERVICE, e.reason());
            assertTrue(e.getMessage().contains("nobody.sock"), e.getMessage());
            assertTrue(client.state().isClosingOrClosed(), client.state().toString());
        }
    }

    @Test
    void socketNoOneListensOnIsNoService() throws Exception {
        Path stale = dir.resolve("stale.sock");
        // Bound and closed: the file stays, and a connect to it is refused (ECONNREFUSED).
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale), "the socket file stays after its listener closed");
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> HandshakeService.remote(stale).clientHandshake(client, HandshakeRequest.x509("localhost"),
                            Duration.ofMinutes(5)));
            assertEquals(HandshakeFailure.NO_SERVICE, e.reason());
        }
    }

    @Test
    void daemonGivenGarbageAnswersWithAReasonAndKeepsServing() throws Exception {
        // Not the protocol at all.
        assertContains("unknown frame type 0xee", exchange(new byte[] {(byte) 0xEE, 1, 2, 3, 4, 5}));
        // A frame only the daemon sends.
        assertContains("must be HELLO, not ALERT", exchange(new byte[] {0x47, 0, 0, 1, 40}));
        // A HELLO of another version.
        assertContains("version 9", exchange(new byte[] {0x01, 0, 0, 2, 9, 0}));
        // A frame that claims 16 MiB: refused from its header, before anything is allocated.
        assertContains("over the bound", exchange(new byte[] {0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
        // A HELLO whose strings run past its end.
        assertContains("too short", exchange(new byte[] {0x01, 0, 0, 8, 1, 0, 0, 0, 0, 1, (byte) 0xFF, (byte) 0xFF}));
        // A frame cut short, then gone.
        try (SocketChannel half = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socketPath()))) {
            half.write(ByteBuffer.wrap(new byte[] {0x01, 0, 1, 0, 1, 2}));
        }
        assertTrue(daemon.refused() >= 5, "refused " + daemon.refused());
        assertTrue(daemon.isOpen());
        // And a real handshake after all that.
        x509HandshakeThroughTheDaemonCarriesData();
    }

    private static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), "expected '" + expected + "' in: " + actual);
    }

    /** {@return the message of the FAILED frame the daemon answers {@code bytes} with} */
    private String exchange(byte[] bytes) throws IOException {
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socketPath()))) {
            raw.write(ByteBuffer.wrap(bytes));
            ByteBuffer in = ByteBuffer.allocate(8192);
            // Bounded: the daemon answers and closes; each read returns bytes or the end.
            for (int i = 0; i < 1000 && raw.read(in) >= 0; i++) {
                // Read until the daemon closes.
            }
            in.flip();
            assertTrue(in.remaining() >= 4, "the daemon answered " + in.remaining() + " bytes");
            assertEquals(0x52, in.get() & 0xFF, "a FAILED frame");
            in.position(4);
            assertEquals(2, in.get(), "LOCAL_CONFIGURATION's wire code");
            in.position(in.position() + 5);
            int length = in.getShort() & 0xFFFF;
            byte[] message = new byte[length];
            in.get(message);
            return new String(message, StandardCharsets.UTF_8);
        }
    }

    @Test
    void hundredConcurrentHandshakesThroughTheDaemon() throws Exception {
        int clients = 100;
        try (Loopback loop = Loopback.listen("127.0.0.1", ConnectionConfig.defaults(), clients);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<QuicSocket>> served = new java.util.concurrent.CopyOnWriteArrayList<>();
            Future<?> acceptor = threads.submit(() -> {
                for (int i = 0; i < clients; i++) {
                    QuicSocket s = loop.listener.accept();
                    served.add(threads.submit(() -> echoOnce(service, s, HandshakeRequest.anyPeer())));
                }
                return null;
            });
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String question = "client " + i;
                answers.add(threads.submit(() -> {
                    try (QuicSocket client = QuicSocket.open()) {
                        client.connect(loop.address);
                        service.clientHandshake(client, HandshakeRequest.x509("localhost"), Duration.ofSeconds(60));
                        return ask(client, question);
                    }
                }));
            }
            for (int i = 0; i < clients; i++) {
                assertEquals("client " + i, answers.get(i).get());
            }
            acceptor.get();
            for (Future<QuicSocket> s : served) {
                s.get().close();
            }
        }
        assertEquals(2L * clients, daemon.established());
        assertEquals(0, daemon.refused());
    }

    @Test
    void daemonClosedMidRequestFailsTheHandshakeTyped() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             QuicSocket client = QuicSocket.open();
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            client.connect(silent.getLocalSocketAddress());
            Future<HandshakeFailure> failure = threads.submit(() -> assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"), Duration.ofMinutes(5)))
                    .reason());
            // The ClientHello left once the daemon's first turn arrived: the request is under way.
            silent.setSoTimeout(20_000);
            byte[] probe = new byte[2048];
            silent.receive(new java.net.DatagramPacket(probe, probe.length));
            daemon.close();
            assertEquals(HandshakeFailure.CONNECTION_FAILED, failure.get());
            assertFalse(Files.exists(daemon.socketPath()), "the daemon removed its socket");
        }
    }

    @Test
    void systemPropertyMakesLoadPickTheDaemonBeforeTheProvider() throws Exception {
        String before = System.getProperty(HandshakeService.PROPERTY);
        System.setProperty(HandshakeService.PROPERTY, daemon.socketPath().toString());
        try {
            HandshakeService loaded = HandshakeService.load();
            assertFalse(loaded instanceof TlsHandshakeService, loaded.toString());
            assertTrue(loaded.toString().contains(daemon.socketPath().toString()), loaded.toString());
        } finally {
            if (before == null) {
                System.clearProperty(HandshakeService.PROPERTY);
            } else {
                System.setProperty(HandshakeService.PROPERTY, before);
            }
        }
        assertInstanceOf(TlsHandshakeService.class, HandshakeService.load());
    }

    /** Runs the server handshake through the service, echoes one stream, and returns the socket. */
    private static QuicSocket echoOnce(HandshakeService service, QuicSocket socket, HandshakeRequest request)
            throws IOException {
        service.serverHandshake(socket, request, Duration.ofSeconds(60));
        ByteBuffer buf = ByteBuffer.allocate(1024);
        for (int i = 0; i < 100; i++) {
            QuicMessage m = socket.receive(buf, 0);
            if (m.isEvent()) {
                continue;
            }
            if (m.fin()) {
                socket.send(buf.flip(), m.streamId(), StreamFlags.FIN);
                return socket;
            }
        }
        throw new IOException("no FIN in 100 messages");
    }

    /** Sends {@code question} on a new stream with FIN and returns the echo. */
    private static String ask(QuicSocket client, String question) throws IOException {
        long id = client.openStream(-1, 0);
        client.send(ByteBuffer.wrap(question.getBytes(StandardCharsets.UTF_8)), id, StreamFlags.FIN);
        ByteBuffer buf = ByteBuffer.allocate(1024);
        for (int i = 0; i < 100; i++) {
            QuicMessage m = client.receive(buf, 0);
            if (!m.isEvent() && m.fin()) {
                return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            }
        }
        throw new IOException("no FIN in 100 messages");
    }
}
