package qsock.core.stream;

/** The states of a stream's receiving part (RFC 9000 §3.2, Figure 3). */
public enum RecvStreamState {
    /** Receiving; the final size is not known yet. */
    RECV,
    /** A STREAM frame with the FIN bit fixed the final size; data is still missing. */
    SIZE_KNOWN,
    /** All data up to the final size was received. */
    DATA_RECVD,
    /** The application read all data and the end of the stream. Terminal. */
    DATA_READ,
    /** RESET_STREAM was received and not yet reported to the application. */
    RESET_RECVD,
    /** The application was told of the reset. Terminal. */
    RESET_READ;

    /** {@return true for the terminal states} */
    public boolean isTerminal() {
        return this == DATA_READ || this == RESET_READ;
    }
}
