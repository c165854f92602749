package qsock.core.router;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket's framing and field codecs: {@code length(4) type(1) body}, big-endian, every length checked
 * against what encloses it before use. Either side that reads a frame it cannot parse closes the connection: the
 * peer is broken or hostile, and nothing of it can be trusted after.
 */
public final class RouterWire {

    /** The protocol version in HELLO and WELCOME; a daemon refuses another. */
    public static final int VERSION = 1;
    /** The longest frame body: a 64 KiB datagram and two IPv6 addresses, with room to spare. */
    public static final int MAX_BODY = 65_535 + 64;
    /** HELLO's flag: the listener joins a reuse-port group of listeners with the same ALPN list. */
    public static final int FLAG_REUSE_PORT = 1;

    private RouterWire() {
    }

    /** A frame read: its type and its body (position 0 to limit), valid until the next read into the same buffer. */
    public record Frame(RouterFrameType type, ByteBuffer body) {
    }

    /**
     * Reads one whole frame from a blocking channel into {@code buffer} (at least {@link #MAX_BODY} + 5 bytes).
     *
     * @throws EOFException if the channel ended, between frames or within one
     * @throws ProtocolException for a length over {@link #MAX_BODY} or an unknown type
     */
    public static Frame read(ReadableByteChannel in, ByteBuffer buffer) throws IOException {
        buffer.clear().limit(5);
        fill(in, buffer);
        int length = buffer.getInt(0);
        int code = buffer.get(4) & 0xFF;
        if (length < 1 || length - 1 > MAX_BODY) {
            throw new ProtocolException("a routerd frame of " + length + " bytes (at most " + (MAX_BODY + 1) + ")");
        }
        RouterFrameType type = RouterFrameType.of(code);
        if (type == null) {
            throw new ProtocolException("an unknown routerd frame type " + code);
        }
        buffer.clear().limit(length - 1);
        fill(in, buffer);
        buffer.flip();
        return new Frame(type, buffer);
    }

    private static void fill(ReadableByteChannel in, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new EOFException("the routerd control connection ended");
            }
        }
    }

    /** Writes a whole frame of {@code type} with {@code body} (position to limit) to a blocking channel. */
    public static void write(WritableByteChannel out, RouterFrameType type, ByteBuffer body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(5).putInt(body.remaining() + 1).put((byte) type.code()).flip();
        while (header.hasRemaining()) {
            out.write(header);
        }
        while (body.hasRemaining()) {
            out.write(body);
        }
    }

    /** {@return a whole frame, header included, as one array: what a writer thread sends later in one piece} */
    public static byte[] frame(RouterFrameType type, ByteBuffer body) {
        ByteBuffer f = ByteBuffer.allocate(5 + body.remaining());
        f.putInt(body.remaining() + 1).put((byte) type.code()).put(body);
        return f.array();
    }

    /** {@return the encoded size of {@code a}: family, address, port} */
    public static int addressSize(InetSocketAddress a) {
        return 1 + a.getAddress().getAddress().length + 2;
    }

    /** Writes {@code a} as family (4 or 6), its address bytes, its port. */
    public static void putAddress(ByteBuffer b, InetSocketAddress a) {
        byte[] ip = a.getAddress().getAddress();
        b.put((byte) (ip.length == 4 ? 4 : 6)).put(ip).putShort((short) a.getPort());
    }

    /** Reads what {@link #putAddress} wrote. @throws ProtocolException if it is malformed or truncated */
    public static InetSocketAddress getAddress(ByteBuffer b) throws ProtocolException {
        need(b, 1);
        int family = b.get() & 0xFF;
        int n = family == 4 ? 4 : family == 6 ? 16 : -1;
        if (n < 0) {
            throw new ProtocolException("an unknown address family " + family);
        }
        need(b, n + 2);
        byte[] ip = new byte[n];
        b.get(ip);
        int port = b.getShort() & 0xFFFF;
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new ProtocolException("a bad address: " + e.getMessage());
        }
    }

    /**
     * HELLO's body.
     *
     * @param address the address the listener was asked to bind: the daemon's, its wildcard, port 0 for any
     */
    public static ByteBuffer hello(InetSocketAddress address, List<String> protocols, boolean reusePort) {
        if (protocols.size() > 255) {
            throw new IllegalArgumentException("at most 255 ALPN protocols: " + protocols.size());
        }
        ByteBuffer b = ByteBuffer.allocate(3 + addressSize(address) + protocols.size() * 256);
        b.put((byte) VERSION).put((byte) (reusePort ? FLAG_REUSE_PORT : 0));
        putAddress(b, address);
        b.put((byte) protocols.size());
        for (String p : protocols) {
            byte[] bytes = p.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 1 || bytes.length > 255) {
                throw new IllegalArgumentException("an ALPN protocol is 1 to 255 bytes: \"" + p + "\"");
            }
            b.put((byte) bytes.length).put(bytes);
        }
        return b.flip();
    }

    /** The fields of a HELLO. */
    public record Hello(int version, boolean reusePort, InetSocketAddress address, List<String> protocols) {
    }

    /** Reads a HELLO body. @throws ProtocolException if it is malformed */
    public static Hello readHello(ByteBuffer b) throws ProtocolException {
        need(b, 2);
        int version = b.get() & 0xFF;
        int flags = b.get() & 0xFF;
        InetSocketAddress address = getAddress(b);
        need(b, 1);
        int count = b.get() & 0xFF;
        List<String> protocols = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            need(b, 1);
            int n = b.get() & 0xFF;
            if (n == 0) {
                throw new ProtocolException("an empty ALPN protocol");
            }
            need(b, n);
            byte[] bytes = new byte[n];
            b.get(bytes);
            // Strictly: a lenient decoder turns each bad byte into U+FFFD, three bytes in UTF-8, so a name read
            // from 86 bad bytes could not be written back in its one-byte length (found by RouterWireFuzzTest).
            try {
                protocols.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                throw new ProtocolException("an ALPN protocol that is not UTF-8");
            }
        }
        if (b.hasRemaining()) {
            throw new ProtocolException(b.remaining() + " bytes after a HELLO");
        }
        return new Hello(version, (flags & FLAG_REUSE_PORT) != 0, address, protocols);
    }

    /** {@return a REFUSED body: a reason code and its text} */
    public static ByteBuffer refused(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, 1024);
        return ByteBuffer.allocate(1 + n).put((byte) code).put(text, 0, n).flip();
    }

    /** Throws unless {@code n} bytes remain. */
    static void need(ByteBuffer b, int n) throws ProtocolException {
        if (b.remaining() < n) {
            throw new ProtocolException("a routerd frame ends early: " + n + " bytes needed, " + b.remaining()
                    + " left");
        }
    }
}
