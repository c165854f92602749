package qsock.core.stream;

/**
 * The stream and flow-control frames other than STREAM that {@link StreamManager} sends, as reported to a
 * {@link SentFrameSink} and handed back on acknowledgement or loss. Each names its frame type code.
 */
public enum ControlFrame {
    /** RESET_STREAM (RFC 9000 §19.4); value: the application error code. */
    RESET_STREAM(0x04),
    /** STOP_SENDING (§19.5); value: the application error code. */
    STOP_SENDING(0x05),
    /** MAX_DATA (§19.9); value: the maximum data. */
    MAX_DATA(0x10),
    /** MAX_STREAM_DATA (§19.10); value: the maximum stream data. */
    MAX_STREAM_DATA(0x11),
    /** MAX_STREAMS for bidirectional streams (§19.11); value: the maximum streams. */
    MAX_STREAMS_BIDI(0x12),
    /** MAX_STREAMS for unidirectional streams (§19.11); value: the maximum streams. */
    MAX_STREAMS_UNI(0x13),
    /** DATA_BLOCKED (§19.12); value: the connection limit we are blocked at. */
    DATA_BLOCKED(0x14),
    /** STREAM_DATA_BLOCKED (§19.13); value: the stream limit we are blocked at. */
    STREAM_DATA_BLOCKED(0x15),
    /** STREAMS_BLOCKED for bidirectional streams (§19.14); value: the stream limit. */
    STREAMS_BLOCKED_BIDI(0x16),
    /** STREAMS_BLOCKED for unidirectional streams (§19.14); value: the stream limit. */
    STREAMS_BLOCKED_UNI(0x17);

    private final int typeCode;

    ControlFrame(int typeCode) {
        this.typeCode = typeCode;
    }

    /** {@return the frame type code} */
    public int typeCode() {
        return typeCode;
    }

    /** {@return true for the frames that name a stream} */
    public boolean hasStreamId() {
        return this == RESET_STREAM || this == STOP_SENDING || this == MAX_STREAM_DATA
                || this == STREAM_DATA_BLOCKED;
    }
}
