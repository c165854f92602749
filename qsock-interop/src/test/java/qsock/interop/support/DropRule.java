package qsock.interop.support;

import java.nio.ByteBuffer;

/**
 * Which datagrams a {@link UdpRelay} drops by a rule of the test's own, decided from what went through so far rather
 * than drawn at random like an {@link Impairment}: "the client's acknowledgements of the server's first flight",
 * say. The relay asks it for every datagram either way, from the thread of that direction, in arrival order.
 */
@FunctionalInterface
public interface DropRule {
    /** Drops nothing. */
    DropRule NONE = (direction, datagram) -> false;

    /**
     * {@return true if the relay is to drop {@code datagram}, which arrived going {@code direction}}; the datagram's
     * position and limit are to be left as they were
     */
    boolean drop(PacketLog.Direction direction, ByteBuffer datagram);
}
