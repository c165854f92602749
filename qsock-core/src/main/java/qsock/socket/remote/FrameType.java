package qsock.socket.remote;

/**
 * The frames of the handshake daemon's protocol, by their one-byte code. Codes below 0x40 go from the application to
 * the daemon, codes from 0x40 from the daemon to the application; each side's turn ends with one frame whose
 * {@link #endsTurn()} is true.
 */
public enum FrameType {
    /** Application: the first frame, opens a request ({@link Hello}); ends the turn. */
    HELLO(0x01, true, true),
    /** Application: handshake bytes the peer sent: {@code level (1) | bytes}. */
    CRYPTO(0x02, true, false),
    /**
     * Application: the transport's state, ends the turn: {@code flags (1: 0x01 handshaking, 0x02 closing or closed) |
     * attempt (4) | quic version (4) | local transport parameters (rest; present only when the attempt changed,
     * RFC 9368 §2.1)}.
     */
    STATE(0x03, true, true),

    /** Daemon: handshake bytes to send in CRYPTO frames: {@code level (1) | bytes}. */
    WRITE(0x41, false, false),
    /** Daemon: a traffic secret to install: {@code level (1) | direction (1) | cipher suite (2) | secret}. */
    SECRET(0x42, false, false),
    /** Daemon: the peer's quic_transport_parameters (RFC 9001 §8.2), encoded. */
    PEER_PARAMETERS(0x43, false, false),
    /** Daemon: the client offers 0-RTT under the remembered server transport parameters (rest of the payload). */
    EARLY_DATA_ATTEMPT(0x44, false, false),
    /** Daemon: whether the server accepted early data: {@code accepted (1)}. */
    EARLY_DATA_STATUS(0x45, false, false),
    /** Daemon: the TLS handshake completed on this side: {@code alpn (str8, empty for none)}. */
    COMPLETE(0x46, false, false),
    /** Daemon: the TLS handshake failed with an alert: {@code alert (1) | reason (str16)}. */
    ALERT(0x47, false, false),
    /** Daemon: the peer broke a rule RFC 9001 makes a PROTOCOL_VIOLATION: {@code reason (str16)}. */
    VIOLATION(0x48, false, false),
    /**
     * Daemon: apply the items, then answer with the handshake bytes received and the state, waiting for new ones at
     * most {@code max wait millis (4)} (0xFFFFFFFF: as long as the request's timeout allows); ends the turn.
     */
    AWAIT(0x50, false, true),
    /** Daemon: the handshake succeeded ({@link Verdict.Established}); ends the request. */
    ESTABLISHED(0x51, false, true),
    /** Daemon: the handshake failed ({@link Verdict.Failed}); ends the request. */
    FAILED(0x52, false, true);

    /** STATE flag: {@link qsock.core.handshake.HandshakeChannel#isHandshaking()}. */
    public static final int STATE_HANDSHAKING = 0x01;
    /** STATE flag: the connection is closing or closed. */
    public static final int STATE_CLOSED = 0x02;

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final boolean fromApplication;
    private final boolean endsTurn;

    FrameType(int code, boolean fromApplication, boolean endsTurn) {
        this.code = code;
        this.fromApplication = fromApplication;
        this.endsTurn = endsTurn;
    }

    /** {@return the frame type with this code, or null if there is none} */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** {@return the one-byte code on the wire} */
    public int code() {
        return code;
    }

    /** {@return true if the application sends it, false if the daemon does} */
    public boolean fromApplication() {
        return fromApplication;
    }

    /** {@return true if it ends its sender's turn} */
    public boolean endsTurn() {
        return endsTurn;
    }
}
