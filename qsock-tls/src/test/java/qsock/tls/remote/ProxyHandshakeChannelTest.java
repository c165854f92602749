package qsock.tls.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.remote.Frame;
import qsock.socket.remote.FrameChannel;
import qsock.socket.remote.FrameType;
import qsock.socket.remote.Hello;
import qsock.socket.remote.PayloadReader;
import qsock.socket.remote.RemoteProtocolException;
import qsock.socket.CertificateRequest;
import qsock.socket.HandshakeRequest;

/**
 * The daemon's proxy of an application's handshake channel: relayed bytes are read back in order and level, what the
 * engine writes becomes frames in its order and within the chunk bound, the state follows the application's reports
 * (a new attempt brings new transport parameters, RFC 9368 §2.1), and the queue of unread bytes is bounded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyHandshakeChannelTest {

    @TempDir
    Path dir;

    private FrameChannel daemonSide;
    private FrameChannel appSide;
    private ProxyHandshakeChannel proxy;

    @BeforeEach
    void pair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("p.sock")));
            appSide = new FrameChannel(SocketChannel.open(server.getLocalAddress()));
            daemonSide = new FrameChannel(server.accept());
        }
        Hello hello = new Hello(true, 1000, HandshakeRequest.x509("localhost"), List.of(), 0,
                CertificateRequest.NONE, 1, 0, new byte[] {7, 7});
        proxy = new ProxyHandshakeChannel(hello, daemonSide);
    }

    @AfterEach
    void close() throws IOException {
        appSide.close();
        daemonSide.close();
    }

    @Test
    void relayedBytesAreReadInOrderWithTheirLevelAcrossSmallBuffers() throws RemoteProtocolException {
        proxy.offer(EncryptionLevel.INITIAL, new byte[] {1, 2, 3});
        proxy.offer(EncryptionLevel.HANDSHAKE, new byte[] {4, 5});
        ByteBuffer two = ByteBuffer.allocate(2);
        assertEquals(EncryptionLevel.INITIAL, proxy.readHandshake(two));
        assertArrayEquals(new byte[] {1, 2}, two.array());
        two.clear();
        assertEquals(EncryptionLevel.INITIAL, proxy.readHandshake(two));
        assertEquals(1, two.position(), "one read gives bytes of one level only");
        two.clear();
        assertEquals(EncryptionLevel.HANDSHAKE, proxy.readHandshake(two));
        assertArrayEquals(new byte[] {4, 5}, two.array());
        assertFalse(proxy.hasInput());
        assertNull(proxy.readHandshake(ByteBuffer.allocate(8)));
    }

    @Test
    void unreadBytesAreBounded() throws RemoteProtocolException {
        byte[] chunk = new byte[FrameChannel.MAX_CHUNK];
        for (int i = 0; i < ProxyHandshakeChannel.MAX_QUEUED_BYTES / chunk.length; i++) {
            proxy.offer(EncryptionLevel.HANDSHAKE, chunk);
        }
        assertThrows(RemoteProtocolException.class, () -> proxy.offer(EncryptionLevel.HANDSHAKE, new byte[1]));
    }

    @Test
    void aNewAttemptBringsNewTransportParametersAndTheStateFollowsTheReports() {
        assertArrayEquals(new byte[] {7, 7}, proxy.localTransportParameters());
        proxy.state(FrameType.STATE_HANDSHAKING, 0, 1, new byte[] {9});
        assertArrayEquals(new byte[] {7, 7}, proxy.localTransportParameters(), "same attempt: parameters kept");
        proxy.state(FrameType.STATE_HANDSHAKING, 1, 0x6b3343cf, new byte[] {8, 8, 8});
        assertEquals(1, proxy.handshakeAttempt());
        assertEquals(0x6b3343cf, proxy.quicVersion());
        assertArrayEquals(new byte[] {8, 8, 8}, proxy.localTransportParameters());
        assertTrue(proxy.isHandshaking());
        assertFalse(proxy.closed());
        proxy.state(FrameType.STATE_CLOSED, 1, 0x6b3343cf, new byte[0]);
        assertFalse(proxy.isHandshaking());
        assertTrue(proxy.closed());
    }

    @Test
    void whatTheEngineDoesLeavesAsFramesInItsOrderInBoundedChunks() throws IOException {
        byte[] flight = new byte[40_000];
        for (int i = 0; i < flight.length; i++) {
            flight[i] = (byte) i;
        }
        proxy.writeHandshake(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(flight));
        byte[] secret = new byte[32];
        secret[0] = 42;
        proxy.installSecret(EncryptionLevel.APPLICATION, KeyDirection.WRITE, CipherSuite.TLS_AES_128_GCM_SHA256,
                secret);
        proxy.handshakeComplete("smb");
        proxy.handshakeFailed(40, "handshake_failure");
        daemonSide.flush();

        ByteBuffer reassembled = ByteBuffer.allocate(flight.length);
        for (int i = 0; i < 3; i++) {
            Frame write = appSide.read();
            assertEquals(FrameType.WRITE, write.type());
            PayloadReader r = write.reader();
            assertEquals(2, r.u8("level"), "HANDSHAKE's code");
            byte[] data = r.rest();
            assertTrue(data.length <= FrameChannel.MAX_CHUNK, "chunk of " + data.length);
            reassembled.put(data);
        }
        assertArrayEquals(flight, reassembled.array());
        Frame secretFrame = appSide.read();
        assertEquals(FrameType.SECRET, secretFrame.type());
        PayloadReader r = secretFrame.reader();
        assertEquals(3, r.u8("level"));
        assertEquals(1, r.u8("direction"));
        assertEquals(0x1301, r.u16("suite"));
        assertArrayEquals(secret, r.rest());
        Frame complete = appSide.read();
        assertEquals(FrameType.COMPLETE, complete.type());
        assertEquals("smb", complete.reader().str8("alpn"));
        Frame alert = appSide.read();
        assertEquals(FrameType.ALERT, alert.type());
        assertEquals(40, alert.reader().u8("alert"));
        assertFalse(proxy.isHandshaking(), "an alert ends the handshake");
    }
}
