package qsock.core.stream;

/**
 * What one {@link StreamManager#recv} call read, in one {@code long} so that the read path allocates nothing
 * (quiche's {@code stream_recv} returns the same pair): the bytes read, and whether the stream's end was reached
 * with them, which moved it to Data Read (RFC 9000 §3.2).
 */
public final class StreamRead {

    private StreamRead() {}

    /** {@return {@code length} and {@code fin} in one value} */
    public static long of(int length, boolean fin) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length: " + length);
        }
        return ((long) length << 1) | (fin ? 1 : 0);
    }

    /** {@return the bytes read} */
    public static int length(long read) {
        return (int) (read >>> 1);
    }

    /** {@return true if the stream's end was read: its last byte, or its FIN alone} */
    public static boolean fin(long read) {
        return (read & 1) != 0;
    }
}
