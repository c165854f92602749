package qsock.core.sim;

import java.net.InetSocketAddress;

/** A hook that sees every datagram event of a {@link SimNetwork}, for a packet log or test assertions. */
@FunctionalInterface
public interface SimTrace {

    /**
     * Records one event.
     *
     * @param time virtual time of the event
     * @param id the network's sequence number of the datagram (copies and their events share it)
     * @param from the sender's address
     * @param to the destination address
     * @param length the datagram's length in bytes
     * @param fate what happened
     */
    void record(long time, long id, InetSocketAddress from, InetSocketAddress to, int length, Fate fate);

    /** {@return text to append to a {@link SimulationFailure}'s message, such as the last packets seen} */
    default String failureContext() {
        return "";
    }
}
