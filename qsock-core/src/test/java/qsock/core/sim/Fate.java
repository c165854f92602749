package qsock.core.sim;

/**
 * What happened to a datagram, as reported to a {@link SimTrace}.
 *
 * <p>When a host sends a datagram the trace gets exactly one of {@link #SENT}, {@link #DROPPED_MTU},
 * {@link #DROPPED_QUEUE}, {@link #DROPPED_LOSS} or {@link #UNROUTABLE}; after {@link #SENT} it may get
 * {@link #REORDERED}, {@link #CORRUPTED} and {@link #DUPLICATED} at the same time, and later one
 * {@link #DELIVERED} per copy that reaches its host.
 */
public enum Fate {
    /** Accepted by the link and scheduled for delivery. */
    SENT,
    /** Dropped because it was longer than the link's MTU. */
    DROPPED_MTU,
    /** Dropped at the tail of the link's full queue. */
    DROPPED_QUEUE,
    /** Lost on the wire (after the bottleneck, so it used its serialization time). */
    DROPPED_LOSS,
    /** Dropped because no link leads from the sender to the destination address. */
    UNROUTABLE,
    /** Given extra delay so that later datagrams overtake it. */
    REORDERED,
    /** One bit flipped in the copy that will be delivered. */
    CORRUPTED,
    /** A second, unmodified copy scheduled after the first. */
    DUPLICATED,
    /** Handed to the destination host. */
    DELIVERED
}
