package qsock.tls.extension;

import java.util.EnumSet;
import java.util.Set;
import qsock.tls.message.HandshakeType;

/**
 * The extension types this codec recognises, with the messages each may appear in: the table of RFC 8446
 * §4.2, plus quic_transport_parameters (RFC 9001 §8.2: ClientHello and EncryptedExtensions).
 *
 * <p>"Recognised" is the RFC's word for the rule that a type found in a message the table does not list
 * for it is an illegal_parameter error. Types marked {@linkplain #parsed() parsed} have their own record;
 * the others are kept as {@link Unknown} but still held to the table. Types outside this enum (such as
 * record_size_limit or renegotiation_info) are neither parsed nor placed; the engine decides what an
 * unrequested one means (RFC 8446 §4.2: unsupported_extension).
 */
public enum ExtensionType {
    SERVER_NAME(0, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    MAX_FRAGMENT_LENGTH(1, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    STATUS_REQUEST(5, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.CERTIFICATE_REQUEST,
            HandshakeType.CERTIFICATE),
    SUPPORTED_GROUPS(10, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    SIGNATURE_ALGORITHMS(13, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.CERTIFICATE_REQUEST),
    USE_SRTP(14, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    HEARTBEAT(15, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    APPLICATION_LAYER_PROTOCOL_NEGOTIATION(16, true, false, HandshakeType.CLIENT_HELLO,
            HandshakeType.ENCRYPTED_EXTENSIONS),
    SIGNED_CERTIFICATE_TIMESTAMP(18, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.CERTIFICATE_REQUEST,
            HandshakeType.CERTIFICATE),
    CLIENT_CERTIFICATE_TYPE(19, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    SERVER_CERTIFICATE_TYPE(20, false, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS),
    PADDING(21, false, false, HandshakeType.CLIENT_HELLO),
    PRE_SHARED_KEY(41, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.SERVER_HELLO),
    EARLY_DATA(42, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS,
            HandshakeType.NEW_SESSION_TICKET),
    SUPPORTED_VERSIONS(43, true, true, HandshakeType.CLIENT_HELLO, HandshakeType.SERVER_HELLO),
    COOKIE(44, true, true, HandshakeType.CLIENT_HELLO),
    PSK_KEY_EXCHANGE_MODES(45, true, false, HandshakeType.CLIENT_HELLO),
    CERTIFICATE_AUTHORITIES(47, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.CERTIFICATE_REQUEST),
    OID_FILTERS(48, false, false, HandshakeType.CERTIFICATE_REQUEST),
    POST_HANDSHAKE_AUTH(49, false, false, HandshakeType.CLIENT_HELLO),
    SIGNATURE_ALGORITHMS_CERT(50, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.CERTIFICATE_REQUEST),
    KEY_SHARE(51, true, true, HandshakeType.CLIENT_HELLO, HandshakeType.SERVER_HELLO),
    QUIC_TRANSPORT_PARAMETERS(0x39, true, false, HandshakeType.CLIENT_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS);

    private static final ExtensionType[] BY_CODE_BELOW_64 = new ExtensionType[64];

    static {
        for (ExtensionType t : values()) {
            BY_CODE_BELOW_64[t.code] = t;
        }
    }

    private final int code;
    private final boolean parsed;
    private final boolean inHelloRetryRequest;
    private final Set<HandshakeType> messages;

    ExtensionType(int code, boolean parsed, boolean inHelloRetryRequest, HandshakeType first, HandshakeType... rest) {
        this.code = code;
        this.parsed = parsed;
        this.inHelloRetryRequest = inHelloRetryRequest;
        this.messages = EnumSet.of(first, rest);
    }

    /** {@return the type's code point on the wire} */
    public int code() {
        return code;
    }

    /** {@return true if this package decodes the type into its own record, false if it keeps it as {@link Unknown}} */
    public boolean parsed() {
        return parsed;
    }

    /**
     * {@return true if RFC 8446 §4.2's table allows the type in this message}
     *
     * @param message the message carrying the extension
     * @param helloRetryRequest true if {@code message} is a ServerHello that is a HelloRetryRequest, whose
     *     column in the table differs from the ServerHello's
     */
    public boolean allowedIn(HandshakeType message, boolean helloRetryRequest) {
        if (helloRetryRequest) {
            return message == HandshakeType.SERVER_HELLO && inHelloRetryRequest;
        }
        return messages.contains(message);
    }

    /** {@return the type with this code point, or null if it is not one of this table's} */
    public static ExtensionType fromCode(int code) {
        return code >= 0 && code < BY_CODE_BELOW_64.length ? BY_CODE_BELOW_64[code] : null;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT) + "(" + code + ")";
    }
}
