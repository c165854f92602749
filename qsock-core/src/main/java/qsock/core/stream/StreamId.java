package qsock.core.stream;

import qsock.api.Role;

/**
 * Static helpers for stream IDs (RFC 9000 §2.1): the least significant bit names the initiator (0 client,
 * 1 server), the second bit the direction (0 bidirectional, 1 unidirectional), and the rest is the
 * stream's index among the streams of its type.
 */
public final class StreamId {

    /** The largest stream index: stream IDs are varints, so the index has 60 bits (RFC 9000 §4.6). */
    public static final long MAX_INDEX = (1L << 60) - 1;

    private StreamId() {}

    /** {@return true if the client opened stream {@code id}} */
    public static boolean isClientInitiated(long id) {
        return (id & 0x1) == 0;
    }

    /** {@return true if an endpoint of role {@code role} opened stream {@code id}} */
    public static boolean isInitiatedBy(long id, Role role) {
        return isClientInitiated(id) == (role == Role.CLIENT);
    }

    /** {@return true if stream {@code id} is bidirectional} */
    public static boolean isBidirectional(long id) {
        return (id & 0x2) == 0;
    }

    /** {@return the index of stream {@code id} among the streams of the same initiator and direction} */
    public static long index(long id) {
        return id >>> 2;
    }

    /**
     * {@return the ID of the {@code index}th stream that {@code initiator} opens in the given direction}
     *
     * @throws IllegalArgumentException if {@code index} is negative or above {@link #MAX_INDEX}
     */
    public static long of(Role initiator, boolean bidirectional, long index) {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("stream index out of range: " + index);
        }
        return (index << 2) | (bidirectional ? 0 : 0x2) | (initiator == Role.SERVER ? 0x1 : 0);
    }

    /** {@return true if an endpoint of role {@code local} can send on stream {@code id}} */
    public static boolean canSend(long id, Role local) {
        return isBidirectional(id) || isInitiatedBy(id, local);
    }

    /** {@return true if an endpoint of role {@code local} can receive on stream {@code id}} */
    public static boolean canReceive(long id, Role local) {
        return isBidirectional(id) || !isInitiatedBy(id, local);
    }
}
