package qsock.tools.hq;

/** A peer sent bytes that are not an hq-interop request; the server refuses the stream. */
public final class HqRequestException extends Exception {

    /** Creates the exception with what was wrong. */
    public HqRequestException(String reason) {
        super(reason);
    }
}
