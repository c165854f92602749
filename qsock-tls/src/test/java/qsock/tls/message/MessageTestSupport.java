package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** Shorthands for the message tests. */
final class MessageTestSupport {

    private MessageTestSupport() {}

    @FunctionalInterface
    interface Decoding {
        void run() throws TlsAlertException;
    }

    static TlsAlertException assertAlert(TlsAlert expected, Decoding d) {
        TlsAlertException e = assertThrows(TlsAlertException.class, d::run);
        assertSame(expected, e.alert(), e.getMessage());
        return e;
    }

    /** Decodes a body given in hex, for a Finished of 32 bytes. */
    static HandshakeMessage decodeBody(HandshakeType type, String bodyHex) throws TlsAlertException {
        return HandshakeCodec.decode(type.code(), ByteBuffer.wrap(HexFormat.of().parseHex(bodyHex)), 32);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
