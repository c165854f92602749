package qsock.core.runtime.ffm;

import java.io.IOException;

/**
 * A system call of {@link BatchUdpSocket} failed: says which call and the errno, by number, symbol and text (as
 * "sendmmsg failed: EMSGSIZE (Message too long, errno 90)"), so that a runtime can act on the errno (say, a path MTU
 * probe too large for the interface) without parsing the message.
 */
public final class ErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    ErrnoException(String call, int errno, String hint) {
        super(message(call, errno, hint));
        this.call = call;
        this.errno = errno;
    }

    private static String message(String call, int errno, String hint) {
        String text = Libc.errnoText(errno);
        String what = text == null ? "errno " + errno : Libc.errnoName(errno) + " (" + text + ", errno " + errno + ")";
        return call + " failed: " + what + (hint == null ? "" : ": " + hint);
    }

    /** {@return the system call that failed, with what it was called on where that helps (as "bind /1.2.3.4:5")} */
    public String call() {
        return call;
    }

    /** {@return the errno the call set} */
    public int errno() {
        return errno;
    }

    /** {@return the errno's symbol, as "EMSGSIZE"; "errno N" for one qsock's table lacks} */
    public String errnoName() {
        return Libc.errnoName(errno);
    }
}
