package qsock.socket.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
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
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.CertificateRequest;
import qsock.socket.HandshakeFailure;
import qsock.socket.HandshakeRequest;

/**
 * The handshake daemon's wire protocol on a real Unix domain socket pair: frames and the HELLO and verdicts round-trip,
 * and every malformed input is a {@link RemoteProtocolException} naming what was wrong, found before it costs memory.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RemoteProtocolTest {

    @TempDir
    Path dir;

    private SocketChannel raw;
    private FrameChannel app;
    private FrameChannel daemon;

    @BeforeEach
    void pair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("p.sock")));
            raw = SocketChannel.open(server.getLocalAddress());
            app = new FrameChannel(raw);
            daemon = new FrameChannel(server.accept());
        }
    }

    @AfterEach
    void close() throws IOException {
        app.close();
        daemon.close();
    }

    @Test
    void helloRoundTripsEveryField() throws IOException {
        Hello hello = new Hello(false, 12_345, new HandshakeRequest("nfs.example", "key-1", List.of("nfs", "smb")),
                List.of("h3"), 0x1302, CertificateRequest.REQUIRE, 0x6b3343cf, 2, new byte[] {1, 2, 3});
        app.write(FrameType.HELLO, hello.encode());
        app.flush();
        Hello read = Hello.decode(daemon.read());
        assertFalse(read.client());
        assertEquals(12_345, read.timeoutMillis());
        assertEquals(hello.request(), read.request());
        assertEquals(List.of("h3"), read.socketApplicationProtocols());
        assertEquals(0x1302, read.preferredCipherSuite());
        assertEquals(CertificateRequest.REQUIRE, read.certificateRequest());
        assertEquals(0x6b3343cf, read.quicVersion());
        assertEquals(2, read.attempt());
        assertArrayEquals(new byte[] {1, 2, 3}, read.localTransportParameters());
    }

    @Test
    void clientHelloWithoutNamesRoundTrips() throws IOException {
        Hello hello = new Hello(true, 1, HandshakeRequest.psk("k"), List.of(), 0, CertificateRequest.NONE, 1, 0,
                new byte[0]);
        app.write(FrameType.HELLO, hello.encode());
        app.flush();
        Hello read = Hello.decode(daemon.read());
        assertTrue(read.client());
        assertEquals(HandshakeRequest.psk("k"), read.request());
    }

    @Test
    void aLongPskIdentityArrivesWholeNeverCut() throws IOException {
        // An identity is matched byte for byte against the keyring: a cut one would name another key, or none.
        String identity = "k".repeat(5000);
        Hello hello = new Hello(true, 1, HandshakeRequest.psk(identity), List.of(), 0, CertificateRequest.NONE, 1, 0,
                new byte[0]);
        app.write(FrameType.HELLO, hello.encode());
        app.flush();
        assertEquals(identity, Hello.decode(daemon.read()).request().pskIdentity());
    }

    @Test
    void verdictsRoundTripEveryFailureAndTheCloseCode() throws IOException {
        List<Verdict> verdicts = new java.util.ArrayList<>();
        verdicts.add(new Verdict.Established("smb", 0x1301, "x25519"));
        verdicts.add(new Verdict.Established(null, 0x1303, null));
        verdicts.add(new Verdict.Failed(null, -1, "closed"));
        for (HandshakeFailure f : HandshakeFailure.values()) {
            verdicts.add(new Verdict.Failed(f, f.ordinal() == 0 ? -1 : 0xFFFF_FFFFL, f.name()));
        }
        for (Verdict v : verdicts) {
            daemon.write(v.frameType(), v.encode());
        }
        daemon.flush();
        for (Verdict v : verdicts) {
            assertEquals(v, Verdict.decode(app.read()));
        }
    }

    @Test
    void levelAndDirectionCodesAreFixed() throws RemoteProtocolException {
        for (EncryptionLevel level : EncryptionLevel.values()) {
            assertEquals(level, Codes.level(Codes.code(level)));
        }
        for (KeyDirection direction : KeyDirection.values()) {
            assertEquals(direction, Codes.direction(Codes.code(direction)));
        }
        assertEquals(2, Codes.code(EncryptionLevel.HANDSHAKE));
        assertThrows(RemoteProtocolException.class, () -> Codes.level(4));
        assertThrows(RemoteProtocolException.class, () -> Codes.direction(2));
    }

    @Test
    void unknownFrameTypeIsRefusedNamingIt() throws IOException {
        raw.write(ByteBuffer.wrap(new byte[] {0x7f, 0, 0, 0}));
        RemoteProtocolException e = assertThrows(RemoteProtocolException.class, daemon::read);
        assertTrue(e.getMessage().contains("0x7f"), e.getMessage());
    }

    @Test
    void lengthOverTheBoundIsRefusedFromTheHeaderAlone() throws IOException {
        // Only the header is sent: a reader that waited for (or allocated) the 16 MiB would block here.
        raw.write(ByteBuffer.wrap(new byte[] {0x02, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
        RemoteProtocolException e = assertThrows(RemoteProtocolException.class, daemon::read);
        assertTrue(e.getMessage().contains("over the bound of " + FrameChannel.MAX_PAYLOAD), e.getMessage());
    }

    @Test
    void streamEndingInsideAFrameIsRefusedAndAtABoundaryIsEof() throws IOException {
        raw.write(ByteBuffer.wrap(new byte[] {0x02, 0, 0, 9, 1, 2}));
        raw.shutdownOutput();
        RemoteProtocolException e = assertThrows(RemoteProtocolException.class, daemon::read);
        assertTrue(e.getMessage().contains("ended inside a frame"), e.getMessage());
        assertThrows(EOFException.class, daemon::read);
    }

    @Test
    void helloOfAnotherVersionIsRefusedNamingBoth() throws IOException {
        raw.write(ByteBuffer.wrap(new byte[] {0x01, 0, 0, 1, 2}));
        RemoteProtocolException e = assertThrows(RemoteProtocolException.class, () -> Hello.decode(daemon.read()));
        assertTrue(e.getMessage().contains("version 2") && e.getMessage().contains("speaks 1"), e.getMessage());
    }

    @Test
    void helloWithBadFieldsIsRefused() throws IOException {
        // A string whose length runs past the frame.
        Frame shortString = new Frame(FrameType.HELLO, new byte[] {1, 0, 0, 0, 0, 1, 0, 9, 'a'});
        assertTrue(assertThrows(RemoteProtocolException.class, () -> Hello.decode(shortString)).getMessage()
                .contains("too short"));
        // An empty ALPN name (RFC 7301 §3.1).
        Frame emptyAlpn = new Frame(FrameType.HELLO, new byte[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0});
        assertTrue(assertThrows(RemoteProtocolException.class, () -> Hello.decode(emptyAlpn)).getMessage()
                .contains("empty ALPN"));
        // Invalid UTF-8 in the peer name.
        Frame badUtf8 = new Frame(FrameType.HELLO, new byte[] {1, 0, 0, 0, 0, 1, 0, 1, (byte) 0xFF});
        assertTrue(assertThrows(RemoteProtocolException.class, () -> Hello.decode(badUtf8)).getMessage()
                .contains("not UTF-8"));
        // Not a HELLO at all.
        assertThrows(RemoteProtocolException.class, () -> Hello.decode(new Frame(FrameType.STATE, new byte[9])));
    }

    @Test
    void verdictWithTrailingBytesOrUnknownFailureIsRefused() {
        byte[] established = new Verdict.Established("a", 0x1301, "g").encode().toByteArray();
        byte[] trailing = java.util.Arrays.copyOf(established, established.length + 1);
        assertTrue(assertThrows(RemoteProtocolException.class,
                () -> Verdict.decode(new Frame(FrameType.ESTABLISHED, trailing))).getMessage().contains("after"));
        assertThrows(RemoteProtocolException.class,
                () -> Verdict.decode(new Frame(FrameType.FAILED, new byte[] {9, 0, 0, 0, 0, 0, 0, 0})));
    }

    @Test
    void peerClosedSeesACloseAndRefusesAByteOutOfTurn() throws IOException {
        assertFalse(app.peerClosed());
        daemon.write(FrameType.AWAIT, new PayloadWriter().u32(0));
        daemon.flush();
        assertInstanceOf(RemoteProtocolException.class, assertThrows(IOException.class, app::peerClosed));
        // The rest of that frame (7 of its 8 bytes), so that what follows is the close alone.
        ByteBuffer rest = ByteBuffer.allocate(7);
        for (int i = 0; i < 7 && rest.hasRemaining(); i++) {
            raw.read(rest);
        }
        daemon.close();
        assertTrue(app.peerClosed());
    }

    @Test
    void payloadWriterRefusesToGrowPastTheBound() {
        PayloadWriter w = new PayloadWriter();
        w.bytes(new byte[FrameChannel.MAX_PAYLOAD]);
        assertThrows(IllegalArgumentException.class, () -> w.u8(0));
        assertThrows(IllegalArgumentException.class, () -> new PayloadWriter().str8("x".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> new Frame(FrameType.WRITE,
                new byte[FrameChannel.MAX_PAYLOAD + 1]));
    }
}
