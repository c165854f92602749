package qsock.core.qlog;

import java.util.Objects;
import qsock.core.frame.FrameType;

/**
 * One frame of a logged packet, as qlog's QuicFrame needs it (draft-ietf-quic-qlog-quic-events, "QuicFrame"): the
 * type and the few numbers its qlog form carries, read from the packet's plaintext by a
 * {@link qsock.core.frame.FrameReader}. Which fields mean something depends on the type:
 * <ul>
 *   <li>STREAM: {@code streamId}, {@code offset}, {@code length}, {@code fin}; CRYPTO: {@code offset},
 *       {@code length}; PADDING, DATAGRAM, NEW_TOKEN: {@code length};</li>
 *   <li>ACK: {@code ackRanges} as (largest, smallest) pairs in descending order, {@code offset} the ACK Delay
 *       field as sent;</li>
 *   <li>RESET_STREAM: {@code streamId}, {@code code}, {@code offset} the final size; STOP_SENDING: {@code streamId},
 *       {@code code};</li>
 *   <li>MAX_DATA, DATA_BLOCKED, MAX_STREAMS, STREAMS_BLOCKED: {@code offset} the limit, {@code fin} true for
 *       unidirectional streams; MAX_STREAM_DATA, STREAM_DATA_BLOCKED: {@code streamId} and {@code offset} the
 *       limit;</li>
 *   <li>NEW_CONNECTION_ID: {@code streamId} the sequence number, {@code offset} Retire Prior To, {@code
 *       connectionId} the ID; RETIRE_CONNECTION_ID: {@code streamId} the sequence number; PATH_CHALLENGE,
 *       PATH_RESPONSE: {@code offset} the 8 data bytes;</li>
 *   <li>CONNECTION_CLOSE: {@code code}, {@code offset} the frame type; APPLICATION_CLOSE: {@code code}.</li>
 * </ul>
 *
 * @param type the frame's type
 * @param typeCode the frame's type code as sent
 * @param streamId see above
 * @param offset see above
 * @param length see above
 * @param fin see above
 * @param code an error code, see above
 * @param ackRanges the ACK ranges, or null for any other frame
 * @param connectionId NEW_CONNECTION_ID's connection ID in hex (quic-events-03 requires it), or null
 */
public record QlogFrame(FrameType type, long typeCode, long streamId, long offset, long length, boolean fin,
                        long code, long[] ackRanges, String connectionId) {

    /** Checks the type. */
    public QlogFrame {
        Objects.requireNonNull(type, "type");
    }
}
