package qsock.socket;

/**
 * The flags of {@link QuicSocket#send}, {@link QuicSocket#openStream(long, int)} and {@link QuicSocket#receive(
 * java.nio.ByteBuffer, int)}, after the kernel's {@code MSG_QUIC_STREAM_*} stream flags and the message flags it uses
 * with QUIC (draft-lxin-quic-socket-apis §5.3.1, §4.1). Combine them with {@code |}. The values are qsock's own, not
 * the kernel's bits.
 */
public final class StreamFlags {

    /** Open a stream and send on it (MSG_QUIC_STREAM_NEW): with stream ID -1, the next one of its direction. */
    public static final int NEW = 1;
    /** The data sent is the stream's last: FIN follows it (MSG_QUIC_STREAM_FIN); on receive, the stream's end was read. */
    public static final int FIN = 2;
    /** With {@link #NEW} and stream ID -1: the next unidirectional stream (MSG_QUIC_STREAM_UNI). */
    public static final int UNI = 4;
    /**
     * Do not block (MSG_QUIC_STREAM_DONTWAIT and MSG_DONTWAIT): not to open a stream beyond the peer's limit, nor for
     * room to send, nor, on receive, for something to read.
     */
    public static final int DONTWAIT = 8;
    /**
     * Tell the peer when its limits stop us (MSG_QUIC_STREAM_SNDBLOCK): a stream open refused at the peer's stream
     * limit without waiting sends STREAMS_BLOCKED (RFC 9000 §19.14). A call that waits sends it anyway (RFC 9000 §4.6
     * says a sender SHOULD), as DATA_BLOCKED and STREAM_DATA_BLOCKED always leave when flow control holds data back.
     */
    public static final int SNDBLOCK = 0x10;
    /**
     * More data follows at once (MSG_MORE, the socket's cork): what this call queues is held until it fills a packet,
     * or until a send without this flag (or a close) uncorks the connection.
     */
    public static final int MORE = 0x20;
    /** Send {@code src} as one unreliable datagram, not on a stream (MSG_QUIC_DATAGRAM; RFC 9221); on receive, a datagram. */
    public static final int DATAGRAM = 0x40;
    /** On receive only: the message is an event (MSG_QUIC_NOTIFICATION), see {@link QuicMessage#event()}. */
    public static final int NOTIFICATION = 0x80;
    /**
     * On receive only: the datagram or event was read to its end (MSG_EOR); without it, the buffer was too small and
     * the next receive goes on with the same message.
     */
    public static final int EOR = 0x100;
    /** On receive: return what is there without taking it (MSG_PEEK); the next receive returns it again. */
    public static final int PEEK = 0x200;

    /** What {@link QuicSocket#send} takes. */
    static final int SEND = NEW | FIN | UNI | DONTWAIT | SNDBLOCK | MORE | DATAGRAM;
    /** What {@link QuicSocket#openStream(long, int)} takes. */
    static final int OPEN = NEW | UNI | DONTWAIT | SNDBLOCK;
    /** What {@link QuicSocket#receive(java.nio.ByteBuffer, int)} takes. */
    static final int RECEIVE = DONTWAIT | PEEK;

    private StreamFlags() {}

    /** Refuses flags outside {@code allowed} (the kernel's EINVAL: "any unknown flags ... MUST be rejected"). */
    static void check(int flags, int allowed, String call) {
        if ((flags & ~allowed) != 0) {
            throw new IllegalArgumentException(call + " takes no flag 0x" + Integer.toHexString(flags & ~allowed));
        }
    }
}
