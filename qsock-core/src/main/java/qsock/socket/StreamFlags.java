package qsock.socket;

/**
 * The stream flags of {@link QuicSocket#send} and {@link QuicSocket#openStream}, as the kernel's
 * {@code MSG_QUIC_STREAM_*} flags (draft-lxin-quic-socket-apis §5.3.1). Combine them with {@code |}.
 */
public final class StreamFlags {

    /** Open the next stream (bidirectional unless {@link #UNI}) and send on it. */
    public static final int NEW = 1;
    /** The data sent is the stream's last: FIN follows it. */
    public static final int FIN = 2;
    /** With {@link #NEW}: open the next unidirectional stream. */
    public static final int UNI = 4;
    /** Do not block: not to open a stream (peer's stream limit), nor for room in the send buffer. */
    public static final int DONTWAIT = 8;

    static final int ALL = NEW | FIN | UNI | DONTWAIT;

    private StreamFlags() {}

    static void check(int flags) {
        if ((flags & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown stream flags 0x" + Integer.toHexString(flags & ~ALL));
        }
    }
}
