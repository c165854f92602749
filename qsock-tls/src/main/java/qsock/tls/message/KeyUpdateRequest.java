package qsock.tls.message;

/** The request_update field of a {@link KeyUpdate} (RFC 8446 §4.6.3). */
public enum KeyUpdateRequest {
    UPDATE_NOT_REQUESTED(0),
    UPDATE_REQUESTED(1);

    private final int code;

    KeyUpdateRequest(int code) {
        this.code = code;
    }

    /** {@return the value on the wire} */
    public int code() {
        return code;
    }

    /** {@return the request with this value, or null if it is neither of the two} */
    public static KeyUpdateRequest fromCode(int code) {
        return switch (code) {
            case 0 -> UPDATE_NOT_REQUESTED;
            case 1 -> UPDATE_REQUESTED;
            default -> null;
        };
    }
}
