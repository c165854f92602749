package qsock.tools.hq;

/**
 * The hq-interop protocol's names and the stream error codes qsock uses with it. hq-interop defines no error
 * codes; qsock resets a response stream with the HTTP status number it would have sent, so a packet capture or
 * a client log reads naturally.
 */
public final class HqInterop {

    /** The ALPN protocol name. */
    public static final String ALPN = "hq-interop";

    /**
     * The request stream is stopped (STOP_SENDING) with this code when its response ended before the request's
     * FIN arrived: the server needs nothing more of it (HTTP/3's H3_NO_ERROR, RFC 9114 §4.1, plays this part).
     */
    public static final long NO_ERROR = 0;

    /** The response stream is reset with this code when the path names no file served (HTTP 404). */
    public static final long NOT_FOUND = 0x194;

    /** The response stream is reset with this code when the request is malformed or too long (HTTP 400). */
    public static final long BAD_REQUEST = 0x190;

    /** The response stream is reset with this code when reading the file failed midway (HTTP 500). */
    public static final long SERVER_ERROR = 0x1F4;

    private HqInterop() {}
}
