package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@link QlogSchema} validator on the drafts' own examples (draft-ietf-quic-qlog-main-schema-03,
 * draft-ietf-quic-qlog-quic-events-03; their shapes copied, "..." elisions dropped), which it accepts, and on each
 * example with a required field taken out or an enumerated value changed, which it refuses naming the field.
 */
class QlogSchemaTest {

    /** main-schema-03 §6.2, Figure "Top-level element" (JSON-SEQ), the summary ("...") left out. */
    private static final String HEADER = """
            {"qlog_version": "0.3", "qlog_format": "JSON-SEQ",
             "title": "Name of JSON Text Sequence qlog file (short)",
             "description": "Description for this trace file (long)",
             "trace": {"common_fields": {"protocol_type": ["QUIC","HTTP3"],
                                         "group_id": "127ecc830d98f9d54a42c4f0842aa87e181a",
                                         "time_format": "relative", "reference_time": 1553986553572},
                       "vantage_point": {"name": "backend-67", "type": "server"}}}""";

    /**
     * main-schema-03 §3.4, Figure "Event example" (keys quoted), without its ODCID field (see {@link
     * #theEventExamplesUppercaseFieldIsRefusedInJsonSeq}), with §3.4.3 Figure "Example of the 'data' field for a QUIC
     * packet_sent event" as its data, plus the two fields quic-events-03 §8 requires that the illustrative data leaves
     * out (see {@link #theMainSchemasIllustrativeStreamFrameLacksTheRequiredStreamId}).
     */
    private static final String PACKET_SENT = """
            {"time": 1553986553572, "name": "transport:packet_sent",
             "data": {"packet_size": 1280, "header": {"packet_type": "1RTT", "packet_number": 123},
                      "frames": [{"frame_type": "stream", "stream_id": 0, "length": 1000, "offset": 456},
                                 {"frame_type": "padding", "payload_length": 0}]},
             "protocol_type": ["QUIC","HTTP3"], "group_id": "127ecc830d98f9d54a42c4f0842aa87e181a",
             "time_format": "absolute"}""";

    /** quic-events-03 §8 "AckFrame": the acked_ranges its comment shows, [[1,2],[4,5], [7], [10,22]]. */
    private static final String ACK = """
            {"time": 7, "name": "transport:packet_received",
             "data": {"header": {"packet_type": "initial", "packet_number": 0},
                      "frames": [{"frame_type": "ack", "acked_ranges": [[1,2],[4,5], [7], [10,22]]}]}}""";

    @Test
    void theDraftsExamplesPass() {
        assertEquals(List.of(), QlogSchema.violations(seq(HEADER, PACKET_SENT, ACK)));
        // main-schema-03 §3.3.2, Figure "VantagePoint example": both vantage points.
        for (String vantage : List.of("{\"name\": \"aioquic client\", \"type\": \"client\"}",
                "{\"name\": \"wireshark trace\", \"type\": \"network\", \"flow\": \"client\"}")) {
            assertEquals(List.of(), QlogSchema.violations(seq(HEADER.replace(
                    "{\"name\": \"backend-67\", \"type\": \"server\"}", vantage))), vantage);
        }
    }

    @Test
    void aHeaderWithoutARequiredFieldIsRefused() {
        refused(trace(HEADER.replace("\"qlog_version\": \"0.3\",", "")), "qlog_version is missing");
        refused(trace(HEADER.replace("\"JSON-SEQ\"", "\"JSON\"")), "qlog_format is not \"JSON-SEQ\"");
        refused(trace(HEADER.replace("\"type\": \"server\"", "\"kind\": \"server\"")), "type is missing");
        refused(trace(HEADER.replace("\"type\": \"server\"", "\"type\": \"proxy\"")), "type is not one of");
        refused(trace(HEADER.replace("\"type\": \"server\"", "\"type\": \"network\"")), "flow is required");
        refused(trace(HEADER.replace("\"relative\"", "\"relative_ms\"")), "time_format is not one of");
        refused(trace("{\"qlog_version\": \"0.3\", \"qlog_format\": \"JSON-SEQ\"}"), "trace is missing");
    }

    @Test
    void anEventWithoutTimeNameOrDataIsRefused() {
        refused(event(PACKET_SENT.replace("\"time\": 1553986553572,", "")), "time is missing");
        refused(event(PACKET_SENT.replace("\"time\": 1553986553572", "\"time\": \"now\"")), "time is not a number");
        refused(event(PACKET_SENT.replace("transport:packet_sent", "transport:packet_launched")),
                "no category:event the drafts define");
        refused(event("{\"time\": 1, \"name\": \"transport:packet_sent\"}"), "data is missing");
    }

    @Test
    void aPacketWithoutItsRequiredFieldsIsRefused() {
        refused(event(PACKET_SENT.replace("\"1RTT\"", "\"1rtt\"")), "packet_type is not one of");
        refused(event(PACKET_SENT.replace("\"header\"", "\"hdr\"")), "header is missing");
        refused(event(PACKET_SENT.replace("\"offset\": 456", "\"offset\": -1")), "offset is not an unsigned");
        refused(event(PACKET_SENT.replace("\"stream\"", "\"streem\"")), "frame_type is none the draft defines");
        refused(event(ACK.replace("[7]", "[7,8,9]")), "an ack range is not [1*2 uint64]");
    }

    @Test
    void theMainSchemasIllustrativeStreamFrameLacksTheRequiredStreamId() {
        // main-schema-03 §3.4.3 calls its example "purely illustrative": quic-events-03 §8 StreamFrame requires
        // stream_id and PaddingFrame payload_length, which it leaves out; the validator follows quic-events.
        String illustrative = PACKET_SENT.replace("\"stream_id\": 0, ", "").replace(", \"payload_length\": 0", "");
        List<String> v = QlogSchema.eventViolations(single(illustrative));
        assertEquals(2, v.size(), v.toString());
        assertTrue(v.get(0).contains("stream_id is missing"), v.toString());
        assertTrue(v.get(1).contains("payload_length is missing"), v.toString());
    }

    @Test
    void theEventExamplesUppercaseFieldIsRefusedInJsonSeq() {
        // main-schema-03 §3.4's example carries "ODCID"; §6.2: in JSON-SEQ every field name MUST be lowercase.
        refused(event(PACKET_SENT.replace("\"time_format\": \"absolute\"",
                "\"time_format\": \"absolute\", \"ODCID\": \"127ecc830d98f9d54a42c4f0842aa87e181a\"")),
                "field name ODCID is not lowercase");
    }

    @Test
    void theConnectivityAndSecurityEventsQsockWritesNeedTheirRequiredFields() {
        String cid = """
                {"time": 3, "name": "connectivity:connection_id_updated",
                 "data": {"owner": "remote", "old": "0a0b", "new": "0c0d"}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(cid)));
        refused(event(cid.replace("\"owner\": \"remote\", ", "")), "owner is missing");
        refused(event(cid.replace("\"remote\"", "\"peer\"")), "owner is not one of");
        refused(event(cid.replace("\"0c0d\"", "\"0C0D\"")), "new is not a hexstring");

        String started = """
                {"time": 0, "name": "connectivity:connection_started",
                 "data": {"ip_version": "v4", "src_ip": "127.0.0.1", "dst_ip": "127.0.0.1", "src_port": 4433,
                          "dst_port": 50000, "src_cid": "01", "dst_cid": "02"}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(started)));
        refused(event(started.replace("\"src_ip\": \"127.0.0.1\", ", "")), "src_ip is missing");
        refused(event(started.replace("50000", "70000")), "dst_port is not a uint16");

        String path = """
                {"time": 9, "name": "connectivity:path_assigned",
                 "data": {"path_id": "1", "path_remote": {"ip_v4": "127.0.0.1", "port_v4": 4433,
                                                          "connection_ids": ["0a0b"]},
                          "path_local": {"ip_v4": "127.0.0.2", "port_v4": 50001}}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(path)));
        refused(event(path.replace("\"path_id\": \"1\", ", "")), "path_id is missing");
        refused(event(path.replace("[\"0a0b\"]", "[]")), "connection_ids is not a non-empty array");

        String mtu = "{\"time\": 9, \"name\": \"connectivity:mtu_updated\", \"data\": {\"old\": 1200, \"new\": 1452}}";
        assertEquals(List.of(), QlogSchema.eventViolations(single(mtu)));
        refused(event(mtu.replace(", \"new\": 1452", "")), "new is missing");

        String key = """
                {"time": 1, "name": "security:key_updated",
                 "data": {"key_type": "client_1rtt_secret", "trigger": "tls"}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(key)));
        refused(event(key.replace("client_1rtt_secret", "client_1rtt_key")), "key_type is not one of");

        String closed = """
                {"time": 5, "name": "connectivity:connection_closed",
                 "data": {"owner": "local", "connection_code": 0, "trigger": "clean"}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(closed)));
        refused(event(closed.replace("\"clean\"", "\"unspecified\"")), "trigger is not one of");

        String ncid = """
                {"time": 5, "name": "transport:packet_sent",
                 "data": {"header": {"packet_type": "1RTT", "packet_number": 4},
                          "frames": [{"frame_type": "new_connection_id", "sequence_number": 1,
                                      "retire_prior_to": 0, "connection_id": "a1b2"}]}}""";
        assertEquals(List.of(), QlogSchema.eventViolations(single(ncid)));
        refused(event(ncid.replace(", \"connection_id\": \"a1b2\"", "")), "connection_id is missing");
    }

    private static void refused(List<String> violations, String expected) {
        assertTrue(violations.stream().anyMatch(v -> v.contains(expected)),
                "expected a violation containing \"" + expected + "\", got " + violations);
    }

    private static List<String> trace(String header) {
        return QlogSchema.violations(seq(header));
    }

    private static List<String> event(String json) {
        return QlogSchema.eventViolations(single(json));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> single(String json) {
        return (Map<String, Object>) Json.parse(json);
    }

    private static List<Map<String, Object>> seq(String... records) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String r : records) {
            out.add(single(r));
        }
        return out;
    }
}
