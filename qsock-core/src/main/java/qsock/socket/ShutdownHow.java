package qsock.socket;

/** What {@link QuicSocket#shutdown} shuts (the kernel's SHUT_RD, SHUT_WR, SHUT_RDWR). */
public enum ShutdownHow {
    /** No more receiving: blocked and later receive calls fail, and stream data arriving is discarded. */
    READ,
    /** No more sending: the connection is closed with CONNECTION_CLOSE, as the kernel's SHUT_WR does. */
    WRITE,
    /** Both: the connection is closed, and every blocked call of the socket (accept included) wakes and fails. */
    BOTH
}
