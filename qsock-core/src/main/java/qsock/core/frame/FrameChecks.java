package qsock.core.frame;

import qsock.core.wire.VarInt;

/** Value checks shared by the frame records and the encoder; failures are caller bugs. */
final class FrameChecks {

    /**
     * The largest stream count a MAX_STREAMS or STREAMS_BLOCKED frame can carry, 2^60: a larger count
     * would permit a stream ID above 2^62-1 (RFC 9000 §19.11, §19.14).
     */
    static final long MAX_STREAMS = 1L << 60;

    private FrameChecks() {}

    /** {@return {@code value}} if it fits a varint; otherwise throws IllegalArgumentException. */
    static long varint(long value, String name) {
        if (value < 0 || value > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException(name + " is not a varint (0..2^62-1): " + value);
        }
        return value;
    }

    /** Checks that data of {@code length} bytes at {@code offset} ends at or below 2^62-1 (RFC 9000 §19.6, §19.8). */
    static void endOffset(long offset, long length) {
        varint(offset, "offset");
        if (length < 0 || length > VarInt.MAX_VALUE - offset) {
            throw new IllegalArgumentException("offset " + offset + " + length " + length + " exceeds 2^62-1");
        }
    }

    /** Checks a stream count of MAX_STREAMS or STREAMS_BLOCKED (RFC 9000 §19.11, §19.14). */
    static long streamCount(long value) {
        if (value < 0 || value > MAX_STREAMS) {
            throw new IllegalArgumentException("stream count is not in 0..2^60: " + value);
        }
        return value;
    }

    /**
     * Checks the first {@code rangeCount} acknowledged ranges of {@code ranges} in the layout of {@link
     * AckFrame}: (largest, smallest) pairs, descending, each range non-empty, at least one unacknowledged
     * packet between ranges, nothing below 0 or above 2^62-1.
     */
    static void ackRanges(long[] ranges, int rangeCount) {
        if (rangeCount < 1 || ranges.length < 2 * rangeCount) {
            throw new IllegalArgumentException("an ACK frame needs 1.." + ranges.length / 2 + " ranges, not "
                    + rangeCount);
        }
        varint(ranges[0], "largestAcknowledged");
        for (int i = 0; i < rangeCount; i++) {
            long largest = ranges[2 * i];
            long smallest = ranges[2 * i + 1];
            if (smallest < 0 || smallest > largest) {
                throw new IllegalArgumentException("ACK range " + i + " [" + smallest + ", " + largest
                        + "] is invalid");
            }
            // RFC 9000 §19.3.1: a Gap encodes at least one unacknowledged packet between two ranges.
            if (i + 1 < rangeCount && ranges[2 * i + 2] > smallest - 2) {
                throw new IllegalArgumentException("ACK range " + (i + 1) + " is not below range " + i
                        + " with a gap");
            }
        }
    }
}
