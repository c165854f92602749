package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionState;

/** What a QuicSocket does before any handshake: binding, connecting, listening, options, misuse. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketSetupTest {

    @Test
    void bindsOnceAndPicksAPort() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            assertNull(s.localAddress());
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress local = (InetSocketAddress) s.localAddress();
            assertEquals("127.0.0.1", local.getAddress().getHostAddress());
            assertEquals(true, local.getPort() > 0);
            assertThrows(AlreadyBoundException.class, () -> s.bind(new InetSocketAddress("127.0.0.1", 0)));
        }
    }

    @Test
    void connectPicksTheRoutedSourceAndSendsNothing() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertEquals("127.0.0.1", ((InetSocketAddress) s.localAddress()).getAddress().getHostAddress());
            assertEquals(peer.localAddress(), s.remoteAddress());
            assertEquals(ConnectionState.HANDSHAKING, s.state());
            assertEquals(0, s.statistics().packetsSent(), "connect sends nothing: the handshake's first flight does");
            assertEquals(true, s.handshakeChannel().isClient());
            assertThrows(AlreadyConnectedException.class, () -> s.connect(peer.localAddress()));
            assertThrows(IllegalStateException.class, () -> s.listen(1));
        }
    }

    @Test
    void misuseIsRefusedWithTheJdksExceptions() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            assertThrows(NotYetBoundException.class, () -> s.listen(1));
            assertThrows(NotYetBoundException.class, s::accept);
            assertThrows(NotYetConnectedException.class, () -> s.send(ByteBuffer.allocate(1), -1, StreamFlags.NEW));
            assertThrows(NotYetConnectedException.class, () -> s.receive(ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> s.listen(-1));
            assertThrows(IllegalArgumentException.class, () -> s.connect(InetSocketAddress.createUnresolved("x", 1)));
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            assertThrows(IllegalStateException.class, s::accept, "not listening");
            s.listen(4);
            assertThrows(IllegalStateException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", 9)));
        }
    }

    @Test
    void streamCallsCheckTheirArguments() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
             QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertThrows(IllegalArgumentException.class, () -> s.send(ByteBuffer.allocate(1), -1, 0x4000));
            assertThrows(IllegalArgumentException.class, () -> s.send(ByteBuffer.allocate(1), -1, StreamFlags.PEEK));
            assertThrows(IllegalArgumentException.class, () -> s.openStream(-1, StreamFlags.FIN));
            assertThrows(IllegalArgumentException.class, () -> s.receive(ByteBuffer.allocate(1), StreamFlags.NEW));
            assertThrows(IllegalArgumentException.class, () -> s.send(ByteBuffer.allocate(0), -1, StreamFlags.NEW),
                    "an empty send without FIN says nothing (the kernel's EMSGSIZE)");
            assertThrows(IllegalArgumentException.class, () -> s.receive(ByteBuffer.allocate(0)));
            s.configureBlocking(false);
            assertThrows(WouldBlockException.class, () -> s.send(ByteBuffer.allocate(1), -1, StreamFlags.NEW),
                    "not established yet");
            assertEquals(0, s.trySend(ByteBuffer.allocate(1), -1, StreamFlags.NEW), "not established yet");
            assertNull(s.receive(ByteBuffer.allocate(1), 0));
            assertNull(s.receive(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void closedSocketRefusesEverything() throws Exception {
        QuicSocket s = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
        s.listen(1);
        s.close();
        s.close(); // twice is harmless
        assertThrows(ClosedChannelException.class, s::accept);
        assertThrows(ClosedChannelException.class, () -> s.listen(1));
        assertThrows(ClosedChannelException.class, () -> s.setOption(QuicSocketOptions.TIMEOUT, null));
    }

    @Test
    void optionsRoundTripAndAreChecked() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            assertNull(s.getOption(QuicSocketOptions.TIMEOUT));
            s.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(3));
            assertEquals(Duration.ofSeconds(3), s.getOption(QuicSocketOptions.TIMEOUT));
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.TIMEOUT, Duration.ZERO));

            assertEquals(List.of(), s.getOption(QuicSocketOptions.ALPN));
            s.setOption(QuicSocketOptions.ALPN, List.of("h3", "hq-interop"));
            assertEquals(List.of("h3", "hq-interop"), s.getOption(QuicSocketOptions.ALPN));
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.ALPN, List.of("")));

            assertEquals(ConnectionCloseInfo.NONE, s.getOption(QuicSocketOptions.CONNECTION_CLOSE));
            s.setOption(QuicSocketOptions.CONNECTION_CLOSE, ConnectionCloseInfo.of(9, "nine"));
            assertEquals(ConnectionCloseInfo.of(9, "nine"), s.getOption(QuicSocketOptions.CONNECTION_CLOSE));

            s.setOption(QuicSocketOptions.RECEIVE_BUFFER_SIZE, 1 << 20);
            assertEquals(1 << 20, s.getOption(QuicSocketOptions.RECEIVE_BUFFER_SIZE), "kept until bind");
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.SEND_BUFFER_SIZE, 0));
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            assertEquals(true, s.getOption(QuicSocketOptions.RECEIVE_BUFFER_SIZE) > 0, "what the kernel granted");
            assertThrows(UnsupportedOperationException.class,
                    () -> s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true));
        }
    }

    @Test
    void ioThreadEndsOnceItsSocketsAreClosed() throws Exception {
        QuicSocket s = QuicSocket.open().bind(new InetSocketAddress("127.0.0.1", 0));
        String name = "qsock-io-" + ((InetSocketAddress) s.localAddress()).getPort();
        Thread io = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                .findFirst().orElseThrow();
        s.close();
        io.join(10_000);
        assertEquals(false, io.isAlive());
    }
}
