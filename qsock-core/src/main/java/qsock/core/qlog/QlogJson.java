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
                // main-schema-03 §6.2: field names in JSON-SEQ are lowercase; group_id (§3.4.6) names the connection.
                .append("\",\"trace\":{\"common_fields\":{\"odcid\":\"").append(odcidHex)
                .append("\",\"group_id\":\"").append(odcidHex)
                .append("\",\"protocol_type\":[\"QUIC\"],\"time_format\":\"relative\",\"reference_time\":")
                .append(referenceTimeMillis)
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
            case QlogEvent.ConnectionStarted s -> {
                b.append("connectivity:connection_started\",\"data\":{\"ip_version\":\"")
                        .append(s.remote().ipv4() ? "v4" : "v6").append("\",\"src_ip\":");
                string(b, s.local().ip());
                b.append(",\"dst_ip\":");
                string(b, s.remote().ip());
                if (s.local().port() >= 0) {
                    b.append(",\"src_port\":").append(s.local().port());
                }
                if (s.remote().port() >= 0) {
                    b.append(",\"dst_port\":").append(s.remote().port());
                }
                b.append(",\"protocol\":\"QUIC\",\"src_cid\":\"").append(s.srcCid())
                        .append("\",\"dst_cid\":\"").append(s.dstCid()).append("\"}");
            }
            case QlogEvent.ConnectionIdUpdated u -> {
                b.append("connectivity:connection_id_updated\",\"data\":{\"owner\":\"").append(u.owner()).append('"');
                if (u.oldCid() != null) {
                    b.append(",\"old\":\"").append(u.oldCid()).append('"');
                }
                b.append(",\"new\":\"").append(u.newCid()).append("\"}");
            }
            case QlogEvent.PathAssigned p -> {
                b.append("connectivity:path_assigned\",\"data\":{\"path_id\":");
                string(b, p.pathId());
                b.append(",\"path_remote\":");
                pathEndpoint(b, p.remote());
                b.append(",\"path_local\":");
                pathEndpoint(b, p.local());
                b.append('}');
            }
            case QlogEvent.MtuUpdated m -> b.append("connectivity:mtu_updated\",\"data\":{\"old\":").append(m.oldSize())
                    .append(",\"new\":").append(m.newSize()).append(",\"done\":").append(m.done()).append('}');
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
                if (c.trigger() != null) {
                    b.append("\"trigger\":\"").append(c.trigger()).append('"');
                } else if (b.charAt(b.length() - 1) == ',') {
                    b.setLength(b.length() - 1);
                }
                b.append('}');
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

    /** quic-events-07 "PathEndpointInfo": the address and port by family, and the connection ID if known. */
    private static void pathEndpoint(StringBuilder b, PathEndpoint e) {
        b.append('{');
        boolean first = true;
        if (!e.ip().isEmpty()) {
            b.append(e.ipv4() ? "\"ip_v4\":" : "\"ip_v6\":");
            string(b, e.ip());
            first = false;
        }
        if (e.port() >= 0) {
            b.append(first ? "" : ",").append(e.ipv4() ? "\"port_v4\":" : "\"port_v6\":").append(e.port());
            first = false;
        }
        if (e.connectionId() != null) {
            b.append(first ? "" : ",").append("\"connection_ids\":[\"").append(e.connectionId()).append("\"]");
        }
        b.append('}');
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
                    // quic-events-03 "AckFrame": a range of one packet SHOULD be logged as [n], not [n,n].
                    b.append('[').append(r[2 * i + 1]);
                    if (r[2 * i] != r[2 * i + 1]) {
                        b.append(',').append(r[2 * i]);
                    }
                    b.append(']');
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
            case NEW_TOKEN -> b.append("new_token\",\"token\":{\"length\":").append(f.length()).append('}');
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
                    .append(",\"retire_prior_to\":").append(f.offset()).append(",\"connection_id\":\"")
                    .append(f.connectionId()).append('"');
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
