package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * cookie (RFC 8446 §4.2.2): state a server puts in a HelloRetryRequest and the client echoes in its second
 * ClientHello; on the wire {@code opaque cookie<1..2^16-1>}.
 *
 * @param cookie the cookie's bytes
 */
public record Cookie(Opaque cookie) implements Extension {

    /** @throws IllegalArgumentException if the cookie is empty or longer than 2^16-1 bytes */
    public Cookie {
        TlsChecks.length(cookie, 1, 0xFFFF, "cookie");
    }

    @Override
    public int typeCode() {
        return ExtensionType.COOKIE.code();
    }

    void encodeData(TlsWriter w) {
        w.opaque16(cookie);
    }

    static Cookie decode(TlsReader data) throws TlsAlertException {
        return new Cookie(data.opaque16("cookie", 1, 0xFFFF));
    }
}
