package qsock.core.stream;

/**
 * Our side's stream and flow-control settings: the limits we advertise in our transport parameters
 * (RFC 9000 §18.2), the caps on auto-tuned windows, and the bounds on what the application may queue for
 * sending: per stream and for the whole connection.
 *
 * <p>A window of 0 stays 0: this manager raises a window only by a share of it, so set the stream count of
 * that kind to 0 too (the peer then cannot open such streams).
 *
 * @param initialMaxData initial_max_data: our initial connection receive window
 * @param initialMaxStreamDataBidiLocal initial_max_stream_data_bidi_local: receive window of bidirectional
 *     streams we open
 * @param initialMaxStreamDataBidiRemote initial_max_stream_data_bidi_remote: receive window of bidirectional
 *     streams the peer opens
 * @param initialMaxStreamDataUni initial_max_stream_data_uni: receive window of unidirectional streams the peer opens
 * @param initialMaxStreamsBidi initial_max_streams_bidi: bidirectional streams the peer may have open at once
 * @param initialMaxStreamsUni initial_max_streams_uni: unidirectional streams the peer may have open at once
 * @param maxConnectionWindow the cap on auto-tuning of the connection window
 * @param maxStreamWindow the cap on auto-tuning of a stream window
 * @param sendBufferSize the bytes each stream buffers for sending, acknowledgement pending
 * @param connectionSendBufferSize the bytes all streams together buffer for sending, acknowledgement pending
 * @param maxReassemblyRanges the cap on received gaps per stream ({@link ReassemblyBuffer})
 */
public record StreamConfig(long initialMaxData, long initialMaxStreamDataBidiLocal, long initialMaxStreamDataBidiRemote,
        long initialMaxStreamDataUni, long initialMaxStreamsBidi, long initialMaxStreamsUni, long maxConnectionWindow,
        long maxStreamWindow, int sendBufferSize, int connectionSendBufferSize, int maxReassemblyRanges) {

    /** The largest value of a stream count (RFC 9000 §4.6). */
    private static final long MAX_STREAMS = 1L << 60;
    private static final long MAX_VARINT = (1L << 62) - 1;

    /** @throws IllegalArgumentException if a value is out of its range */
    public StreamConfig {
        nonNegative(initialMaxData, "initialMaxData", MAX_VARINT);
        nonNegative(initialMaxStreamDataBidiLocal, "initialMaxStreamDataBidiLocal", MAX_VARINT);
        nonNegative(initialMaxStreamDataBidiRemote, "initialMaxStreamDataBidiRemote", MAX_VARINT);
        nonNegative(initialMaxStreamDataUni, "initialMaxStreamDataUni", MAX_VARINT);
        nonNegative(initialMaxStreamsBidi, "initialMaxStreamsBidi", MAX_STREAMS);
        nonNegative(initialMaxStreamsUni, "initialMaxStreamsUni", MAX_STREAMS);
        nonNegative(maxConnectionWindow, "maxConnectionWindow", MAX_VARINT);
        nonNegative(maxStreamWindow, "maxStreamWindow", MAX_VARINT);
        if (sendBufferSize <= 0) {
            throw new IllegalArgumentException("sendBufferSize must be positive: " + sendBufferSize);
        }
        if (connectionSendBufferSize <= 0) {
            throw new IllegalArgumentException("connectionSendBufferSize must be positive: " + connectionSendBufferSize);
        }
        if (maxReassemblyRanges <= 0) {
            throw new IllegalArgumentException("maxReassemblyRanges must be positive: " + maxReassemblyRanges);
        }
    }

    /**
     * {@return defaults in the range of other stacks: 1 MiB connection and 256 KiB stream windows growing
     * to 24 MiB and 16 MiB, 100 bidirectional and 100 unidirectional streams, 256 KiB send buffers per stream
     * and 4 MiB per connection}
     */
    public static StreamConfig defaults() {
        return new StreamConfig(1 << 20, 256 << 10, 256 << 10, 256 << 10, 100, 100, 24 << 20, 16 << 20, 256 << 10,
                4 << 20, ReassemblyBuffer.DEFAULT_MAX_RANGES);
    }

    private static void nonNegative(long value, String name, long max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }
}
