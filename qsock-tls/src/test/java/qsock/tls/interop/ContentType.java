package qsock.tls.interop;

/** The TLS record content types TLS 1.3 uses (RFC 8446 §5.1, §B.1). */
enum ContentType {
    /** Sent only in plaintext, and only for middlebox compatibility (RFC 8446 §5, §D.4). */
    CHANGE_CIPHER_SPEC(20),
    ALERT(21),
    HANDSHAKE(22),
    /** Also the outer type of every protected record (RFC 8446 §5.2). */
    APPLICATION_DATA(23);

    private final int code;

    ContentType(int code) {
        this.code = code;
    }

    /** {@return the code on the wire} */
    int code() {
        return code;
    }

    /** {@return the type with this code, or null if TLS 1.3 defines none} */
    static ContentType fromCode(int code) {
        for (ContentType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
