package qsock.tls.socket;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The REQUIRED fields of qlog 0.3, their types and enumerated values, checked on a JSON-SEQ trace read with {@link
 * Json}: what draft-ietf-quic-qlog-main-schema-03 (the header, §6.2 "QlogFileSeq" and "TraceSeq"; §3.3.2
 * "VantagePoint"; §3.4 "Event"; §3.4.1 "TimeFormat") and draft-ietf-quic-qlog-quic-events-03 (the event data, §4 to
 * §7, and the data types of §8) say a field MUST hold, for every event qsock writes. An event of a name the drafts
 * define but qsock does not write is checked for its envelope only; a name they do not define is refused. Fields the
 * drafts do not name are allowed (main-schema-03 §3.4: "Other fields are explicitly allowed by the qlog approach").
 *
 * <p>Two choices where the drafts disagree with each other: connectivity:path_assigned is checked as quic-events-07
 * §4.7 defines it (-03 and -04 leave migration events unwritten); security:key_updated's {@code new} (the secret
 * itself, required in -03 to -05) is checked as optional, as from -06 on: a trace does not carry keys.
 *
 * <p>Also what qvis needs to load a {@code .sqlog} (quiclog/qvis, FileLoader.ts and textsequencejsontoqlog.ts): the
 * header first, with qlog_version, qlog_format "JSON-SEQ" and a trace, within the first 1024 characters; each record
 * valid JSON (a record that is not ends the load), which {@link QlogTest} checks by parsing each one.
 */
final class QlogSchema {

    /** main-schema-03 §3.3.2. */
    private static final Set<String> VANTAGE_POINT_TYPES = Set.of("client", "server", "network", "unknown");
    /** main-schema-03 §3.4.1. */
    private static final Set<String> TIME_FORMATS = Set.of("absolute", "delta", "relative");
    /** quic-events-03 §3 table, plus connectivity:path_assigned of quic-events-07 §4.7. */
    private static final Set<String> QUIC_EVENTS = Set.of(
            "connectivity:server_listening", "connectivity:connection_started", "connectivity:connection_closed",
            "connectivity:connection_id_updated", "connectivity:spin_bit_updated",
            "connectivity:connection_state_updated", "connectivity:mtu_updated", "connectivity:path_assigned",
            "transport:version_information", "transport:alpn_information", "transport:parameters_set",
            "transport:parameters_restored", "transport:packet_sent", "transport:packet_received",
            "transport:packet_dropped", "transport:packet_buffered", "transport:packets_acked",
            "transport:datagrams_sent", "transport:datagrams_received", "transport:datagram_dropped",
            "transport:stream_state_updated", "transport:frames_processed", "transport:data_moved",
            "security:key_updated", "security:key_discarded", "recovery:parameters_set", "recovery:metrics_updated",
            "recovery:congestion_state_updated", "recovery:loss_timer_updated", "recovery:packet_lost",
            "recovery:marked_for_retransmit",
            // main-schema-03 §5.2, §5.3: generic and simulation events.
            "generic:error", "generic:warning", "generic:info", "generic:debug", "generic:verbose",
            "simulation:scenario", "simulation:marker");
    /** quic-events-03 §8 "PacketType". */
    private static final Set<String> PACKET_TYPES = Set.of("initial", "handshake", "0RTT", "1RTT", "retry",
            "version_negotiation", "stateless_reset", "unknown");
    /** quic-events-03 §8 "KeyType". */
    private static final Set<String> KEY_TYPES = Set.of("server_initial_secret", "client_initial_secret",
            "server_handshake_secret", "client_handshake_secret", "server_0rtt_secret", "client_0rtt_secret",
            "server_1rtt_secret", "client_1rtt_secret");
    /** quic-events-03 §4.3. */
    private static final Set<String> CLOSE_TRIGGERS = Set.of("clean", "handshake_timeout", "idle_timeout", "error",
            "stateless_reset", "version_mismatch", "application");
    private static final Set<String> OWNERS = Set.of("local", "remote");

    private final List<String> problems = new ArrayList<>();

    private QlogSchema() {}

    /** {@return what the records of a JSON-SEQ trace (header first) break of the drafts' rules; empty if nothing} */
    static List<String> violations(List<Map<String, Object>> records) {
        QlogSchema s = new QlogSchema();
        if (records.isEmpty()) {
            s.problems.add("no header record");
            return s.problems;
        }
        s.header(records.getFirst());
        for (int i = 1; i < records.size(); i++) {
            s.event("record " + i, records.get(i));
        }
        for (int i = 0; i < records.size(); i++) {
            s.lowercaseNames("record " + i, records.get(i));
        }
        return s.problems;
    }

    /** {@return what one event record breaks} */
    static List<String> eventViolations(Map<String, Object> event) {
        QlogSchema s = new QlogSchema();
        s.event("event", event);
        s.lowercaseNames("event", event);
        return s.problems;
    }

    /** main-schema-03 §6.2 QlogFileSeq, TraceSeq; §3.3.2 VantagePoint; §3.4.1 and §3.4.7 (common_fields). */
    private void header(Map<String, Object> h) {
        if (!"JSON-SEQ".equals(h.get("qlog_format"))) {
            problems.add("header: qlog_format is not \"JSON-SEQ\": " + h.get("qlog_format"));
        }
        text("header", h, "qlog_version", true);
        text("header", h, "title", false);
        text("header", h, "description", false);
        Map<?, ?> trace = object("header", h, "trace", true);
        if (trace == null) {
            return;
        }
        text("header.trace", trace, "title", false);
        Map<?, ?> vantage = object("header.trace", trace, "vantage_point", true);
        if (vantage != null) {
            text("header.trace.vantage_point", vantage, "name", false);
            oneOf("header.trace.vantage_point", vantage, "type", VANTAGE_POINT_TYPES, true);
            oneOf("header.trace.vantage_point", vantage, "flow", VANTAGE_POINT_TYPES, false);
            if ("network".equals(vantage.get("type")) && vantage.get("flow") == null) {
                problems.add("header.trace.vantage_point: flow is required for type network (§3.3.2)");
            }
        }
        Map<?, ?> common = object("header.trace", trace, "common_fields", false);
        if (common != null) {
            oneOf("header.trace.common_fields", common, "time_format", TIME_FORMATS, false);
            number("header.trace.common_fields", common, "reference_time", false);
            text("header.trace.common_fields", common, "group_id", false);
            if (common.containsKey("protocol_type") && !(common.get("protocol_type") instanceof List<?>)) {
                problems.add("header.trace.common_fields: protocol_type is not an array");
            }
        }
    }

    /** main-schema-03 §3.4 Event: time, name, data; then the data of the events qsock writes. */
    private void event(String where, Map<String, Object> e) {
        number(where, e, "time", true);
        Object name = e.get("name");
        if (!(name instanceof String n)) {
            problems.add(where + ": name is missing or not text");
            return;
        }
        where = where + " (" + n + ")";
        if (!QUIC_EVENTS.contains(n)) {
            problems.add(where + ": name is no category:event the drafts define");
        }
        Map<?, ?> d = object(where, e, "data", true);
        if (d == null) {
            return;
        }
        switch (n) {
            case "connectivity:connection_started" -> {
                // quic-events-03 §4.2: src_ip and dst_ip required.
                text(where, d, "src_ip", true);
                text(where, d, "dst_ip", true);
                oneOf(where, d, "ip_version", Set.of("v4", "v6"), false);
                port(where, d, "src_port", false);
                port(where, d, "dst_port", false);
                hex(where, d, "src_cid", false);
                hex(where, d, "dst_cid", false);
            }
            case "connectivity:connection_closed" -> {
                oneOf(where, d, "owner", OWNERS, false);
                oneOf(where, d, "trigger", CLOSE_TRIGGERS, false);
                text(where, d, "reason", false);
                if (d.containsKey("connection_code") && !(d.get("connection_code") instanceof String)) {
                    uint(where, d, "connection_code", false);
                }
                if (d.containsKey("application_code") && !(d.get("application_code") instanceof String)) {
                    uint(where, d, "application_code", false);
                }
            }
            case "connectivity:connection_id_updated" -> {
                // quic-events-03 §4.4.
                oneOf(where, d, "owner", OWNERS, true);
                hex(where, d, "old", false);
                hex(where, d, "new", false);
            }
            case "connectivity:path_assigned" -> {
                // quic-events-07 §4.7 and its "PathEndpointInfo".
                text(where, d, "path_id", true);
                pathEndpoint(where + ".path_remote", object(where, d, "path_remote", false));
                pathEndpoint(where + ".path_local", object(where, d, "path_local", false));
            }
            case "connectivity:mtu_updated" -> {
                // quic-events-03 §4.8.
                uint(where, d, "new", true);
                uint(where, d, "old", false);
                bool(where, d, "done", false);
            }
            case "transport:packet_sent", "transport:packet_received" -> packet(where, d);
            case "security:key_updated" -> {
                // quic-events-03 §6.1; "new" optional as from -06.
                oneOf(where, d, "key_type", KEY_TYPES, true);
                oneOf(where, d, "trigger", Set.of("tls", "remote_update", "local_update"), false);
                uint(where, d, "generation", false);
                hex(where, d, "old", false);
                hex(where, d, "new", false);
            }
            case "recovery:metrics_updated" -> {
                // quic-events-03 §7.2: all optional, "at least one of the listed metrics".
                List<String> metrics = List.of("min_rtt", "smoothed_rtt", "latest_rtt", "rtt_variance", "pto_count",
                        "congestion_window", "bytes_in_flight", "ssthresh", "packets_in_flight", "pacing_rate");
                boolean any = false;
                for (String m : metrics) {
                    any |= d.containsKey(m);
                    number(where, d, m, false);
                }
                for (String m : List.of("congestion_window", "bytes_in_flight", "ssthresh", "pto_count")) {
                    uint(where, d, m, false);
                }
                if (!any) {
                    problems.add(where + ": no metric");
                }
            }
            case "recovery:congestion_state_updated" -> {
                // quic-events-03 §7.3.
                text(where, d, "new", true);
                text(where, d, "old", false);
                oneOf(where, d, "trigger", Set.of("persistent_congestion", "ECN"), false);
            }
            case "generic:info" -> text(where, d, "message", true);
            default -> { }
        }
    }

    /** quic-events-03 §5.5, §5.6 and "PacketHeader", "RawInfo" (main-schema-03). */
    private void packet(String where, Map<?, ?> d) {
        Map<?, ?> header = object(where, d, "header", true);
        if (header != null) {
            oneOf(where + ".header", header, "packet_type", PACKET_TYPES, true);
            uint(where + ".header", header, "packet_number", false);
        }
        Map<?, ?> raw = object(where, d, "raw", false);
        if (raw != null) {
            uint(where + ".raw", raw, "length", false);
            uint(where + ".raw", raw, "payload_length", false);
        }
        if (!d.containsKey("frames")) {
            return;
        }
        if (!(d.get("frames") instanceof List<?> frames)) {
            problems.add(where + ": frames is not an array");
            return;
        }
        for (int i = 0; i < frames.size(); i++) {
            String w = where + ".frames[" + i + "]";
            if (frames.get(i) instanceof Map<?, ?> f) {
                frame(w, f);
            } else {
                problems.add(w + ": not an object");
            }
        }
    }

    /** quic-events-03 §8 "QUIC Frames": each frame type's required fields. */
    private void frame(String where, Map<?, ?> f) {
        Object type = f.get("frame_type");
        if (!(type instanceof String t)) {
            problems.add(where + ": frame_type is missing or not text");
            return;
        }
        where = where + " (" + t + ")";
        switch (t) {
            case "padding" -> uint(where, f, "payload_length", true);
            case "ping", "handshake_done" -> { }
            case "ack" -> {
                number(where, f, "ack_delay", false);
                if (f.containsKey("acked_ranges")) {
                    if (f.get("acked_ranges") instanceof List<?> ranges) {
                        for (Object r : ranges) {
                            // AckRange = [1*2 uint64]
                            if (!(r instanceof List<?> l) || l.isEmpty() || l.size() > 2
                                    || !l.stream().allMatch(QlogSchema::isUint)) {
                                problems.add(where + ": an ack range is not [1*2 uint64]: " + r);
                            }
                        }
                    } else {
                        problems.add(where + ": acked_ranges is not an array");
                    }
                }
            }
            case "reset_stream" -> {
                uint(where, f, "stream_id", true);
                errorCode(where, f, true);
                uint(where, f, "final_size", true);
            }
            case "stop_sending" -> {
                uint(where, f, "stream_id", true);
                errorCode(where, f, true);
            }
            case "crypto" -> {
                uint(where, f, "offset", true);
                uint(where, f, "length", true);
            }
            case "new_token" -> {
                Map<?, ?> token = object(where, f, "token", true);
                if (token != null) {
                    uint(where + ".token", token, "length", false);
                }
            }
            case "stream" -> {
                uint(where, f, "stream_id", true);
                uint(where, f, "offset", true);
                uint(where, f, "length", true);
                bool(where, f, "fin", false);
            }
            case "max_data" -> uint(where, f, "maximum", true);
            case "max_stream_data" -> {
                uint(where, f, "stream_id", true);
                uint(where, f, "maximum", true);
            }
            case "max_streams", "streams_blocked" -> {
                oneOf(where, f, "stream_type", Set.of("unidirectional", "bidirectional"), true);
                uint(where, f, t.equals("max_streams") ? "maximum" : "limit", true);
            }
            case "data_blocked" -> uint(where, f, "limit", true);
            case "stream_data_blocked" -> {
                uint(where, f, "stream_id", true);
                uint(where, f, "limit", true);
            }
            case "new_connection_id" -> {
                uint(where, f, "sequence_number", true);
                uint(where, f, "retire_prior_to", true);
                hex(where, f, "connection_id", true);
            }
            case "retire_connection_id" -> uint(where, f, "sequence_number", true);
            case "path_challenge", "path_response" -> hex(where, f, "data", false);
            case "connection_close" -> {
                oneOf(where, f, "error_space", Set.of("transport", "application"), false);
                errorCode(where, f, false);
            }
            // RFC 9221's frame, which quic-events-03 predates; -05 on define "datagram" {? length, ? raw}.
            case "datagram" -> uint(where, f, "length", false);
            case "unknown" -> uint(where, f, "raw_frame_type", true);
            default -> problems.add(where + ": frame_type is none the draft defines");
        }
    }

    private void pathEndpoint(String where, Map<?, ?> e) {
        if (e == null) {
            return;
        }
        text(where, e, "ip_v4", false);
        text(where, e, "ip_v6", false);
        port(where, e, "port_v4", false);
        port(where, e, "port_v6", false);
        if (e.containsKey("connection_ids")) {
            if (e.get("connection_ids") instanceof List<?> ids && !ids.isEmpty()) {
                for (Object id : ids) {
                    if (!(id instanceof String s) || !isHex(s)) {
                        problems.add(where + ": a connection ID is not a hexstring: " + id);
                    }
                }
            } else {
                problems.add(where + ": connection_ids is not a non-empty array ([+ ConnectionID])");
            }
        }
    }

    /** error_code: a TransportError / ApplicationError name or a uint32. */
    private void errorCode(String where, Map<?, ?> f, boolean required) {
        Object v = f.get("error_code");
        if (v == null) {
            if (required) {
                problems.add(where + ": error_code is missing");
            }
        } else if (!(v instanceof String) && !isUint(v)) {
            problems.add(where + ": error_code is neither a name nor a uint: " + v);
        }
    }

    /** main-schema-03 §6.2: "all qlog field names in a JSON-SEQ serialization MUST be lowercase". */
    private void lowercaseNames(String where, Object v) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = (String) e.getKey();
                if (!k.equals(k.toLowerCase(java.util.Locale.ROOT))) {
                    problems.add(where + ": field name " + k + " is not lowercase (§6.2)");
                }
                lowercaseNames(where, e.getValue());
            }
        } else if (v instanceof List<?> l) {
            for (Object o : l) {
                lowercaseNames(where, o);
            }
        }
    }

    private Map<?, ?> object(String where, Map<?, ?> m, String field, boolean required) {
        Object v = m.get(field);
        if (v == null) {
            if (required) {
                problems.add(where + ": " + field + " is missing");
            }
            return null;
        }
        if (!(v instanceof Map<?, ?> o)) {
            problems.add(where + ": " + field + " is not an object: " + v);
            return null;
        }
        return o;
    }

    private void text(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !(v instanceof String)) {
            problems.add(where + ": " + field + " is not text: " + v);
        }
    }

    private void hex(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !(v instanceof String s && isHex(s))) {
            problems.add(where + ": " + field + " is not a hexstring: " + v);
        }
    }

    private void number(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !(v instanceof BigDecimal)) {
            problems.add(where + ": " + field + " is not a number: " + v);
        }
    }

    private void uint(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !isUint(v)) {
            problems.add(where + ": " + field + " is not an unsigned integer: " + v);
        }
    }

    private void port(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !(isUint(v) && ((BigDecimal) v).compareTo(BigDecimal.valueOf(65_535)) <= 0)) {
            problems.add(where + ": " + field + " is not a uint16: " + v);
        }
    }

    private void bool(String where, Map<?, ?> m, String field, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !(v instanceof Boolean)) {
            problems.add(where + ": " + field + " is not a boolean: " + v);
        }
    }

    private void oneOf(String where, Map<?, ?> m, String field, Set<String> values, boolean required) {
        Object v = present(where, m, field, required);
        if (v != null && !values.contains(v)) {
            problems.add(where + ": " + field + " is not one of " + values + ": " + v);
        }
    }

    private Object present(String where, Map<?, ?> m, String field, boolean required) {
        Object v = m.get(field);
        if (v == null && required) {
            problems.add(where + ": " + field + " is missing");
        }
        return v;
    }

    private static boolean isUint(Object v) {
        if (!(v instanceof BigDecimal b) || b.signum() < 0) {
            return false;
        }
        try {
            b.toBigIntegerExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /** main-schema-03 §1.1: {@code hexstring = text .regexp "([0-9a-f]{2})*"}, lowercase. */
    private static boolean isHex(String s) {
        if (s.length() % 2 != 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
