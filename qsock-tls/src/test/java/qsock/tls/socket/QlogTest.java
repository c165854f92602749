package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/**
 * qlog (issue 17): a loopback transfer with {@link QuicSocketOptions#QLOG_DIR} set on the client and the listener
 * writes one JSON-SEQ file per side, named by the original Destination Connection ID, which this test reads back
 * record by record: the header's required fields (draft-ietf-quic-qlog-main-schema), packets sent and received with
 * their numbers and frames, the stream frames covering exactly the bytes sent, metrics, keys and the close
 * (draft-ietf-quic-qlog-quic-events).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QlogTest {

    private static final int SIZE = 200_000;

    @TempDir
    Path dir;

    @Test
    void aTransferWritesOneTraceForEachSideWithPacketsFramesAndMetrics() throws Exception {
        byte[] data = new byte[SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        try (QuicSocket listener = QuicSocket.open(ConnectionConfig.defaults())
                .bind(new InetSocketAddress(Loopback.address("127.0.0.1"), 0))) {
            listener.setOption(QuicSocketOptions.QLOG_DIR, dir);
            listener.listen(16);
            try (Loopback loopback = Loopback.wrap(listener)) {
                Future<QuicSocket> accepted = loopback.background(() -> {
                    QuicSocket s = listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                QuicSocket client = QuicSocket.open(ConnectionConfig.defaults());
                client.setOption(QuicSocketOptions.QLOG_DIR, dir);
                client.connect(loopback.address);
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                QuicSocket server = accepted.get();
                assertEquals(dir, server.getOption(QuicSocketOptions.QLOG_DIR), "accepted sockets inherit QLOG_DIR");

                client.send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
                ByteBuffer in = ByteBuffer.allocate(SIZE + 1);
                for (int i = 0; i < 100_000 && in.position() < SIZE; i++) {
                    if (server.receive(in).fin()) {
                        break;
                    }
                }
                assertEquals(SIZE, in.position(), "the server received every byte");
                client.close();
                server.close();
            }
        }
        Waits.until("both traces end with connection_closed", () -> closed("_client") && closed("_server"),
                this::listing);

        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertEquals(2, files.size(), "one file per side: " + files);
        String clientName = files.get(0).getFileName().toString();
        String serverName = files.get(1).getFileName().toString();
        assertTrue(clientName.endsWith("_client.sqlog"), clientName);
        assertTrue(serverName.endsWith("_server.sqlog"), serverName);
        String odcid = clientName.substring(0, clientName.indexOf('_'));
        assertEquals(odcid + "_server.sqlog", serverName, "both sides name the trace by the same ODCID");

        List<Map<String, Object>> client = records(files.get(0));
        List<Map<String, Object>> server = records(files.get(1));
        checkHeader(client.getFirst(), odcid, "client");
        checkHeader(server.getFirst(), odcid, "server");
        // The data's sender sends a packet per 1,200 bytes or so; its receiver acknowledges every other one at least
        // (RFC 9000 §13.2.2), or fewer with ACK frequency: a few packets the other way.
        checkPackets(client.subList(1, client.size()), "transport:packet_sent", SIZE / 1500);
        checkPackets(client.subList(1, client.size()), "transport:packet_received", 2);
        checkPackets(server.subList(1, server.size()), "transport:packet_sent", 2);
        checkPackets(server.subList(1, server.size()), "transport:packet_received", SIZE / 1500);
        for (List<Map<String, Object>> trace : List.of(client, server)) {
            List<Map<String, Object>> events = trace.subList(1, trace.size());
            Map<String, Object> metrics = named(events, "recovery:metrics_updated").getFirst();
            Map<?, ?> m = (Map<?, ?>) metrics.get("data");
            assertTrue(((BigDecimal) m.get("congestion_window")).longValue() > 0, "congestion_window: " + m);
            assertNotNull(m.get("smoothed_rtt"), "smoothed_rtt: " + m);
            assertFalse(named(events, "recovery:congestion_state_updated").isEmpty(), "congestion state");
            assertTrue(named(events, "security:key_updated").size() >= 4, "handshake and 1-RTT keys, both ways");
            assertEquals("connectivity:connection_closed", events.getLast().get("name"), "the close ends the trace");
            BigDecimal last = BigDecimal.ZERO;
            for (Map<String, Object> e : events) {
                BigDecimal t = (BigDecimal) e.get("time");
                assertTrue(t.compareTo(last) >= 0, "times never go back: " + e);
                last = t;
            }
        }
        assertEquals(SIZE, streamBytes(named(client, "transport:packet_sent")),
                "the stream frames the client sent cover the bytes sent, each once");
        assertEquals(SIZE, streamBytes(named(server, "transport:packet_received")),
                "the stream frames the server received cover the bytes sent, each once");
    }

    @Test
    void aPathThatIsNoDirectoryIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        try (QuicSocket s = QuicSocket.open(ConnectionConfig.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.QLOG_DIR, file));
            assertEquals(null, s.getOption(QuicSocketOptions.QLOG_DIR), "off by default");
        }
    }

    private static void checkHeader(Map<String, Object> header, String odcid, String vantage) {
        assertEquals("0.3", header.get("qlog_version"), header.toString());
        assertEquals("JSON-SEQ", header.get("qlog_format"), header.toString());
        assertTrue(header.get("title") instanceof String, header.toString());
        Map<?, ?> trace = (Map<?, ?>) header.get("trace");
        Map<?, ?> common = (Map<?, ?>) trace.get("common_fields");
        assertEquals(odcid, common.get("ODCID"));
        assertEquals("relative", common.get("time_format"));
        assertTrue(((BigDecimal) common.get("reference_time")).longValue() > 1_600_000_000_000L, common.toString());
        assertEquals(vantage, ((Map<?, ?>) trace.get("vantage_point")).get("type"));
    }

    private static void checkPackets(List<Map<String, Object>> events, String name, int minimum) {
        List<Map<String, Object>> packets = named(events, name);
        assertTrue(packets.size() >= minimum, name + ": " + packets.size() + " packets, fewer than " + minimum);
        for (Map<String, Object> p : packets) {
            Map<?, ?> data = (Map<?, ?>) p.get("data");
            Map<?, ?> header = (Map<?, ?>) data.get("header");
            assertTrue(header.get("packet_number") instanceof BigDecimal, p.toString());
            assertTrue(List.of("initial", "handshake", "0RTT", "1RTT").contains(header.get("packet_type")), p.toString());
            assertTrue(((BigDecimal) ((Map<?, ?>) data.get("raw")).get("length")).intValue() > 0, p.toString());
            assertFalse(((List<?>) data.get("frames")).isEmpty(), "a packet holds a frame: " + p);
        }
        assertTrue(packets.stream().anyMatch(p -> frames(p).stream().anyMatch(f -> "ack".equals(f.get("frame_type"))
                && !((List<?>) f.get("acked_ranges")).isEmpty())), name + " carries ACK frames with ranges");
    }

    /** {@return the stream bytes the packets' STREAM frames cover, counting a byte sent twice once} */
    private static long streamBytes(List<Map<String, Object>> packets) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        boolean fin = false;
        for (Map<String, Object> p : packets) {
            for (Map<?, ?> f : frames(p)) {
                if ("stream".equals(f.get("frame_type"))) {
                    long offset = ((BigDecimal) f.get("offset")).longValue();
                    long length = ((BigDecimal) f.get("length")).longValue();
                    ranges.merge(offset, offset + length, Math::max);
                    fin |= Boolean.TRUE.equals(f.get("fin"));
                }
            }
        }
        assertTrue(fin, "the last stream frame carries FIN");
        long covered = 0;
        long end = 0;
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            long from = Math.max(r.getKey(), end);
            if (r.getValue() > from) {
                covered += r.getValue() - from;
                end = r.getValue();
            }
        }
        assertEquals(end, covered, "no gap in the stream frames");
        return covered;
    }

    private static List<Map<?, ?>> frames(Map<String, Object> packet) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object f : (List<?>) ((Map<?, ?>) packet.get("data")).get("frames")) {
            out.add((Map<?, ?>) f);
        }
        return out;
    }

    private static List<Map<String, Object>> named(List<Map<String, Object>> events, String name) {
        return events.stream().filter(e -> name.equals(e.get("name"))).toList();
    }

    /** {@return the records of a JSON-SEQ file (RFC 7464): each RS, one JSON text, LF} */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> records(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("\u001e"), "a record starts with RS");
        List<Map<String, Object>> out = new ArrayList<>();
        for (String record : text.substring(1).split("\u001e", -1)) {
            assertTrue(record.endsWith("\n"), "a record ends with LF: " + record);
            out.add((Map<String, Object>) Json.parse(record));
        }
        return out;
    }

    private boolean closed(String side) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(side + ".sqlog")).toList()) {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                int last = text.lastIndexOf('\u001e');
                if (last >= 0 && text.endsWith("\n") && text.substring(last).contains("connection_closed")) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private String listing() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName() + " " + p.toFile().length()).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
