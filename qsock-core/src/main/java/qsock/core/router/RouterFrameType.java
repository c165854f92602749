package qsock.core.router;

/**
 * The messages between routerd and its listeners on the control socket (a Unix domain stream socket), each framed as
 * a 4-byte big-endian length (of what follows), the type's code, and its body ({@link RouterWire}).
 */
public enum RouterFrameType {
    /** Listener to daemon, first: version, flags (reuse-port), the ALPN protocols it serves. */
    HELLO(1),
    /** Daemon to listener: the public address, the QUIC-LB configuration and the server ID its IDs must carry. */
    WELCOME(2),
    /** Daemon to listener, instead of WELCOME: why the registration was refused; the daemon then closes. */
    REFUSED(3),
    /** Daemon to listener: one datagram of one of its connections, with the addresses it travelled between. */
    DATAGRAM(4),
    /** Listener to daemon: route no new connection here any more; datagrams of existing ones still come. */
    WITHDRAW(5);

    private final int code;

    RouterFrameType(int code) {
        this.code = code;
    }

    /** {@return the type's code on the wire} */
    public int code() {
        return code;
    }

    /** {@return the type of {@code code}, or null for an unknown one} */
    public static RouterFrameType of(int code) {
        for (RouterFrameType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
