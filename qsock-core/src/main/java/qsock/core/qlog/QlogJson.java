package qsock.core.qlog;

import java.util.List;
import qsock.core.packet.PacketType;

/**
 * Turns a trace's header and events into the JSON of qlog 0.3 (draft-ietf-quic-qlog-main-schema, JSON-SEQ
 * serialisation; event data of draft-ietf-quic-qlog-quic-events), one record at a time, on the writer's thread.
 * Times are milliseconds, fractional, as qlog's "relative" time format wants.
 */
final class QlogJson {

    /** RFC 7464 §2.2: each JSON-SEQ record starts with RS. */
    static final char RECORD_SEPARATOR = 0x1e;

    private QlogJson() {}

    /** Appends the trace's header record (main-schema §4.2, JSON-SEQ form), RS and LF included. */
    static void header(StringBuilder b, String odcidHex, boolean server, long referenceTimeMillis) {
        b.append(RECORD_SEPARATOR).append("{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"qsock ")
                .append(server ? "server" : "client").append(' ').append(odcidHex)
                .append("\",\"trace\":{\"common_fields\":{\"ODCID\":\"").append(odcidHex)
                .append("\",\"time_format\":\"relative\",\"reference_time\":").append(referenceTimeMillis)
                .append("},\"vantage_point\":{\"name\":\"qsock\",\"type\":\"").append(server ? "server" : "client")
                .append("\"}}}\n");
    }

    /** Appends one event record, RS and LF included. */
    static void event(StringBuilder b, QlogEvent e) {
        b.append(RECORD_SEPARATOR).append("{\"time\":");
        millis(b, e.time());
        b.append(",\"name\":\"");
        switch (e) {
            case QlogEvent.Packet p -> packet(b, p);
            case QlogEvent.Metrics m -> {
                b.append("recovery:metrics_updated\",\"data\":{\"min_rtt\":");
                millis(b, m.minRtt());
                b.append(",\"smoothed_rtt\":");
                millis(b, m.smoothedRtt());
                b.append(",\"latest_rtt\":");
                millis(b, m.latestRtt());
                b.append(",\"rtt_variance\":");
                millis(b, m.rttVariance());
                b.append(",\"congestion_window\":").append(m.congestionWindow())
                        .append(",\"bytes_in_flight\":").append(m.bytesInFlight());
                if (m.ssthresh() != Long.MAX_VALUE) {
                    b.append(",\"ssthresh\":").append(m.ssthresh());
                }
                b.append('}');
            }
            case QlogEvent.CongestionState c -> {
                b.append("recovery:congestion_state_updated\",\"data\":{");
                if (c.oldState() != null) {
                    b.append("\"old\":\"").append(c.oldState()).append("\",");
                }
                b.append("\"new\":\"").append(c.newState()).append("\"}");
            }
            case QlogEvent.KeyUpdated k -> {
                b.append("security:key_updated\",\"data\":{\"key_type\":\"").append(k.keyType())
                        .append("\",\"trigger\":\"").append(k.trigger()).append('"');
                if (k.generation() > 0) {
                    b.append(",\"generation\":").append(k.generation());
                }
                b.append('}');
            }
            case QlogEvent.ConnectionStarted s -> b.append("connectivity:connection_started\",\"data\":{")
                    .append("\"protocol\":\"QUIC\",\"src_cid\":\"").append(s.srcCid())
                    .append("\",\"dst_cid\":\"").append(s.dstCid()).append("\"}");
            case QlogEvent.ConnectionClosed c -> {
                b.append("connectivity:connection_closed\",\"data\":{");
                if (c.owner() != null) {
                    b.append("\"owner\":\"").append(c.owner()).append("\",");
                }
                if (c.transportCode() >= 0) {
                    b.append("\"connection_code\":").append(c.transportCode()).append(',');
                }
                if (c.applicationCode() >= 0) {
                    b.append("\"application_code\":").append(c.applicationCode()).append(',');
                }
                if (c.reason() != null) {
                    b.append("\"reason\":");
                    string(b, c.reason());
                    b.append(',');
                }
                b.append("\"trigger\":\"").append(c.trigger()).append("\"}");
            }
        }
        b.append("}\n");
    }

    /** Appends a generic:info record, for what the writer itself has to say (events dropped). */
    static void info(StringBuilder b, long time, String message) {
        b.append(RECORD_SEPARATOR).append("{\"time\":");
        millis(b, time);
        b.append(",\"name\":\"generic:info\",\"data\":{\"message\":");
        string(b, message);
        b.append("}}\n");
    }

    private static void packet(StringBuilder b, QlogEvent.Packet p) {
        b.append(p.sent() ? "transport:packet_sent" : "transport:packet_received")
                .append("\",\"data\":{\"header\":{\"packet_type\":\"").append(packetType(p.packetType()))
                .append("\",\"packet_number\":").append(p.packetNumber())
                .append("},\"raw\":{\"length\":").append(p.length()).append("},\"frames\":[");
        List<QlogFrame> frames = p.frames();
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            frame(b, frames.get(i));
        }
        b.append("]}");
    }

    /** quic-events "PacketType": initial, handshake, 0RTT, 1RTT, retry. */
    static String packetType(PacketType t) {
        return switch (t) {
            case INITIAL -> "initial";
            case HANDSHAKE -> "handshake";
            case ZERO_RTT -> "0RTT";
            case ONE_RTT -> "1RTT";
            case RETRY -> "retry";
        };
    }

    /** One QuicFrame (quic-events "QuicFrame" and the frame types after it). */
    private static void frame(StringBuilder b, QlogFrame f) {
        b.append("{\"frame_type\":\"");
        switch (f.type()) {
            case PADDING -> b.append("padding\",\"length\":").append(f.length())
                    .append(",\"payload_length\":").append(f.length());
            case PING -> b.append("ping\"");
            case ACK -> {
                b.append("ack\",\"ack_delay_raw\":").append(f.offset()).append(",\"acked_ranges\":[");
                long[] r = f.ackRanges();
                // Ascending [smallest, largest] pairs, as qvis and the draft's examples list them.
                for (int i = r.length / 2 - 1; i >= 0; i--) {
                    b.append('[').append(r[2 * i + 1]).append(',').append(r[2 * i]).append(']');
                    if (i > 0) {
                        b.append(',');
                    }
                }
                b.append(']');
            }
            case RESET_STREAM -> b.append("reset_stream\",\"stream_id\":").append(f.streamId())
                    .append(",\"error_code\":").append(f.code()).append(",\"final_size\":").append(f.offset());
            case STOP_SENDING -> b.append("stop_sending\",\"stream_id\":").append(f.streamId())
                    .append(",\"error_code\":").append(f.code());
            case CRYPTO -> b.append("crypto\",\"offset\":").append(f.offset()).append(",\"length\":").append(f.length());
            case NEW_TOKEN -> b.append("new_token\",\"token\":{\"raw\":{\"length\":").append(f.length()).append("}}");
            case STREAM -> b.append("stream\",\"stream_id\":").append(f.streamId()).append(",\"offset\":")
                    .append(f.offset()).append(",\"length\":").append(f.length()).append(",\"fin\":").append(f.fin());
            case MAX_DATA -> b.append("max_data\",\"maximum\":").append(f.offset());
            case MAX_STREAM_DATA -> b.append("max_stream_data\",\"stream_id\":").append(f.streamId())
                    .append(",\"maximum\":").append(f.offset());
            case MAX_STREAMS -> b.append("max_streams\",\"stream_type\":\"").append(streamType(f))
                    .append("\",\"maximum\":").append(f.offset());
            case DATA_BLOCKED -> b.append("data_blocked\",\"limit\":").append(f.offset());
            case STREAM_DATA_BLOCKED -> b.append("stream_data_blocked\",\"stream_id\":").append(f.streamId())
                    .append(",\"limit\":").append(f.offset());
            case STREAMS_BLOCKED -> b.append("streams_blocked\",\"stream_type\":\"").append(streamType(f))
                    .append("\",\"limit\":").append(f.offset());
            case NEW_CONNECTION_ID -> b.append("new_connection_id\",\"sequence_number\":").append(f.streamId())
                    .append(",\"retire_prior_to\":").append(f.offset());
            case RETIRE_CONNECTION_ID -> b.append("retire_connection_id\",\"sequence_number\":").append(f.streamId());
            case PATH_CHALLENGE -> b.append("path_challenge\",\"data\":\"").append(hex8(f.offset())).append('"');
            case PATH_RESPONSE -> b.append("path_response\",\"data\":\"").append(hex8(f.offset())).append('"');
            case CONNECTION_CLOSE -> b.append("connection_close\",\"error_space\":\"transport\",\"error_code\":")
                    .append(f.code()).append(",\"trigger_frame_type\":").append(f.offset());
            case APPLICATION_CLOSE -> b.append("connection_close\",\"error_space\":\"application\",\"error_code\":")
                    .append(f.code());
            case HANDSHAKE_DONE -> b.append("handshake_done\"");
            case DATAGRAM -> b.append("datagram\",\"length\":").append(f.length());
        }
        b.append('}');
    }

    private static String streamType(QlogFrame f) {
        return f.fin() ? "unidirectional" : "bidirectional";
    }

    private static String hex8(long v) {
        return String.format("%016x", v);
    }

    /** Appends nanoseconds as milliseconds with three decimals (microsecond precision). */
    static void millis(StringBuilder b, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        b.append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            b.append('0');
        }
        if (frac < 10) {
            b.append('0');
        }
        b.append(frac);
    }

    /** Appends {@code s} as a JSON string (RFC 8259 §7). */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
