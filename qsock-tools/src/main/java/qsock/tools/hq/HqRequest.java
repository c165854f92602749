package qsock.tools.hq;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One hq-interop request: HTTP/0.9 over QUIC, as the QUIC interop runner speaks it. The client opens a
 * bidirectional stream, sends {@code GET /path\r\n} and its FIN; the server answers with the file's bytes and
 * FIN.
 *
 * <p>Parsing is strict about the method and the path and lenient about the line end: {@code \r\n}, a bare
 * {@code \n}, or the stream's FIN right after the path all end the request (clients differ here). Percent
 * escapes in the path are decoded; what the decoded path may name is {@link ServedDirectory}'s decision.
 *
 * @param path the decoded absolute path, starting with {@code /}
 */
public record HqRequest(String path) {

    /** The longest request accepted, line end included; a longer one is refused without being buffered. */
    public static final int MAX_REQUEST_BYTES = 8192;

    private static final byte[] METHOD = "GET ".getBytes(StandardCharsets.US_ASCII);

    public HqRequest {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("an hq-interop path starts with '/': '" + path + "'");
        }
    }

    /** {@return the request as sent on the wire: {@code GET <path>\r\n}, the path percent-encoded where needed} */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length() + 6);
        out.writeBytes(METHOD);
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            // Unreserved characters and '/' go as they are (RFC 3986 §2.3); everything else is escaped, so the
            // line never holds a space, a control character or a byte the server could take for a line end.
            if (isUnreserved(c) || c == '/') {
                out.write(c);
            } else {
                out.write('%');
                out.write(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
                out.write(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * {@return the request in {@code bytes[0, length)}, which hold everything the client sent on the stream up
     * to its FIN (or up to and including the first line end)}
     *
     * @throws HqRequestException when the bytes are not an hq-interop request
     */
    public static HqRequest parse(byte[] bytes, int length) throws HqRequestException {
        Objects.checkFromIndexSize(0, length, bytes.length);
        if (length > MAX_REQUEST_BYTES) {
            throw new HqRequestException("request longer than " + MAX_REQUEST_BYTES + " bytes");
        }
        int end = lineEnd(bytes, length);
        if (end < 0) {
            end = length;
        } else if (end + lineTerminatorLength(bytes, end) != length) {
            throw new HqRequestException("bytes after the request line");
        }
        if (end < METHOD.length || !startsWith(bytes, METHOD)) {
            throw new HqRequestException("not a GET request");
        }
        String path = decodePath(bytes, METHOD.length, end);
        if (!path.startsWith("/")) {
            throw new HqRequestException("the path does not start with '/'");
        }
        return new HqRequest(path);
    }

    /**
     * {@return the index of the line end ({@code \r\n} or {@code \n}) in {@code bytes[0, length)}, or -1}
     * Servers use it to stop reading a request at its line end when the client sends no FIN.
     */
    public static int lineEnd(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                return i > 0 && bytes[i - 1] == '\r' ? i - 1 : i;
            }
        }
        return -1;
    }

    private static int lineTerminatorLength(byte[] bytes, int end) {
        return bytes[end] == '\r' ? 2 : 1;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String decodePath(byte[] bytes, int from, int to) throws HqRequestException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            int c = bytes[i] & 0xFF;
            if (c <= ' ' || c == 0x7F) {
                throw new HqRequestException("a control character or space in the path");
            }
            if (c == '%') {
                int hi = i + 2 < to ? Character.digit(bytes[i + 1], 16) : -1;
                int lo = hi >= 0 ? Character.digit(bytes[i + 2], 16) : -1;
                if (lo < 0) {
                    throw new HqRequestException("a malformed percent escape in the path");
                }
                c = hi << 4 | lo;
                if (c == 0) {
                    throw new HqRequestException("an escaped NUL in the path");
                }
                i += 2;
            }
            out.write(c);
        }
        byte[] decoded = out.toByteArray();
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(decoded)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new HqRequestException("the path is not UTF-8");
        }
    }

    private static boolean isUnreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~';
    }
}
