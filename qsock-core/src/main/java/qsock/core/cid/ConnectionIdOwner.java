package qsock.core.cid;

import java.util.random.RandomGenerator;
import qsock.core.wire.ConnectionId;

/**
 * Which of a listener's I/O threads owns a connection ID: the thread's index, written into the low bits of the first
 * byte of every ID its endpoint issues, the other bits random.
 *
 * <p>A listener with several I/O threads shares one UDP port among as many sockets (SO_REUSEPORT), and the kernel
 * spreads datagrams over them by the hash of their addresses. A client whose address changes (NAT rebinding, a move,
 * RFC 9000 §9) may so reach another thread than the one holding its connection: that thread reads the owner from the
 * Destination Connection ID of the short-header packet and hands the datagram over, without any shared table.
 *
 * <p>Only as many bits as the thread count needs are taken (1 for two threads, 2 for up to four, at most 5 for
 * {@link #MAX_OWNERS}); the three high bits of the first byte stay random, or are QUIC-LB's config rotation bits
 * (draft-ietf-quic-load-balancers §3) when the listener issues QUIC-LB IDs, whose low bits the draft leaves to the
 * server: the index takes them there too. An ID is then 5 bits less random at
 * most: still far from guessable at the 8 bytes the library issues (RFC 9000 §10.3 asks only that a third party cannot
 * predict it). Zero-length IDs carry no owner; a listener with several threads needs IDs of one byte at least.
 *
 * @param index the owner, from 0
 * @param owners how many owners there are: 1 to {@link #MAX_OWNERS}
 */
public record ConnectionIdOwner(int index, int owners) {

    /** The most owners the low five bits of the first byte can tell apart. */
    public static final int MAX_OWNERS = 32;

    /** Checks the index and count. */
    public ConnectionIdOwner {
        if (owners < 1 || owners > MAX_OWNERS) {
            throw new IllegalArgumentException("owners must be 1 to " + MAX_OWNERS + ": " + owners);
        }
        if (index < 0 || index >= owners) {
            throw new IllegalArgumentException("owner index " + index + " is not in 0.." + (owners - 1));
        }
    }

    /** {@return the bits of the first byte that hold the owner of {@code owners}: 0 for one owner} */
    public static int mask(int owners) {
        return owners <= 1 ? 0 : (Integer.highestOneBit(owners - 1) << 1) - 1;
    }

    /**
     * {@return the owner the first byte of a connection ID names among {@code owners}, or -1 if it names none} (an
     * index of the mask's range past the last owner: an ID this listener did not issue)
     */
    public static int ownerOf(byte firstByte, int owners) {
        int i = firstByte & mask(owners);
        return i < owners ? i : -1;
    }

    /** {@return a new connection ID of {@code length} bytes, random but for this owner's bits} */
    public ConnectionId newId(RandomGenerator random, int length) {
        if (length == 0) {
            return ConnectionId.EMPTY;
        }
        byte[] b = new byte[length];
        random.nextBytes(b);
        int mask = mask(owners);
        b[0] = (byte) (b[0] & ~mask | index);
        return ConnectionId.of(b);
    }
}
