package qsock.core.sim;

import java.nio.ByteBuffer;

/**
 * Decides, datagram by datagram, which datagrams of one link direction a test drops on purpose: the first ACKs of a
 * handshake, the datagram carrying a Finished... Deterministic where the link's random loss is not targeted. It sees
 * each datagram after the link's own random draws, so installing one leaves the random fates of the others as they
 * were.
 */
@FunctionalInterface
public interface DatagramFilter {

    /**
     * {@return true to drop the datagram}
     *
     * @param index the datagram's number in this direction, from 0, counting every datagram the sender sent
     * @param datagram its bytes from position to limit; read only, with absolute gets
     * @param now the virtual time it leaves
     */
    boolean drop(long index, ByteBuffer datagram, long now);
}
