package qsock.core.packet;

/**
 * Packet number truncation and recovery (RFC 9000 §17.1 and Appendix A.2, A.3).
 *
 * <p>Packet numbers are 62-bit counters per packet number space; a header carries only their 1 to 4
 * least significant bytes, enough for the receiver to recover the full number from the largest one it
 * has processed.
 */
public final class PacketNumber {

    /** The largest packet number, 2^62-1 (RFC 9000 §12.3). */
    public static final long MAX = (1L << 62) - 1;

    /** Stands for "no packet acknowledged yet" / "no packet received yet" in this package's methods. */
    public static final long NONE = -1;

    private PacketNumber() {}

    /**
     * {@return how many bytes (1-4) to send {@code packetNumber} in}, so that it stays decodable while
     * every packet after {@code largestAcked} may still be in flight (RFC 9000 §17.1, Appendix A.2: the
     * range must cover at least twice the number of unacknowledged packets, plus one).
     *
     * @param largestAcked the largest packet number the peer has acknowledged in this space, or {@link #NONE}
     */
    public static int encodedLength(long packetNumber, long largestAcked) {
        long unacked = largestAcked == NONE ? packetNumber + 1 : packetNumber - largestAcked;
        // Bits needed for 2 * unacked + 1 distinct values.
        int bits = 64 - Long.numberOfLeadingZeros(2 * unacked + 1);
        int bytes = (bits + 7) / 8;
        return Math.max(1, Math.min(4, bytes));
    }

    /**
     * Recovers a full packet number from its truncated form (RFC 9000 Appendix A.3).
     *
     * @param largestReceived the largest packet number processed so far in this space, or {@link #NONE}
     * @param truncated the packet number as read from the header, unsigned
     * @param lengthBytes how many bytes it was sent in, 1 to 4
     */
    public static long decode(long largestReceived, long truncated, int lengthBytes) {
        long expected = largestReceived + 1;
        long window = 1L << (lengthBytes * 8);
        long halfWindow = window / 2;
        long mask = window - 1;
        long candidate = (expected & ~mask) | truncated;
        if (candidate <= expected - halfWindow && candidate < (1L << 62) - window) {
            return candidate + window;
        }
        if (candidate > expected + halfWindow && candidate >= window) {
            return candidate - window;
        }
        return candidate;
    }
}
