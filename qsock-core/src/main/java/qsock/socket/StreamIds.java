package qsock.socket;

import qsock.api.Role;
import qsock.core.stream.StreamId;

/**
 * What a stream ID says (RFC 9000 §2.1), for the socket's users: who opened the stream, its direction, and so who
 * may send and receive on it. The least significant bit names the initiator (0 client, 1 server), the second the
 * direction (0 bidirectional, 1 unidirectional).
 */
public final class StreamIds {

    /** The largest stream index: stream IDs are varints, so the index has 60 bits (RFC 9000 §4.6). */
    public static final long MAX_INDEX = StreamId.MAX_INDEX;

    private StreamIds() {}

    /** {@return true if an endpoint of role {@code role} opened stream {@code id}} */
    public static boolean isInitiatedBy(long id, Role role) {
        return StreamId.isInitiatedBy(id, role);
    }

    /** {@return true if stream {@code id} is bidirectional} */
    public static boolean isBidirectional(long id) {
        return StreamId.isBidirectional(id);
    }

    /** {@return the index of stream {@code id} among the streams of the same initiator and direction} */
    public static long index(long id) {
        return StreamId.index(id);
    }

    /** {@return true if an endpoint of role {@code local} can send on stream {@code id}} */
    public static boolean canSend(long id, Role local) {
        return StreamId.canSend(id, local);
    }

    /** {@return true if an endpoint of role {@code local} can receive on stream {@code id}} */
    public static boolean canReceive(long id, Role local) {
        return StreamId.canReceive(id, local);
    }
}
