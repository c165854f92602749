package qsock.core.stream;

/** The states of a stream's sending part (RFC 9000 §3.1, Figure 2). */
public enum SendStreamState {
    /** Created; no frame sent yet. */
    READY,
    /** STREAM or STREAM_DATA_BLOCKED frames are being sent. */
    SEND,
    /** A STREAM frame with the FIN bit was sent; data may still be retransmitted. */
    DATA_SENT,
    /** All data and the FIN were acknowledged. Terminal. */
    DATA_RECVD,
    /** RESET_STREAM was sent (on the application's request or after STOP_SENDING). */
    RESET_SENT,
    /** RESET_STREAM was acknowledged. Terminal. */
    RESET_RECVD;

    /** {@return true for the terminal states} */
    public boolean isTerminal() {
        return this == DATA_RECVD || this == RESET_RECVD;
    }

    /** {@return true while data may still be sent: READY, SEND, DATA_SENT} */
    public boolean isSending() {
        return this == READY || this == SEND || this == DATA_SENT;
    }
}
