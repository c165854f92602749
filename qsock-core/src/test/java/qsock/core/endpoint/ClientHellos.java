package qsock.core.endpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Crafted ClientHello bytes (RFC 8446 §4.1.2) for the routing tests: valid ones, and the pieces to break them. */
final class ClientHellos {

    private ClientHellos() {}

    /** {@return the ALPN extension's body (RFC 7301 §3.1) naming {@code protocols}} */
    static byte[] alpnBody(List<String> protocols) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String p : protocols) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            list.write(b.length);
            list.writeBytes(b);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, list.size());
        out.writeBytes(list.toByteArray());
        return out.toByteArray();
    }

    /** {@return one extension: type, length, body} */
    static byte[] extension(int type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, type);
        u16(out, body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * {@return a ClientHello with supported_versions (TLS 1.3), the ALPN extension if {@code protocols} is not null,
     * and {@code padding} bytes of a padding extension (21), to make it span several Initials}
     */
    static byte[] clientHello(List<String> protocols, int padding) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        ext.writeBytes(extension(43, new byte[] {2, 3, 4}));
        ext.writeBytes(extension(13, new byte[] {0, 2, 8, 4}));
        if (protocols != null) {
            ext.writeBytes(extension(16, alpnBody(protocols)));
        }
        if (padding > 0) {
            ext.writeBytes(extension(21, new byte[padding]));
        }
        return withExtensions(ext.toByteArray());
    }

    /** {@return a ClientHello whose extensions block is {@code extensions}, lengths all true} */
    static byte[] withExtensions(byte[] extensions) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 0x0303);
        body.writeBytes(new byte[32]);
        body.write(0); // legacy_session_id
        u16(body, 2);
        u16(body, 0x1301); // TLS_AES_128_GCM_SHA256
        body.write(1);
        body.write(0); // null compression
        u16(body, extensions.length);
        body.writeBytes(extensions);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        out.write(body.size() >>> 16);
        out.write(body.size() >>> 8);
        out.write(body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }
}
