package qsock.tls.message;

import java.util.Objects;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * KeyUpdate (RFC 8446 §4.6.3). QUIC replaces it with its own key update, and an endpoint treats its
 * receipt as an error equivalent to unexpected_message (RFC 9001 §6): the engine's check; the codec still
 * parses it.
 *
 * @param requestUpdate whether the receiver should update its sending keys too
 */
public record KeyUpdate(KeyUpdateRequest requestUpdate) implements HandshakeMessage {

    /** Checks that the request is present. */
    public KeyUpdate {
        Objects.requireNonNull(requestUpdate, "requestUpdate");
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.KEY_UPDATE;
    }

    void encodeBody(TlsWriter w) {
        w.u8(requestUpdate.code());
    }

    static KeyUpdate decodeBody(TlsReader r) throws TlsAlertException {
        int value = r.u8();
        r.expectEnd("key_update");
        KeyUpdateRequest request = KeyUpdateRequest.fromCode(value);
        // RFC 8446 §4.6.3: "If an implementation receives any other value, it MUST terminate the connection
        // with an "illegal_parameter" alert."
        if (request == null) {
            throw Alerts.illegalParameter("key_update: request_update " + value);
        }
        return new KeyUpdate(request);
    }
}
