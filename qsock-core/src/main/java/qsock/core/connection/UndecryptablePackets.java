package qsock.core.connection;

import java.nio.ByteBuffer;

/**
 * Packets of one level that arrived before the level's read keys, kept to be processed once the keys are
 * installed (RFC 9001 §4.1.4, RFC 9000 §5.2 suggest buffering rather than dropping). Typical case: the
 * server's Handshake packet coalesced behind its Initial, which reaches the TLS stack only after the
 * datagram was read. Bounded in count and bytes; beyond the bound packets are dropped, as a peer that
 * retransmits would see them lost.
 */
final class UndecryptablePackets {

    static final int MAX_PACKETS = 8;
    static final int MAX_PACKET_SIZE = 2048;

    private final byte[][] packets = new byte[MAX_PACKETS][];
    private final int[] lengths = new int[MAX_PACKETS];
    private int count;

    /** Copies {@code [from, to)} of {@code datagram}; returns false if full or too large (dropped). */
    boolean add(ByteBuffer datagram, int from, int to) {
        int length = to - from;
        if (count == MAX_PACKETS || length > MAX_PACKET_SIZE) {
            return false;
        }
        if (packets[count] == null) {
            packets[count] = new byte[MAX_PACKET_SIZE];
        }
        datagram.get(from, packets[count], 0, length);
        lengths[count] = length;
        count++;
        return true;
    }

    int size() {
        return count;
    }

    /** {@return a buffer over the i-th packet's bytes} */
    ByteBuffer packet(int i) {
        return ByteBuffer.wrap(packets[i], 0, lengths[i]);
    }

    void clear() {
        count = 0;
    }
}
