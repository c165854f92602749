package qsock.socket;

/**
 * What one {@link QuicSocket#receive(java.nio.ByteBuffer, int)} read: the kernel's recvmsg result with its stream
 * information and message flags (draft-lxin-quic-socket-apis §4.1, §5.3.1). One message is stream data of one stream,
 * one datagram or one event; a datagram or event larger than the buffer comes in parts, the last with
 * {@link StreamFlags#EOR}.
 *
 * @param streamId the stream the bytes belong to; -1 for a datagram or an event
 * @param length the bytes written to the caller's buffer (0 with {@code FIN} when only a stream's end was left)
 * @param flags {@link StreamFlags#FIN} (the stream's end was read), {@link StreamFlags#DATAGRAM},
 *     {@link StreamFlags#NOTIFICATION}, {@link StreamFlags#EOR} (a datagram or event read to its end)
 * @param event for {@link StreamFlags#NOTIFICATION}, the event whose bytes these are (on every part); else null
 */
public record QuicMessage(long streamId, int length, int flags, QuicEvent event) {

    /** {@return true for stream data} */
    public boolean isStreamData() {
        return (flags & (StreamFlags.DATAGRAM | StreamFlags.NOTIFICATION)) == 0;
    }

    /** {@return true for (a part of) a datagram} */
    public boolean isDatagram() {
        return (flags & StreamFlags.DATAGRAM) != 0;
    }

    /** {@return true for (a part of) an event} */
    public boolean isEvent() {
        return (flags & StreamFlags.NOTIFICATION) != 0;
    }

    /** {@return true if the stream's end was read: no more data comes on it} */
    public boolean fin() {
        return (flags & StreamFlags.FIN) != 0;
    }

    /** {@return true if a datagram or event was read to its end (MSG_EOR)} */
    public boolean endOfRecord() {
        return (flags & StreamFlags.EOR) != 0;
    }
}
