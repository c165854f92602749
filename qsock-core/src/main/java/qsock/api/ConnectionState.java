package qsock.api;

/** Where a connection stands in its life (RFC 9000 §4.1.1 handshake states, §10 closing and draining). */
public enum ConnectionState {
    /** The handshake is running. */
    HANDSHAKING,
    /** The TLS handshake is complete on this side; a client waits for HANDSHAKE_DONE to confirm it. */
    ESTABLISHED,
    /** The handshake is confirmed (RFC 9001 §4.1.2): Handshake keys are gone, all features are usable. */
    CONFIRMED,
    /** We closed: only CONNECTION_CLOSE is sent, in answer to what arrives, for three PTOs (RFC 9000 §10.2.1). */
    CLOSING,
    /** The peer closed or reset: nothing is sent, for three PTOs (RFC 9000 §10.2.2). */
    DRAINING,
    /** Over: every state may be released. */
    CLOSED;

    /** {@return true once the connection can carry application data both ways} */
    public boolean isEstablished() {
        return this == ESTABLISHED || this == CONFIRMED;
    }

    /** {@return true in CLOSING, DRAINING or CLOSED} */
    public boolean isClosingOrClosed() {
        return this == CLOSING || this == DRAINING || this == CLOSED;
    }
}
