package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.core.packet.Ecn;

/**
 * Packets of one level that arrived before the level's read keys, kept to be processed once the keys are
 * installed (RFC 9001 §4.1.4, RFC 9000 §5.2 suggest buffering rather than dropping). Typical case: the
 * server's Handshake packet coalesced behind its Initial, which reaches the TLS stack only after the
 * datagram was read. Bounded in count and bytes; beyond the bound packets are dropped, as a peer that
 * retransmits would see them lost.
 *
 * <p>Each packet is copied into an array of its own length, made when it arrives and let go once processed:
 * a connection that never buffers anything holds nothing here, and one that does holds what the peer sent,
 * not a fixed block per slot.
 */
final class UndecryptablePackets {

    static final int MAX_PACKETS = 8;
    static final int MAX_PACKET_SIZE = 2048;

    /** Null until the first packet is buffered. */
    private byte[][] packets;
    /** The ECN codepoint of each packet's datagram, counted when it is processed (RFC 9000 §13.4.1). */
    private Ecn[] ecns;
    private int count;

    /** Copies {@code [from, to)} of {@code datagram}; returns false if full or too large (dropped). */
    boolean add(ByteBuffer datagram, int from, int to) {
        return add(datagram, from, to, Ecn.NOT_ECT);
    }

    /** As {@link #add(ByteBuffer, int, int)}, for a datagram that arrived with the ECN codepoint {@code ecn}. */
    boolean add(ByteBuffer datagram, int from, int to, Ecn ecn) {
        int length = to - from;
        if (count == MAX_PACKETS || length > MAX_PACKET_SIZE) {
            return false;
        }
        if (packets == null) {
            packets = new byte[MAX_PACKETS][];
            ecns = new Ecn[MAX_PACKETS];
        }
        ecns[count] = ecn;
        byte[] packet = new byte[length];
        datagram.get(from, packet, 0, length);
        packets[count++] = packet;
        return true;
    }

    int size() {
        return count;
    }

    /** {@return a buffer over the i-th packet's bytes} */
    ByteBuffer packet(int i) {
        return ByteBuffer.wrap(packets[i]);
    }

    /** {@return the ECN codepoint of the i-th packet's datagram} */
    Ecn ecn(int i) {
        return ecns[i];
    }

    /** Forgets every packet and lets their copies go, the slots too (rare: packets before their keys). */
    void clear() {
        packets = null;
        ecns = null;
        count = 0;
    }
}
