package qsock.core.router;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.cid.lb.QuicLbConfig;

/** The control socket's frames and fields: round trips, and every malformed input refused by name. */
class RouterWireTest {

    private static RouterWire.Frame readBack(RouterFrameType type, ByteBuffer body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RouterWire.write(Channels.newChannel(out), type, body);
        return RouterWire.read(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())),
                ByteBuffer.allocate(RouterWire.MAX_BODY + 5));
    }

    @Test
    void helloRoundTripsItsProtocolsAndFlag() throws Exception {
        RouterWire.Frame f = readBack(RouterFrameType.HELLO, RouterWire.hello(new InetSocketAddress("0.0.0.0", 0), List.of("h3", "smb", "ünï"), true));
        assertEquals(RouterFrameType.HELLO, f.type());
        RouterWire.Hello h = RouterWire.readHello(f.body());
        assertEquals(RouterWire.VERSION, h.version());
        assertTrue(h.reusePort());
        assertEquals(List.of("h3", "smb", "ünï"), h.protocols());
        assertEquals(new InetSocketAddress("0.0.0.0", 0), h.address());
    }

    @Test
    void welcomeRoundTripsTheRegistration() throws Exception {
        byte[] key = new byte[16];
        Arrays.fill(key, (byte) 7);
        RouterRegistration r = new RouterRegistration(new InetSocketAddress("::1", 4433),
                new QuicLbConfig(0, 1, 6, key, false), new byte[] {42});
        RouterWire.Frame f = readBack(RouterFrameType.WELCOME, r.encode());
        RouterRegistration back = RouterRegistration.decode(f.body());
        assertEquals(r, back);
        assertArrayEquals(key, back.quicLb().key());
        assertEquals(8, back.quicLb().connectionIdLength());
    }

    @Test
    void malformedInputIsRefusedNamingWhatIsWrong() {
        ByteBuffer big = ByteBuffer.allocate(5).putInt(RouterWire.MAX_BODY + 2).put((byte) 1).flip();
        ProtocolException tooLong = assertThrows(ProtocolException.class, () -> RouterWire.read(
                Channels.newChannel(new ByteArrayInputStream(big.array())), ByteBuffer.allocate(RouterWire.MAX_BODY + 5)));
        assertTrue(tooLong.getMessage().contains("at most"), tooLong.getMessage());
        ProtocolException unknown = assertThrows(ProtocolException.class, () -> RouterWire.read(
                Channels.newChannel(new ByteArrayInputStream(new byte[] {0, 0, 0, 1, 99})),
                ByteBuffer.allocate(RouterWire.MAX_BODY + 5)));
        assertTrue(unknown.getMessage().contains("unknown"), unknown.getMessage());
        assertThrows(EOFException.class, () -> RouterWire.read(
                Channels.newChannel(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, 1, 1})),
                ByteBuffer.allocate(RouterWire.MAX_BODY + 5)));
        // A protocol list that runs past the frame, an empty protocol, bytes after the list.
        assertThrows(ProtocolException.class, () -> RouterWire.readHello(ByteBuffer.wrap(new byte[] {1, 0, 4, 0, 0, 0, 0, 0, 0, 1, 5, 'a'})));
        assertThrows(ProtocolException.class, () -> RouterWire.readHello(ByteBuffer.wrap(new byte[] {1, 0, 4, 0, 0, 0, 0, 0, 0, 1, 0})));
        assertThrows(ProtocolException.class, () -> RouterWire.readHello(ByteBuffer.wrap(new byte[] {1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9})));
        // A protocol that is not UTF-8 (a lone continuation byte), which HELLO's writer could not write back.
        ProtocolException notUtf8 = assertThrows(ProtocolException.class, () -> RouterWire.readHello(
                ByteBuffer.wrap(new byte[] {1, 0, 4, 0, 0, 0, 0, 0, 0, 1, 2, 'h', (byte) 0x80})));
        assertTrue(notUtf8.getMessage().contains("UTF-8"), notUtf8.getMessage());
        assertThrows(ProtocolException.class, () -> RouterWire.getAddress(ByteBuffer.wrap(new byte[] {5, 1, 2})));
        assertThrows(ProtocolException.class, () -> RouterWire.getAddress(ByteBuffer.wrap(new byte[] {4, 127, 0})));
        // A WELCOME of another version, and one whose QUIC-LB fields are out of the draft's bounds.
        assertThrows(ProtocolException.class, () -> RouterRegistration.decode(ByteBuffer.wrap(new byte[] {2})));
        ByteBuffer badLb = ByteBuffer.allocate(32).put((byte) 1).put((byte) 4).put(new byte[] {127, 0, 0, 1})
                .putShort((short) 443).put(new byte[] {0, 1, 2, 0, 0}).put((byte) 9).flip();
        ProtocolException lb = assertThrows(ProtocolException.class, () -> RouterRegistration.decode(badLb));
        assertTrue(lb.getMessage().contains("QUIC-LB"), lb.getMessage());
    }

    @Test
    void anAlpnProtocolOutOfBoundsIsRefusedBeforeItIsSent() {
        assertThrows(IllegalArgumentException.class, () -> RouterWire.hello(new InetSocketAddress(0), List.of(""), false));
        assertThrows(IllegalArgumentException.class, () -> RouterWire.hello(new InetSocketAddress(0), List.of("x".repeat(256)), false));
    }
}
