package qsock.core.error;

/**
 * A QUIC transport error code (RFC 9000 §20.1), as carried in a CONNECTION_CLOSE frame of type 0x1c.
 *
 * <p>Error codes are an open set: peers may send codes this implementation does not know, and the
 * CRYPTO_ERROR range 0x0100-0x01ff carries a TLS alert. So this is a value type with named constants,
 * not an enum; {@link #of(long)} returns the named constant where one exists.
 *
 * @param value the code as sent on the wire, 0 to 2^62-1
 */
public record TransportErrorCode(long value) {

    public static final TransportErrorCode NO_ERROR = new TransportErrorCode(0x00);
    public static final TransportErrorCode INTERNAL_ERROR = new TransportErrorCode(0x01);
    public static final TransportErrorCode CONNECTION_REFUSED = new TransportErrorCode(0x02);
    public static final TransportErrorCode FLOW_CONTROL_ERROR = new TransportErrorCode(0x03);
    public static final TransportErrorCode STREAM_LIMIT_ERROR = new TransportErrorCode(0x04);
    public static final TransportErrorCode STREAM_STATE_ERROR = new TransportErrorCode(0x05);
    public static final TransportErrorCode FINAL_SIZE_ERROR = new TransportErrorCode(0x06);
    public static final TransportErrorCode FRAME_ENCODING_ERROR = new TransportErrorCode(0x07);
    public static final TransportErrorCode TRANSPORT_PARAMETER_ERROR = new TransportErrorCode(0x08);
    public static final TransportErrorCode CONNECTION_ID_LIMIT_ERROR = new TransportErrorCode(0x09);
    public static final TransportErrorCode PROTOCOL_VIOLATION = new TransportErrorCode(0x0a);
    public static final TransportErrorCode INVALID_TOKEN = new TransportErrorCode(0x0b);
    public static final TransportErrorCode APPLICATION_ERROR = new TransportErrorCode(0x0c);
    public static final TransportErrorCode CRYPTO_BUFFER_EXCEEDED = new TransportErrorCode(0x0d);
    public static final TransportErrorCode KEY_UPDATE_ERROR = new TransportErrorCode(0x0e);
    public static final TransportErrorCode AEAD_LIMIT_REACHED = new TransportErrorCode(0x0f);
    public static final TransportErrorCode NO_VIABLE_PATH = new TransportErrorCode(0x10);
    /** RFC 9368 §4: the version negotiation could not be authenticated. */
    public static final TransportErrorCode VERSION_NEGOTIATION_ERROR = new TransportErrorCode(0x11);

    private static final TransportErrorCode[] NAMED = {
        NO_ERROR, INTERNAL_ERROR, CONNECTION_REFUSED, FLOW_CONTROL_ERROR, STREAM_LIMIT_ERROR,
        STREAM_STATE_ERROR, FINAL_SIZE_ERROR, FRAME_ENCODING_ERROR, TRANSPORT_PARAMETER_ERROR,
        CONNECTION_ID_LIMIT_ERROR, PROTOCOL_VIOLATION, INVALID_TOKEN, APPLICATION_ERROR,
        CRYPTO_BUFFER_EXCEEDED, KEY_UPDATE_ERROR, AEAD_LIMIT_REACHED, NO_VIABLE_PATH,
        VERSION_NEGOTIATION_ERROR,
    };
    private static final String[] NAMES = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR", "STREAM_LIMIT_ERROR",
        "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR", "TRANSPORT_PARAMETER_ERROR",
        "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION", "INVALID_TOKEN", "APPLICATION_ERROR",
        "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR", "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
        "VERSION_NEGOTIATION_ERROR",
    };

    private static final long CRYPTO_ERROR_BASE = 0x100;
    private static final long MAX_VALUE = (1L << 62) - 1;

    public TransportErrorCode {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("error code out of the varint range: " + value);
        }
    }

    /** {@return the code for a wire value, the named constant where there is one} */
    public static TransportErrorCode of(long value) {
        if (value >= 0 && value < NAMED.length) {
            return NAMED[(int) value];
        }
        return new TransportErrorCode(value);
    }

    /** {@return CRYPTO_ERROR carrying a TLS alert (RFC 9001 §4.8): 0x0100 + alert} */
    public static TransportErrorCode cryptoError(int tlsAlert) {
        if (tlsAlert < 0 || tlsAlert > 0xff) {
            throw new IllegalArgumentException("TLS alert out of range: " + tlsAlert);
        }
        return new TransportErrorCode(CRYPTO_ERROR_BASE + tlsAlert);
    }

    /** {@return true if this code is in the CRYPTO_ERROR range 0x0100-0x01ff} */
    public boolean isCryptoError() {
        return value >= CRYPTO_ERROR_BASE && value <= CRYPTO_ERROR_BASE + 0xff;
    }

    /** {@return the TLS alert of a CRYPTO_ERROR code} */
    public int tlsAlert() {
        if (!isCryptoError()) {
            throw new IllegalStateException(this + " is not a CRYPTO_ERROR");
        }
        return (int) (value - CRYPTO_ERROR_BASE);
    }

    /** {@return the RFC name of this code, or a hex form for codes without one} */
    public String name() {
        if (value >= 0 && value < NAMES.length) {
            return NAMES[(int) value];
        }
        if (isCryptoError()) {
            return "CRYPTO_ERROR(alert " + tlsAlert() + ")";
        }
        return "0x" + Long.toHexString(value);
    }

    @Override
    public String toString() {
        return name();
    }
}
