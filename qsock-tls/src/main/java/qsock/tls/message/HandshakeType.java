package qsock.tls.message;

import java.util.Locale;

/** The handshake message types of TLS 1.3 (RFC 8446 §4), with their codes on the wire. */
public enum HandshakeType {
    CLIENT_HELLO(1),
    SERVER_HELLO(2),
    NEW_SESSION_TICKET(4),
    END_OF_EARLY_DATA(5),
    ENCRYPTED_EXTENSIONS(8),
    CERTIFICATE(11),
    CERTIFICATE_REQUEST(13),
    CERTIFICATE_VERIFY(15),
    FINISHED(20),
    KEY_UPDATE(24),
    /**
     * The synthetic message that stands for the first ClientHello in the transcript after a
     * HelloRetryRequest (RFC 8446 §4.4.1); never sent.
     */
    MESSAGE_HASH(254);

    private static final HandshakeType[] BY_CODE = new HandshakeType[256];

    static {
        for (HandshakeType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    HandshakeType(int code) {
        this.code = code;
    }

    /** {@return the msg_type code on the wire} */
    public int code() {
        return code;
    }

    /** {@return the type with this code, or null if TLS 1.3 defines none} */
    public static HandshakeType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** {@return the RFC's name and code, as in {@code client_hello(1)}} */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT) + "(" + code + ")";
    }
}
