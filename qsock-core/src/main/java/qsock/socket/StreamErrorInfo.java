package qsock.socket;

/**
 * The socket draft's {@code struct quic_errinfo}: a stream and an application error code, the value of
 * {@link QuicSocketOptions#STREAM_RESET} (RESET_STREAM, RFC 9000 §19.4) and {@link QuicSocketOptions#STREAM_STOP_SENDING}
 * (STOP_SENDING, §19.5).
 *
 * @param streamId the stream (RFC 9000 §2.1)
 * @param errorCode the application protocol's error code, sent to the peer
 */
public record StreamErrorInfo(long streamId, long errorCode) {

    /** @throws IllegalArgumentException for a value outside the variable-length integer range (RFC 9000 §16) */
    public StreamErrorInfo {
        OptionRanges.range("stream_id", streamId, 0, OptionRanges.MAX_VARINT);
        OptionRanges.range("errcode", errorCode, 0, OptionRanges.MAX_VARINT);
    }
}
